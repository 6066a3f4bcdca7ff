"""`python -m fleet review` of a fleet of 20 stacks against the sum of the 20 single-stack reviews
(`python -m preflight --stack S --against REF`, one after the other), with the peak memory of the
fleet review (every process it runs, added up, sampled every 50 ms).

    venv/bin/python benchmarks/fleet_review.py [--stacks 20]

The fleet lives in a temporary copy of the repository: stacks made from dev's and prod's files,
alternating eu-west-1 and us-east-1, committed, then each one's log retention changed so every
review has an update to show. Target on 2 cores: the fleet review takes at most 0.6 times the
sum of the single reviews. Prints figures; never fails a build.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 0.6
REGIONS = ("eu-west-1", "us-east-1")
# The change under review, one a template: more days of logs (prod's policy wants at least 365).
RETENTION_CHANGES = (
    ("logRetentionDays: 30", "logRetentionDays: 60"),
    ("logRetentionDays: 365", "logRetentionDays: 400"),
)


def _git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(project), *args], check=True, capture_output=True, text=True
    ).stdout


def fixture_fleet(dest: Path, count: int, root: Path = ROOT) -> list[str]:
    """A copy of the repository's files (as in the working tree) at `dest` with `count` stacks
    (`s01` ...) in fleet.yaml, committed on a fresh git history. The stacks alternate dev's and
    prod's settings and the two regions, each with its own VPC range."""
    files = _git(root, "ls-files", "-co", "--exclude-standard").split("\n")
    for name in filter(None, files):
        source = root / name
        if source.is_file() and not name.startswith("Pulumi.") and name != "fleet.yaml":
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    shutil.copy2(root / "Pulumi.yaml", dest / "Pulumi.yaml")
    stacks, entries = [], ["stacks:"]
    for index in range(count):
        stack, template = f"s{index + 1:02}", ("dev", "prod")[index % 2]
        region = REGIONS[(index // 2) % 2]
        text = (root / f"Pulumi.{template}.yaml").read_text()
        text = text.replace("aws:region: eu-west-1", f"aws:region: {region}")
        text = text.replace("vpcCidr: 10.10.0.0/16", f"vpcCidr: 10.{100 + index}.0.0/16")
        text = text.replace("vpcCidr: 10.20.0.0/16", f"vpcCidr: 10.{100 + index}.0.0/16")
        (dest / f"Pulumi.{stack}.yaml").write_text(text)
        shutil.copy2(
            root / "policy" / "config" / f"{template}.json",
            dest / "policy" / "config" / f"{stack}.json",
        )
        account = f"{100000000000 + index:012}"
        entries += [
            f"  - stack: {stack}",
            f'    account: "{account}"',
            f"    role: arn:aws:iam::{account}:role/eks-platform-{stack}-deploy",
            f"    region: {region}",
            f"    wave: {1 if index < 2 else 2 if index < count // 2 else 3}",
        ]
        stacks.append(stack)
    (dest / "fleet.yaml").write_text("\n".join(entries) + "\n")
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(
        dest,
        "-c",
        "user.name=bench",
        "-c",
        "user.email=bench@example.com",
        "commit",
        "-qm",
        "fleet",
    )
    return stacks


def change_every_stack(project: Path, stacks: list[str]) -> None:
    """The change under review: each stack keeps its logs longer."""
    for stack in stacks:
        path = project / f"Pulumi.{stack}.yaml"
        text = path.read_text()
        for old, new in RETENTION_CHANGES:
            text = text.replace(old, new)
        path.write_text(text)


def _tree_rss(root_pid: int) -> int:
    """Resident memory (KiB) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields["PPid"]), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def timed(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system, the process and every process it waited for)
    and peak memory (MiB, the process tree added up) of one run."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, _tree_rss(process.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(command)}: exit {code}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_utime + usage.ru_stime, peak / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", type=int, default=20)
    args = parser.parse_args()
    print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory(prefix="fleet-bench-") as tmp:
        project = Path(tmp)
        stacks = fixture_fleet(project, args.stacks)
        change_every_stack(project, stacks)
        python = sys.executable
        review = [python, "-m", "fleet", "review", "--against", "HEAD", "--json"]
        # Once before and once after the single reviews: a load that drifts while the benchmark
        # runs (another job on the machine) weighs on both sides alike.
        first = timed(review, project)
        single = [
            timed([python, "-m", "preflight", "--stack", s, "--against", "HEAD", "--json"], project)
            for s in stacks
        ]
        second = timed(review, project)
        fleet, peak = (first[0] + second[0]) / 2, max(first[2], second[2])
        fleet_cpu = (first[1] + second[1]) / 2
    total, total_cpu = sum(t for t, _, _ in single), sum(c for _, c, _ in single)
    ratio = fleet / total
    print(
        f"{len(stacks)} single reviews, one after the other: {total:6.1f} s "
        f"(median {sorted(t for t, _, _ in single)[len(single) // 2]:.2f} s, peak {max(m for _, _, m in single):.0f} MiB each), CPU {total_cpu:.1f} s"
    )
    print(
        f"fleet review, {os.cpu_count()} worker processes:  {fleet:6.1f} s (mean of {first[0]:.1f} and {second[0]:.1f}), peak {peak:.0f} MiB (all processes), CPU {fleet_cpu:.1f} s"
    )
    verdict = "meets" if ratio <= TARGET_RATIO else "MISSES"
    print(f"ratio {ratio:.2f}: {verdict} the target {TARGET_RATIO}")
    # The CPU ratio does not depend on what else the machine runs; with both cores free the
    # fleet's wall time approaches its CPU time / cores.
    print(
        f"CPU ratio {fleet_cpu / total_cpu:.2f}; the fleet review kept "
        f"{fleet_cpu / fleet:.2f} cores busy on average (the machine's load average: "
        f"{os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
