"""The pack as the Pulumi CLI runs it: a subprocess speaking the Analyzer gRPC protocol.

This catches what in-process tests cannot: import errors, stray prints before the port, and
grpc/protobuf drift.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from google.protobuf import empty_pb2, json_format
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

from eks_policies import ALL_POLICIES, PACK_NAME
from eks_policies import _types as t
from eks_policies._policy import BaselineStackPolicy
from eks_policies.pack_config import load_config_file
from tests.policy import grpc_client
from tests.policy.fixtures import (
    CLUSTER,
    LAUNCH_TEMPLATE,
    TAGS,
    baseline_stack,
    document,
    irsa_trust,
)
from tests.policy.grpc_client import (
    LEVELS,
    PLAIN_ARGV,
    POLICY_DIR,
    RPC_TIMEOUT,
    analyze_stack,
    configure,
    serving,
)
from tests.policy.runner import UNKNOWN_BOOL, Res, changed


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    with serving() as (stub, _):
        grpc_client.configure_stack(stub)
        yield stub


def test_plain_python_policy_dir_serves_the_same_pack() -> None:
    with serving(PLAIN_ARGV) as (stub, _):
        info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=RPC_TIMEOUT)
    assert [p.name for p in info.policies] == [p.name for p in ALL_POLICIES]


def analyze(
    stub: analyzer_pb2_grpc.AnalyzerStub,
    resource_type: str,
    props: Mapping[str, Any],
    name: str = "subject",
) -> list[Any]:
    urn = Res(resource_type, name, {}).urn
    return grpc_client.analyze(stub, resource_type, props, name, urn)


def by_policy(diagnostics: list[Any]) -> dict[str, int]:
    return {d.policyName: d.enforcementLevel for d in diagnostics}


def test_analyzer_info_lists_every_policy_with_level_and_schema(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty(), timeout=RPC_TIMEOUT)
    assert info.name == PACK_NAME and info.supportsConfig
    listed = {p.name: p for p in info.policies}
    assert list(listed) == [p.name for p in ALL_POLICIES]
    for policy in ALL_POLICIES:
        served = listed[policy.name]
        assert served.enforcementLevel == LEVELS[policy.info.level.value], policy.name
        assert served.description == policy.description
        schema = json_format.MessageToDict(served.configSchema.properties)
        assert set(schema) == set(policy.config_schema.properties), policy.name
        for key, prop in policy.config_schema.properties.items():
            assert schema[key]["default"] == json.loads(json.dumps(prop["default"])), (
                policy.name,
                key,
            )
        expected_type = (
            proto.POLICY_TYPE_STACK
            if isinstance(policy, BaselineStackPolicy)
            else proto.POLICY_TYPE_RESOURCE
        )
        assert served.policy_type == expected_type
        if policy.info.benchmarks.cis:
            assert served.framework.reference == policy.info.benchmarks.cis


def test_analyze_one_resource(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    configure(analyzer, None)
    assert analyze(analyzer, t.EKS_CLUSTER, CLUSTER) == []
    assert analyze(analyzer, t.LAUNCH_TEMPLATE, LAUNCH_TEMPLATE) == []
    violating = changed(
        CLUSTER,
        vpcConfig__endpointPublicAccess=True,
        enabledClusterLogTypes=["api"],
        accessConfig=None,
    )
    found = by_policy(analyze(analyzer, t.EKS_CLUSTER, violating))
    assert found == {
        "eks-endpoint-private": proto.MANDATORY,
        "eks-control-plane-logging": proto.MANDATORY,
        "eks-access-config": proto.ADVISORY,
    }
    hop_limit = analyze(
        analyzer,
        t.LAUNCH_TEMPLATE,
        changed(LAUNCH_TEMPLATE, metadataOptions__httpPutResponseHopLimit=3),
    )
    assert [(d.policyName, d.enforcementLevel) for d in hop_limit] == [
        ("launch-template-hop-limit", proto.ADVISORY)
    ]
    assert "httpPutResponseHopLimit is 3" in hop_limit[0].message


def test_unknown_values_at_preview(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    configure(analyzer, None)
    # A setting or a document unknown at preview is decided at `up`: at preview it is the
    # analyzer's own "can't be known during preview" advisory, never a violation.
    unknown_flag = analyze(
        analyzer, t.EKS_CLUSTER, changed(CLUSTER, vpcConfig__endpointPublicAccess=UNKNOWN_BOOL)
    )
    assert [(d.policyName, d.enforcementLevel) for d in unknown_flag] == [
        ("eks-endpoint-private", proto.ADVISORY)
    ]
    assert "can't be known during preview" in unknown_flag[0].message
    role = analyze(
        analyzer,
        t.IAM_ROLE,
        {"assumeRolePolicy": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "tags": CLUSTER["tags"]},
    )
    assert [(d.policyName, d.enforcementLevel) for d in role] == [
        ("iam-trust-policy-scoped", proto.ADVISORY)
    ]
    assert "can't be known during preview" in role[0].message


def test_configure_with_a_config_file_changes_levels_and_settings(
    analyzer: analyzer_pb2_grpc.AnalyzerStub,
) -> None:
    log_group = {
        "name": "/aws/eks/x/cluster",
        "retentionInDays": 90,
        "kmsKeyId": "arn:key",
        "tags": CLUSTER["tags"],
    }
    public = changed(CLUSTER, vpcConfig__endpointPublicAccess=True)
    try:
        configure(analyzer, load_config_file(POLICY_DIR / "config" / "prod.json"))
        assert by_policy(analyze(analyzer, t.LOG_GROUP, log_group)) == {
            "log-group-retention": proto.MANDATORY
        }
        assert by_policy(analyze(analyzer, t.EKS_CLUSTER, changed(CLUSTER, accessConfig=None))) == {
            "eks-access-config": proto.MANDATORY  # promoted in prod.json
        }
        configure(analyzer, load_config_file(POLICY_DIR / "config" / "dev.json"))
        assert analyze(analyzer, t.LOG_GROUP, log_group) == []
        configure(analyzer, {"all": "advisory", "log-group-retention": "disabled"})
        assert by_policy(analyze(analyzer, t.EKS_CLUSTER, public)) == {
            "eks-endpoint-private": proto.ADVISORY
        }
        assert analyze(analyzer, t.LOG_GROUP, changed(log_group, retentionInDays=1)) == []
        configure(analyzer, {"eks-endpoint-private": {"exemptResources": ["subject"]}})
        assert analyze(analyzer, t.EKS_CLUSTER, public) == []
    finally:
        configure(analyzer, None)


def test_analyze_stack(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    configure(analyzer, None)
    stack = baseline_stack(unknown_ids=True)
    assert analyze_stack(analyzer, stack.resources) == []
    diagnostics = analyze_stack(analyzer, stack.without("flow-log", "addon-coredns"))
    found = {(d.policyName, d.enforcementLevel, d.urn) for d in diagnostics}
    assert found == {
        ("vpc-flow-logs", proto.MANDATORY, stack.vpc.urn),
        ("eks-core-addons-pinned", proto.ADVISORY, stack.cluster.urn),
    }


def test_adversarial_cases_over_the_wire(analyzer: analyzer_pb2_grpc.AnalyzerStub) -> None:
    """A few of the classes the in-process tests cover, as the CLI sends them."""
    configure(analyzer, load_config_file(POLICY_DIR / "config" / "prod.json"))
    try:
        role = {"assumeRolePolicy": irsa_trust(sub="system:serviceaccount:*"), "tags": TAGS}
        wildcard_sub = analyze(analyzer, t.IAM_ROLE, role)
        assert by_policy(wildcard_sub) == {"iam-trust-policy-scoped": proto.MANDATORY}
        not_action = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
        policy = {"policy": document(not_action), "tags": TAGS}
        assert by_policy(analyze(analyzer, t.IAM_POLICY, policy)) == {
            "iam-no-admin-wildcard": proto.MANDATORY
        }
        node_class = {"spec": {"metadataOptions": {"httpTokens": "optional"}}}
        assert by_policy(analyze(analyzer, t.K8S_EC2_NODE_CLASSES[0], node_class)) == {
            "karpenter-node-class-imds": proto.MANDATORY
        }
        unknown = {"spec": {"metadataOptions": {"httpTokens": UNKNOWN_BOOL}}}
        assert by_policy(analyze(analyzer, t.K8S_EC2_NODE_CLASSES[0], unknown)) == {
            "karpenter-node-class-imds": proto.ADVISORY
        }
        stack = baseline_stack(unknown_ids=True)
        stack.node_group.refs = {**stack.node_group.refs, "subnetIds": []}
        stack.node_group.inputs = changed(stack.node_group.inputs, subnetIds=["subnet-0abc"])
        found = {
            (d.policyName, d.enforcementLevel) for d in analyze_stack(analyzer, stack.resources)
        }
        assert found == {("eks-multi-az", proto.MANDATORY)}
    finally:
        configure(analyzer, None)
