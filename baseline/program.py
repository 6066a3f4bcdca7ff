"""What __main__.py needs before it builds anything: settings and where the stack deploys."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
from pulumi.runtime import config as runtime_config

from baseline.iam_documents import AwsContext
from baseline.settings import PROJECT, Settings, SettingsError, load_settings, raw_project_config
from baseline.zones import EKS_UNSUPPORTED_ZONE_IDS, choose_zones


def current_config() -> dict[str, object]:
    """Every config value of this run: what the CLI passed in PULUMI_CONFIG plus anything set in-process."""
    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def read_settings() -> Settings:
    """The validated settings of the current stack; warnings go to the Pulumi log."""
    settings = load_settings(raw_project_config(current_config()), pulumi.get_stack())
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    return settings


def aws_context() -> AwsContext:
    identity = aws.get_caller_identity()
    partition = aws.get_partition()
    region = aws.get_region()
    return AwsContext(identity.account_id, partition.partition, region.region, partition.dns_suffix)


def availability_zones(settings: Settings) -> tuple[str, ...]:
    network = settings.network
    offered = aws.get_availability_zones(
        state="available", exclude_zone_ids=list(EKS_UNSUPPORTED_ZONE_IDS)
    )
    try:
        return choose_zones(offered.names, network.availability_zones, network.az_count)
    except ValueError as error:
        key = "network.availabilityZones" if network.availability_zones else "network.azCount"
        value = list(network.availability_zones) or network.az_count
        raise SettingsError([f"{PROJECT}:{key} = {json.dumps(value)}: {error}"]) from None
