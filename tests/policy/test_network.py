"""eks_policies/network.py: subnets, security groups; and its stack policies, multi-AZ, flow logs,
the default security group; and every network policy on each network mode of the program."""

from __future__ import annotations

import dataclasses

import pytest

from eks_policies import _types as t
from preflight.offline.analyzer import evaluate
from tests.components.network.test_existing import existing
from tests.policy.fixtures import (
    Stack,
    baseline_stack,
    place,
    replace,
)
from tests.policy.runner import (
    ABSENT,
    UNKNOWN_BOOL,
    UNKNOWN_LIST,
    UNKNOWN_NUMBER,
    UNKNOWN_OBJECT,
    UNKNOWN_STR,
    Res,
    changed,
    check_stack,
    expect,
    expect_unknown,
    run,
)
from tests.programs import program

# ---------------------------------------------------------------------- subnets


@pytest.mark.parametrize("value", [False, "false", ABSENT])
def test_subnet_without_public_ips_passes(value: object) -> None:
    expect(
        run(
            "subnet-no-public-ip-on-launch",
            t.SUBNET,
            changed({"cidrBlock": "10.0.0.0/24"}, mapPublicIpOnLaunch=value),
        )
    )


@pytest.mark.parametrize(
    ("value", "fragment"), [(True, "is true"), ("true", 'is "true"'), (1.0, "is 1")]
)
def test_subnet_mapping_public_ips_is_advisory(value: object, fragment: str) -> None:
    violations = run(
        "subnet-no-public-ip-on-launch",
        t.SUBNET,
        {"cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": value},
    )
    expect(violations, fragment)
    assert violations[0].level == "advisory"


def test_subnet_mapping_unknown_is_decided_at_up() -> None:
    props = {"cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": UNKNOWN_BOOL}
    expect_unknown(run("subnet-no-public-ip-on-launch", t.SUBNET, props), "mapPublicIpOnLaunch")


# ---------------------------------------------------------------------- security groups

SG = "security-group-no-open-ingress"


def rule(
    cidr: str = "10.0.0.0/16", port: object = 443, protocol: str = "tcp", **extra: object
) -> dict:
    return {"cidrBlocks": [cidr], "fromPort": port, "toPort": port, "protocol": protocol, **extra}


@pytest.mark.parametrize(
    "ingress",
    [
        ABSENT,
        [],
        [rule()],
        [rule("0.0.0.0/0", 443)],  # HTTPS from anywhere is not in the restricted list
        [rule("10.0.0.0/8", 22)],
        [rule("0.0.0.0/0", 0, "icmp", toPort=-1)],
        [{"securityGroups": ["sg-1"], "fromPort": 0, "toPort": 0, "protocol": "-1"}],
        [rule(UNKNOWN_STR, 22)],  # a CIDR from another resource (the VPC) is never 0.0.0.0/0
    ],
)
def test_inline_ingress_that_passes(ingress: object) -> None:
    for kind in (t.SECURITY_GROUP, t.DEFAULT_SECURITY_GROUP):
        expect(run(SG, kind, changed({"vpcId": "vpc-1"}, ingress=ingress)))


@pytest.mark.parametrize(
    ("ingress", "fragment"),
    [
        ([rule("0.0.0.0/0", 22)], "ingress[0]: ingress from 0.0.0.0/0 on port(s) 22"),
        ([rule(), rule("0.0.0.0/0", 3389)], "ingress[1]: ingress from 0.0.0.0/0 on port(s) 3389"),
        (
            [{"ipv6CidrBlocks": ["::/0"], "fromPort": 0, "toPort": 0, "protocol": "-1"}],
            "from ::/0 on all ports",
        ),
        ([rule("0.0.0.0/0", 0, "all", toPort=0)], "on all ports"),
        (
            [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 0, "toPort": 65535, "protocol": "tcp"}],
            "on all ports",
        ),
        (
            [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 20, "toPort": 25, "protocol": "6"}],
            "port(s) 22",
        ),
    ],
)
def test_inline_ingress_open_to_the_internet(ingress: object, fragment: str) -> None:
    violations = run(SG, t.SECURITY_GROUP, {"vpcId": "vpc-1", "ingress": ingress})
    expect(violations, fragment)
    assert violations[0].level == "mandatory"


@pytest.mark.parametrize(
    ("ingress", "path"),
    [
        ([rule("0.0.0.0/0", UNKNOWN_NUMBER)], "ingress[0].ports"),
        ([{**rule("0.0.0.0/0", 22), "protocol": UNKNOWN_STR}], "ingress[0].ports"),
        ([UNKNOWN_OBJECT], "ingress[0]"),
        (UNKNOWN_LIST, "ingress"),
    ],
)
def test_inline_ingress_unknown_is_decided_at_up(ingress: object, path: str) -> None:
    expect_unknown(run(SG, t.SECURITY_GROUP, {"vpcId": "vpc-1", "ingress": ingress}), path)
    # What is certain is still reported next to what is not.
    both = [rule("0.0.0.0/0", 3389), *ingress] if isinstance(ingress, list) else ingress
    if isinstance(both, list):
        expect(run(SG, t.SECURITY_GROUP, {"ingress": both}), "port(s) 3389")


def test_restricted_ports_are_configurable() -> None:
    props = {"ingress": [rule("0.0.0.0/0", 80)]}
    expect(run(SG, t.SECURITY_GROUP, props))
    expect(run(SG, t.SECURITY_GROUP, props, {"restrictedPorts": [22, 80]}), "port(s) 80")


def test_legacy_security_group_rule() -> None:
    ingress = {
        "type": "ingress",
        "securityGroupId": "sg-1",
        "protocol": "tcp",
        "fromPort": 22,
        "toPort": 22,
    }
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "cidrBlocks": ["0.0.0.0/0"]}), "port(s) 22")
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "ipv6CidrBlocks": ["::/0"]}), "from ::/0")
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "cidrBlocks": ["10.0.0.0/16"]}))
    expect(
        run(SG, t.SECURITY_GROUP_RULE, {**ingress, "type": "egress", "cidrBlocks": ["0.0.0.0/0"]})
    )
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "sourceSecurityGroupId": UNKNOWN_STR}))
    expect_unknown(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "type": UNKNOWN_STR}), "type")


def test_vpc_security_group_ingress_rule() -> None:
    base = {"securityGroupId": UNKNOWN_STR, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}
    expect(run(SG, t.SECURITY_GROUP_INGRESS_RULE, {**base, "cidrIpv4": "0.0.0.0/0"}))
    expect(
        run(
            SG,
            t.SECURITY_GROUP_INGRESS_RULE,
            {**base, "cidrIpv4": "0.0.0.0/0", "fromPort": 22, "toPort": 22},
        ),
        "port(s) 22",
    )
    all_traffic = {"securityGroupId": "sg-1", "ipProtocol": "-1", "cidrIpv6": "::/0"}
    expect(run(SG, t.SECURITY_GROUP_INGRESS_RULE, all_traffic), "from ::/0 on all ports")
    expect(run(SG, t.SECURITY_GROUP_INGRESS_RULE, {**all_traffic, "cidrIpv6": UNKNOWN_STR}))
    expect(
        run(
            SG,
            t.SECURITY_GROUP_INGRESS_RULE,
            {**all_traffic, "cidrIpv6": ABSENT, "referencedSecurityGroupId": "sg-2"},
        )
    )


# ---------------------------------------------------------------------- eks-multi-az


def test_single_az_cluster_and_nodes_are_mandatory(stack: Stack) -> None:
    place(stack.cluster, [stack.subnets["intra-a"]])
    place(stack.node_group, [stack.subnets["private-a"]])
    violations = check_stack("eks-multi-az", stack.resources)
    expect(
        violations,
        "cluster: control plane subnets span 1 AZ(s) (eu-west-1a)",
        "nodes: node subnets span 1 AZ(s)",
    )
    assert {v.level for v in violations} == {"mandatory"}


class TestSubnetsOutsideTheStack:
    """Literal subnet ids the pack cannot resolve: their AZs are unknown, but fewer ids than the
    required AZ count can never span them."""

    @staticmethod
    def outside(ids: list, stack: Stack | None = None) -> list:
        stack = stack or baseline_stack()
        stack.node_group.refs = {**stack.node_group.refs, "subnetIds": []}
        stack.node_group.inputs = changed(stack.node_group.inputs, subnetIds=ids)
        return check_stack("eks-multi-az", stack.resources)

    @pytest.mark.parametrize("ids", [["subnet-1"], ["subnet-1", "subnet-1"], "subnet-1", []])
    def test_fewer_ids_than_azs_is_mandatory(self, ids: object) -> None:
        violations = self.outside(ids)  # type: ignore[arg-type]
        expect(violations, "nodes: node subnets span")
        assert violations[0].level == "mandatory"

    @pytest.mark.parametrize(
        "ids", [["subnet-1", "subnet-2"], ["subnet-1", UNKNOWN_STR], [UNKNOWN_STR], UNKNOWN_LIST]
    )
    def test_enough_ids_or_unknown_ones_pass(self, ids: object) -> None:
        expect(self.outside(ids))  # type: ignore[arg-type]

    def test_config_minimum_applies(self) -> None:
        stack = baseline_stack()
        stack.node_group.refs = {**stack.node_group.refs, "subnetIds": []}
        stack.node_group.inputs = changed(stack.node_group.inputs, subnetIds=["s-1", "s-2"])
        settings = {"minAvailabilityZones": 3}
        expect(check_stack("eks-multi-az", stack.resources, settings), "at least 3 AZs")

    @pytest.mark.parametrize(("ids", "flagged"), [(["subnet-1"], True), (["s-1", "s-2"], False)])
    def test_the_control_plane_too(self, ids: list, flagged: bool) -> None:
        stack = baseline_stack()
        stack.cluster.refs = {**stack.cluster.refs, "vpcConfig": []}
        stack.cluster.inputs = changed(stack.cluster.inputs, vpcConfig__subnetIds=ids)
        violations = check_stack("eks-multi-az", stack.resources)
        expect(
            violations, *(["cluster: control plane subnets span 1 subnet id(s)"] if flagged else [])
        )

    def test_one_of_ours_and_one_outside_may_span_two(self) -> None:
        stack = baseline_stack()
        stack.node_group.refs = {**stack.node_group.refs, "subnetIds": []}
        ours = stack.subnets["private-a"].outputs["id"]
        stack.node_group.inputs = changed(stack.node_group.inputs, subnetIds=[ours, "subnet-x"])
        expect(check_stack("eks-multi-az", stack.resources))
        stack.node_group.inputs = changed(stack.node_group.inputs, subnetIds=[ours])
        expect(check_stack("eks-multi-az", stack.resources), "span 1 AZ(s) (eu-west-1a)")


def test_min_azs_is_configurable(stack: Stack) -> None:
    expect(check_stack("eks-multi-az", stack.resources, {"minAvailabilityZones": 3}))
    place(stack.node_group, [stack.subnets["private-a"], stack.subnets["private-b"]])
    expect(check_stack("eks-multi-az", stack.resources))
    expect(
        check_stack("eks-multi-az", stack.resources, {"minAvailabilityZones": 3}), "at least 3 AZs"
    )


def test_unknown_availability_zones_are_decided_at_up() -> None:
    stack = baseline_stack()
    for zone in "abc":
        replace(stack, stack.subnets[f"private-{zone}"], availabilityZone=UNKNOWN_STR)
    expect(check_stack("eks-multi-az", stack.resources))
    place(stack.node_group, [stack.subnets["private-a"]])
    expect(check_stack("eks-multi-az", stack.resources), "nodes: node subnets span 0 AZ(s)")


# ---------------------------------------------------------------------- vpc-flow-logs


def test_vpc_without_flow_log_is_mandatory(stack: Stack) -> None:
    violations = check_stack("vpc-flow-logs", stack.without("flow-log"))
    expect(violations, "VPC vpc has no flow log")
    assert violations[0].level == "mandatory" and violations[0].resource_type == t.VPC


def test_flow_log_must_capture_all_traffic(stack: Stack) -> None:
    replace(stack, stack.named("flow-log"), trafficType="REJECT")
    expect(
        check_stack("vpc-flow-logs", stack.resources),
        'no flow log with trafficType ALL (found "REJECT")',
    )
    replace(stack, stack.named("flow-log"), trafficType=UNKNOWN_STR)
    expect_unknown(check_stack("vpc-flow-logs", stack.resources), "vpc.flowLogs.trafficType")


def test_flow_log_found_by_known_vpc_id_or_plain_dependency() -> None:
    stack = baseline_stack()
    flow_log = stack.named("flow-log")
    flow_log.refs = {}
    expect(check_stack("vpc-flow-logs", stack.resources))  # vpcId "vpc-1" == the VPC's id output
    flow_log.inputs = changed(flow_log.inputs, vpcId=UNKNOWN_STR)
    flow_log.extra_dependencies = [stack.vpc]
    expect(check_stack("vpc-flow-logs", stack.resources))  # no property deps: plain dependencies
    flow_log.extra_dependencies = []
    expect(check_stack("vpc-flow-logs", stack.resources), "has no flow log")


def test_flow_log_of_another_vpc_does_not_count() -> None:
    stack = baseline_stack()
    other = Res(t.VPC, "other-vpc", {"cidrBlock": "10.1.0.0/16"}, outputs={"id": "vpc-2"})
    expect(check_stack("vpc-flow-logs", [*stack.resources, other]), "VPC other-vpc has no flow log")


# ---------------------------------------------------------------------- vpc-default-security-group


def test_default_security_group_must_be_adopted_without_rules(stack: Stack) -> None:
    violations = check_stack("vpc-default-security-group", stack.without("default-sg"))
    expect(violations, "its default security group is not adopted")
    assert violations[0].level == "advisory"
    replace(
        stack,
        stack.named("default-sg"),
        ingress=[{"protocol": "-1", "fromPort": 0, "toPort": 0, "self": True}],
    )
    expect(check_stack("vpc-default-security-group", stack.resources), "has 1 ingress rule(s)")
    replace(stack, stack.named("default-sg"), ingress=[], egress=UNKNOWN_STR)
    expect_unknown(check_stack("vpc-default-security-group", stack.resources), "default-sg.egress")


# ---------------------------------------------------------------------- the network modes
# Every network policy on the program of each network mode: a pod range, an existing VPC (the
# pack sees no VPC or subnet of it: the program checks those before any resource), a range from
# an IPAM pool. Compliant as the program registers them, at `up` and at preview (ids unknown);
# each mode's typical mistake, made in the registrations, is caught.

NETWORK_POLICIES = {
    "vpc-flow-logs",
    "vpc-default-security-group",
    "subnet-no-public-ip-on-launch",
    "eks-multi-az",
    "security-group-no-open-ingress",
    "eks-private-subnets",
}
MODES = {
    "pod range": {"network": {"podCidr": "100.64.0.0/16"}},
    "existing VPC": existing(),
    "IPAM pool": {
        "network": {
            "vpcCidr": None,
            "ipamPoolId": "ipam-pool-0d9e8f7a6b5c4d3e2",
            "ipamNetmaskLength": 16,
        }
    },
}


def verdicts_of(registrations) -> list[tuple[str, str, str]]:
    found = evaluate(registrations, "policy/config/dev.json")
    return sorted(
        (v.level, v.policy, v.resource_name)
        for v in found
        if v.policy in NETWORK_POLICIES and "can't run policy" not in v.message
    )


@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
@pytest.mark.parametrize("mode", MODES)
def test_each_network_mode_holds_every_network_policy(mode: str, preview: bool) -> None:
    assert verdicts_of(program("dev", MODES[mode], preview=preview).registrations) == []


def mutated(registrations, urn: str, **values: object) -> list:
    """The registrations with the resource `urn` given `values` (as it was sent and as AWS keeps it)."""
    return [
        dataclasses.replace(r, inputs={**r.inputs, **values}, outputs={**r.outputs, **values})
        if r.urn == urn
        else r
        for r in registrations
    ]


def urn_of(registrations, name: str, typ: str) -> str:
    return next(r.urn for r in registrations if r.name == name and r.type == typ)


def test_a_pod_subnet_mapping_public_ips_is_flagged() -> None:
    regs = program("dev", MODES["pod range"]).registrations
    pod_subnet = urn_of(regs, "network-pod-eu-west-1a", t.SUBNET)
    found = verdicts_of(mutated(regs, pod_subnet, mapPublicIpOnLaunch=True))
    assert found == [("advisory", "subnet-no-public-ip-on-launch", "network-pod-eu-west-1a")]


def test_an_existing_vpc_s_nodes_in_one_subnet_fail_multi_az() -> None:
    regs = program("dev", existing()).registrations
    group = next(r for r in regs if r.type == t.EKS_NODE_GROUP)
    one = mutated(regs, group.urn, subnetIds=group.inputs["subnetIds"][:1])
    assert verdicts_of(one) == [("mandatory", "eks-multi-az", group.name)]


def test_a_pool_ranged_vpc_without_its_flow_log_is_flagged() -> None:
    regs = program("dev", MODES["IPAM pool"]).registrations
    without = [r for r in regs if r.type != t.FLOW_LOG]
    assert verdicts_of(without) == [("mandatory", "vpc-flow-logs", "network-vpc")]
