"""eks_policies/addons.py: VPC CNI network policy; and its stack policy, core add-ons pinned."""

from __future__ import annotations

import json

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import (
    VPC_CNI,
    Stack,
    baseline_stack,
    replace,
)
from tests.policy.runner import (
    ABSENT,
    UNKNOWN_STR,
    Res,
    changed,
    check_stack,
    expect,
    expect_unknown,
    run,
)

NETWORK_POLICY = "eks-vpc-cni-network-policy"


@pytest.mark.parametrize("value", ["true", True])
def test_vpc_cni_network_policy_enabled(value: object) -> None:
    props = {**VPC_CNI, "configurationValues": json.dumps({"enableNetworkPolicy": value})}
    expect(run(NETWORK_POLICY, t.EKS_ADDON, props))


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (json.dumps({"enableNetworkPolicy": "false"}), 'enableNetworkPolicy is "false"'),
        (
            json.dumps({"env": {"ENABLE_PREFIX_DELEGATION": "true"}}),
            "enableNetworkPolicy is absent",
        ),
        (ABSENT, "configurationValues is absent"),
        ("{oops", "configurationValues is not valid JSON"),
    ],
)
def test_vpc_cni_network_policy_violations(values: object, fragment: str) -> None:
    violations = run(NETWORK_POLICY, t.EKS_ADDON, changed(VPC_CNI, configurationValues=values))
    expect(violations, fragment)
    assert violations[0].level == "advisory"


def test_network_policy_ignores_other_addons_and_reports_unknown_values() -> None:
    expect(run(NETWORK_POLICY, t.EKS_ADDON, {**VPC_CNI, "addonName": "coredns"}))
    expect_unknown(
        run(NETWORK_POLICY, t.EKS_ADDON, {**VPC_CNI, "configurationValues": UNKNOWN_STR}),
        "configurationValues",
    )


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
