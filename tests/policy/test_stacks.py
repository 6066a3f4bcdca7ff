"""Our own stacks: the whole program under the shared mocks, every registration fed to the pack.

Every stack of the repository must have no violations with its policy config. Then one setting at a time
is changed and the expected violation must appear, or the settings layer must refuse the value
before anything is registered.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from components.base.config import PROJECT, SettingsError
from preflight.ci_stacks import stacks
from preflight.offline import runner
from preflight.offline.analyzer import Violation, evaluate
from tests.programs import EVERY_OPTION, program

POLICY_CONFIG = Path(__file__).resolve().parents[2] / "policy" / "config"


@cache
def registrations(stack: str) -> tuple[Any, ...]:
    return tuple(program(stack).registrations)


def verdicts(stack: str, regs: Any = None, config: Any = None) -> list[tuple[str, str, str]]:
    found = evaluate(
        list(registrations(stack) if regs is None else regs),
        POLICY_CONFIG / f"{stack}.json" if config is None else config,
    )
    return sorted((v.level, v.policy, v.resource_name) for v in found)


def describe(violations: list[Violation]) -> str:
    return "\n".join(str(v) for v in violations)


@pytest.mark.parametrize("stack", stacks())
def test_our_stacks_have_no_violations(stack: str) -> None:
    regs = registrations(stack)
    types = {r.type for r in regs}
    # The policies must have had something to look at.
    assert {
        "aws:eks/cluster:Cluster",
        "aws:ec2/vpc:Vpc",
        "aws:ec2/flowLog:FlowLog",
        "aws:kms/key:Key",
    } <= types
    violations = evaluate(list(regs), POLICY_CONFIG / f"{stack}.json")
    assert not [v for v in violations if v.mandatory], describe(violations)
    assert violations == [], describe(violations)


AUTO_MODE = {"compute": {"mode": "auto", "nodeGroups": None}}
# Auto Mode runs load balancing and Karpenter itself: the controllers add the gp3 StorageClass.
AUTO_WITH_STORAGE_CLASS = {
    **AUTO_MODE,
    "controllers": {"enabled": True, "loadBalancerController": False, "karpenter": False},
    "cluster": {"endpointAccess": {"securityGroupIds": ["sg-0123456789abcdef0"]}},
}
OPTIONS = {
    "prod-every-option": ("prod", EVERY_OPTION),
    "dev-auto": ("dev", AUTO_MODE),
    "prod-auto-storage-class": ("prod", AUTO_WITH_STORAGE_CLASS),
    "dev": ("dev", {}),
}


@pytest.mark.parametrize(("stack", "overrides"), OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("preview", [False, True], ids=["up", "preview"])
def test_every_option_and_auto_mode_have_no_violations(
    stack: str, overrides: dict, preview: bool
) -> None:
    """Controllers (Karpenter, its node class and pool, Helm charts, the interruption queue) and
    Auto Mode included; at preview, with every id unknown, nothing is mandatory either."""
    regs = program(stack, overrides, preview=preview).registrations
    violations = evaluate(regs, POLICY_CONFIG / f"{stack}.json")
    if preview:
        violations = [v for v in violations if "can't run policy" not in v.message]
    assert violations == [], describe(violations)
    if overrides is EVERY_OPTION:
        assert {"kubernetes:karpenter.sh/v1:NodePool", "aws:sqs/queue:Queue"} <= {
            r.type for r in regs
        }


@pytest.mark.parametrize("stack", stacks())
def test_our_stacks_pass_the_pack_defaults_too_except_the_retention_floor(stack: str) -> None:
    found = verdicts(stack, config={})
    assert {policy for _, policy, _ in found} <= {"log-group-retention"}


def node_groups(stack: str, **changes: Any) -> dict[str, Any]:
    groups = copy.deepcopy(runner.stack_config(stack)[f"{PROJECT}:compute"]["nodeGroups"])
    groups[0].update(changes)
    return {"compute": {"nodeGroups": groups}}


SCENARIOS: list[
    tuple[str, str, Callable[[], dict[str, Any]], dict[str, Any] | None, list[tuple[str, str]]]
] = [
    (
        "public endpoint with an allow-list",
        "dev",
        lambda: {"cluster": {"publicAccessCidrs": ["203.0.113.0/24"]}},
        None,
        [("mandatory", "eks-endpoint-private")],
    ),
    (
        "public endpoint permitted by policy config",
        "dev",
        lambda: {"cluster": {"publicAccessCidrs": ["203.0.113.0/24"]}},
        {
            "log-group-retention": {"minRetentionDays": 30},
            "eks-endpoint-private": {"allowPublicEndpoint": True},
        },
        [],
    ),
    (
        "fewer control plane log types",
        "prod",
        lambda: {"cluster": {"logTypes": ["api", "audit"]}},
        None,
        [("mandatory", "eks-control-plane-logging")],
    ),
    (
        "hop limit 2 in dev",
        "dev",
        lambda: node_groups("dev", metadataHopLimit=2),
        None,
        [("advisory", "launch-template-hop-limit")],
    ),
    (
        "hop limit 2 in prod",
        "prod",
        lambda: node_groups("prod", metadataHopLimit=2),
        None,
        [("mandatory", "launch-template-hop-limit")],
    ),
    (
        "log retention below the floor",
        "dev",
        lambda: {"logRetentionDays": 14},
        None,
        # every log group: flow logs, control plane, Container Insights' four
        [("mandatory", "log-group-retention")] * 6,
    ),
    (
        "a year of logs is still below prod's floor if shortened",
        "prod",
        lambda: {"logRetentionDays": 180},
        None,
        [("mandatory", "log-group-retention")] * 6,
    ),
    (
        "network policy switched off",
        "dev",
        lambda: {
            "addons": {
                "overrides": {"vpc-cni": {"configurationValues": {"enableNetworkPolicy": "false"}}}
            }
        },
        None,
        [("advisory", "eks-vpc-cni-network-policy")],
    ),
    ("Auto Mode", "prod", lambda: {"compute": {"mode": "auto", "nodeGroups": None}}, None, []),
    ("IRSA instead of Pod Identity", "prod", lambda: {"addons": {"identity": "irsa"}}, None, []),
    (
        "no NAT, interface endpoints",
        "dev",
        lambda: {"network": {"natMode": "none", "interfaceEndpoints": True}},
        None,
        [],
    ),
]


@pytest.mark.parametrize(
    ("stack", "overrides", "config", "expected"),
    [scenario[1:] for scenario in SCENARIOS],
    ids=[scenario[0] for scenario in SCENARIOS],
)
def test_one_setting_changed(
    stack: str,
    overrides: Callable[[], dict[str, Any]],
    config: dict | None,
    expected: list[tuple[str, str]],
) -> None:
    regs = program(stack, overrides()).registrations
    assert [(level, policy) for level, policy, _ in verdicts(stack, regs, config)] == sorted(
        expected
    )


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        (lambda: {"cluster": {"publicAccessCidrs": ["0.0.0.0/0"]}}, "publicAccessCidrs"),
        (lambda: {"cluster": {"logTypes": ["api", "audits"]}}, "logTypes"),
        (lambda: {"network": {"azCount": 1}}, "azCount"),
        (lambda: node_groups("dev", metadataHopLimit=3), "metadataHopLimit"),
        (lambda: {"kubernetesVersion": "1.29"}, "kubernetesVersion"),
        (lambda: {"logRetentionDays": 0}, "logRetentionDays"),
    ],
    ids=[
        "open endpoint",
        "unknown log type",
        "one AZ",
        "hop limit 3",
        "unsupported version",
        "never expire",
    ],
)
def test_settings_refuse_what_the_pack_would_flag(
    overrides: Callable[[], dict[str, Any]], problem: str
) -> None:

    with pytest.raises(SettingsError, match=problem):
        program("dev", overrides())


def test_the_pack_reads_the_same_version_list_as_the_program() -> None:
    found = verdicts(
        "dev",
        config={
            "log-group-retention": {"minRetentionDays": 30},
            "eks-supported-version": {"allowedVersions": ["1.36"]},
        },
    )
    assert [(level, policy) for level, policy, _ in found] == [
        ("advisory", "eks-supported-version")
    ]


# ---------------------------------------------------------------------- relationships in our stacks


def without(stack: str, keep: Callable[[Any], bool]) -> list[Any]:
    return [r for r in registrations(stack) if keep(r)]


@pytest.mark.parametrize(
    ("resource_type", "expected"),
    [
        ("aws:ec2/flowLog:FlowLog", [("mandatory", "vpc-flow-logs")]),
        (
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
            [("advisory", "vpc-default-security-group")],
        ),
    ],
)
def test_dropping_a_network_resource_is_noticed(
    resource_type: str, expected: list[tuple[str, str]]
) -> None:
    regs = without("dev", lambda r: r.type != resource_type)
    assert [(level, policy) for level, policy, _ in verdicts("dev", regs)] == expected


def test_dropping_the_cluster_log_group_is_noticed() -> None:
    regs = without(
        "dev",
        lambda r: (
            not (
                r.type == "aws:cloudwatch/logGroup:LogGroup"
                and "/aws/eks/" in str(r.inputs.get("name"))
            )
        ),
    )
    assert [(level, policy) for level, policy, _ in verdicts("dev", regs)] == [
        ("advisory", "eks-cluster-log-group")
    ]


def test_dropping_a_core_addon_is_noticed() -> None:
    regs = without(
        "prod",
        lambda r: not (r.type == "aws:eks/addon:Addon" and r.inputs.get("addonName") == "coredns"),
    )
    assert verdicts("prod", regs) == [("advisory", "eks-core-addons-pinned", "eks-cluster")]


def test_workload_identity_needs_the_agent_or_the_oidc_provider() -> None:
    def is_agent(r: Any) -> bool:
        return (
            r.type == "aws:eks/addon:Addon"
            and r.inputs.get("addonName") == "eks-pod-identity-agent"
        )

    def is_oidc(r: Any) -> bool:
        return r.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"

    assert verdicts("dev", without("dev", lambda r: not is_agent(r))) == []
    assert verdicts("dev", without("dev", lambda r: not is_oidc(r))) == []
    assert [
        p for _, p, _ in verdicts("dev", without("dev", lambda r: not (is_agent(r) or is_oidc(r))))
    ] == ["eks-workload-identity"]


def test_a_node_subnet_that_maps_public_ips_is_noticed() -> None:
    node_group = next(r for r in registrations("dev") if r.type == "aws:eks/nodeGroup:NodeGroup")
    first_subnet = node_group.property_dependencies["subnetIds"][0]

    def public(r: Any) -> Any:
        if r.urn != first_subnet:
            return r
        return dataclasses.replace(
            r,
            inputs={**r.inputs, "mapPublicIpOnLaunch": True},
            outputs={**r.outputs, "mapPublicIpOnLaunch": True},
        )

    regs = [public(r) for r in registrations("dev")]
    assert [(level, policy) for level, policy, _ in verdicts("dev", regs)] == [
        ("advisory", "subnet-no-public-ip-on-launch"),
        ("mandatory", "eks-private-subnets"),
    ]


def test_an_admin_policy_on_the_node_role_is_noticed() -> None:
    attachment = next(
        r
        for r in registrations("dev")
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
        and "WorkerNode" in str(r.inputs.get("policyArn"))
    )
    admin = dataclasses.replace(
        attachment,
        urn=attachment.urn + "-admin",
        name=attachment.name + "-admin",
        inputs={**attachment.inputs, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
        outputs={**attachment.outputs, "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )
    found = verdicts("dev", [*registrations("dev"), admin])
    assert found == [("mandatory", "iam-node-role-least-privilege", admin.name)]
