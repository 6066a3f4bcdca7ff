"""The pack as a whole: metadata, levels, config handling, exemptions, crash safety, README."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, Severity
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from eks_policies import ALL_POLICIES
from eks_policies import _types as t
from eks_policies._policy import EXEMPT_RESOURCES, BaselineResourcePolicy, BaselineStackPolicy
from eks_policies._props import UNKNOWN, get, is_open_cidr, to_bool, to_number, to_plain
from eks_policies._versions import VERSIONS_FILE
from eks_policies.catalog import REFRESH, TABLE_END, TABLE_START, render_policy_table
from eks_policies.pack_config import PackConfigError, load_config_file, reconcile
from preflight.offline.analyzer import evaluate
from tests.policy.fixtures import CLUSTER, LAUNCH_TEMPLATE, Stack, baseline_stack
from tests.policy.runner import UNKNOWN_STR, Res, changed, check, check_stack, expect

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"

# The levels the issue asks for; anything else is advisory.
MANDATORY = {
    "eks-endpoint-private",
    "eks-control-plane-logging",
    "eks-secrets-encryption",
    "eks-private-subnets",
    "launch-template-imdsv2",
    "launch-template-no-public-ip",
    "launch-template-ebs-encrypted",
    "nodes-no-ssh",
    "no-launch-configurations",
    "vpc-flow-logs",
    "eks-multi-az",
    "security-group-no-open-ingress",
    "kms-key-rotation",
    "kms-key-policy-safe",
    "log-group-retention",
    "iam-no-admin-wildcard",
    "iam-trust-policy-scoped",
    "iam-node-role-least-privilege",
    "karpenter-node-class-imds",
    "karpenter-node-class-ebs-encrypted",
    "node-class-no-public-ip",
    "storage-class-encrypted",
    "resource-policy-not-public",
}
STACK = {
    "eks-private-subnets",
    "eks-cluster-log-group",
    "vpc-flow-logs",
    "vpc-default-security-group",
    "eks-multi-az",
    "iam-node-role-least-privilege",
    "eks-workload-identity",
    "eks-core-addons-pinned",
}


def test_policy_names_levels_and_kinds() -> None:
    names = [p.name for p in ALL_POLICIES]
    assert len(names) == len(set(names)) == 41
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names)
    assert set(names) >= MANDATORY | STACK
    for policy in ALL_POLICIES:
        expected = (
            EnforcementLevel.MANDATORY if policy.name in MANDATORY else EnforcementLevel.ADVISORY
        )
        assert policy.enforcement_level == policy.info.level == expected, policy.name
        assert isinstance(policy, BaselineStackPolicy) == (policy.name in STACK), policy.name


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_policy_metadata(policy: BaselineResourcePolicy | BaselineStackPolicy) -> None:
    assert policy.description.endswith(".") and policy.info.summary in policy.description
    assert policy.remediation_steps and policy.remediation_steps == policy.info.remediation
    assert isinstance(policy.severity, Severity)
    assert policy.config_schema is not None and EXEMPT_RESOURCES in policy.config_schema.properties
    for key, schema in policy.config_schema.properties.items():
        assert {"type", "default", "description"} <= set(schema), (policy.name, key)
    benchmarks = policy.info.benchmarks
    if benchmarks.label():
        assert f"({benchmarks.label()})." in policy.description
    if benchmarks.cis:
        assert policy.framework is not None and policy.framework.reference == benchmarks.cis
        assert policy.framework.name == "CIS Amazon EKS Benchmark"
    assert all(re.fullmatch(r"CKV2?_AWS_\d+", c) for c in benchmarks.checkov)


def test_schema_defaults_are_valid_config_and_resolve_to_themselves() -> None:
    defaults = {
        p.name: {k: s["default"] for k, s in p.config_schema.properties.items()}
        for p in ALL_POLICIES
    }
    settings = reconcile(ALL_POLICIES, defaults)
    for policy in ALL_POLICIES:
        assert settings[policy.name].properties == defaults[policy.name]


def test_supported_versions_come_from_the_shared_file() -> None:
    policy = next(p for p in ALL_POLICIES if p.name == "eks-supported-version")
    listed = json.loads(VERSIONS_FILE.read_text())["standard_support"]
    assert sorted(policy.info.settings["allowedVersions"]["default"]) == sorted(listed)


# ---------------------------------------------------------------------- config reconciliation


@pytest.mark.parametrize(
    "config_file", sorted((POLICY_DIR / "config").glob("*.json")), ids=lambda p: p.stem
)
def test_every_stack_s_config_is_valid(config_file: Path) -> None:
    config = load_config_file(config_file)
    settings = reconcile(ALL_POLICIES, config)
    assert set(settings) == {p.name for p in ALL_POLICIES}


def test_prod_config_is_at_least_as_strict_as_dev() -> None:
    dev = reconcile(ALL_POLICIES, load_config_file(POLICY_DIR / "config" / "dev.json"))
    prod = reconcile(ALL_POLICIES, load_config_file(POLICY_DIR / "config" / "prod.json"))
    for name, setting in dev.items():
        if setting.level == EnforcementLevel.MANDATORY:
            assert prod[name].level == EnforcementLevel.MANDATORY, name
    retention = "log-group-retention"
    assert (
        prod[retention].properties["minRetentionDays"]
        >= dev[retention].properties["minRetentionDays"]
    )


def test_all_then_per_policy_levels() -> None:
    settings = reconcile(
        ALL_POLICIES,
        {
            "all": "advisory",
            "vpc-flow-logs": "disabled",
            "eks-multi-az": {"enforcementLevel": "mandatory", "minAvailabilityZones": 3},
            "log-group-retention": {"minRetentionDays": 30},
        },
    )
    assert settings["vpc-flow-logs"].level == EnforcementLevel.DISABLED
    assert settings["eks-multi-az"].level == EnforcementLevel.MANDATORY
    assert settings["eks-multi-az"].properties["minAvailabilityZones"] == 3
    assert settings["log-group-retention"].level == EnforcementLevel.ADVISORY  # from "all"
    assert settings["eks-endpoint-private"].level == EnforcementLevel.ADVISORY
    assert settings["log-group-retention"].properties == {
        "minRetentionDays": 30,
        EXEMPT_RESOURCES: [],
    }


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ({"vpc-flow-log": "mandatory"}, "vpc-flow-log: no such policy"),
        ({"all": "strict"}, "'strict' is not an enforcement level"),
        ({"eks-multi-az": {"minAzs": 3}}, "eks-multi-az.minAzs: not a config property"),
        ({"eks-multi-az": {"minAvailabilityZones": "3"}}, "expected integer, got str"),
        ({"eks-multi-az": {"minAvailabilityZones": 2.5}}, "expected an integer"),
        ({"eks-multi-az": {"minAvailabilityZones": 0}}, "out of range"),
        ({"eks-endpoint-private": {"allowPublicEndpoint": "yes"}}, "expected boolean"),
        (
            {"eks-control-plane-logging": {"requiredLogTypes": ["api", "audits"]}},
            "'audits' is not one of",
        ),
        ({"required-tags": {"exemptResources": [1]}}, "exemptResources[0]: expected string"),
        ({"nodes-no-ssh": 3}, "expected a level string or an object"),
    ],
)
def test_invalid_config_is_refused_with_every_problem(config: dict, problem: str) -> None:
    with pytest.raises(PackConfigError) as raised:
        reconcile(ALL_POLICIES, config)
    assert any(problem in p for p in raised.value.problems), raised.value.problems


def test_disabled_is_skipped_and_remediate_reports_mandatory() -> None:
    public = changed(CLUSTER, vpcConfig__endpointPublicAccess=True)
    resources = [Res(t.EKS_CLUSTER, "c", public)]
    assert not [
        v
        for v in evaluate(resources, {"eks-endpoint-private": "disabled"})
        if v.policy == "eks-endpoint-private"
    ]
    found = [
        v for v in evaluate(resources, {"all": "remediate"}) if v.policy == "eks-endpoint-private"
    ]
    assert [v.level for v in found] == ["mandatory"]
    found = [
        v for v in evaluate(resources, {"all": "advisory"}) if v.policy == "eks-endpoint-private"
    ]
    assert [v.level for v in found] == ["advisory"]


# ---------------------------------------------------------------------- exemptions


@pytest.mark.parametrize(
    "pattern",
    [
        "subject",
        "sub*",
        "urn:pulumi:test::eks-platform::aws:eks/cluster:Cluster::subject",
        "aws:eks/cluster:Cluster::subject",
    ],
)
def test_resource_exemption(pattern: str) -> None:
    public = changed(CLUSTER, vpcConfig__endpointPublicAccess=True)
    assert check("eks-endpoint-private", t.EKS_CLUSTER, public)
    assert not check("eks-endpoint-private", t.EKS_CLUSTER, public, {"exemptResources": [pattern]})


@pytest.mark.parametrize("pattern", ["other", "ubject", "Cluster::sub"])
def test_non_matching_exemption_does_not_exempt(pattern: str) -> None:
    public = changed(CLUSTER, vpcConfig__endpointPublicAccess=True)
    assert check("eks-endpoint-private", t.EKS_CLUSTER, public, {"exemptResources": [pattern]})


def test_stack_finding_exemption() -> None:
    resources = baseline_stack().without("flow-log")
    assert check_stack("vpc-flow-logs", resources)
    assert not check_stack("vpc-flow-logs", resources, {"exemptResources": ["vpc"]})


# ---------------------------------------------------------------------- robustness


def test_a_crashing_check_becomes_a_violation_not_an_aborted_preview() -> None:
    def broken(props: dict, config: dict) -> list[str]:
        raise KeyError("surprise")

    policy = BaselineResourcePolicy(
        name="broken",
        summary="Broken",
        level=EnforcementLevel.MANDATORY,
        checks={t.VPC: broken},
        remediation="Fix the policy.",
        severity=Severity.LOW,
    )
    violations = evaluate([Res(t.VPC, "v", {})], policies=[policy])
    assert (
        len(violations) == 1
        and "could not evaluate this resource (KeyError" in violations[0].message
    )


@pytest.mark.parametrize("policy", ALL_POLICIES, ids=lambda p: p.name)
def test_no_policy_raises_on_odd_shapes(
    policy: BaselineResourcePolicy | BaselineStackPolicy,
) -> None:
    """Wrong types where objects, lists, strings or numbers are expected never crash a policy."""
    odd_values = [None, "", "x", 0, 1.5, True, [], {}, [None], [1], {"a": None}, UNKNOWN_STR]
    keys = set(CLUSTER) | set(LAUNCH_TEMPLATE) | {
        "ingress", "policy", "assumeRolePolicy", "inlinePolicies", "configurationValues", "tags",
        "retentionInDays", "kmsKeyId", "addonName", "trafficType", "vpcId", "subnetIds", "type",
        "cidrBlocks", "networkInterfaces", "remoteAccess", "mapPublicIpOnLaunch", "computeConfig",
    }  # fmt: skip
    if isinstance(policy, BaselineResourcePolicy):
        for resource_type in policy.resource_types:
            for value in odd_values:
                try:
                    messages = policy.evaluate(resource_type, dict.fromkeys(keys, value))
                except UnknownValueError:
                    continue  # the analyzer's "can't be known during preview" advisory
                for message in messages:
                    assert "could not evaluate" not in message, (resource_type, value, message)
    else:
        stack = baseline_stack()
        for value in odd_values:
            for resource in stack.resources:
                resource.inputs = dict.fromkeys(keys, value)
                resource.outputs = None
            for violation in check_stack(policy.name, stack.resources):
                assert "could not evaluate" not in violation.message, (value, violation.message)


def test_to_plain_reads_proxies_without_raising() -> None:
    proxied = unknown_checking_proxy(
        {"a": {"b": UNKNOWN_STR, "c": [1.0, UNKNOWN_STR]}, "d": UNKNOWN_STR}
    )
    assert to_plain(proxied) == {"a": {"b": UNKNOWN, "c": [1.0, UNKNOWN]}, "d": UNKNOWN}
    plain = to_plain(proxied)
    assert get(plain, "a", "b") is UNKNOWN and get(plain, "d", "x") is UNKNOWN
    assert get(plain, "a", "c", 1) is UNKNOWN and get(plain, "a", "c", 5) is None
    assert get(plain, "missing", default=3) == 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("False", False),
        (True, True),
        (0.0, False),
        (None, None),
        ("maybe", None),
        (UNKNOWN, UNKNOWN),
    ],
)
def test_to_bool(value: object, expected: object) -> None:
    assert to_bool(value) is expected


def test_to_number_and_open_cidrs() -> None:
    assert (
        to_number(1) == 1.0
        and to_number("90") == 90.0
        and to_number(True) is None
        and to_number("x") is None
    )
    assert all(is_open_cidr(c) for c in ("0.0.0.0/0", "::/0", "0::/0", " 0.0.0.0/0 "))
    assert not any(is_open_cidr(c) for c in ("10.0.0.0/8", "0.0.0.0/1", "nonsense", None, UNKNOWN))


# ---------------------------------------------------------------------- README


def test_readme_table_lists_exactly_the_pack_policies() -> None:
    readme = (POLICY_DIR / "README.md").read_text(encoding="utf-8")
    table = readme.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert table == render_policy_table(ALL_POLICIES), (
        f"policy/README.md is stale: regenerate the table with `{REFRESH}`"
    )
    rows = [line for line in table.splitlines()[2:]]
    assert [re.match(r"\| `([^`]+)` \| (\w+) \|", r).groups() for r in rows] == [
        (p.name, p.info.level.value) for p in ALL_POLICIES
    ]


# ---------------------------------------------------------------------- every stack policy

STACK_POLICIES = [p.name for p in ALL_POLICIES if isinstance(p, BaselineStackPolicy)]


@pytest.mark.parametrize("policy", STACK_POLICIES)
def test_baseline_stack_passes_every_stack_policy(policy: str, stack: Stack) -> None:
    expect(check_stack(policy, stack.resources))


def test_an_empty_stack_passes(stack: Stack) -> None:
    for policy in STACK_POLICIES:
        expect(check_stack(policy, []))
