"""Stack policies over a small complete stack: relationships through property dependencies,
known ids, or plain dependencies, with ids unknown (preview) and known (after up)."""

from __future__ import annotations

import pytest
from eks_policies import ALL_POLICIES
from eks_policies import _types as t
from eks_policies._policy import BaselineStackPolicy
from policy_harness import (
    ABSENT,
    UNKNOWN_STR,
    Res,
    Stack,
    baseline_stack,
    changed,
    check_stack,
    expect,
    place,
)

STACK_POLICIES = [p.name for p in ALL_POLICIES if isinstance(p, BaselineStackPolicy)]


@pytest.fixture(params=[False, True], ids=["known-ids", "unknown-ids"])
def stack(request: pytest.FixtureRequest) -> Stack:
    return baseline_stack(unknown_ids=request.param)


@pytest.mark.parametrize("policy", STACK_POLICIES)
def test_baseline_stack_passes_every_stack_policy(policy: str, stack: Stack) -> None:
    expect(check_stack(policy, stack.resources))


def test_an_empty_stack_passes(stack: Stack) -> None:
    for policy in STACK_POLICIES:
        expect(check_stack(policy, []))


def replace(stack: Stack, resource: Res, **changes: object) -> list[Res]:
    """The stack's resources with `resource` given changed inputs (and outputs)."""
    resource.inputs = changed(resource.inputs, **changes)
    if resource.outputs is not None:
        resource.outputs = changed(resource.outputs, **changes)
    return stack.resources


# ---------------------------------------------------------------------- eks-private-subnets


def test_cluster_in_public_subnets_is_mandatory(stack: Stack) -> None:
    place(stack.cluster, [stack.subnets[f"public-{z}"] for z in "abc"])
    violations = check_stack("eks-private-subnets", stack.resources)
    assert len(violations) == 3
    assert {v.level for v in violations} == {"mandatory"}
    assert all(v.resource_name == "cluster" for v in violations)
    assert "control plane subnet public-a is public" in violations[0].message
    assert "routes to an internet gateway" in violations[0].message
    assert "kubernetes.io/role/elb" in violations[0].message


def test_node_subnet_mapping_public_ips_is_public(stack: Stack) -> None:
    replace(stack, stack.subnets["private-b"], mapPublicIpOnLaunch=True)
    expect(
        check_stack("eks-private-subnets", stack.resources),
        "nodes: node subnet private-b is public: it maps public IPs",
    )


def test_route_to_igw_by_known_id_without_dependencies() -> None:
    stack = baseline_stack()
    route = stack.named("public-internet")
    route.refs = {"routeTableId": route.refs["routeTableId"]}  # gateway given as a literal id
    route.inputs = changed(route.inputs, gatewayId="igw-0123")
    place(stack.node_group, [stack.subnets["public-a"]])
    replace(stack, stack.subnets["public-a"], tags={"tier": "public"})
    expect(
        check_stack("eks-private-subnets", stack.resources),
        "its route table public-rt routes to an internet gateway",
    )


def test_subnets_outside_the_stack_are_not_judged() -> None:
    stack = baseline_stack()
    stack.node_group.refs = {**stack.node_group.refs, "subnetIds": []}
    stack.node_group.inputs = changed(stack.node_group.inputs, subnetIds=["subnet-external"])
    expect(check_stack("eks-private-subnets", stack.resources))
    expect(check_stack("eks-multi-az", stack.resources))


# ---------------------------------------------------------------------- eks-multi-az


def test_single_az_cluster_and_nodes_are_mandatory(stack: Stack) -> None:
    place(stack.cluster, [stack.subnets["intra-a"]])
    place(stack.node_group, [stack.subnets["private-a"]])
    violations = check_stack("eks-multi-az", stack.resources)
    expect(
        violations,
        "cluster: control plane subnets span 1 known (eu-west-1a)",
        "nodes: node subnets span 1 known",
    )
    assert {v.level for v in violations} == {"mandatory"}


def test_min_azs_is_configurable(stack: Stack) -> None:
    expect(check_stack("eks-multi-az", stack.resources, {"minAvailabilityZones": 3}))
    place(stack.node_group, [stack.subnets["private-a"], stack.subnets["private-b"]])
    expect(check_stack("eks-multi-az", stack.resources))
    expect(
        check_stack("eks-multi-az", stack.resources, {"minAvailabilityZones": 3}), "at least 3 AZs"
    )


def test_unknown_availability_zone_cannot_satisfy_the_minimum() -> None:
    stack = baseline_stack()
    for zone in "abc":
        replace(stack, stack.subnets[f"private-{zone}"], availabilityZone=UNKNOWN_STR)
    expect(
        check_stack("eks-multi-az", stack.resources), "3 subnet(s) whose AZ is unknown at preview"
    )


# ---------------------------------------------------------------------- eks-cluster-log-group


def test_missing_cluster_log_group(stack: Stack) -> None:
    violations = check_stack("eks-cluster-log-group", stack.without("cluster-logs"))
    expect(violations, "no log group /aws/eks/eks-platform-test/cluster in the stack")
    assert violations[0].level == "advisory"


def test_cluster_log_group_without_retention_or_key(stack: Stack) -> None:
    replace(stack, stack.named("cluster-logs"), retentionInDays=ABSENT, kmsKeyId=ABSENT)
    expect(
        check_stack("eks-cluster-log-group", stack.resources),
        "never expires: set retentionInDays",
        "is not encrypted with a KMS key",
    )


def test_cluster_log_group_found_through_dependency_when_names_are_unknown() -> None:
    stack = baseline_stack()
    replace(stack, stack.cluster, name=UNKNOWN_STR)
    replace(stack, stack.named("cluster-logs"), name=UNKNOWN_STR)
    expect(check_stack("eks-cluster-log-group", stack.resources))
    stack.cluster.extra_dependencies = []
    expect(
        check_stack("eks-cluster-log-group", stack.resources),
        "no log group /aws/eks/<cluster name>/cluster",
    )


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
    expect(check_stack("vpc-flow-logs", stack.resources), "found unknown at preview")


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
    expect(
        check_stack("vpc-default-security-group", stack.resources), "default-sg.egress is unknown"
    )


# ---------------------------------------------------------------------- iam-node-role-least-privilege


def admin_attachment(role: Res, policy: str = "AdministratorAccess") -> Res:
    return Res(
        t.IAM_ROLE_POLICY_ATTACHMENT,
        f"node-{policy}",
        {"role": UNKNOWN_STR, "policyArn": f"arn:aws:iam::aws:policy/{policy}"},
        {"role": [role]},
    )


@pytest.mark.parametrize(
    "policy", ["AdministratorAccess", "PowerUserAccess", "AmazonEC2ContainerRegistryFullAccess"]
)
def test_node_role_with_broad_policy_is_mandatory(stack: Stack, policy: str) -> None:
    violations = check_stack(
        "iam-node-role-least-privilege",
        [*stack.resources, admin_attachment(stack.node_role, policy)],
    )
    expect(violations, f"node role node-role has {policy} attached")
    assert violations[0].level == "mandatory" and violations[0].resource_name == f"node-{policy}"


def test_admin_on_a_role_that_is_not_a_node_role_is_out_of_scope(stack: Stack) -> None:
    cluster_role = stack.named("cluster-role")
    expect(
        check_stack(
            "iam-node-role-least-privilege", [*stack.resources, admin_attachment(cluster_role)]
        )
    )


def test_node_role_managed_policy_arns_and_auto_mode_role() -> None:
    stack = baseline_stack()
    replace(stack, stack.node_role, managedPolicyArns=["arn:aws:iam::aws:policy/PowerUserAccess"])
    expect(
        check_stack("iam-node-role-least-privilege", stack.resources),
        "has PowerUserAccess attached",
    )
    # Auto Mode: the node role is named by the cluster's computeConfig.
    auto_role = Res(t.IAM_ROLE, "auto-node-role", {"assumeRolePolicy": "{}"})
    stack = baseline_stack()
    stack.cluster.inputs = changed(
        stack.cluster.inputs, computeConfig={"enabled": True, "nodeRoleArn": UNKNOWN_STR}
    )
    stack.cluster.refs = {**stack.cluster.refs, "computeConfig": [auto_role]}
    resources = [*stack.without("nodes"), auto_role, admin_attachment(auto_role)]
    expect(
        check_stack("iam-node-role-least-privilege", resources),
        "node role auto-node-role has AdministratorAccess",
    )


# ---------------------------------------------------------------------- workload identity and add-ons


def test_workload_identity_from_agent_or_oidc_provider(stack: Stack) -> None:
    without_agent = stack.without("addon-eks-pod-identity-agent")
    violations = check_stack("eks-workload-identity", without_agent)
    expect(
        violations, "cluster has neither the eks-pod-identity-agent add-on nor an IAM OIDC provider"
    )
    assert violations[0].level == "advisory"
    oidc = Res(
        t.OIDC_PROVIDER,
        "oidc",
        {"url": UNKNOWN_STR, "clientIdLists": ["sts.amazonaws.com"]},
        {"url": [stack.cluster]},
    )
    expect(check_stack("eks-workload-identity", [*without_agent, oidc]))


def auto_mode(stack: Stack) -> list[Res]:
    stack.cluster.inputs = changed(
        stack.cluster.inputs, computeConfig={"enabled": True, "nodePools": ["system"]}
    )
    return [r for r in stack.resources if r.type != t.EKS_ADDON and r.name != "nodes"]


def test_auto_mode_needs_no_core_addons_or_agent() -> None:
    resources = auto_mode(baseline_stack())
    expect(check_stack("eks-workload-identity", resources))
    expect(check_stack("eks-core-addons-pinned", resources))


@pytest.mark.parametrize("missing", ["vpc-cni", "kube-proxy", "coredns"])
def test_core_addon_missing(stack: Stack, missing: str) -> None:
    violations = check_stack("eks-core-addons-pinned", stack.without(f"addon-{missing}"))
    expect(violations, f"add-on {missing} is not managed by this stack")
    assert violations[0].level == "advisory"


def test_core_addon_without_version(stack: Stack) -> None:
    replace(stack, stack.named("addon-coredns"), addonVersion=ABSENT)
    expect(
        check_stack("eks-core-addons-pinned", stack.resources),
        "add-on coredns has no explicit addonVersion",
    )


def test_addon_of_another_cluster_does_not_count() -> None:
    stack = baseline_stack()
    other = Res(t.EKS_CLUSTER, "other", {"name": "other"}, outputs={"name": "other"})
    vpc_cni = stack.named("addon-vpc-cni")
    vpc_cni.refs = {"clusterName": [other]}
    vpc_cni.inputs = changed(vpc_cni.inputs, clusterName="other")
    violations = check_stack(
        "eks-core-addons-pinned", [*stack.resources, other], {"requiredAddons": ["vpc-cni"]}
    )
    expect(violations, "cluster: add-on vpc-cni is not managed")
