"""The readiness check of the network modes: a stack in an existing VPC asks for its node subnets
by id, for the VPC's flow logs and endpoints (botocore's Stubber holds each request and answer
to the service model), and judges them; with a pod range the capacity check splits a node's
addresses between its subnet (the primary ENI) and its AZ's pod subnet (the others)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.stub import Stubber

from preflight import ci_roles
from preflight.offline.runner import ROOT
from preflight.online import check as online
from preflight.online.aws import Answers, Asker
from preflight.online.capacity import check_capacity
from preflight.online.facts import FACTS, pod_eni_addresses, primary_eni_addresses
from preflight.online.network import check_network
from preflight.online.quotas import usage
from preflight.online.stack import plan_of
from tests.components.network.test_existing import VPC, existing, sid
from tests.preflight.online.support import answers, plan, stubbed_session
from tests.programs import program

NODES = tuple(sid(f"node-{i}") for i in range(3))


@pytest.fixture(scope="module")
def in_existing_vpc():
    return plan_of(program("dev", existing()))


@pytest.fixture
def asker():
    made = Asker(stubbed_session(), workers=1)
    with ThreadPoolExecutor(1) as made.pool:
        yield made


def subnet(subnet_id: str, zone: str, free: int) -> dict:
    return {
        "SubnetId": subnet_id,
        "VpcId": VPC,
        "AvailabilityZone": zone,
        "AvailableIpAddressCount": free,
        "CidrBlock": "10.60.0.0/19",
        "State": "available",
    }


# ---------------------------------------------------------------------- the plan


def test_a_stack_in_an_existing_vpc_plans_its_node_subnets_and_azs(in_existing_vpc):
    assert in_existing_vpc.existing_vpc == VPC
    assert in_existing_vpc.node_subnet_ids == NODES
    assert in_existing_vpc.zones == ("eu-west-1a", "eu-west-1b", "eu-west-1c")
    assert (in_existing_vpc.vpc_name, in_existing_vpc.private_subnets) == ("", {})


def test_a_pod_range_s_subnets_are_planned_per_az():
    found = plan_of(program("dev", {"network": {"podCidr": "100.64.0.0/16"}}))
    assert found.pod_subnets["eu-west-1a"] == "100.64.0.0/18" and len(found.pod_subnets) == 3


# ---------------------------------------------------------------------- asking


def test_node_subnets_are_described_by_id_and_the_vpc_s_flow_logs_asked(asker, in_existing_vpc):
    ec2 = Stubber(asker.clients["ec2"])
    ec2.add_response(
        "describe_subnets",
        {"Subnets": [subnet(NODES[0], "eu-west-1a", 7000)]},
        {"SubnetIds": list(NODES)},
    )
    flow_log = {"FlowLogId": "fl-0123456789abcdef0", "FlowLogStatus": "ACTIVE", "ResourceId": VPC}
    ec2.add_response(
        "describe_flow_logs",
        {"FlowLogs": [flow_log]},
        {"Filters": [{"Name": "resource-id", "Values": [VPC]}]},
    )
    ec2.add_response("describe_vpcs", {"Vpcs": [{"VpcId": VPC, "CidrBlock": "10.60.0.0/16"}]}, {})
    ec2.add_response(
        "describe_vpc_endpoints",
        {"VpcEndpoints": []},
        {
            "Filters": [
                {"Name": "vpc-id", "Values": [VPC]},
                {"Name": "vpc-endpoint-type", "Values": ["Interface"]},
            ]
        },
    )
    ec2.activate()
    got = Answers()
    asker._subnets(in_existing_vpc, got)
    asker._flow_logs(in_existing_vpc, got)
    asker._vpcs(in_existing_vpc, got)
    ec2.assert_no_pending_responses()
    assert [s["SubnetId"] for s in got.subnets] == [NODES[0]]
    assert got.flow_logs == [flow_log] and got.endpoints == []


def test_a_vpc_of_the_stack_s_own_asks_for_no_flow_log(asker):
    got = Answers()
    asker._flow_logs(plan("dev-new"), got)  # an unexpected call would fail: no stub is active
    assert got.flow_logs == [] and asker.calls == 0


# ---------------------------------------------------------------------- the network check


def network_answers(**fields) -> Answers:
    zones = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
    base = Answers(
        subnets=[subnet(i, z, 7000) for i, z in zip(NODES, zones, strict=True)],
        flow_logs=[{"FlowLogId": "fl-1", "FlowLogStatus": "ACTIVE"}],
        endpoints=[{"ServiceName": "com.amazonaws.eu-west-1.sts", "PrivateDnsEnabled": True}],
    )
    return dataclasses.replace(base, **fields)


def test_an_existing_vpc_that_suits_passes(in_existing_vpc):
    findings, summary = check_network(in_existing_vpc, network_answers())
    assert findings == [] and "3 of 3 node subnets found, 1 active flow log(s)" in summary


def test_a_node_subnet_no_longer_visible_blocks(in_existing_vpc):
    got = network_answers(subnets=network_answers().subnets[:2])
    [found] = check_network(in_existing_vpc, got)[0]
    assert found.level == "blocker" and NODES[2] in found.message
    assert found.fix == "network.nodeSubnetIds"


def test_no_active_flow_log_and_endpoints_without_private_dns_warn(in_existing_vpc):
    got = network_answers(
        flow_logs=[],
        endpoints=[{"ServiceName": "com.amazonaws.eu-west-1.ecr.api", "PrivateDnsEnabled": False}],
    )
    flow, dns = check_network(in_existing_vpc, got)[0]
    assert (flow.level, dns.level) == ("warning", "warning")
    assert f"{VPC} has no active flow log" in flow.message
    assert "com.amazonaws.eu-west-1.ecr.api" in dns.message


def test_the_network_check_runs_only_for_an_existing_vpc():
    assert "network" not in [name for name, _, _ in online.checks("deploy")]
    assert "network" in [name for name, _, _ in online.checks("deploy", existing_vpc=True)]


# ---------------------------------------------------------------------- capacity


def test_the_pod_subnets_fact_names_its_source():
    source = FACTS["podSubnets"]["source"]
    assert source["repo"] == "aws/amazon-vpc-cni-k8s" and source["read"]
    assert "most available addresses" in FACTS["podSubnets"]["rule"]


def test_a_node_s_addresses_split_between_its_subnet_and_the_pod_subnet():
    # m5.large as DescribeInstanceTypes answers it: 3 ENIs of 10 IPv4 addresses each.
    m5 = {"NetworkInfo": {"MaximumNetworkInterfaces": 3, "Ipv4AddressesPerInterface": 10}}
    assert (primary_eni_addresses(m5), pod_eni_addresses(m5)) == (10, 20)


def test_with_a_pod_range_only_the_primary_enis_count_against_the_private_subnet(monkeypatch):
    recorded = plan("dev-new")
    got = answers("dev-new", monkeypatch)
    found, summary = check_capacity(recorded, got)
    with_pods = dataclasses.replace(
        recorded, pod_subnets={z: "100.64.0.0/22" for z in recorded.zones}
    )
    found_pods, summary_pods = check_capacity(with_pods, got)
    assert found == found_pods == []
    private = int(summary.split("up to ")[1].split(" ")[0])
    private_pods = int(summary_pods.split("up to ")[1].split(" ")[0])
    assert private_pods < private and "per pod subnet" in summary_pods


def test_a_pod_subnet_too_small_for_the_groups_blocks(monkeypatch):
    recorded = plan("dev-new")
    tiny = dataclasses.replace(recorded, pod_subnets={recorded.zones[0]: "100.64.0.0/28"})
    [found] = check_capacity(tiny, answers("dev-new", monkeypatch))[0]
    assert found.level == "blocker" and found.message.startswith("pod subnet 100.64.0.0/28")
    assert "network.podSubnetPrefix" in found.fix


def test_existing_node_subnets_short_of_free_addresses_warn(monkeypatch, in_existing_vpc):
    got = answers("dev-new", monkeypatch)
    got.subnets = [subnet(NODES[0], "eu-west-1a", 3)]
    warnings = [f for f in check_capacity(in_existing_vpc, got)[0] if f.level == "warning"]
    assert any(
        f.message.startswith("node subnets in eu-west-1a: 3 addresses free") for f in warnings
    )


# ---------------------------------------------------------------------- the whole check


def test_what_the_ci_roles_do_not_map_yet_is_could_not_check_not_a_traceback(monkeypatch):
    def unmapped(run, role):
        raise ci_roles.UnmappedError("stack dev: no IAM actions for aws:ec2/getVpc:getVpc")

    class Nothing:
        def __init__(self, *_, **__):
            self.problems, self.calls = [], 0

        def gather(self, plan, statements):
            assert statements == []
            return Answers(caller={"Arn": "arn:aws:iam::111122223333:user/x", "Account": "1"})

    monkeypatch.setattr(online.ci_roles, "needed_actions", unmapped)
    monkeypatch.setattr(online, "Asker", Nothing)
    report = online.online_report("dev", session=stubbed_session(), environ={})
    assert any("no IAM actions for aws:ec2/getVpc:getVpc" in r for r in report.could_not_check)


def test_a_stack_in_an_existing_vpc_adds_no_vpc_to_the_quota(monkeypatch, in_existing_vpc):
    got = answers("dev-new", monkeypatch)
    assert usage(in_existing_vpc, got)["vpcs"][1] == 0
    assert usage(plan("dev-new"), got)["vpcs"][1] == 1  # a new stack's own VPC is still to come


def test_docs_online_md_says_what_each_check_asks_the_network_check_included():
    """docs/online.md's table has a row per check the command runs (with an existing VPC, all of
    them), and the network check's row names the calls it makes."""
    text = (ROOT / "docs" / "online.md").read_text()
    table = text.split("## What each check asks", 1)[1].split("\n## ", 1)[0]
    rows = {line.split(" ")[1] for line in table.splitlines() if line.startswith("| ")} - {"check"}
    assert rows == {name for name, _, _ in online.checks("deploy", existing_vpc=True)}
    [network] = [line for line in table.splitlines() if line.startswith("| network ")]
    for call in ("ec2:DescribeSubnets", "ec2:DescribeFlowLogs", "ec2:DescribeVpcEndpoints"):
        assert call in network, call
    permissions = text.split("## Permissions", 1)[1].split("\n## ", 1)[0]
    assert "`ec2:DescribeFlowLogs`" in permissions
