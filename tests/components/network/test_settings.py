"""`network.*`: the VPC range, AZ count or pinned AZs, NAT mode, and the subnet plan fitting."""

import pytest

from components.base.config import SettingsError
from components.stack.settings import load_settings

BASE = {"owner": "platform-team"}


def network(raw: dict):
    return load_settings({**BASE, "network": raw}, "dev").network


def only_problem(raw: dict) -> str:
    with pytest.raises(SettingsError) as error:
        network(raw)
    [problem] = error.value.problems
    return problem


@pytest.mark.parametrize(
    ("cidr", "allowed"),
    [
        ("10.0.0.0/33", "IPv4 network"),
        ("10.0.0.1/16", "no host bits"),
        ("10.0.0.0/8", "between /16 and /24"),
        ("10.0.0.0/25", "between /16 and /24"),
        ("8.8.0.0/16", "private range"),
        ("fd00::/48", "IPv4 network"),
    ],
)
def test_vpc_cidr(cidr, allowed):
    message = only_problem({"vpcCidr": cidr})
    assert message.startswith(f'eks-platform:network.vpcCidr = "{cidr}"')
    assert allowed in message


@pytest.mark.parametrize(
    "cidr", ["10.0.0.0/16", "172.16.0.0/16", "192.168.0.0/16", "100.64.0.0/16"]
)
def test_every_private_range_is_accepted(cidr):
    assert network({"vpcCidr": cidr}).plan


def test_pinned_zones_set_the_count():
    assert network({"availabilityZones": ["eu-west-1a", "eu-west-1b"]}).az_count == 2


@pytest.mark.parametrize(
    "zones", [["eu-west-1a"], ["eu-west-1a", "eu-west-1a"], ["eu-west-1a", "not-a-zone"]]
)
def test_pinned_zones_need_two_distinct_names(zones):
    assert "network.availabilityZones" in only_problem({"availabilityZones": zones})


def test_pinned_zones_and_a_different_count_conflict():
    message = only_problem({"availabilityZones": ["eu-west-1a", "eu-west-1b"], "azCount": 3})
    assert "network.azCount = 3" in message and "len(availabilityZones) = 2" in message


def test_subnet_plan_must_fit():
    message = only_problem({"vpcCidr": "10.0.0.0/22"})
    assert message.startswith(
        'eks-platform:network.vpcCidr = "10.0.0.0/22": subnet plan does not fit'
    )


def test_subnet_plan_says_by_how_much():
    message = only_problem({"vpcCidr": "10.0.0.0/20", "privateSubnetPrefix": 22, "azCount": 4})
    assert "short by 1024 addresses" in message


def test_nat_mode_choices():
    assert only_problem({"natMode": "dual"}) == (
        'eks-platform:network.natMode = "dual": must be one of per-az, single, none'
    )


def test_no_nat_requires_interface_endpoints():
    message = only_problem({"natMode": "none"})
    assert "network.interfaceEndpoints = false" in message and "natMode is 'none'" in message
    assert network({"natMode": "none", "interfaceEndpoints": True})


def test_private_subnet_prefix_says_what_it_sizes():
    assert only_problem({"privateSubnetPrefix": 23}) == (
        "eks-platform:network.privateSubnetPrefix = 23: must be an integer from 17 to 22 "
        "(private subnet size)"
    )


def test_the_plan_follows_the_settings():
    plan = network({"vpcCidr": "10.1.0.0/16", "azCount": 2, "privateSubnetPrefix": 20}).plan
    assert [az.private for az in plan.azs] == ["10.1.0.0/20", "10.1.16.0/20"]
    assert plan.public_prefix == 24 and plan.intra_prefix == 28
