"""Properties of every policy over values unknown at preview at any nesting level.

- Robustness (hypothesis): any property map (random keys the policies read, random JSON-ish
  values, every unknown sentinel anywhere, JSON documents in the document properties) is
  evaluated without an exception and without the "could not evaluate" crash violation.
- Unknowns decide nothing (exhaustive, it is cheap): a compliant resource, or the compliant
  stack, with any one value at any depth made unknown has no mandatory violation; it is decided
  at `up`.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

from eks_policies import ALL_POLICIES, BaselineResourcePolicy
from eks_policies import _types as t
from preflight.offline.analyzer import evaluate
from tests.policy.fixtures import (
    AUTO_NODE_CLASS,
    CLUSTER,
    EC2_NODE_CLASS,
    KMS_KEY,
    LAUNCH_TEMPLATE,
    LOG_GROUP,
    NODE_GROUP,
    NODE_POOL,
    OCI_RELEASE,
    RELEASE,
    STORAGE_CLASS,
    TAGS,
    VPC_CNI,
    baseline_stack,
    document,
    irsa_trust,
)
from tests.policy.runner import Res

UNKNOWN = UNKNOWN_STRING_VALUE
SENTINELS = [
    UNKNOWN_STRING_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_OBJECT_VALUE,
]
RESOURCE_POLICIES = [p for p in ALL_POLICIES if isinstance(p, BaselineResourcePolicy)]
CASES = sorted({(p.name, kind) for p in RESOURCE_POLICIES for kind in p.resource_types})
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CRASH = "could not evaluate"

# ---------------------------------------------------------------------- random documents

WORDS = [
    "*", "?", "true", "false", "Allow", "Deny", "required", "disabled", "0.0.0.0/0", "::/0", "22",
    "-1", "tcp", "secrets", "api", "ALL", "1.2.3", "^1", "sts:AssumeRoleWithWebIdentity",
    "iam:*", "arn:aws:*:*:*:*", "ebs.csi.aws.com", "https://aws.github.io/eks-charts",
    "oci://x", "x:sub", "system:serviceaccount:*", "", "vpc-1", "subnet-1", "igw-1", "r1",
    "eu-west-1a", "arn:aws:iam::aws:policy/AdministratorAccess", "/aws/eks/c/cluster",
]  # fmt: skip
KEYS = [
    "Statement", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
    "NotPrincipal", "Condition", "StringLike", "ForAnyValue:StringEquals", "AWS", "Federated",
    "Service", "x:sub", "x:aud", "Sid", "enableNetworkPolicy",
    "vpcConfig", "endpointPublicAccess", "endpointPrivateAccess", "publicAccessCidrs",
    "subnetIds", "enabledClusterLogTypes", "encryptionConfig", "resources", "provider", "keyArn",
    "accessConfig", "authenticationMode", "bootstrapClusterCreatorAdminPermissions", "version",
    "metadataOptions", "httpTokens", "httpEndpoint", "httpPutResponseHopLimit",
    "networkInterfaces", "associatePublicIpAddress", "blockDeviceMappings", "ebs", "encrypted",
    "deviceName", "keyName", "remoteAccess", "launchConfiguration", "mapPublicIpOnLaunch",
    "ingress", "cidrBlocks", "ipv6CidrBlocks", "protocol", "fromPort", "toPort", "type",
    "cidrIpv4", "cidrIpv6", "ipProtocol", "customerMasterKeySpec", "enableKeyRotation",
    "rotationPeriodInDays", "bypassPolicyLockoutSafetyCheck", "policy", "deletionWindowInDays",
    "retentionInDays", "kmsKeyId", "inlinePolicies", "assumeRolePolicy", "addonName",
    "serviceAccountRoleArn", "podIdentityAssociations", "configurationValues", "tags",
    "kmsMasterKeyId", "sqsManagedSseEnabled", "spec", "limits", "cpu", "memory",
    "associatePublicIPAddress", "advancedNetworking", "provisioner", "parameters", "chart",
    "repositoryOpts", "repo", "defaultTags", "id", "arn", "name", "vpcId", "subnetId",
    "routeTableId", "gatewayId", "routes", "egress", "role", "roles", "roleName", "policyArn",
    "policyArns", "managedPolicyArns", "url", "clusterName", "nodeRoleArn", "computeConfig",
    "enabled", "availabilityZone", "trafficType",
]  # fmt: skip
DOCUMENT_KEYS = {"policy", "assumeRolePolicy", "configurationValues"}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 70000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.sampled_from(WORDS),
    st.sampled_from(SENTINELS),
    st.text(alphabet="ab*?:/.01", max_size=6),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    ),
    max_leaves=25,
)


@st.composite
def property_maps(draw: st.DrawFn) -> dict[str, Any]:
    props = draw(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8))
    for key in DOCUMENT_KEYS & set(props):
        if draw(st.booleans()):  # documents are JSON strings; nested unknowns can't be in them
            props[key] = json.dumps(props[key])
    return props


def _evaluate_resource(policy_name: str, kind: str, props: dict[str, Any]) -> list[Any]:
    policy = next(p for p in ALL_POLICIES if p.name == policy_name)
    return evaluate([Res(kind, "subject", props)], {}, policies=[policy])


@SETTINGS
@given(case=st.sampled_from(CASES), props=property_maps())
def test_no_policy_raises_or_crashes_on_random_properties(
    case: tuple[str, str], props: dict[str, Any]
) -> None:
    policy_name, kind = case
    policy = next(p for p in RESOURCE_POLICIES if p.name == policy_name)
    try:
        pure = policy.evaluate(kind, copy.deepcopy(props))
    except UnknownValueError:
        pure = []
    assert not [m for m in pure if CRASH in m], pure
    violations = _evaluate_resource(policy_name, kind, props)
    assert not [v for v in violations if CRASH in v.message], violations


# ---------------------------------------------------------------------- unknowns decide nothing

ROLE = {"assumeRolePolicy": irsa_trust(), "inlinePolicies": [{"name": "p", "policy": document()}]}
COMPLIANT: dict[str, dict[str, Any]] = {
    t.EKS_CLUSTER: CLUSTER,
    t.EKS_NODE_GROUP: NODE_GROUP,
    t.EKS_ADDON: {
        **VPC_CNI,
        "serviceAccountRoleArn": "arn:aws:iam::1:role/vpc-cni",
        "configurationValues": json.dumps({"enableNetworkPolicy": "true"}),
    },
    t.LAUNCH_TEMPLATE: LAUNCH_TEMPLATE,
    t.AUTOSCALING_GROUP: {"launchTemplate": {"id": "lt-1"}},
    t.SUBNET: {"mapPublicIpOnLaunch": False},
    t.SECURITY_GROUP: {"ingress": [{"cidrBlocks": ["10.0.0.0/8"], "protocol": "tcp"}]},
    t.DEFAULT_SECURITY_GROUP: {"ingress": []},
    t.SECURITY_GROUP_RULE: {"type": "ingress", "cidrBlocks": ["10.0.0.0/8"], "protocol": "-1"},
    t.SECURITY_GROUP_INGRESS_RULE: {"cidrIpv4": "10.0.0.0/8", "ipProtocol": "-1"},
    t.KMS_KEY: KMS_KEY,
    t.LOG_GROUP: LOG_GROUP,
    t.IAM_ROLE: ROLE,
    t.SNS_TOPIC: {"kmsMasterKeyId": "arn:aws:kms:k"},
    t.SQS_QUEUE: {"sqsManagedSseEnabled": True},
    t.K8S_AUTO_MODE_NODE_CLASS: AUTO_NODE_CLASS,
    t.K8S_STORAGE_CLASS: STORAGE_CLASS,
    t.K8S_HELM_RELEASE: RELEASE,
    t.K8S_HELM_CHART: OCI_RELEASE,
    **dict.fromkeys(t.K8S_EC2_NODE_CLASSES, EC2_NODE_CLASS),
    **dict.fromkeys(t.K8S_NODE_POOLS, NODE_POOL),
    **{
        kind: {"policy": document()}
        for kind in (t.IAM_POLICY, t.IAM_ROLE_POLICY, t.IAM_USER_POLICY, t.IAM_GROUP_POLICY)
    },
}
# Launch configurations are refused whatever they hold; every other (policy, type) pair has a
# compliant resource above (tags included), so any violation comes from the unknown.
COMPLIANT_CASES = [(p, kind) for p, kind in CASES if kind != t.LAUNCH_CONFIGURATION]


def _with_tags(kind: str) -> dict[str, Any]:
    return {"tags": TAGS, **copy.deepcopy(COMPLIANT.get(kind, {}))}


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every position in a property tree (keys and list items, at every depth)."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(props: dict[str, Any], path: tuple[Any, ...], sentinel: str) -> dict[str, Any]:
    result = copy.deepcopy(props)
    node: Any = result
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = sentinel
    return result


def test_every_compliant_resource_is_compliant() -> None:
    for policy_name, kind in COMPLIANT_CASES:
        assert _evaluate_resource(policy_name, kind, _with_tags(kind)) == [], (policy_name, kind)


@pytest.mark.parametrize(("policy_name", "kind"), COMPLIANT_CASES)
def test_an_unknown_anywhere_in_a_compliant_resource_is_never_mandatory(
    policy_name: str, kind: str
) -> None:
    """Every position, each in turn, made unknown (as the engine sends any unknown: the string
    sentinel); the other sentinels are what the robustness property draws."""
    props = _with_tags(kind)
    for path in paths(props):
        violations = _evaluate_resource(policy_name, kind, replaced(props, path, UNKNOWN))
        assert not [v for v in violations if v.mandatory], (path, violations)


STACK_POLICIES = [p for p in ALL_POLICIES if not isinstance(p, BaselineResourcePolicy)]


@pytest.mark.parametrize("unknown_ids", [False, True], ids=["known-ids", "unknown-ids"])
def test_an_unknown_anywhere_in_the_compliant_stack_is_never_mandatory(unknown_ids: bool) -> None:
    for index, resource in enumerate(baseline_stack(unknown_ids).resources):
        props = resource.outputs if resource.outputs is not None else resource.inputs
        for path in paths(props):
            stack = baseline_stack(unknown_ids)
            target = stack.resources[index]
            if target.outputs is not None:
                target.outputs = replaced(props, path, UNKNOWN)
            else:
                target.inputs = replaced(props, path, UNKNOWN)
            violations = evaluate(stack.resources, {}, policies=STACK_POLICIES)
            assert not [v for v in violations if v.mandatory], (resource.name, path, violations)


STACK_TYPES = [
    t.VPC, t.SUBNET, t.ROUTE_TABLE, t.ROUTE, t.ROUTE_TABLE_ASSOCIATION, t.INTERNET_GATEWAY,
    t.FLOW_LOG, t.DEFAULT_SECURITY_GROUP, t.EKS_CLUSTER, t.EKS_NODE_GROUP, t.EKS_ADDON,
    t.LOG_GROUP, t.IAM_ROLE, t.IAM_ROLE_POLICY_ATTACHMENT, t.IAM_POLICY_ATTACHMENT,
    t.IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE, t.OIDC_PROVIDER,
]  # fmt: skip


@st.composite
def random_stacks(draw: st.DrawFn) -> list[Res]:
    resources: list[Res] = []
    for index in range(draw(st.integers(1, 8))):
        refs = {}
        if resources and draw(st.booleans()):
            key = draw(st.sampled_from(KEYS))
            refs[key] = draw(st.lists(st.sampled_from(resources), max_size=3))
        resources.append(
            Res(draw(st.sampled_from(STACK_TYPES)), f"r{index}", draw(property_maps()), refs)
        )
    return resources


@SETTINGS
@given(resources=random_stacks())
def test_no_stack_policy_raises_or_crashes_on_random_stacks(resources: list[Res]) -> None:
    violations = evaluate(resources, {}, policies=STACK_POLICIES)
    assert not [v for v in violations if CRASH in v.message], violations
