"""Choosing the stack's availability zones from what the region offers to EKS."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi_aws as aws

from config import PROJECT, SettingsError
from network.settings import NetworkSettings

# AZs where EKS cannot place control-plane ENIs (EKS user guide, "Amazon EKS clusters" requirements).
EKS_UNSUPPORTED_ZONE_IDS = ("use1-az3", "usw1-az2", "cac1-az3")


def choose_zones(available: Sequence[str], pinned: Sequence[str], count: int) -> tuple[str, ...]:
    """The pinned AZs, or the first `count` available ones; ValueError says what is missing."""
    if pinned:
        if missing := [z for z in pinned if z not in available]:
            raise ValueError(
                f"{missing} not available to EKS in this region; available: {', '.join(available)}"
            )
        return tuple(pinned)
    if len(available) < count:
        raise ValueError(
            f"the region offers {len(available)} usable AZs ({', '.join(available)}), not {count}"
        )
    return tuple(available[:count])


def availability_zones(settings: NetworkSettings) -> tuple[str, ...]:
    """The AZs the network spans, from the region's answer; a SettingsError (before any resource
    is registered) when the settings ask for AZs the region does not offer to EKS."""
    offered = aws.get_availability_zones(
        state="available", exclude_zone_ids=list(EKS_UNSUPPORTED_ZONE_IDS)
    )
    try:
        return choose_zones(offered.names, settings.availability_zones, settings.az_count)
    except ValueError as error:
        key = "network.availabilityZones" if settings.availability_zones else "network.azCount"
        value = list(settings.availability_zones) or settings.az_count
        raise SettingsError([f"{PROJECT}:{key} = {json.dumps(value)}: {error}"]) from None
