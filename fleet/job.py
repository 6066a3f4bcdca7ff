"""python -m fleet.job {role,halted,ready,up,gate,summary} ...: the steps of one stack's rollout
job in .github/workflows/fleet.yml, and the run's summary.

  role --stack S         the environment's AWS_DEPLOY_ROLE_ARN (env ROLE_ARN) is fleet.yaml's role
  halted --stack S       exit 1 when a stack of S's wave has already failed in this run (a
                         queued stack of a failing wave does not start its update)
  ready --stack S        the online readiness check, `python -m preflight --stack S --online`,
                         where this checkout has it (0 ready; anything else stops the rollout)
  up --stack S [--pulumi-stack NAME]
                         `pulumi up --refresh` with the policy pack, through the Automation API;
                         writes `cluster-name`, `nodegroups`, `addons` (its state's) to
                         $GITHUB_OUTPUT and the versions it runs to $GITHUB_STEP_SUMMARY
  gate --stack S --cluster NAME --nodegroups JSON --addons JSON
                         the health gate for the wave's soak time (boto3, read-only)
  summary                each stack's outcome and which versions it runs after the run, to
                         $GITHUB_STEP_SUMMARY

`halted` and `summary` read the run's jobs from GitHub ("List jobs for a workflow run", with the
job's token: GH_TOKEN, and `actions: read`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from fleet import waves as planning
from fleet.health import stack_resources
from fleet.inventory import ROOT, InventoryError, load_inventory

ONLINE_FLAG = "--online"
# `python -m preflight --online`'s exit statuses (its own contract): 0 ready, 1 blocked,
# 2 could not check. The rollout proceeds on 0 only: a check that could not run proves nothing.
READINESS = {0: "ready", 1: "blocked", 2: "could not check"}

Run = Callable[[Sequence[str]], subprocess.CompletedProcess]


def _run(command: Sequence[str]) -> subprocess.CompletedProcess:
    return subprocess.run(list(command), cwd=ROOT, capture_output=True, text=True)


def readiness_command(stack: str) -> list[str]:
    return [sys.executable, "-m", "preflight", "--stack", stack, ONLINE_FLAG]


def readiness(stack: str, run: Run = _run) -> tuple[bool, str]:
    """(proceed, why). The check runs where this checkout's preflight offers `--online` (its
    --help says so); without it the rollout goes on, and says so."""
    help_text = run([sys.executable, "-m", "preflight", "--help"]).stdout
    if ONLINE_FLAG not in help_text:
        return True, "no online readiness check in this checkout (python -m preflight --online)"
    done = run(readiness_command(stack))
    for stream in (done.stdout, done.stderr):
        if stream:
            print(stream, end="" if stream.endswith("\n") else "\n")
    state = READINESS.get(done.returncode, f"failed (exit status {done.returncode})")
    return done.returncode == 0, f"{stack}: {state}"


def pulumi_up(
    stack: str, pulumi_stack: str, message: str, work_dir: Path = ROOT
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`pulumi up --refresh` of the stack with the policy pack and the stack's pack config,
    through the Automation API (which drives the `pulumi` CLI on PATH): the stack outputs and
    its state afterwards (`pulumi stack export`). The program reads the last deployment's
    record from EKS_PLATFORM_DEPLOYED, as with deploy-stack.yml."""
    from pulumi import automation

    selected = automation.select_stack(stack_name=pulumi_stack, work_dir=str(work_dir))
    result = selected.up(
        policy_packs=["policy"],
        policy_pack_configs=[f"policy/config/{stack}.json"],
        refresh=True,
        message=message,
        on_output=print,
    )
    state = selected.export_stack().deployment or {}
    return {name: output.value for name, output in result.outputs.items()}, state


def versions_row(stack: str, wave: int, outputs: Mapping[str, Any]) -> str:
    """One summary line: the versions EKS runs after the update (the deployment record and the
    add-on versions the stack exports)."""
    running = (outputs.get("deployment") or {}).get("versions") or {}
    addons = outputs.get("addonVersions") or {}
    listed = ", ".join(f"{name} {version}" for name, version in sorted(addons.items()))
    return (
        f"| {stack} | {wave} | updated | {running.get('controlPlane', '?')} | "
        f"{running.get('nodes', '?')} | {listed or '-'} |"
    )


TABLE_HEAD = (
    "| stack | wave | result | control plane | nodes | add-ons |\n|---|---|---|---|---|---|"
)


def _append(variable: str, text: str) -> None:
    """Append to the file a GitHub runner names in `variable` (stdout outside GitHub)."""
    target = os.environ.get(variable)
    if target:
        with open(target, "a") as out:
            out.write(text + "\n")
    else:
        print(text)


def offline_versions(stack: str) -> tuple[str, str, str]:
    """What the program at this commit sends to EKS: (control plane, nodes, add-ons)."""
    from fleet.review import version_keys
    from preflight.offline.runner import run_program

    run = run_program(stack)
    running = run.outputs["deployment"]["versions"]
    keys = dict(version_keys(run.registrations).values())
    keys.pop("kubernetes", None)
    addons = ", ".join(f"{k} {v}" for k, v in sorted(keys.items()))
    return running["controlPlane"], running["nodes"], addons


class GitHubError(RuntimeError):
    """This run's jobs could not be read from GitHub."""


def run_jobs() -> dict[str, dict[str, Any]]:
    """This workflow run's jobs by name, as GitHub records them ("List jobs for a workflow
    run", every page of 100)."""
    try:
        api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
        url = (
            f"{api}/repos/{os.environ['GITHUB_REPOSITORY']}/actions/runs/"
            f"{os.environ['GITHUB_RUN_ID']}/jobs?per_page=100"
        )
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {os.environ['GH_TOKEN']}",
        }
        jobs: dict[str, dict[str, Any]] = {}
        for page in range(1, 100):
            request = urllib.request.Request(f"{url}&page={page}", headers=headers)
            with urllib.request.urlopen(request, timeout=30) as response:
                listed = json.load(response)["jobs"]
            jobs |= {job["name"]: job for job in listed}
            if len(listed) < 100:
                return jobs
        return jobs
    except (urllib.error.URLError, KeyError) as error:
        raise GitHubError(
            f"reading this run's jobs from GitHub: {error!r} (the job needs `actions: read` "
            "and GH_TOKEN)"
        ) from error


def summary(
    jobs: Mapping[str, Mapping[str, Any]],
    versions: Callable[[str], tuple[str, str, str]] = offline_versions,
) -> str:
    """The run's summary: each stack's outcome, from its own job, and for those updated the
    versions this commit runs; a stack not updated runs what its last update left."""
    lines = ["## Fleet rollout", "", TABLE_HEAD]
    for outcome in planning.outcomes(planning.plan(load_inventory()), jobs):
        if outcome.updated:
            control_plane, nodes, addons = versions(outcome.stack)
        elif outcome.detail == f"at {planning.UP_STEP}":
            control_plane = nodes = addons = "as its failed update left it"
        else:
            control_plane = nodes = addons = "unchanged by this run"
        status = f"{outcome.status} ({outcome.detail})" if outcome.detail else outcome.status
        lines.append(
            f"| {outcome.stack} | {outcome.wave} | {status} | {control_plane} | "
            f"{nodes} | {addons} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fleet.job", description=__doc__)
    parser.add_argument("command", choices=("role", "halted", "ready", "up", "gate", "summary"))
    parser.add_argument("--stack")
    parser.add_argument("--pulumi-stack", help="default: the stack (with PULUMI_ORG: org/stack)")
    parser.add_argument("--cluster", help="the cluster to watch (the stack output clusterName)")
    parser.add_argument("--nodegroups", default="[]", help="its node groups (JSON list)")
    parser.add_argument("--addons", default="[]", help="its add-ons (JSON list)")
    args = parser.parse_args(argv)
    try:
        inventory = load_inventory()
        if args.command == "summary":
            _append("GITHUB_STEP_SUMMARY", summary(run_jobs()))
            return 0
        if not args.stack:
            parser.error(f"{args.command} needs --stack")
        entry = inventory.entry(args.stack)
    except InventoryError as error:
        print("\n".join(f"::error::{p}" for p in error.problems), file=sys.stderr)
        return 2
    except GitHubError as error:  # the summary's
        print(f"::error::{error}", file=sys.stderr)
        return 2
    if args.command == "role":
        given = os.environ.get("ROLE_ARN", "")
        if given != entry.role:
            print(
                f"::error::the environment {entry.stack}'s AWS_DEPLOY_ROLE_ARN is {given or '(unset)'}"
                f", fleet.yaml says {entry.role}: make them the same role",
                file=sys.stderr,
            )
            return 1
        return 0
    if args.command == "halted":
        [wave] = planning.plan(inventory, entry.wave)
        try:
            failed = planning.failed_in_wave(run_jobs(), wave)
        except GitHubError as error:
            print(f"::error::{error}", file=sys.stderr)
            return 2
        if failed:
            print(f"::error::{entry.stack} halts: {', '.join(failed)} of wave {wave.number} failed")
        return 1 if failed else 0
    if args.command == "ready":
        proceed, why = readiness(entry.stack)
        print(why if proceed else f"::error::not ready, the rollout stops: {why}")
        return 0 if proceed else 1
    if args.command == "up":
        message = f"fleet {os.environ.get('GITHUB_SHA', 'local')}"
        outputs, state = pulumi_up(entry.stack, args.pulumi_stack or entry.stack, message)
        nodegroups, addons = stack_resources(state)
        _append("GITHUB_OUTPUT", f"cluster-name={outputs.get('clusterName', '')}")
        _append("GITHUB_OUTPUT", f"nodegroups={json.dumps(nodegroups)}")
        _append("GITHUB_OUTPUT", f"addons={json.dumps(addons)}")
        _append(
            "GITHUB_STEP_SUMMARY", f"{TABLE_HEAD}\n{versions_row(entry.stack, entry.wave, outputs)}"
        )
        return 0
    if not args.cluster:
        parser.error("gate needs --cluster")
    import boto3
    from botocore.config import Config

    from fleet.health import gate, observe

    # botocore's standard retry mode: backoff on throttling and transient errors, then the gate
    # records what it could not read
    retried = Config(retries={"mode": "standard"})
    eks, cloudwatch = (
        boto3.client(s, region_name=entry.region, config=retried) for s in ("eks", "cloudwatch")
    )
    minutes = inventory.gates(entry.wave).soak_minutes
    nodegroups, addons = json.loads(args.nodegroups), json.loads(args.addons)
    passed, last = gate(lambda: observe(eks, cloudwatch, args.cluster, nodegroups, addons), minutes)
    state = "healthy" if passed else f"unhealthy: {'; '.join(last.reasons)}"
    _append("GITHUB_STEP_SUMMARY", f"\nHealth gate ({minutes} min soak): {state}")
    if not passed:
        print(f"::error::{entry.stack} failed its health gate, later waves halt: {state}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
