"""python -m preflight.adopt --stack S [--run]

Log groups the program manages that already exist in AWS but not in the stack's state: the
Container Insights groups the CloudWatch add-on made on a cluster deployed before the stack
managed them. Creating them would fail (ResourceAlreadyExistsException), so they are imported
into the state first, under the resource the program registers for them (same name, parent and
protection); the next `pulumi up` then sets their retention and key in place.

Lists the `pulumi import` commands (or runs them with --run). Needs the Pulumi CLI logged in to
the stack's backend and AWS credentials; `./scripts/up` and the deploy workflow run it before
`pulumi up`. Log groups left by a destroy cannot be adopted this way (their parent component is
gone with the stack): docs/day2.md 'Destroy' says what to do with them."""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from preflight.offline.mocked_aws import region_problem
from preflight.offline.recorder import Registration
from preflight.offline.runner import run_program, stack_config

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def import_commands(
    registrations: Sequence[Registration],
    in_state: set[str],
    exists: Callable[[str], bool],
    stack: str,
) -> list[list[str]]:
    """`pulumi import` for each log group the program registers that AWS has and the state lacks
    (under a parent component the state already holds)."""
    commands = []
    for group in registrations:
        name = group.inputs.get("name")
        if group.type != LOG_GROUP or group.urn in in_state or not name:
            continue
        if group.parent not in in_state or not exists(name):
            continue
        command = ["pulumi", "import", LOG_GROUP, group.name, name, "--stack", stack, "--yes"]
        command += ["--parent", f"parent={group.parent}"]
        command += ["--protect"] if group.protect else ["--protect=false"]
        commands.append(command)
    return commands


def offline_registrations(
    stack: str, overrides: Mapping[str, Any] | None = None
) -> list[Registration]:
    """What the program registers for `stack`, run offline. Log group names and URNs do not
    depend on the region, so a region the offline tools cannot run (another partition) runs as
    us-east-1, its AZ pins dropped; when the program cannot run offline at all, nothing is
    adopted (and `pulumi up` says what exists) rather than the deploy stopping here."""
    config = {**stack_config(stack), **(overrides or {})}
    if region_problem(config.get("aws:region")):
        fallback = {"aws:region": "us-east-1", "network": {"availabilityZones": None, "azCount": 2}}
        overrides = {**(overrides or {}), **fallback}
    try:
        return run_program(stack, overrides).registrations
    except Exception as error:
        print(
            f"preflight.adopt: {stack} cannot run offline, nothing adopted: {error}",
            file=sys.stderr,
        )
        return []


def _state_urns(stack: str) -> set[str]:
    exported = subprocess.run(
        ["pulumi", "stack", "export", "--stack", stack], check=True, capture_output=True, text=True
    ).stdout
    resources: Iterable[dict] = json.loads(exported).get("deployment", {}).get("resources") or []
    return {r["urn"] for r in resources}


def describe_log_groups_command(name: str, region: str | None) -> list[str]:
    """The AWS CLI call that lists log groups named like `name`, in the stack's region (a
    laptop's default region may be another one)."""
    command = ["aws", "logs", "describe-log-groups", "--log-group-name-prefix", name]
    return [*command, *(["--region", region] if region else []), "--output", "json"]


def log_group_finder(region: str | None) -> Callable[[str], bool]:
    def exists(name: str) -> bool:
        found = subprocess.run(
            describe_log_groups_command(name, region), check=True, capture_output=True, text=True
        ).stdout
        return any(g.get("logGroupName") == name for g in json.loads(found).get("logGroups", []))

    return exists


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preflight.adopt", description=__doc__)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--pulumi-stack", help="the stack's name in the backend (e.g. org/dev)")
    parser.add_argument("--run", action="store_true", help="run the imports instead of listing")
    args = parser.parse_args(argv)
    backend_stack = args.pulumi_stack or args.stack
    in_state = _state_urns(backend_stack)
    if not in_state:
        return 0  # a stack never deployed: everything is created
    registrations = offline_registrations(args.stack)
    exists = log_group_finder(stack_config(args.stack).get("aws:region"))
    for command in import_commands(registrations, in_state, exists, backend_stack):
        print(shlex.join(command))
        if args.run:
            subprocess.run(command, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
