"""Times the whole online readiness check per stack on recorded answers, its clients pointed by
AWS_ENDPOINT_URL at a replay server on 127.0.0.1 answering the recordings of
tests/preflight/online/recorded/: the check itself (`online_report`: the program run offline,
the session and clients, every AWS call, the checks) in this process, and, for reference, the
whole command `python -m preflight --stack S --online` in a fresh process (which adds the
interpreter and its imports, above all the AWS provider's modules the program loads).

    venv/bin/python -m benchmarks.online [--runs N] [--latency SECONDS]

Target on 2 cores: the check at most 2 s per stack (the median; the first run of a process,
which imports the program, is shown as the maximum); the fresh process takes longer, above 2 s
(docs/online.md, "How long it takes"). Against AWS the design target is 10 s: an API call takes
some 100-300 ms there, and the check makes 52 (dev) and 66 (prod) of them on the recordings, so
one after the other would take 5-20 s. They run concurrently instead: 14 independent chains
(identity, cluster, versions, add-ons, instance types, AMI, zones, subnets, VPCs, flow logs,
addresses, NAT gateways, clusters, quotas) in one thread pool, each chain's fan-out (an add-on,
a node group, an insight, a quota, a policy statement each) in another, so the wall time is the
longest chain, four round trips (DescribeCluster, the three lists at once, the describes at
once, the versions of add-ons installed outside the stack), not the number of calls. `--latency 0.3` delays every answer by
300 ms, as a slow AWS would, to show it: the figures then stay near the local ones plus four
round trips. This prints figures against the target; it is not a test and never fails a build.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from preflight.online.check import online_report
from preflight.online.findings import Report
from preflight.online.replay import Recording, ReplayServer, endpoint_environment

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "tests" / "preflight" / "online" / "recorded"
SCENARIOS = {"dev": "dev-new", "prod": "prod-deployed"}
TARGET_SECONDS = 2.0


def policies(stack: str) -> list[dict]:
    files = sorted((ROOT / "docs" / "ci" / "iam").glob(f"{stack}-deploy-policy-*.json"))
    return [json.loads(p.read_text()) for p in files]


def environment_for(recorded: dict, url: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment |= endpoint_environment(url)
    environment |= {
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }
    if "deployed" in recorded:
        environment["EKS_PLATFORM_DEPLOYED"] = json.dumps(recorded["deployed"])
    return environment


def check_once(recorded: dict, latency: float) -> tuple[float, Report]:
    """Wall seconds of one check in this process, and its report."""
    recording = Recording(recorded["calls"], policies(recorded["stack"]), latency=latency)
    with ReplayServer(recording) as url:
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(environment_for(recorded, url))
        try:
            start = time.perf_counter()
            report = online_report(recorded["stack"], recorded.get("config"))
            elapsed = time.perf_counter() - start
        finally:
            os.environ.clear()
            os.environ.update(saved)
    if report.status != 0:
        raise SystemExit(f"{recorded['stack']}: {report.as_dict()}")
    return elapsed, report


def command_once(recorded: dict, latency: float) -> float:
    """Wall seconds of the whole command in a fresh process."""
    recording = Recording(recorded["calls"], policies(recorded["stack"]), latency=latency)
    with ReplayServer(recording) as url:
        command = [sys.executable, "-m", "preflight", "--stack", recorded["stack"], "--online"]
        start = time.perf_counter()
        done = subprocess.run(
            command, cwd=ROOT, env=environment_for(recorded, url), capture_output=True, text=True
        )
        elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(command)} exited {done.returncode}: {done.stdout}{done.stderr}"
        )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per stack")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    for stack, scenario in SCENARIOS.items():
        recorded = json.loads((RECORDED / f"{scenario}.json").read_text())
        results = [check_once(recorded, args.latency) for _ in range(args.runs)]
        times = [t for t, _ in results]
        median = statistics.median(times)
        allowed = TARGET_SECONDS + 4 * args.latency
        commands = [command_once(recorded, args.latency) for _ in range(max(1, args.runs // 2))]
        print(
            f"online --stack {stack:<5} check median {median:5.2f} s (min {min(times):.2f}, max "
            f"{max(times):.2f}, {args.runs} runs, {results[-1][1].calls} AWS calls) "
            f"{'meets' if median <= allowed else 'MISSES'} target {TARGET_SECONDS:g} s"
            + (f" + 4 x {args.latency:g} s latency" if args.latency else "")
            + f"; whole command in a fresh process {statistics.median(commands):5.2f} s"
        )


if __name__ == "__main__":
    main()
