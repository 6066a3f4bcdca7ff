"""Driving the pack as the Pulumi CLI does: a subprocess speaking the Analyzer gRPC protocol.

The CLI's `pulumi-analyzer-policy-python` shim runs `python -u -m pulumi.policy <engine> .` in the
pack directory (with PULUMI_* settings in the environment) and reads the port from the first
line of stdout. `tests/policy/test_grpc.py` and `benchmarks/policy_scale.py` both drive the pack
through this module. Resources are anything shaped like a registration (`type`, `name`, `urn`,
`inputs`, `outputs`, `parent`, `dependencies`, `property_dependencies`).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

# offline.analyzer puts the pack on sys.path (the one place that does) and imports it.
from preflight.offline.analyzer import ALL_POLICIES, POLICY_DIR, reconcile

RPC_TIMEOUT = 20
LEVELS = {
    "advisory": proto.ADVISORY,
    "mandatory": proto.MANDATORY,
    "disabled": proto.DISABLED,
    "remediate": proto.REMEDIATE,
}
ENV = {
    "PULUMI_CONFIG": json.dumps({"aws:region": "eu-west-1"}),
    "PULUMI_PROJECT": "eks-platform",
    "PULUMI_STACK": "test",
    "PULUMI_DRY_RUN": "true",
}
# What the shim runs (from inside the pack directory), and the plain `python policy/`.
LANGUAGE_HOST_ARGV = [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:1", "."]
PLAIN_ARGV = [sys.executable, "-u", str(POLICY_DIR)]
# The CLI raises gRPC's 4 MiB message limit for large stacks; so does the client here.
_CHANNEL_OPTIONS = [("grpc.max_send_message_length", 1 << 30)]


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


@contextlib.contextmanager
def serving(
    argv: list[str] = LANGUAGE_HOST_ARGV,
) -> Iterator[tuple[analyzer_pb2_grpc.AnalyzerStub, subprocess.Popen[bytes]]]:
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
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=_CHANNEL_OPTIONS)
        grpc.channel_ready_future(channel).result(timeout=RPC_TIMEOUT)
        yield analyzer_pb2_grpc.AnalyzerStub(channel), process
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


def _json_value(value: Any) -> Any:
    if isinstance(value, Unknown):  # what mocks record for an unknown input at preview
        return UNKNOWN_STRING_VALUE
    return str(value)


def struct(values: Mapping[str, Any] | None) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(json.loads(json.dumps(values or {}, default=_json_value)))
    return result


def configure_stack(stub: analyzer_pb2_grpc.AnalyzerStub) -> None:
    stub.ConfigureStack(
        proto.AnalyzerStackConfigureRequest(stack="test", project="eks-platform", dry_run=True),
        timeout=RPC_TIMEOUT,
    )


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
    name: str,
    urn: str,
) -> list[Any]:
    request = proto.AnalyzeRequest(type=resource_type, name=name, urn=urn, properties=struct(props))
    return list(stub.Analyze(request, timeout=RPC_TIMEOUT).diagnostics)


def analyze_stack(
    stub: analyzer_pb2_grpc.AnalyzerStub, resources: Iterable[Any], timeout: float = RPC_TIMEOUT
) -> list[Any]:
    request = proto.AnalyzeStackRequest(
        resources=[
            proto.AnalyzerResource(
                type=r.type,
                name=r.name,
                urn=r.urn,
                properties=struct(r.outputs or r.inputs),
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
    return list(stub.AnalyzeStack(request, timeout=timeout).diagnostics)
