import ipaddress
import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

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
    with pytest.raises(SubnetPlanError) as error:
        plan_subnets("10.0.0.0/24", 3)
    assert str(error.value) == (
        "private subnets would be /27 (32 addresses); pods need at least /22 per AZ: use a "
        "larger VPC or a smaller privateSubnetPrefix"
    )


@pytest.mark.parametrize(
    ("prefixes", "message"),
    [
        ((20, 24, 28), "prefixes must satisfy VPC /20 < private /20 <= public /24 and intra /28"),
        ((21, 20, 28), "prefixes must satisfy VPC /20 < private /21 <= public /20 and intra /28"),
        ((21, 24, 20), "prefixes must satisfy VPC /20 < private /21 <= public /24 and intra /20"),
        # Intra as large as a private block passes this rule; it cannot fit beside public ones.
        (
            (22, 24, 22),
            "1 public /24 and intra /22 subnets need 1280 addresses but their shared /22 "
            "block has 1024; short by 256. Use smaller public or intra subnets",
        ),
    ],
)
def test_prefixes_out_of_order(prefixes, message):
    private, public, intra = prefixes
    with pytest.raises(SubnetPlanError) as error:
        plan_subnets_of(
            "10.0.0.0/20", 1, private_prefix=private, public_prefix=public, intra_prefix=intra
        )
    assert str(error.value) == message


def test_small_tiers_overflow_their_block():
    with pytest.raises(SubnetPlanError, match=r"short by"):
        plan_subnets("10.0.0.0/20", 3, private_prefix=22, public_prefix=22)


def test_at_least_one_az():
    with pytest.raises(SubnetPlanError) as error:
        plan_subnets("10.0.0.0/16", 0)
    assert str(error.value) == "need at least one AZ, got 0"


def test_intra_smaller_than_28_is_refused():
    with pytest.raises(SubnetPlanError, match="/28"):
        plan_subnets("10.0.0.0/16", 3, intra_prefix=29)


# Worked out by hand from the layout (docs/architecture.md, "Subnet plan"): private subnets are
# the first /q blocks of the VPC; public subnets are cut from the start of its last /q block and
# intra subnets from that block's end.
HAND_PLANS = [
    (
        ("10.0.0.0/16", 3, None, 24, 28),
        ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
        ["10.0.224.0/24", "10.0.225.0/24", "10.0.226.0/24"],
        ["10.0.255.240/28", "10.0.255.224/28", "10.0.255.208/28"],
        4,
    ),
    (
        ("172.16.0.0/20", 3, 22, 24, 28),
        ["172.16.0.0/22", "172.16.4.0/22", "172.16.8.0/22"],
        ["172.16.12.0/24", "172.16.13.0/24", "172.16.14.0/24"],
        ["172.16.15.240/28", "172.16.15.224/28", "172.16.15.208/28"],
        0,
    ),
    (
        # The public and intra subnets fill their shared block exactly.
        ("10.0.0.0/20", 2, 22, 24, 24),
        ["10.0.0.0/22", "10.0.4.0/22"],
        ["10.0.12.0/24", "10.0.13.0/24"],
        ["10.0.15.0/24", "10.0.14.0/24"],
        1,
    ),
    (
        ("192.168.0.0/18", 2, None, 25, 28),
        ["192.168.0.0/21", "192.168.8.0/21"],
        ["192.168.56.0/25", "192.168.56.128/25"],
        ["192.168.63.240/28", "192.168.63.224/28"],
        5,
    ),
    (
        ("10.0.0.0/17", 6, 20, 26, 27),
        [f"10.0.{16 * i}.0/20" for i in range(6)],
        [
            "10.0.112.0/26",
            "10.0.112.64/26",
            "10.0.112.128/26",
            "10.0.112.192/26",
            "10.0.113.0/26",
            "10.0.113.64/26",
        ],
        [
            "10.0.127.224/27",
            "10.0.127.192/27",
            "10.0.127.160/27",
            "10.0.127.128/27",
            "10.0.127.96/27",
            "10.0.127.64/27",
        ],
        1,
    ),
    (
        ("100.64.0.0/16", 1, 17, 24, 28),
        ["100.64.0.0/17"],
        ["100.64.128.0/24"],
        ["100.64.255.240/28"],
        0,
    ),
]


@pytest.mark.parametrize(("args", "private", "public", "intra", "free"), HAND_PLANS)
def test_plans_worked_out_by_hand(args, private, public, intra, free):
    vpc, az_count, private_prefix, public_prefix, intra_prefix = args
    plan = plan_subnets_of(
        vpc,
        az_count,
        private_prefix=private_prefix,
        public_prefix=public_prefix,
        intra_prefix=intra_prefix,
    )
    assert [az.private for az in plan.azs] == private
    assert [az.public for az in plan.azs] == public
    assert [az.intra for az in plan.azs] == intra
    assert plan.free_private_blocks == free


def test_what_does_not_fit_says_by_how_much():
    # Two /17 private blocks and the shared /17 need 3 * 32768 addresses; a /16 has 65536.
    with pytest.raises(SubnetPlanError) as error:
        plan_subnets_of("100.64.0.0/16", 2, private_prefix=17, public_prefix=24, intra_prefix=28)
    assert str(error.value) == (
        "2 AZs need 2 private /17 blocks plus one shared block for the public and intra "
        "subnets: 98304 addresses, but VPC 100.64.0.0/16 has 65536; short by 32768 addresses. "
        "Use a larger VPC, fewer AZs or a smaller privateSubnetPrefix"
    )
    # Four /20 public (4096 each) and /28 intra (16 each) subnets need 16448 of a /19's 8192.
    with pytest.raises(SubnetPlanError, match=r"need 16448 addresses .* has 8192; short by 8256"):
        plan_subnets_of("10.0.0.0/16", 4, private_prefix=19, public_prefix=20, intra_prefix=28)


@st.composite
def layouts(draw: st.DrawFn) -> tuple[str, int, int, int, int]:
    """A VPC inside 10/8 with prefixes plan_subnets accepts, and an AZ count that fits."""
    vpc_prefix = draw(st.integers(16, 21))
    block = draw(st.integers(0, 2 ** (vpc_prefix - 8) - 1)) << (32 - vpc_prefix)
    vpc = str(ipaddress.ip_network(((10 << 24) | block, vpc_prefix)))
    private = draw(st.integers(vpc_prefix + 1, 22))
    public = draw(st.integers(private, 28))
    intra = draw(st.integers(private, 28))
    small_tiers = 2 ** (32 - public) + 2 ** (32 - intra)
    most = min(2 ** (private - vpc_prefix) - 1, 2 ** (32 - private) // small_tiers, 6)
    assume(most >= 1)
    return vpc, draw(st.integers(1, most)), private, public, intra


def plan_of(vpc, az_count, private, public, intra):
    return plan_subnets_of(
        vpc, az_count, private_prefix=private, public_prefix=public, intra_prefix=intra
    )


@settings(max_examples=300, deadline=None)
@given(layouts())
def test_every_plan_that_fits_is_disjoint_inside_the_vpc_and_sized_by_its_prefixes(layout):
    vpc_cidr, az_count, private, public, intra = layout
    vpc = ipaddress.ip_network(vpc_cidr)
    plan = plan_of(*layout)
    assert len(plan.azs) == az_count
    nets = networks(plan)
    assert all(n.subnet_of(vpc) for n in nets)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(nets, 2))
    size = 2 ** (32 - private)
    shared = ipaddress.ip_network((int(vpc.network_address) + vpc.num_addresses - size, private))
    for index, az in enumerate(plan.azs):
        assert ipaddress.ip_network(az.private) == ipaddress.ip_network(
            (int(vpc.network_address) + index * size, private)
        )
        assert ipaddress.ip_network(az.public).prefixlen == public
        assert ipaddress.ip_network(az.intra).prefixlen == intra
        assert ipaddress.ip_network(az.public).subnet_of(shared)
        assert ipaddress.ip_network(az.intra).subnet_of(shared)
    assert plan.free_private_blocks == 2 ** (private - vpc.prefixlen) - 1 - az_count


@settings(max_examples=300, deadline=None)
@given(layouts())
def test_adding_an_az_never_moves_an_existing_subnet(layout):
    vpc_cidr, az_count, private, public, intra = layout
    largest = plan_of(*layout)
    for fewer in range(1, az_count):
        assert plan_of(vpc_cidr, fewer, private, public, intra).azs == largest.azs[:fewer]


@settings(max_examples=300, deadline=None)
@given(layouts(), st.integers(1, 6))
def test_more_azs_than_fit_are_refused_never_squeezed(layout, extra):
    vpc_cidr, az_count, private, public, intra = layout
    vpc = ipaddress.ip_network(vpc_cidr)
    count = az_count + extra
    blocks_fit = count <= 2 ** (private - vpc.prefixlen) - 1
    tiers_fit = count * (2 ** (32 - public) + 2 ** (32 - intra)) <= 2 ** (32 - private)
    if blocks_fit and tiers_fit:
        assert len(plan_of(vpc_cidr, count, private, public, intra).azs) == count
    else:
        with pytest.raises(SubnetPlanError, match="short by"):
            plan_of(vpc_cidr, count, private, public, intra)
