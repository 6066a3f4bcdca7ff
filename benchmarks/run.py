"""Times the offline preflight and the change review per stack and the whole test suite; prints
median and peak memory.

    venv/bin/python benchmarks/run.py [--runs N] [--suite-runs N]

Targets on 2 cores: preflight <= 10 s per stack, change review (`--against HEAD`, two program
runs and a diff) <= 5 s per stack, test suite <= 90 s. This prints figures and
whether each meets its target; it is not a test and never fails a build.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE_OPTIONS = ("-n", "auto", "--dist", "loadfile")  # as ./scripts/test runs the suite
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


def measure(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # preflight exits 1 on a violation
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024  # Linux reports KiB


def bench(label: str, command: list[str], runs: int, target: float) -> None:
    results = [measure(command) for _ in range(runs)]
    times = [t for t, _ in results]
    median = statistics.median(times)
    verdict = "meets" if median <= target else "MISSES"
    print(
        f"{label:<24} median {median:6.2f} s  (min {min(times):.2f}, max {max(times):.2f}, {runs} runs)  "
        f"peak RSS {max(m for _, m in results):6.1f} MiB  {verdict} target {target:g} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per preflight stack")
    parser.add_argument("--suite-runs", type=int, default=3, help="runs of the test suite")
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    for stack in STACKS:
        bench(
            f"preflight --stack {stack}",
            [sys.executable, "-m", "preflight", "--stack", stack, "--json"],
            args.runs,
            10,
        )
    for stack in STACKS:
        bench(
            f"review --stack {stack}",
            [sys.executable, "-m", "preflight", "--stack", stack, "--against", "HEAD", "--json"],
            args.runs,
            5,
        )
    bench(
        "test suite",
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITE_OPTIONS],
        args.suite_runs,
        90,
    )


if __name__ == "__main__":
    main()
