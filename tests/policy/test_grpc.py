"""The pack as the Pulumi CLI runs it: a subprocess speaking the Analyzer gRPC protocol.

The CLI's `pulumi-analyzer-policy-python` shim runs `python -u -m pulumi.policy <engine> .` in the
pack directory (with PULUMI_* settings in the environment) and reads the port from the first
line of stdout. This catches what in-process tests cannot: import errors, stray prints before
the port, and grpc/protobuf drift.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc

from eks_policies import ALL_POLICIES, PACK_NAME
from eks_policies import _types as t
from eks_policies._policy import BaselineStackPolicy
from eks_policies.pack_config import load_config_file, reconcile
from tests.policy.fixtures import CLUSTER, LAUNCH_TEMPLATE, baseline_stack
from tests.policy.runner import UNKNOWN_BOOL, Res, changed

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
RPC_TIMEOUT = 20
LEVELS = {
    "advisory": proto.ADVISORY,
    "mandatory": proto.MANDATORY,
    "disabled": proto.DISABLED,
    "remediate": proto.REMEDIATE,
}


def _read_port(process: subprocess.Popen[bytes], timeout: float = 60) -> int:
    selector = selectors.DefaultSelector()
    assert process.stdout is not None
    selector.register(process.stdout, selectors.EVENT_READ)
    if not selector.select(timeout):
        raise AssertionError(f"the pack printed no port within {timeout}s")
    line = process.stdout.readline().decode()
    if not line.strip().isdigit():
        stderr = (
            process.stderr.read().decode() if process.stderr and process.poll() is not None else ""
        )
        raise AssertionError(f"the first stdout line must be the port, got {line!r}\n{stderr}")
    return int(line)


ENV = {
    "PULUMI_CONFIG": json.dumps({"aws:region": "eu-west-1"}),
    "PULUMI_PROJECT": "eks-platform",
    "PULUMI_STACK": "test",
    "PULUMI_DRY_RUN": "true",
}
# What the shim runs (from inside the pack directory), and the plain `python policy/`.
LANGUAGE_HOST_ARGV = [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."]
PLAIN_ARGV = [sys.executable, "-u", str(POLICY_DIR)]


@contextlib.contextmanager
def serving(argv: list[str]) -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    """Start the pack, connect to the port it prints, and always stop it afterwards."""
    process = subprocess.Popen(
        argv,
        cwd=POLICY_DIR,
        env={**os.environ, **ENV},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    channel = None
    try:
        port = _read_port(process)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(channel).result(timeout=RPC_TIMEOUT)
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
    finally:
        if channel is not None:
            channel.close()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def analyzer() -> Iterator[analyzer_pb2_grpc.AnalyzerStub]:
    with serving(LANGUAGE_HOST_ARGV) as stub:
        stub.ConfigureStack(
            proto.AnalyzerStackConfigureRequest(stack="test", project="eks-platform", dry_run=True),
            timeout=RPC_TIMEOUT,
        )
        yield stub


def test_plain_python_policy_dir_serves_the_same_pack() -> None:
    with serving(PLAIN_ARGV) as stub:
        info = stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=RPC_TIMEOUT)
    assert [p.name for p in info.policies] == [p.name for p in ALL_POLICIES]


def struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(json.loads(json.dumps(values)))
    return result


def configure(stub: analyzer_pb2_grpc.AnalyzerStub, file_config: Mapping[str, Any] | None) -> None:
    """What the CLI sends after reconciling --policy-pack-config: every policy, level included."""
    settings = reconcile(ALL_POLICIES, file_config)
    request = proto.ConfigureAnalyzerRequest(
        policyConfig={
            name: proto.PolicyConfig(
                enforcementLevel=LEVELS[s.level.value], properties=struct(s.properties)
            )
            for name, s in settings.items()
        }
    )
    stub.Configure(request, timeout=RPC_TIMEOUT)


def analyze(
    stub: analyzer_pb2_grpc.AnalyzerStub,
    resource_type: str,
    props: Mapping[str, Any],
    name: str = "subject",
) -> list[Any]:
    request = proto.AnalyzeRequest(
        type=resource_type,
        name=name,
        urn=Res(resource_type, name, {}).urn,
        properties=struct(props),
    )
    return list(stub.Analyze(request, timeout=RPC_TIMEOUT).diagnostics)


def analyze_stack(stub: analyzer_pb2_grpc.AnalyzerStub, resources: list[Res]) -> list[Any]:
    request = proto.AnalyzeStackRequest(
        resources=[
            proto.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                properties=struct(r.outputs if r.outputs is not None else r.inputs),
                parent=r.parent or "",
                dependencies=list(r.dependencies),
                propertyDependencies={
                    k: proto.AnalyzerPropertyDependencies(urns=list(v))
                    for k, v in r.property_dependencies.items()
                },
            )
            for r in resources
        ]
    )
    return list(stub.AnalyzeStack(request, timeout=RPC_TIMEOUT).diagnostics)


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
    # A literal setting left unknown fails closed; a document built from other resources'
    # ARNs is the analyzer's own "can't be known during preview" advisory.
    unknown_flag = analyze(
        analyzer, t.EKS_CLUSTER, changed(CLUSTER, vpcConfig__endpointPublicAccess=UNKNOWN_BOOL)
    )
    assert [(d.policyName, d.enforcementLevel) for d in unknown_flag] == [
        ("eks-endpoint-private", proto.MANDATORY)
    ]
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
