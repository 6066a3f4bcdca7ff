"""Times the policy pack over gRPC, as the Pulumi CLI drives it, on synthetic large stacks.

    venv/bin/python -m benchmarks.policy_scale [--sizes 1000 5000 10000] [--preview]

The stacks are our prod graph with every option on (controllers, Prometheus, ...) replicated
until they reach each size: every copy gets its own URNs, names and ids/ARNs/names (so
relationships stay within a copy, as in a real stack of many clusters). For each size a fresh
pack process gets `Configure` (policy/config/prod.json), one `Analyze` per resource and one
`AnalyzeStack`; the figures are the wall time of those calls and the pack process's peak RSS.

Targets: 1,000 resources <= 2 s, and the 5,000/1,000 time ratio <= 6 (linear, not cubic). This
prints figures and whether each meets its target; it is not a test and never fails a build.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import platform
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from preflight.offline.analyzer import load_config_file
from preflight.offline.recorder import Registration
from tests.policy import grpc_client
from tests.programs import EVERY_OPTION, program

ROOT = Path(__file__).resolve().parent.parent
PROD_CONFIG = ROOT / "policy" / "config" / "prod.json"
_IDENTIFIER_KEYS = ("id", "arn", "name")


def _renamer(registrations: Sequence[Registration], copy: int) -> Any:
    """A deep rewrite of property values: the graph's URNs and identifiers get the copy's suffix."""
    suffix = f"-r{copy}"
    renamed = {r.urn: r.urn + suffix for r in registrations}
    for r in registrations:
        for key in _IDENTIFIER_KEYS:
            value = (r.outputs or {}).get(key)
            if isinstance(value, str) and len(value) > 3:
                renamed[value] = value + suffix
    # The cluster's name is also part of other names (its log group, tags, aliases).
    clusters = [r.outputs["name"] for r in registrations if r.type == "aws:eks/cluster:Cluster"]

    def rename(value: Any) -> Any:
        if isinstance(value, str):
            if any(cluster in value for cluster in clusters):
                for cluster in clusters:
                    value = value.replace(cluster, cluster + suffix)
                return value
            return renamed.get(value, value)
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(rename(v) for v in value)
        return value

    return rename


def synthetic_stack(base: Sequence[Registration], size: int) -> list[Registration]:
    """Whole copies of `base` (a partial copy would be a broken stack), about `size` resources."""
    resources: list[Registration] = []
    for copy in range(max(1, round(size / len(base)))):
        rename = _renamer(base, copy)
        resources += [
            dataclasses.replace(
                r,
                urn=rename(r.urn),
                name=f"{r.name}-r{copy}",
                inputs=rename(r.inputs),
                outputs=rename(r.outputs),
                parent=rename(r.parent),
                dependencies=rename(r.dependencies),
                property_dependencies=rename(r.property_dependencies),
                provider=rename(r.provider),
            )
            for r in base
        ]
    return resources


def _peak_rss_mib(pid: int) -> float:
    """Peak resident memory of a live process (VmHWM, Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(resources: Sequence[Registration]) -> tuple[float, float, int]:
    """Seconds for Configure + every Analyze + AnalyzeStack, the pack's peak MiB, and the number
    of mandatory diagnostics (0 for our stacks)."""
    file_config = load_config_file(PROD_CONFIG)
    with grpc_client.serving() as (stub, process):
        grpc_client.configure_stack(stub)
        start = time.perf_counter()
        grpc_client.configure(stub, file_config)
        diagnostics = []
        for r in resources:
            diagnostics += grpc_client.analyze(stub, r.type, r.inputs, r.name, r.urn)
        diagnostics += grpc_client.analyze_stack(stub, resources, timeout=600)
        elapsed = time.perf_counter() - start
        peak = _peak_rss_mib(process.pid)
    mandatory = sum(1 for d in diagnostics if d.enforcementLevel == grpc_client.LEVELS["mandatory"])
    return elapsed, peak, mandatory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument(
        "--preview", action="store_true", help="ids/ARNs unknown, as at preview (default: known)"
    )
    args = parser.parse_args()
    base = program("prod", EVERY_OPTION, preview=args.preview).registrations
    print(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"prod graph with every option: {len(base)} resources"
    )
    results: dict[int, tuple[int, float]] = {}
    for size in args.sizes:
        stack = synthetic_stack(base, size)
        seconds, peak, mandatory = measure(stack)
        results[size] = (len(stack), seconds)
        verdict = ""
        if size == 1000:
            verdict = "  meets target 2 s" if seconds <= 2 else "  MISSES target 2 s"
        print(
            f"~{size:>5}: {len(stack):>5} resources  {seconds:7.2f} s  peak RSS {peak:7.1f} MiB  "
            f"{mandatory} mandatory{verdict}"
        )
    sizes = sorted(results)
    for small, large in itertools.pairwise(sizes):
        (small_count, small_time), (large_count, large_time) = results[small], results[large]
        target = "  (target <= 6)" if (small, large) == (1000, 5000) else ""
        print(
            f"time ratio ~{large}/~{small}: {large_time / small_time:.2f} "
            f"(resources ratio {large_count / small_count:.2f}){target}"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
