"""`network.ipamPoolId`: the VPC range from an IPAM pool. The pool is asked once, for a new stack
(its preview moves on once the range is allocated); from then on the deployment record gives the
range, so the subnet plan is the same on every run, and a plain value, never an Output."""

from __future__ import annotations

import json

import pytest

from components.base.config import SettingsError
from components.network.ipam import REFERENCE, recorded_range, with_pool_range
from components.stack.settings import load_settings
from preflight.offline import landing_zone
from preflight.offline.landing_zone import IPAM_POOL
from preflight.offline.recorder import RecordingMonitor
from preflight.offline.runner import run_program
from tests.programs import program

POOL = {"vpcCidr": None, "ipamPoolId": IPAM_POOL, "ipamNetmaskLength": 16}
PREVIEW = "aws:ec2/getIpamPreviewNextCidr:getIpamPreviewNextCidr"


def no_vpc(stack: str) -> None:
    return None


def network(**raw):
    return load_settings({"owner": "platform-team", "network": raw}, "dev").network


def problems(**raw) -> list[str]:
    with pytest.raises(SettingsError) as error:
        network(**raw)
    return error.value.problems


# ---------------------------------------------------------------------- settings


def test_a_pool_needs_a_netmask_and_gives_the_range_itself():
    [message] = problems(ipamPoolId=IPAM_POOL)
    assert message.startswith("eks-platform:network.ipamNetmaskLength = null: must be the VPC")
    [message] = problems(ipamPoolId=IPAM_POOL, ipamNetmaskLength=16, vpcCidr="10.0.0.0/16")
    assert "network.vpcCidr" in message and "omitted with ipamPoolId" in message
    [message] = problems(ipamNetmaskLength=16)
    assert "network.ipamNetmaskLength = 16: must be set only with ipamPoolId" in message


def test_the_plan_is_checked_on_the_netmask_before_the_pool_is_asked():
    [message] = problems(ipamPoolId=IPAM_POOL, ipamNetmaskLength=22)
    assert message.startswith("eks-platform:network.ipamNetmaskLength = 22: subnet plan does not")
    settings = network(ipamPoolId=IPAM_POOL, ipamNetmaskLength=16)
    assert settings.plan is None and settings.vpc_cidr == ""  # known once the pool or record says


def test_with_a_pool_the_pod_range_comes_from_the_shared_address_space():
    [message] = problems(ipamPoolId=IPAM_POOL, ipamNetmaskLength=16, podCidr="10.200.0.0/16")
    assert "network.podCidr" in message and "inside 100.64.0.0/10 with ipamPoolId" in message


# ---------------------------------------------------------------------- the range


def test_the_record_names_the_range_and_the_handed_in_one_wins():
    def own():
        return {"vpcCidr": "10.131.0.0/16"}

    assert recorded_range({}, own) == "10.131.0.0/16"
    handed = {"EKS_PLATFORM_DEPLOYED": json.dumps({"vpcCidr": "10.140.0.0/16"})}
    assert recorded_range(handed, own) == "10.140.0.0/16"
    assert recorded_range({}, lambda: None) is None  # a new stack
    assert recorded_range({"EKS_PLATFORM_DEPLOYED": "not json"}, own) is None  # the guard says


def test_the_pool_is_asked_only_when_nothing_is_recorded():
    settings = network(ipamPoolId=IPAM_POOL, ipamNetmaskLength=16)
    asked = []

    def pool(s):
        asked.append(s.ipam_pool_id)
        return "10.130.0.0/16"

    recorded = with_pool_range(settings, "dev", lambda: "10.131.0.0/16", no_vpc, pool)
    assert recorded.plan.azs[0].private == "10.131.0.0/19"
    assert asked == []
    assert with_pool_range(settings, "dev", lambda: None, no_vpc, pool).vpc_cidr == "10.130.0.0/16"
    assert asked == [IPAM_POOL]


def test_without_a_record_the_vpc_the_stack_already_holds_gives_the_range():
    # A first update that failed after the VPC was created left no `deployment` output
    # (pulumi/pulumi#16289), and EKS_PLATFORM_DEPLOYED=new hands in none either.
    assert recorded_range({"EKS_PLATFORM_DEPLOYED": "new"}, lambda: None) is None
    settings = network(ipamPoolId=IPAM_POOL, ipamNetmaskLength=16)

    def pool(_):
        raise AssertionError("asked the pool although the stack holds a VPC")

    def held(stack):
        return {"dev": "10.131.0.0/16"}.get(stack)

    assert with_pool_range(settings, "dev", lambda: None, held, pool).vpc_cidr == "10.131.0.0/16"


def test_a_stack_without_a_pool_never_reads_the_record_for_a_range():
    def unread():
        raise AssertionError("read the record without a pool")

    literal = network(vpcCidr="10.10.0.0/16")
    assert with_pool_range(literal, "dev", unread, unread) is literal


def test_a_range_that_collides_with_the_pod_range_is_refused_before_any_resource():
    settings = network(ipamPoolId=IPAM_POOL, ipamNetmaskLength=16, podCidr="100.64.0.0/16")
    with pytest.raises(SettingsError, match=r"must not overlap the VPC range 100\.64\.0\.0/16"):
        with_pool_range(settings, "dev", lambda: None, no_vpc, lambda s: "100.64.0.0/16")


def test_a_pool_that_cannot_give_a_range_is_a_settings_problem():
    def failing(_):
        raise Exception(
            "invoke of aws:ec2/getIpamPreviewNextCidr failed: InvalidIpamPoolId.NotFound"
        )

    with pytest.raises(SettingsError, match=r"no /16 range to give: InvalidIpamPoolId\.NotFound"):
        with_pool_range(
            network(ipamPoolId=IPAM_POOL, ipamNetmaskLength=16),
            "dev",
            lambda: None,
            no_vpc,
            failing,
        )


# ---------------------------------------------------------------------- the program


@pytest.fixture(scope="module")
def first():
    return program("dev", {"network": POOL})


def test_a_new_stack_takes_the_pool_s_next_free_range_for_its_vpc(first):
    vpc = first.one("aws:ec2/vpc:Vpc")
    # The mocked pool 10.128.0.0/10 has 10.128.0.0/16 and 10.129.0.0/17 allocated.
    assert vpc.inputs["cidrBlock"] == "10.130.0.0/16"
    assert vpc.inputs["ipv4IpamPoolId"] == IPAM_POOL
    assert [a for t, a in first.invokes if t == PREVIEW] == [
        {"ipamPoolId": IPAM_POOL, "netmaskLength": 16}
    ]
    record = first.outputs["deployment"]
    assert (record["vpcCidr"], record["ipamPoolId"]) == ("10.130.0.0/16", IPAM_POOL)


def test_the_subnets_are_planned_in_the_range_as_plain_values(first):
    cidrs = sorted(s.inputs["cidrBlock"] for s in first.of_type("aws:ec2/subnet:Subnet"))
    assert "10.130.0.0/19" in cidrs and all(c.startswith("10.130.") for c in cidrs)


def test_a_deployed_stack_keeps_its_recorded_range_and_never_asks_again(first):
    deployed = dict(first.outputs["deployment"], vpcCidr="10.131.0.0/16")
    again = program("dev", {"network": POOL}, deployed=deployed)
    assert again.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.131.0.0/16"
    assert PREVIEW not in {t for t, _ in again.invokes}


def read_references(monkeypatch, stack: str, overrides: dict) -> list[str]:
    """The logical names of the StackReferences a fresh run of `stack` reads."""
    names: list[str] = []
    read = RecordingMonitor.ReadResource

    def recording(self, request):
        names.append(request.name)
        return read(self, request)

    monkeypatch.setattr(RecordingMonitor, "ReadResource", recording)
    run_program(stack, overrides)
    return names


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_only_a_pool_stack_reads_its_own_record_for_the_range(monkeypatch, stack):
    assert REFERENCE not in read_references(monkeypatch, stack, {})


def test_a_pool_stack_reads_its_own_record_for_the_range(monkeypatch):
    assert REFERENCE in read_references(monkeypatch, "dev", {"network": POOL})


def test_a_failed_first_update_s_vpc_keeps_its_range_and_the_pool_is_not_asked(monkeypatch):
    held = "vpc-0f1e2d3c4b5a69788"
    tags = {"project": "eks-platform", "stack": "dev", "Name": "eks-platform-dev"}
    monkeypatch.setattr(landing_zone, "LEFT_BEHIND", {held: ("10.131.0.0/16", tags)})
    again = run_program("dev", {"network": POOL})
    assert again.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.131.0.0/16"
    assert PREVIEW not in {t for t, _ in again.invokes}
    assert ("aws:ec2/getVpcs:getVpcs", {"tags": {"project": "eks-platform", "stack": "dev"}}) in (
        again.invokes
    )
    # The preview names the VPC whose range it took (another project's stack of the same name,
    # or a VPC a forced `stack rm` left, carries the same tags).
    [said] = [w for w in again.warnings if w.startswith("network.ipamPoolId: no deployment")]
    assert f"planning in 10.131.0.0/16, the range of {held}" in said


def test_two_vpcs_of_the_stack_are_refused(monkeypatch):
    tags = {"project": "eks-platform", "stack": "dev"}
    two = {f"vpc-0f1e2d3c4b5a6978{i}": (f"10.13{i}.0.0/16", tags) for i in (1, 2)}
    monkeypatch.setattr(landing_zone, "LEFT_BEHIND", two)
    with pytest.raises(SettingsError, match="this account holds 2 VPCs tagged"):
        run_program("dev", {"network": POOL})


def test_an_unknown_pool_is_refused_with_the_pool_s_answer():
    with pytest.raises(SettingsError, match=r"InvalidIpamPoolId\.NotFound"):
        program("dev", {"network": {**POOL, "ipamPoolId": "ipam-pool-0000000000000000a"}})
