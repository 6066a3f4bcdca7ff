"""The network's day-2 rules, a branch at a time: a network mode, an existing VPC, an IPAM pool and
a pod range are fixed once deployed (a first pod range is an update); the record keeps what they
need, and a record written before they existed reads as a network of the stack's own. Expected
texts are written from the rules' sources: EKS keeps a cluster in its VPC (create-cluster), the
VPC's IPAM pool forces a new VPC (terraform-provider-aws vpc_.go), a CIDR block with resources
cannot be disassociated (DisassociateVpcCidrBlock, botocore's ec2 model)."""

from __future__ import annotations

import dataclasses

import pytest

from components.stack.record import Deployment
from components.stack.rules import pod_range_notes, refusals
from components.stack.settings import DISRUPTIVE_CHANGES, load_settings
from tests.components.stack.test_rules import BASE, TODAY
from tests.preflight.network_modes import EXISTING_VPC
from tests.programs import program

EXISTING = dataclasses.replace(
    BASE, network_mode="existing", vpc_id="vpc-0123456789abcdef0", vpc_cidr="", subnet_prefixes={}
)
PODS = dataclasses.replace(
    BASE, pod_cidr="100.64.0.0/16", subnet_prefixes={**BASE.subnet_prefixes, "pod": 18}
)


def refused(before: Deployment, after: Deployment) -> list[str]:
    return refusals(before, after, DISRUPTIVE_CHANGES, TODAY)  # nothing here can be allowed


def test_a_first_pod_range_is_an_update():
    assert refused(BASE, PODS) == []


def test_control_plane_subnets_stay_in_the_cluster_s_first_azs():
    # network-reqs.adoc (101184ec, read 2026-12-06): "All subnets that you add must be in the
    # same set of AZs as originally provided when you created the cluster".
    first = dataclasses.replace(EXISTING, control_plane_zones=("eu-west-1a", "eu-west-1b"))
    moved = dataclasses.replace(first, control_plane_zones=("eu-west-1a", "eu-west-1c"))
    [message] = refused(first, moved)
    assert message.startswith("eks-platform:network.controlPlaneSubnetIds: ['eu-west-1a'")
    assert "only in the AZs the cluster was created with" in message
    assert refused(first, first) == []
    assert refused(EXISTING, moved) == []  # a record from before names none
    assert Deployment.from_output(first.as_output()).control_plane_zones == (
        "eu-west-1a",
        "eu-west-1b",
    )
    assert "controlPlaneZones" not in BASE.as_output()


def test_the_record_of_an_existing_vpc_holds_its_control_plane_azs():
    record = program("dev", EXISTING_VPC).outputs["deployment"]
    assert record["controlPlaneZones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_a_pod_range_added_to_a_running_cluster_says_to_wait_an_hour():
    # network-reqs.adoc (awsdocs/amazon-eks-user-guide 101184ec, read 2026-12-06): "it can take a
    # cluster up to one hour for a CIDR block that you associated with a VPC to be recognized".
    [note] = pod_range_notes(BASE, PODS)
    assert "up to one hour" in note and "webhook" in note and "kubectl logs/exec" in note
    assert pod_range_notes(PODS, PODS) == [] and pod_range_notes(BASE, BASE) == []


def test_the_guard_warns_when_a_pod_range_is_added():
    run = program(
        "dev",
        {"network": {"podCidr": "100.64.0.0/16"}},
        deployed=program("dev").outputs["deployment"],
    )
    assert any(
        "network.podCidr 100.64.0.0/16 added to a running cluster" in w for w in run.warnings
    )
    assert not any(
        "added to a running cluster" in w
        for w in program("dev", {"network": {"podCidr": "100.64.0.0/16"}}).warnings
    )


@pytest.mark.parametrize("after", ["100.65.0.0/16", ""])
def test_a_pod_range_once_deployed_stays(after):
    prefixes = PODS.subnet_prefixes if after else BASE.subnet_prefixes
    [message] = refused(PODS, dataclasses.replace(PODS, pod_cidr=after, subnet_prefixes=prefixes))
    assert message.startswith(
        f"eks-platform:network.podCidr: 100.64.0.0/16 -> {after or '(none)'}: pods hold"
    )
    assert "DeleteSubnet, DisassociateVpcCidrBlock" in message


def test_the_pod_subnets_size_is_fixed_like_every_subnet_s():
    after = dataclasses.replace(PODS, subnet_prefixes={**PODS.subnet_prefixes, "pod": 19})
    [message] = refused(PODS, after)
    assert message.startswith("eks-platform:network.podSubnetPrefix: /18 -> /19: every subnet")


@pytest.mark.parametrize(("before", "after"), [(BASE, EXISTING), (EXISTING, BASE)])
def test_switching_network_modes_is_refused_alone_with_what_to_do(before, after):
    [message] = refused(before, after)
    assert message.startswith(
        f"eks-platform:network.mode: {before.network_mode} -> {after.network_mode}:"
    )
    assert (
        "a cluster stays in the VPC it was created in (EKS user guide, create-cluster)" in message
    )
    assert "new stack (blue/green)" in message


def test_another_existing_vpc_is_refused():
    [message] = refused(EXISTING, dataclasses.replace(EXISTING, vpc_id="vpc-0fedcba9876543210"))
    assert message.startswith(
        "eks-platform:network.vpcId: vpc-0123456789abcdef0 -> vpc-0fedcba9876543210:"
    )


def test_existing_subnets_may_change_within_the_same_azs():
    assert refused(EXISTING, EXISTING) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("", "ipam-pool-0d9e8f7a6b5c4d3e2"),
        ("ipam-pool-0d9e8f7a6b5c4d3e2", ""),
        ("ipam-pool-0d9e8f7a6b5c4d3e2", "ipam-pool-0aaaaaaaaaaaaaaaa"),
    ],
)
def test_the_range_s_pool_is_fixed_at_creation(before, after):
    [message] = refused(
        dataclasses.replace(BASE, ipam_pool_id=before),
        dataclasses.replace(BASE, ipam_pool_id=after),
    )
    assert message.startswith("eks-platform:network.ipamPoolId:")
    assert "where the VPC's range comes from is fixed at creation" in message


def test_the_record_round_trips_the_network_and_older_records_read_as_create_mode():
    for deployment in (
        EXISTING,
        PODS,
        dataclasses.replace(BASE, ipam_pool_id="ipam-pool-01234567"),
    ):
        read = Deployment.from_output(deployment.as_output())
        assert dataclasses.replace(read, versions=None) == deployment
    plain = BASE.as_output()
    assert not {"networkMode", "vpcId", "ipamPoolId", "podCidr"} & set(plain)
    assert Deployment.from_output(plain).network_mode == "create"


def test_the_record_of_the_settings_holds_the_pod_tier_and_the_existing_vpc():
    settings = load_settings(
        {"owner": "x", "network": {"vpcCidr": "10.10.0.0/16", "podCidr": "100.64.0.0/16"}}, "dev"
    )
    record = Deployment.of(settings, BASE.availability_zones)
    assert record.subnet_prefixes == {"private": 19, "public": 24, "intra": 28, "pod": 18}
    assert record.pod_cidr == "100.64.0.0/16" and record.network_mode == "create"
    existing = load_settings(
        {
            "owner": "x",
            "network": {
                "mode": "existing",
                "vpcId": "vpc-0123456789abcdef0",
                "controlPlaneSubnetIds": ["subnet-01234567", "subnet-0123456a"],
                "nodeSubnetIds": ["subnet-0123456b"],
            },
        },
        "dev",
    )
    record = Deployment.of(existing, BASE.availability_zones)
    assert (record.network_mode, record.vpc_id, record.vpc_cidr, record.subnet_prefixes) == (
        "existing",
        "vpc-0123456789abcdef0",
        "",
        {},
    )
