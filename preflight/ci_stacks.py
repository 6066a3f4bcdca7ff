"""python -m preflight.ci_stacks [--deploy-stages N] [--check-environments]

The stacks CI works on, taken from the repository: every `Pulumi.<stack>.yaml`. Prints GitHub
job outputs (`name=value` lines for $GITHUB_OUTPUT): `stacks`, the JSON list the preview and
preflight matrices use, and with --deploy-stages the deploy order of .github/deploy-order as
`stage1` ... `stageN`, each a JSON list of {stack, runner, runnerVariable}. With
--check-environments (deploy.yml, and fleet.yml's plan) it also asks GitHub that every stack
deploys from an environment only main may use, and that every stack marked `(reviewed)` requires
a reviewer there. Python's standard library only: the job that runs it installs nothing. Exit status 2 with every problem listed when the order file or GitHub's
answer is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ORDER_FILE = Path(".github") / "deploy-order"
EVERY_OTHER_STACK = "*"
REVIEWED = "(reviewed)"
# A stack's self-hosted runner label: a repository variable, not an environment one, because
# `runs-on` is evaluated before the job's environment is (github/docs#33389, #34037).
RUNNER_VARIABLE_PREFIX = "DEPLOY_RUNNER_"
GITHUB_HOSTED = "ubuntu-latest"


class OrderError(ValueError):
    """Every problem with the order file (or GitHub's environments), one a line."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class DeployOrder:
    stages: list[list[str]]  # stack names, each stack in exactly one stage
    reviewed: list[str]  # stacks whose environment must require a reviewer


def stacks(root: Path = ROOT) -> list[str]:
    """The repository's stacks: one per Pulumi.<stack>.yaml."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def runner_variable(stack: str) -> str:
    """The repository variable naming the stack's deploy runner (variable names are letters,
    digits and underscores)."""
    return RUNNER_VARIABLE_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", stack).upper()


def deploy_order(text: str, known: Sequence[str]) -> DeployOrder:
    """Parse the order file: one stage a line, stacks separated by spaces, `*` for every stack
    no line names, `(reviewed)` after a stack (or `*`) whose environment needs a reviewer."""
    problems: list[str] = []
    lines: list[list[tuple[str, bool]]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        line: list[tuple[str, bool]] = []
        for word in words:
            if word == REVIEWED and line:
                line[-1] = (line[-1][0], True)
            elif word == REVIEWED:
                problems.append(f"{ORDER_FILE}:{number}: {REVIEWED} follows no stack")
            else:
                line.append((word, False))
        lines.append(line)
    named = [name for line in lines for name, _ in line]
    for name in sorted({n for n in named if named.count(n) > 1}):
        problems.append(f"{ORDER_FILE}: {name} is listed more than once")
    for name in sorted(set(named) - set(known) - {EVERY_OTHER_STACK}):
        problems.append(
            f"{ORDER_FILE}: {name} is not a stack (no Pulumi.{name}.yaml); stacks: {', '.join(known)}"
        )
    rest = [s for s in known if s not in named]
    if rest and EVERY_OTHER_STACK not in named:
        problems.append(
            f"{ORDER_FILE}: no stage deploys {', '.join(rest)}: name them or keep a `*` line"
        )
    if problems:
        raise OrderError(problems)
    stages, reviewed = [], []
    for line in lines:
        stage = []
        for name, needs_review in line:
            expanded = rest if name == EVERY_OTHER_STACK else [name]
            stage += expanded
            reviewed += expanded if needs_review else []
        if stage:
            stages.append(stage)
    return DeployOrder(stages, reviewed)


def deploy_outputs(
    order: DeployOrder, stage_jobs: int, variables: Mapping[str, str]
) -> dict[str, str]:
    """stage1 ... stageN for deploy.yml's N stage jobs (an empty stage is skipped there)."""
    if len(order.stages) > stage_jobs:
        raise OrderError(
            [
                f"{ORDER_FILE} has {len(order.stages)} stages, deploy.yml runs {stage_jobs}: "
                "merge stages or add a stage job to deploy.yml"
            ]
        )
    outputs = {}
    for index in range(stage_jobs):
        stage = order.stages[index] if index < len(order.stages) else []
        entries = [
            {
                "stack": stack,
                "runner": variables.get(runner_variable(stack)) or GITHUB_HOSTED,
                "runnerVariable": runner_variable(stack),
            }
            for stack in stage
        ]
        outputs[f"stage{index + 1}"] = json.dumps(entries)
    return outputs


# GitHub's environments (REST API "Get an environment" and "List deployment branch policies",
# docs.github.com/en/rest/deployments/environments and .../branch-policies, read 2026-12-06):
# `deployment_branch_policy` null lets every branch deploy; {"protected_branches": true} only
# protected branches; {"custom_branch_policies": true} the branches and tags named by the
# environment's policies ({"name", "type": "branch" | "tag"}).
DEPLOY_BRANCH = "main"


def environment_problems(
    deployed: Sequence[str],
    reviewed: Sequence[str],
    environment: Callable[[str], dict | None],
    branch_policies: Callable[[str], list[dict]],
) -> list[str]:
    """The stacks whose GitHub environment would let a workflow of another branch (a pull
    request's edit of preview.yml, say) take the stack's deployer role: missing (GitHub creates
    it unprotected on first use), open to every branch, or open to a branch or tag other than
    main; and the reviewed stacks whose environment requires no reviewer. `environment` answers
    "get an environment" (None for a 404), `branch_policies` the environment's custom policies."""
    problems = []
    for stack in deployed:
        answer = environment(stack)
        if answer is None:
            problems.append(
                f"environment {stack} does not exist: create it with the deployment branch rule "
                f"'{DEPLOY_BRANCH} only'{' and required reviewers' if stack in reviewed else ''} "
                "before the first deploy (docs/ci.md, step 6); GitHub would create it unprotected"
            )
            continue
        policy = answer.get("deployment_branch_policy")
        if not policy:
            problems.append(
                f"environment {stack} lets every branch deploy: a workflow of any branch could "
                f"take its deployer role; set its deployment branches to '{DEPLOY_BRANCH}' only "
                "(docs/ci.md, step 6)"
            )
        elif policy.get("protected_branches"):
            problems.append(
                f"environment {stack} lets every protected branch deploy, not only "
                f"{DEPLOY_BRANCH}: choose selected branches and name {DEPLOY_BRANCH} alone "
                "(docs/ci.md, step 6)"
            )
        elif policy.get("custom_branch_policies"):
            others = sorted(
                f"{p.get('type', 'branch')} {p.get('name')}"
                for p in branch_policies(stack)
                if (p.get("type", "branch"), p.get("name")) != ("branch", DEPLOY_BRANCH)
            )
            if others:
                problems.append(
                    f"environment {stack} lets {', '.join(others)} deploy besides "
                    f"{DEPLOY_BRANCH}: remove them (docs/ci.md, step 6)"
                )
        rules = [r.get("type") for r in answer.get("protection_rules") or []]
        if stack in reviewed and "required_reviewers" not in rules:
            problems.append(
                f"environment {stack} requires no reviewer, but {ORDER_FILE} marks {stack} "
                f"{REVIEWED}: add required reviewers to it (docs/ci.md, the production gate)"
            )
    return problems


def _github(path: str) -> Any:
    """A GET of GitHub's REST API for this repository, with the job's token; None for a 404."""
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
    url = f"{api}/repos/{os.environ['GITHUB_REPOSITORY']}/{path}"
    request = urllib.request.Request(
        url,
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {os.environ['GH_TOKEN']}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise OrderError(
            [f"reading {path}: HTTP {error.code} (the job needs `actions: read`)"]
        ) from error


def github_environment(name: str) -> dict | None:
    return _github(f"environments/{name}")


def github_branch_policies(name: str) -> list[dict]:
    answer = _github(f"environments/{name}/deployment-branch-policies?per_page=100")
    return (answer or {}).get("branch_policies") or []


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preflight.ci_stacks")
    parser.add_argument("--deploy-stages", type=int, metavar="N")
    parser.add_argument("--check-environments", action="store_true")
    args = parser.parse_args(argv)
    known = stacks()
    try:
        if not known:
            raise OrderError(["no Pulumi.<stack>.yaml in the repository"])
        outputs = {"stacks": json.dumps(known)}
        if args.deploy_stages is not None or args.check_environments:
            order = deploy_order((ROOT / ORDER_FILE).read_text(), known)
        if args.deploy_stages is not None:
            variables = json.loads(os.environ.get("REPOSITORY_VARIABLES") or "{}")
            outputs |= deploy_outputs(order, args.deploy_stages, variables)
        if args.check_environments and (
            problems := environment_problems(
                known, order.reviewed, github_environment, github_branch_policies
            )
        ):
            raise OrderError(problems)
    except OrderError as error:
        prefix = "::error::" if os.environ.get("GITHUB_ACTIONS") == "true" else "ci_stacks: "
        print("\n".join(prefix + p for p in error.problems), file=sys.stderr)
        return 2
    print("\n".join(f"{key}={value}" for key, value in outputs.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
