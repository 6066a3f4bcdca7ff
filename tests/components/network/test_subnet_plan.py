import ipaddress
import itertools

import pytest

from components.network.settings import NetworkSettings
from components.network.subnet_plan import SubnetPlanError
from components.network.subnet_plan import plan_subnets as plan_subnets_of

DEFAULTS = NetworkSettings()


def plan_subnets(vpc_cidr, az_count, **prefixes):
    """The plan with the settings' default sizes unless a test gives others."""
    return plan_subnets_of(
        vpc_cidr,
        az_count,
        private_prefix=prefixes.get("private_prefix", DEFAULTS.private_subnet_prefix),
        public_prefix=prefixes.get("public_prefix", DEFAULTS.public_subnet_prefix),
        intra_prefix=prefixes.get("intra_prefix", DEFAULTS.intra_subnet_prefix),
    )


def networks(plan):
    return [ipaddress.ip_network(c) for az in plan.azs for c in (az.public, az.private, az.intra)]


@pytest.mark.parametrize("az_count", [2, 3, 4, 5, 6])
def test_default_plan_in_a_16_fits_without_overlap(az_count):
    plan = plan_subnets("10.0.0.0/16", az_count)
    vpc = ipaddress.ip_network("10.0.0.0/16")
    nets = networks(plan)
    assert len(nets) == 3 * az_count
    assert all(n.subnet_of(vpc) for n in nets)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(nets, 2))
    assert plan.private_prefix == 19  # bigger than the /20 pods need in a /16
    assert all(ipaddress.ip_network(az.intra).prefixlen == 28 for az in plan.azs)


def test_subnets_do_not_move_when_azs_are_added():
    three = plan_subnets("10.0.0.0/16", 3)
    six = plan_subnets("10.0.0.0/16", 6)
    assert six.azs[:3] == three.azs


def test_plan_is_deterministic_and_leaves_room_to_grow():
    plan = plan_subnets("10.0.0.0/16", 3)
    assert plan == plan_subnets("10.0.0.0/16", 3)
    assert plan.azs[0].private == "10.0.0.0/19"
    assert plan.azs[0].public == "10.0.224.0/24"
    assert plan.azs[0].intra == "10.0.255.240/28"
    assert plan.free_private_blocks == 4


def test_smallest_vpc_that_fits_with_explicit_prefixes():
    plan = plan_subnets("10.0.0.0/20", 3, private_prefix=22, public_prefix=24, intra_prefix=28)
    assert [az.private for az in plan.azs] == ["10.0.0.0/22", "10.0.4.0/22", "10.0.8.0/22"]
    assert plan.free_private_blocks == 0


def test_too_many_azs_says_by_how_much():
    with pytest.raises(SubnetPlanError, match=r"short by 2048 addresses"):
        plan_subnets("10.0.0.0/18", 8)


def test_private_subnets_too_small_for_pods():
    with pytest.raises(SubnetPlanError, match=r"/27 .*at least /22"):
        plan_subnets("10.0.0.0/24", 3)


def test_small_tiers_overflow_their_block():
    with pytest.raises(SubnetPlanError, match=r"short by"):
        plan_subnets("10.0.0.0/20", 3, private_prefix=22, public_prefix=22)


def test_intra_smaller_than_28_is_refused():
    with pytest.raises(SubnetPlanError, match="/28"):
        plan_subnets("10.0.0.0/16", 3, intra_prefix=29)
