"""`network.mode: existing`: the checks of an existing VPC (pure, one branch at a time), the facts
they rest on (held against the numbers written down from the EKS user guide), and the program
against the mocked account's landing zone: nothing of the network created, the cluster and its
nodes in the subnets given, every problem named before any resource."""

from __future__ import annotations

import dataclasses

import pytest

from components.base.config import SettingsError
from components.network.existing import (
    CONTROL_PLANE,
    LOAD_BALANCER_TAGS,
    REQUIREMENTS,
    Route,
    Seen,
    Subnet,
    egress,
    judge,
)
from components.stack.settings import load_settings
from preflight.offline.landing_zone import (
    NETWORK_ACCOUNT,
    _ids,
    get_subnet,
    get_vpc,
    shared_subnet_id,
)
from preflight.offline.mocked_aws import MockedCloud
from tests.programs import program

REGION = "eu-west-1"
VPC = _ids(REGION)["vpc"]
A, B, C = "eu-west-1a", "eu-west-1b", "eu-west-1c"
INTERNAL = {"kubernetes.io/role/internal-elb": "1"}
TAG = "aws:ec2/tag:Tag"
OUT = (Route("0.0.0.0/0", "transitGatewayId", "tgw-0123456789abcdef0"),)


def sid(name: str) -> str:
    return shared_subnet_id(REGION, name)


def existing(**network) -> dict:
    """dev in the landing zone's shared VPC: its create-mode keys removed, the ids given."""
    return {
        "network": {
            "vpcCidr": None,
            "natMode": None,
            "interfaceEndpoints": None,
            "mode": "existing",
            "vpcId": VPC,
            "controlPlaneSubnetIds": [sid(f"control-{i}") for i in range(3)],
            "nodeSubnetIds": [sid(f"node-{i}") for i in range(3)],
            "publicSubnetIds": [sid(f"public-{i}") for i in range(3)],
            **network,
        }
    }


# ---------------------------------------------------------------------- the facts


def test_the_requirements_are_the_eks_user_guide_s():
    # network-reqs.adoc: "at least six IP addresses", "at least two different Availability
    # Zones", kubernetes.io/role/internal-elb 1 (private) and kubernetes.io/role/elb 1 (public).
    assert (CONTROL_PLANE["freeAddresses"], CONTROL_PLANE["zones"]) == (6, 2)
    assert (LOAD_BALANCER_TAGS["private"], LOAD_BALANCER_TAGS["public"]) == (
        {"kubernetes.io/role/internal-elb": "1"},
        {"kubernetes.io/role/elb": "1"},
    )
    source = REQUIREMENTS["source"]
    assert source["path"] == "latest/ug/networking/network-reqs.adoc" and source["read"]
    assert "at least six IP addresses" in CONTROL_PLANE["quote"]


def test_a_default_route_out_is_a_nat_device_directly_or_through_central_egress():
    for target in ("natGatewayId", "transitGatewayId", "networkInterfaceId", "coreNetworkArn"):
        assert egress([Route("0.0.0.0/0", target, "x")])
    assert egress([Route("10.0.0.0/8", "transitGatewayId", "tgw-1")]) is None  # not default
    assert egress([Route("0.0.0.0/0", "vpcPeeringConnectionId", "pcx-1")]) is None
    assert egress([Route("0.0.0.0/0", "gatewayId", "igw-1")]) is None  # public, not out


# ---------------------------------------------------------------------- judge, branch by branch


def network_settings(**raw):
    base = existing()["network"] | raw
    base = {k: v for k, v in base.items() if v is not None}
    return load_settings({"owner": "platform-team", "network": base}, "dev").network


def good() -> tuple:
    subnets = {
        "c1": Subnet("c1", VPC, A, "euw1-az3", 11),
        "c2": Subnet("c2", VPC, B, "euw1-az1", 11),
        "n1": Subnet("n1", VPC, A, "euw1-az3", 8000, INTERNAL),
        "n2": Subnet("n2", VPC, B, "euw1-az1", 8000, INTERNAL),
    }
    settings = dataclasses.replace(
        network_settings(azCount=2),
        control_plane_subnet_ids=("c1", "c2"),
        node_subnet_ids=("n1", "n2"),
        public_subnet_ids=(),
        nodes_at_most=10,
    )
    seen = Seen(
        {"enable_dns_support": True, "enable_dns_hostnames": True},
        subnets,
        {"n1": OUT, "n2": OUT},
        {},
        (),
        {"n1": "rtb-1", "n2": "rtb-2"},
    )
    return settings, seen


def verdict_of(settings=None, seen=None, **changes):
    base_settings, base_seen = good()
    return judge(settings or base_settings, dataclasses.replace(seen or base_seen, **changes), ())


def test_a_vpc_that_suits_a_cluster_passes_with_the_node_subnets_azs():
    verdict = verdict_of()
    assert verdict.problems == [] and verdict.zones == (A, B)


def test_a_vpc_not_found_is_said_first_and_alone():
    verdict = verdict_of(vpc=None, missing={VPC: "no matching EC2 VPC found"})
    assert verdict.problems == [f'eks-platform:network.vpcId = "{VPC}": no matching EC2 VPC found']


def test_dns_resolution_and_hostnames_are_required():
    [message] = verdict_of(vpc={"enable_dns_support": True, "enable_dns_hostnames": False}).problems
    assert "network.vpcId" in message and "nodes cannot register" in message


def test_a_subnet_not_found_or_in_another_vpc_is_named():
    _, seen = good()
    subnets = dict(seen.subnets)
    subnets["n2"] = dataclasses.replace(subnets["n2"], vpc_id="vpc-0aaaaaaaaaaaaaaaa")
    del subnets["c2"]
    found = verdict_of(subnets=subnets, missing={"c2": "no matching EC2 Subnet found"}).problems
    assert any("c2: no matching EC2 Subnet found (is it shared" in p for p in found)
    assert any(f"n2 is in vpc-0aaaaaaaaaaaaaaaa, not {VPC}" in p for p in found)


def test_the_control_plane_needs_two_azs_six_free_addresses_and_a_supported_az():
    settings, seen = good()
    subnets = dict(seen.subnets)
    subnets["c2"] = Subnet("c2", VPC, A, "euw1-az3", 5)
    found = judge(settings, dataclasses.replace(seen, subnets=subnets), ("euw1-az3",)).problems
    assert any("EKS needs them in 2 or more AZs" in p for p in found)
    assert any('"c2": 5 free addresses; EKS needs 6' in p for p in found)
    assert any("where EKS places no control plane" in p for p in found)


def test_control_plane_subnets_outside_a_region_s_azs_are_refused():
    # network-reqs.adoc (101184ec, read 2026-12-06): "The subnets can't reside in AWS Outposts or
    # AWS Wavelength".
    _, seen = good()
    subnets = {
        **seen.subnets,
        "c1": Subnet("c1", VPC, "eu-west-1-wl1-lon-wlz-1", "euw1-wl1-lon-wlz1", 11),
        "c2": dataclasses.replace(seen.subnets["c2"], outpost="arn:aws:outposts:eu-west-1:1:x"),
    }
    found = verdict_of(subnets=subnets).problems
    assert any('"c1": in eu-west-1-wl1-lon-wlz-1, not a Region\'s AZ' in p for p in found)
    assert any('"c2": on an Outpost (arn:aws:outposts' in p for p in found)
    local = {**seen.subnets, "c1": Subnet("c1", VPC, "us-east-1-bos-1a", "use1-bos1-az1", 11)}
    assert any(
        "us-east-1-bos-1a, not a Region's AZ" in p for p in verdict_of(subnets=local).problems
    )
    assert verdict_of().problems == []


def test_a_default_route_to_a_virtual_private_gateway_is_a_warning_not_a_refusal():
    vgw = (Route("0.0.0.0/0", "gatewayId", "vgw-0123456789abcdef0"),)
    verdict = verdict_of(routes={"n1": vgw, "n2": OUT})
    assert verdict.problems == []
    [warning] = verdict.warnings
    assert "n1 sends its default route to a virtual private gateway" in warning


def test_node_subnets_must_span_az_count_and_match_pinned_azs():
    settings, _ = good()
    [message] = verdict_of(dataclasses.replace(settings, az_count=3)).problems
    assert message.startswith("eks-platform:network.azCount = 3: the node subnets span 2 AZs")
    pinned = dataclasses.replace(settings, availability_zones=(A, C))
    [message] = verdict_of(pinned).problems
    assert "network.availabilityZones" in message and f"['{A}', '{B}']" in message


def test_node_subnets_need_the_internal_load_balancer_tag_and_public_ones_theirs():
    settings, seen = good()
    subnets = {
        **seen.subnets,
        "n2": dataclasses.replace(seen.subnets["n2"], tags={}),
        "p1": Subnet("p1", VPC, A, "euw1-az3", 250, INTERNAL),
    }
    found = verdict_of(
        dataclasses.replace(settings, public_subnet_ids=("p1",)), subnets=subnets
    ).problems
    assert any(
        'nodeSubnetIds = ["n2"]: must be tagged kubernetes.io/role/internal-elb=1' in p
        for p in found
    )
    assert any(
        'publicSubnetIds = ["p1"]: must be tagged kubernetes.io/role/elb=1' in p for p in found
    )


def test_node_subnets_must_hold_the_node_groups_at_their_maximum():
    settings, seen = good()
    small = {**seen.subnets, "n1": dataclasses.replace(seen.subnets["n1"], free=4)}
    [message] = verdict_of(subnets=small).problems  # 10 nodes over 2 AZs: 5 in each
    assert "4 free addresses in eu-west-1a" in message and "put 5 nodes there" in message
    assert verdict_of(dataclasses.replace(settings, nodes_at_most=8), subnets=small).problems == []


def test_a_node_subnet_routing_to_an_internet_gateway_is_public_and_refused():
    public = (Route("0.0.0.0/0", "gatewayId", "igw-0123456789abcdef0"),)
    [message] = verdict_of(routes={"n1": public, "n2": OUT}).problems
    assert '"n1": routes to an internet gateway: node subnets must be private' in message


def test_without_a_route_out_every_endpoint_nodes_need_must_be_there():
    settings, _ = good()
    everything = settings.interface_endpoint_services
    isolated = {"n1": (), "n2": OUT}
    assert (
        verdict_of(
            routes=isolated,
            interface_endpoints=everything,
            gateway_endpoint_tables={"s3": ("rtb-1",)},
        ).problems
        == []
    )
    [message] = verdict_of(
        routes=isolated,
        interface_endpoints=everything[1:],
        gateway_endpoint_tables={"s3": ("rtb-2",)},
    ).problems
    assert (
        f"no VPC endpoint for ['{everything[0]}', 's3 (a gateway endpoint on its route table)']"
        in message
    )


def test_a_route_table_that_cannot_be_read_is_a_problem():
    [message] = verdict_of(routes={"n2": OUT}, missing={"n1": "AccessDenied"}).problems
    assert '"n1": its route table cannot be read: AccessDenied' in message


# ---------------------------------------------------------------------- the program


@pytest.fixture(scope="module")
def run():
    return program("dev", existing())


def test_the_stack_creates_no_network_resource(run):
    assert not [
        r
        for r in run.registrations
        if r.type.startswith(("aws:ec2/", "aws:vpc/"))
        and r.type not in ("aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/tag:Tag")
    ]
    assert not [r for r in run.registrations if "flow-logs" in r.name]


def test_a_participant_sees_none_of_the_owner_s_tags():
    # vpc-sharing.md: "VPC tags and tags for the resources within the shared VPC are not shared
    # with the participants" (awsdocs/amazon-vpc-user-guide 06e98d97, read 2026-12-06).
    participant = MockedCloud(REGION)
    owner = MockedCloud(REGION, account_id=NETWORK_ACCOUNT)
    node = sid("node-0")
    assert get_subnet(participant, {"id": node})["tags"] == {}
    assert get_subnet(owner, {"id": node})["tags"]["kubernetes.io/role/internal-elb"] == "1"
    assert get_vpc(participant, {"id": VPC})["tags"] == {}
    assert get_vpc(owner, {"id": VPC})["tags"] == {"Name": "landing-zone-shared"}


def test_in_a_shared_vpc_the_stack_tags_the_subnets_in_its_own_account(run):
    # cni-subnet-selection.adoc (awsdocs/amazon-eks-user-guide 1a447df9, read 2026-12-06): "When
    # using shared VPCs (cross-account subnets), tag the subnets in the participant account".
    tags = {(t.inputs["resourceId"], t.inputs["key"], t.inputs["value"]) for t in run.of_type(TAG)}
    internal = {(sid(f"node-{i}"), "kubernetes.io/role/internal-elb", "1") for i in range(3)}
    public = {(sid(f"public-{i}"), "kubernetes.io/role/elb", "1") for i in range(3)}
    assert tags == internal | public
    # Kept on destroy: another cluster of this account on the same subnets reads them too.
    assert all(t.retain_on_delete for t in run.of_type(TAG))


def test_untagged_shared_subnets_pass_since_the_stack_tags_them():
    found = program(
        "dev", existing(nodeSubnetIds=[sid("untagged-0"), sid("node-1"), sid("node-2")])
    )
    assert (sid("untagged-0"), "kubernetes.io/role/internal-elb") in {
        (t.inputs["resourceId"], t.inputs["key"]) for t in found.of_type(TAG)
    }


def test_subnets_of_this_account_must_carry_the_tags_and_are_never_tagged_by_the_stack():
    settings, seen = good()
    untagged = {**seen.subnets, "n2": dataclasses.replace(seen.subnets["n2"], tags={})}
    mine = dataclasses.replace(seen, subnets=untagged, account="111122223333")
    assert judge(settings, mine, ()).problems == []  # owned by another account ("")
    owned = {k: dataclasses.replace(v, owner="111122223333") for k, v in untagged.items()}
    [message] = judge(settings, dataclasses.replace(mine, subnets=owned), ()).problems
    assert 'nodeSubnetIds = ["n2"]: must be tagged kubernetes.io/role/internal-elb=1' in message


def test_the_cluster_and_nodes_go_into_the_subnets_given(run):
    cluster = run.one("aws:eks/cluster:Cluster")
    assert cluster.inputs["vpcConfig"]["subnetIds"] == [sid(f"control-{i}") for i in range(3)]
    assert cluster.outputs["vpcConfig"]["vpcId"] == VPC  # EKS finds the VPC from the subnets
    group = run.one("aws:eks/nodeGroup:NodeGroup")
    assert group.inputs["subnetIds"] == [sid(f"node-{i}") for i in range(3)]
    assert run.outputs["deployment"]["networkMode"] == "existing"
    assert run.outputs["deployment"]["vpcId"] == VPC


def test_the_azs_are_the_node_subnets_and_the_lookups_are_reads(run):
    assert run.outputs["deployment"]["availabilityZones"] == [A, B, C]
    tokens = {token for token, _ in run.invokes}
    assert {
        "aws:ec2/getVpc:getVpc",
        "aws:ec2/getSubnet:getSubnet",
        "aws:ec2/getRouteTable:getRouteTable",
    } <= tokens
    # Every node subnet routes out through the transit gateway: no endpoint was looked up.
    assert "aws:ec2/getVpcEndpoint:getVpcEndpoint" not in tokens


def test_an_isolated_node_subnet_passes_on_the_vpc_s_endpoints():
    nodes = [sid("isolated-0"), sid("node-1"), sid("node-2")]
    found = program("dev", existing(nodeSubnetIds=nodes))
    assert found.one("aws:eks/nodeGroup:NodeGroup").inputs["subnetIds"] == nodes
    assert "aws:ec2/getVpcEndpoint:getVpcEndpoint" in {t for t, _ in found.invokes}
    # The landing zone has two S3 gateway endpoints: getVpcEndpoint answers "multiple ...
    # matched", which is not "none" (review m4); which table has one is left to a warning.
    assert any("several S3 gateway endpoints" in w for w in found.warnings)


def test_several_s3_gateway_endpoints_are_not_taken_for_none():
    settings, _ = good()
    isolated = {"n1": (), "n2": OUT}
    found = verdict_of(
        routes=isolated,
        interface_endpoints=settings.interface_endpoint_services,
        gateway_endpoint_tables={"s3": ("rtb-1", "rtb-2")},
        several=("s3",),
    )
    assert found.problems == [] and "several S3 gateway endpoints" in found.warnings[0]


def test_every_problem_of_a_bad_landing_zone_is_named_before_any_resource():
    bad = existing(
        controlPlaneSubnetIds=[sid("full-control-0"), sid("control-1")],
        nodeSubnetIds=[
            sid("untagged-0"),
            sid("elsewhere-0"),
            "subnet-0123456789abcdef0",
            sid("public-1"),
        ],
    )
    with pytest.raises(SettingsError) as error:
        program("dev", bad)
    text = "\n".join(error.value.problems)
    assert "3 free addresses; EKS needs 6" in text
    assert "subnet-0123456789abcdef0: no matching EC2 Subnet found" in text
    assert f"{sid('elsewhere-0')} is in " in text
    assert "routes to an internet gateway" in text
    assert "network.azCount = 3: the node subnets span 2 AZs" in text


def test_a_subnet_without_a_route_out_or_endpoints_is_refused():
    services = ["ecr.api", "ecr.dkr", "sts", "ssm"]  # the landing zone has no ssm endpoint
    bad = existing(
        nodeSubnetIds=[sid("isolated-0"), sid("node-1"), sid("node-2")],
        interfaceEndpointServices=services,
    )
    with pytest.raises(SettingsError, match=r"no VPC endpoint for \['ssm'\]"):
        program("dev", bad)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"vpcCidr": "10.0.0.0/16"}, "['vpcCidr'] describe a network the stack builds"),
        ({"podCidr": "100.64.0.0/16"}, "['podCidr'] describe a network the stack builds"),
        ({"controlPlaneSubnetIds": ["subnet-0123456789abcdef0"]}, "2 or more distinct subnet ids"),
        ({"nodeSubnetIds": ["not-a-subnet"]}, "subnet ids such as subnet-0123456789abcdef0"),
        ({"vpcId": None}, "the existing VPC's id with mode 'existing'"),
    ],
)
def test_existing_mode_settings_are_checked_before_any_lookup(raw, fragment):
    settings_raw = {k: v for k, v in (existing()["network"] | raw).items() if v is not None}
    with pytest.raises(SettingsError) as error:
        load_settings({"owner": "platform-team", "network": settings_raw}, "dev")
    assert any(fragment in p for p in error.value.problems), error.value.problems


def test_subnet_ids_outside_existing_mode_are_refused():
    with pytest.raises(SettingsError, match="name an existing network: set mode 'existing'"):
        load_settings({"owner": "x", "network": {"vpcId": VPC}}, "dev")
