"""The stack's availability zones: chosen once from what the region offers to EKS, then kept.

A new stack takes the first `azCount` zones the region reports `available`. After that the AZs are
the ones in the stack's config (`network.availabilityZones`, which `./scripts/up` writes after the
first deploy) or, failing that, the ones the last deployment recorded: AWS's answer never moves an
existing network (an AZ that is `impaired` during an AWS event, or a Local Zone the account opts
into, would otherwise re-plan every subnet)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.base.config import SettingsError
from components.base.config.problems import problem_text
from components.network.existing import judge, look
from components.network.settings import NetworkSettings

# AZs where EKS cannot place control-plane ENIs: the EKS user guide's network requirements, kept
# with that source in the data file beside this one.
UNSUPPORTED_ZONES_FILE = Path(__file__).with_name("eks-unsupported-zones.json")
EKS_UNSUPPORTED_ZONE_IDS = tuple(json.loads(UNSUPPORTED_ZONES_FILE.read_text())["zoneIds"].values())
# Regular AZs only: Local Zones and Wavelength Zones (opt-in, `zone-type` local-zone or
# wavelength-zone) have no EKS control plane and sort before `<region>a` (us-east-1-bos-1a).
# Filter names from the EC2 API reference, DescribeAvailabilityZones.
REGULAR_ZONE_FILTERS = (
    ("zone-type", ("availability-zone",)),
    ("opt-in-status", ("opt-in-not-required",)),
)


def choose_zones(available: Sequence[str], count: int) -> tuple[str, ...]:
    """The first `count` available AZs (by name, as AWS lists them); ValueError when too few."""
    if len(available) < count:
        raise ValueError(
            f"the region offers {len(available)} usable AZs ({', '.join(available)}), not {count}"
        )
    return tuple(sorted(available)[:count])


def missing_zones(zones: Sequence[str], region_zones: Sequence[str]) -> list[str]:
    return [z for z in zones if z not in region_zones]


def _region_zones(available_only: bool) -> list[str]:
    return aws.get_availability_zones(
        state="available" if available_only else None,
        exclude_zone_ids=list(EKS_UNSUPPORTED_ZONE_IDS),
        filters=[
            aws.GetAvailabilityZonesFilterArgs(name=name, values=list(values))
            for name, values in REGULAR_ZONE_FILTERS
        ],
    ).names


def availability_zones(settings: NetworkSettings, deployed: Sequence[str] = ()) -> tuple[str, ...]:
    """The AZs the network spans: pinned in the settings, else those `deployed` recorded (kept
    in order), else the first available ones; in an existing VPC, those of its node subnets. A
    SettingsError, before any resource is registered, when the region no longer has a kept AZ
    or offers too few, or the existing VPC does not suit a cluster."""
    if settings.existing:
        return existing_zones(settings)
    pinned = settings.availability_zones
    if pinned:
        # Existence, not state: an AZ that is impaired today still holds our subnets.
        region = _region_zones(available_only=False)
        if missing := missing_zones(pinned, region):
            raise _zone_error(
                "network.availabilityZones",
                list(pinned),
                f"{missing} not offered to EKS in this region; its regular AZs (no Local or "
                f"Wavelength Zones): {', '.join(region)}",
            )
        return tuple(pinned)
    try:
        if deployed:
            kept = tuple(deployed[: settings.az_count])
            if missing := missing_zones(kept, _region_zones(available_only=False)):
                raise ValueError(
                    f"the stack was deployed in {missing}, which the region no longer offers"
                )
            added = settings.az_count - len(kept)  # more AZs asked for: the day-2 guard decides
            if added <= 0:
                return kept
            others = [z for z in _region_zones(available_only=True) if z not in kept]
            return kept + choose_zones(others, added)
        return choose_zones(_region_zones(available_only=True), settings.az_count)
    except ValueError as error:
        raise _zone_error("network.azCount", settings.az_count, str(error)) from None


def _zone_error(key: str, value: object, problem: str) -> SettingsError:
    return SettingsError([problem_text(key, value, problem)])


def existing_zones(settings: NetworkSettings) -> tuple[str, ...]:
    """The AZs of an existing VPC's node subnets, once the VPC and its subnets are found to suit
    a cluster (every problem at once; what only deserves a look goes to the Pulumi log)."""
    seen = look(settings, aws.get_region().region, aws.get_caller_identity().account_id)
    verdict = judge(settings, seen, EKS_UNSUPPORTED_ZONE_IDS)
    if verdict.problems:
        raise SettingsError(verdict.problems)
    for warning in verdict.warnings:
        pulumi.log.warn(warning)
    return verdict.zones
