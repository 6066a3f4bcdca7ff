"""`availability_zones` as a property, against the mocked cloud's DescribeAvailabilityZones answer
for regions made up by hypothesis: 2-6 regular AZs in any order and state, Local and Wavelength
Zones (opted in or not), and the zone ids EKS refuses. A new stack gets the first available
regular AZs EKS supports, by name; a kept stack (pinned, or as recorded) keeps its AZs and their
order whatever state AWS reports; anything else is a settings error naming the key."""

from __future__ import annotations

from contextlib import contextmanager
from unittest.mock import patch

import pulumi
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from components.base.config import SettingsError
from components.network.settings import NetworkSettings
from components.network.zones import availability_zones
from preflight.offline import mocked_aws
from preflight.offline.mocked_aws import MockedCloud, Zone

REGION = "xx-test-1"
# The AZ ids where EKS cannot place a cluster's subnets: us-east-1 use1-az3, us-west-1 usw1-az2,
# ca-central-1 cac1-az3 (EKS user guide, "VPC and subnet requirements", table "Disallowed
# Availability Zone IDs": awsdocs/amazon-eks-user-guide latest/ug/networking/network-reqs.adoc
# @f6004140, read 2026-12-06). Written down here, not read from the code under test.
EKS_REFUSES = ("use1-az3", "usw1-az2", "cac1-az3")
STATES = ("available", "impaired", "unavailable", "information")


@st.composite
def regions(draw: st.DrawFn) -> tuple[Zone, ...]:
    """A region's zones in the order AWS happens to keep them (the provider sorts by name)."""
    letters = draw(st.lists(st.sampled_from("abcdefgh"), min_size=2, max_size=6, unique=True))
    zones = [
        Zone(
            f"{REGION}{letter}",
            # One zone in five has an id EKS refuses.
            EKS_REFUSES[index % 3] if draw(st.integers(0, 4)) == 0 else f"xxt1-az{index + 1}",
            state=draw(st.sampled_from(STATES)),
            group_name=REGION,
        )
        for index, letter in enumerate(letters)
    ]
    # Local Zones sort before `<region>a`, Wavelength Zones after.
    for name, kind in draw(
        st.lists(
            st.sampled_from(
                (
                    (f"{REGION}-bos-1a", "local-zone"),
                    (f"{REGION}-mia-1a", "local-zone"),
                    (f"{REGION}-wl1-bos-wlz-1", "wavelength-zone"),
                )
            ),
            unique=True,
            max_size=3,
        )
    ):
        zones.append(
            Zone(
                name,
                f"xxt1-{name.split('-')[3]}-az1",
                kind,
                # Whatever the opt-in status says, a Local or Wavelength Zone is never a choice.
                draw(st.sampled_from(("opted-in", "not-opted-in", "opt-in-not-required"))),
                draw(st.sampled_from(STATES)),
                name.rsplit("-", 1)[0],
            )
        )
    return tuple(draw(st.permutations(zones)))


def regular(zones: tuple[Zone, ...]) -> list[Zone]:
    """The zones a cluster's subnets may be in: regular AZs whose id EKS accepts."""
    return [z for z in zones if z.zone_type == "availability-zone" and z.zone_id not in EKS_REFUSES]


def usable_now(zones: tuple[Zone, ...]) -> list[str]:
    return sorted(z.name for z in regular(zones) if z.state == "available")


@contextmanager
def cloud(zones: tuple[Zone, ...]):
    """The mocked cloud answering for a region with `zones`."""
    with patch.dict(mocked_aws.REGION_ZONES, {REGION: zones}):
        pulumi.runtime.set_mocks(MockedCloud(REGION), preview=False)
        yield


def problems(call) -> list[str]:
    with pytest.raises(SettingsError) as error:
        call()
    return error.value.problems


@settings(max_examples=150, deadline=None)
@given(zones=regions(), az_count=st.integers(2, 6))
def test_a_new_stack_gets_the_first_available_regular_zones_eks_supports(zones, az_count):
    usable = usable_now(zones)
    with cloud(zones):
        if len(usable) >= az_count:
            assert availability_zones(NetworkSettings(az_count=az_count)) == tuple(
                usable[:az_count]
            )
        else:
            [problem] = problems(lambda: availability_zones(NetworkSettings(az_count=az_count)))
            assert problem.startswith(f"eks-platform:network.azCount = {az_count}: ")
            assert f"offers {len(usable)} usable AZs" in problem


@settings(max_examples=150, deadline=None)
@given(zones=regions(), data=st.data())
def test_a_recorded_stack_keeps_its_zones_and_their_order_whatever_aws_reports(zones, data):
    kept = [z.name for z in regular(zones)]  # their state changed since, in any way
    previous = tuple(data.draw(st.permutations(kept))[: data.draw(st.integers(2, 6))])
    assume(len(previous) >= 2)
    az_count = data.draw(st.integers(2, len(previous)))
    with cloud(zones):
        chosen = availability_zones(NetworkSettings(az_count=az_count), previous)
    # Fewer AZs asked for: the last recorded ones go (the day-2 guard decides if they may).
    assert chosen == previous[:az_count]


@settings(max_examples=150, deadline=None)
@given(zones=regions(), data=st.data())
def test_more_zones_than_recorded_adds_available_ones_after_the_recorded(zones, data):
    previous = tuple(data.draw(st.permutations([z.name for z in regular(zones)]))[:2])
    assume(len(previous) == 2)
    az_count = data.draw(st.integers(3, 6))
    new = [z for z in usable_now(zones) if z not in previous]
    with cloud(zones):
        if len(new) >= az_count - 2:
            chosen = availability_zones(NetworkSettings(az_count=az_count), previous)
            assert chosen == previous + tuple(new[: az_count - 2])
        else:
            [problem] = problems(
                lambda: availability_zones(NetworkSettings(az_count=az_count), previous)
            )
            assert problem.startswith(f"eks-platform:network.azCount = {az_count}: ")


@settings(max_examples=150, deadline=None)
@given(zones=regions(), data=st.data())
def test_pinned_zones_are_kept_in_their_order_and_only_regular_ones_eks_supports(zones, data):
    names = [z.name for z in zones] + [f"{REGION}z"]  # and one the region does not have
    pinned = tuple(data.draw(st.lists(st.sampled_from(names), min_size=2, max_size=6, unique=True)))
    accepted = {z.name for z in regular(zones)}
    refused = [z for z in pinned if z not in accepted]
    settings_ = NetworkSettings(availability_zones=pinned, az_count=len(pinned))
    # A recorded stack elsewhere does not matter: the pin is what the stack says.
    previous = tuple(sorted(accepted))[:2]
    with cloud(zones):
        if not refused:
            assert availability_zones(settings_, previous) == pinned
        else:
            [problem] = problems(lambda: availability_zones(settings_, previous))
            assert problem.startswith(f'eks-platform:network.availabilityZones = ["{pinned[0]}"')
            assert f"{refused} not offered to EKS" in problem


@settings(max_examples=100, deadline=None)
@given(zones=regions(), data=st.data())
def test_a_recorded_zone_the_region_no_longer_has_is_refused(zones, data):
    previous = (*[z.name for z in regular(zones)][:1], f"{REGION}z")
    with cloud(zones):
        [problem] = problems(
            lambda: availability_zones(NetworkSettings(az_count=len(previous)), previous)
        )
    assert problem.startswith(f"eks-platform:network.azCount = {len(previous)}: ")
    assert f"['{REGION}z']" in problem
