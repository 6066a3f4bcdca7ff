"""The workflows, offline: they parse, ask for no more token permissions than they use, reach AWS
only through OIDC, and name files and regions that exist here. Which stacks they run:
test_workflow_stacks; pins: test_workflow_pins."""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleet.inventory import load_inventory
from fleet.waves import job_outputs, plan
from preflight import ci_stacks

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"

PULUMI_ACTION = "pulumi/actions"
AWS_ACTION = "aws-actions/configure-aws-credentials"
CHECKOUT_ACTION = "actions/checkout"
SETUP_PYTHON_ACTION = "actions/setup-python"
DEPLOY_STACK = "deploy-stack.yml"
FLEET = "fleet.yml"  # the rollout in waves, started by hand
SELF = "$/.github/workflows/"  # GitHub's self-repository form of a local reusable workflow

# A reference to the job's stack, as an expression or as the STACK variable in a shell script.
STACK_REF = re.compile(
    r"\$\{\{\s*(?:env\.STACK|matrix\.stack|inputs\.stack)\s*\}\}|\$\{STACK\}|\$STACK\b"
)
# Repository files named in scripts and action inputs (after the stack is filled in).
FILE_REF = re.compile(r"(?<![\w./$-])(?:[\w-]+/)*[\w.-]+\.(?:txt|json|ya?ml|py|toml)\b")
# Created by the workflow itself, so not expected in the checkout.
CREATED_AT_RUN_TIME = ("venv/", "policy/venv/")
STACKS_OUTPUT = re.compile(r"\$\{\{\s*fromJSON\(needs\.([\w-]+)\.outputs\.([\w-]+)\)\s*\}\}")


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict), f"{path.name} is not a mapping"
    # PyYAML follows YAML 1.1, where the key `on` is the boolean True.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


@functools.cache
def workflows(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    return {p.name: _load(p) for p in sorted((root / ".github" / "workflows").glob("*.y*ml"))}


def job_items(root: Path = ROOT) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (wf, job_id, job)
        for wf, doc in workflows(root).items()
        for job_id, job in doc["jobs"].items()
    ]


def steps_using(job: dict[str, Any], action: str) -> list[tuple[int, dict[str, Any]]]:
    return [
        (i, step)
        for i, step in enumerate(job.get("steps", []))
        if str(step.get("uses", "")).split("@")[0] == action
    ]


def pulumi_commands(job: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """pulumi/actions steps with a command (without one the action only installs the CLI)."""
    return [(i, s) for i, s in steps_using(job, PULUMI_ACTION) if s.get("with", {}).get("command")]


def run_steps(job: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i, step) for i, step in enumerate(job.get("steps", [])) if "run" in step]


def needs_of(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def triggered_by_pull_requests(doc: dict[str, Any]) -> bool:
    return bool({"pull_request", "pull_request_target"} & set(doc["on"]))


def callers(root: Path = ROOT) -> list[tuple[str, str, dict[str, Any]]]:
    """The jobs that call deploy-stack.yml."""
    return [
        (wf, j, job) for wf, j, job in job_items(root) if job.get("uses") == SELF + DEPLOY_STACK
    ]


def matrix_stacks(wf: str, job: dict[str, Any], root: Path = ROOT) -> list[str]:
    """The stacks a job's matrix holds on GitHub: the output of the stacks job it needs, computed
    here by preflight.ci_stacks as that job's step computes it."""
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    expression = str(matrix.get("stack") or matrix.get("include") or "")
    found = STACKS_OUTPUT.fullmatch(expression)
    if not found:
        return []
    needed, output = found.groups()
    producer = workflows(root)[wf]["jobs"][needed]
    step_id = re.fullmatch(
        r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", producer["outputs"][output]
    )
    assert step_id and step_id[2] == output, f"{wf}:{needed} outputs.{output}"
    (step,) = [s for s in producer["steps"] if s.get("id") == step_id[1]]
    values = stacks_step_outputs(step["run"], root)
    entries = json.loads(values[output])
    return [e["stack"] if isinstance(e, dict) else e for e in entries]


def stacks_step_outputs(script: str, root: Path) -> dict[str, str]:
    """What `python -m preflight.ci_stacks ...` (or fleet.yml's `python -m fleet matrix
    --outputs N`) prints for this checkout (no GitHub calls)."""
    if fleet := re.search(
        r"python -m fleet matrix --outputs (\d+)\s*>>\s*\"\$GITHUB_OUTPUT\"", script
    ):
        return job_outputs(plan(load_inventory(root)), int(fleet[1]))
    command = re.search(r"python -m preflight\.ci_stacks([^>\n]*)>>\s*\"\$GITHUB_OUTPUT\"", script)
    assert command, f"not a stacks step: {script}"
    args = shlex.split(command.group(1))
    known = ci_stacks.stacks(root)
    outputs = {"stacks": json.dumps(known)}
    if "--deploy-stages" in args:
        count = int(args[args.index("--deploy-stages") + 1])
        order = ci_stacks.deploy_order((root / ci_stacks.ORDER_FILE).read_text(), known)
        outputs |= ci_stacks.deploy_outputs(order, count, {})
    return outputs


def job_stacks(wf: str, job: dict[str, Any], root: Path = ROOT) -> list[str]:
    """The stacks a job works on: its matrix's, or, in deploy-stack.yml, its callers'."""
    if wf == DEPLOY_STACK:
        return [s for cwf, _, caller in callers(root) for s in matrix_stacks(cwf, caller, root)]
    return matrix_stacks(wf, job, root)


def expand(text: str, stack: str) -> str:
    return STACK_REF.sub(stack, text)


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a workflow with its path, e.g. ('jobs.up.steps[3].env.X', value)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from strings(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from strings(value, f"{path}[{i}]")
    elif isinstance(node, str):
        yield path, node


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def virtualenvs() -> list[tuple[str, str]]:
    """(virtualenv, requirements) of the program and of the policy pack, as the CLI runs them."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    pack = yaml.safe_load((ROOT / "policy" / "PulumiPolicy.yaml").read_text())
    return [
        (project["runtime"]["options"]["virtualenv"], "requirements.txt"),
        (f"policy/{pack['runtime']['options']['virtualenv']}", "policy/requirements.txt"),
    ]


def stack_region(stack: str) -> str:
    return yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]["aws:region"]


JOB_IDS = [f"{wf}:{job_id}" for wf, job_id, _ in job_items()]
RUNNING_JOB_IDS = [f"{wf}:{job_id}" for wf, job_id, job in job_items() if "uses" not in job]


def job_of(key: str) -> dict[str, Any]:
    wf, job_id = key.split(":")
    return workflows()[wf]["jobs"][job_id]


def test_the_workflows_parse_and_are_named() -> None:
    assert {"preview.yml", "deploy.yml", "preflight.yml", DEPLOY_STACK, FLEET} == set(workflows())
    for name, doc in workflows().items():
        assert isinstance(doc.get("name"), str) and doc["name"].strip(), f"{name} has no name"
        assert doc.get("on"), f"{name} has no trigger"
        assert doc.get("jobs"), f"{name} has no jobs"


@pytest.mark.parametrize("key", RUNNING_JOB_IDS)
def test_every_job_has_a_runner_and_a_timeout(key: str) -> None:
    job = job_of(key)
    assert job.get("runs-on"), f"{key} has no runs-on"
    # The default is six hours; a hung preview or up should not hold a stack that long.
    assert isinstance(job.get("timeout-minutes"), int), f"{key} has no timeout-minutes"


def test_triggers() -> None:
    on = {name: doc["on"] for name, doc in workflows().items()}
    assert on["preview.yml"] == {"pull_request": {"branches": ["main"]}}
    assert on["deploy.yml"] == {"push": {"branches": ["main"]}}
    assert set(on["preflight.yml"]) == {"pull_request", "push"}
    assert on["preflight.yml"]["push"] == {"branches": ["main"]}
    # Only callable: deploy.yml's stage jobs start a push's deployment; fleet.yml is started by
    # hand (a rollout in waves, docs/fleets.md).
    assert set(on[DEPLOY_STACK]) == {"workflow_call"}
    assert on[FLEET] == {"workflow_dispatch": None}
    assert {wf for wf, _, _ in callers()} == {"deploy.yml"}
    for name, triggers in on.items():
        # These run fork code with the base repository's secrets and a write token.
        assert not {"pull_request_target", "workflow_run"} & set(triggers), name


@pytest.mark.parametrize("key", JOB_IDS)
def test_token_permissions_are_least_privilege(key: str) -> None:
    wf, job_id = key.split(":")
    doc = workflows()[wf]
    job = doc["jobs"][job_id]
    top = doc.get("permissions")
    assert top is None or isinstance(top, dict), f"{wf}: top-level permissions {top!r}"
    permissions = job.get("permissions", top)
    # Unset means the repository default, which can be write-all; a string is read-all/write-all.
    assert isinstance(permissions, dict), f"{key}: permissions must be an explicit mapping"
    assert set(permissions.values()) <= {"read", "write", "none"}, key
    writes = {scope for scope, level in permissions.items() if level == "write"}
    configures_aws = bool(steps_using(job, AWS_ACTION)) or job.get("uses") == SELF + DEPLOY_STACK
    comments = any(
        (step.get("with") or {}).get("comment-on-pr") in (True, "true")
        or "preflight.ci_comment" in str(step.get("run", ""))
        for step in job.get("steps", [])
    )
    allowed = ({"id-token"} if configures_aws else set()) | (
        {"pull-requests"} if comments else set()
    )
    assert writes <= allowed, f"{key} may write {sorted(writes - allowed)}"
    if configures_aws:
        assert permissions.get("id-token") == "write", f"{key} needs id-token: write for OIDC"
    if comments:
        assert permissions.get("pull-requests") == "write", f"{key} comments on the pull request"
    if job.get("steps") or "uses" in job:
        assert permissions.get("contents") == "read", f"{key} checks out the code read-only"
    # The one extra read, `actions`: the environments' protection rules where reviewers are
    # checked, this run's jobs where the fleet halts a wave or sums the rollout up.
    reads = {scope for scope, level in permissions.items() if level == "read"} - {"contents"}
    reads_actions = any(
        re.search(r"--check-environments|fleet\.job (halted|summary)", str(s["run"]))
        for _, s in run_steps(job)
    )
    assert reads <= ({"actions"} if reads_actions else set()), f"{key} reads {sorted(reads)}"


def test_the_pulumi_cli_is_pinned_no_older_than_the_sdk() -> None:
    floor = re.search(
        r"^pulumi\s*(?:~=|>=|==)\s*([\d.]+)", (ROOT / "requirements.txt").read_text(), re.M
    )
    assert floor, "requirements.txt pins no pulumi SDK"
    steps = [step for _, _, job in job_items() for _, step in steps_using(job, PULUMI_ACTION)]
    assert steps
    for step in steps:
        cli = str(step["with"].get("pulumi-version", ""))
        assert re.fullmatch(r"\d+\.\d+\.\d+", cli), (
            f"pulumi-version {cli!r} is not an exact release"
        )
        assert version(cli) >= version(floor.group(1)), f"CLI {cli} older than SDK {floor.group(1)}"


@pytest.mark.parametrize("key", RUNNING_JOB_IDS)
def test_referenced_repository_paths_exist(key: str) -> None:
    wf, _ = key.split(":")
    job = job_of(key)
    texts = [str(step["run"]) for _, step in run_steps(job)]
    for step in job.get("steps", []):
        texts += [str(v) for k, v in step.get("with", {}).items() if k != "stack-name"]
    for stack in job_stacks(wf, job) or [""]:
        for text in (expand(t, stack) for t in texts):
            for path in FILE_REF.findall(text):
                if not path.startswith(CREATED_AT_RUN_TIME):
                    assert (ROOT / path).is_file(), f"{key}: {path} does not exist"
            for requirements in re.findall(r"-r\s+(\S+)", text):
                assert (ROOT / requirements).is_file(), f"{key}: {requirements} does not exist"
            for script in re.findall(r"(?<![\w/])\./(scripts/[\w.-]+)", text):
                assert os.access(ROOT / script, os.X_OK), f"{key}: {script} is not executable"
            for module in re.findall(r"python\S*\s+-m\s+([\w.]+)", text):
                if module in {"venv", "pip", "pytest"}:
                    continue
                package = ROOT / module.replace(".", "/")
                runnable = (
                    package.with_suffix(".py").is_file() or (package / "__main__.py").is_file()
                )
                assert runnable, f"{key}: python -m {module} runs nothing in this repository"
    for _, step in steps_using(job, PULUMI_ACTION):
        work_dir = ROOT / str(step["with"].get("work-dir", "."))
        assert (work_dir / "Pulumi.yaml").is_file(), f"{key}: work-dir has no Pulumi.yaml"
        for pack in str(step["with"].get("policyPacks", "")).split():
            assert (work_dir / pack / "PulumiPolicy.yaml").is_file(), f"{key}: {pack} is no pack"


@pytest.mark.parametrize("key", RUNNING_JOB_IDS)
def test_aws_credentials_come_from_oidc_in_the_stacks_region(key: str, tmp_path: Path) -> None:
    wf, _ = key.split(":")
    job = job_of(key)
    for index, step in steps_using(job, AWS_ACTION):
        inputs = step["with"]
        assert re.fullmatch(r"\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}", inputs.get("role-to-assume")), (
            key
        )
        assert not {"aws-access-key-id", "aws-secret-access-key"} & set(inputs), key
        # (a fleet wave beyond the fleet's waves has an empty matrix and never runs)
        assert job_stacks(wf, job) or wf == FLEET, f"{key} configures AWS without a stack"
        region = str(inputs.get("aws-region", ""))
        output = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", region)
        assert output, f"{key}: the region must come from the stack file"
        step_id, name = output.groups()
        (source,) = [s for s in job["steps"][:index] if s.get("id") == step_id]
        for stack in job_stacks(wf, job):
            # Run the step that reads the region, as the runner would, and compare its output.
            out = tmp_path / f"{stack}-output"
            out.write_text("")
            env = {
                "PATH": os.environ["PATH"],
                "GITHUB_OUTPUT": str(out),
                "STACK": stack,
                "ROLE_ARN": "arn:aws:iam::111122223333:role/set",
            }
            subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", source["run"]],
                cwd=ROOT,
                env=env,
                check=True,
            )
            outputs = dict(
                line.split("=", 1) for line in out.read_text().splitlines() if "=" in line
            )
            assert outputs.get(name) == stack_region(stack), (
                f"{key}: {stack} region {outputs.get(name)}"
            )


def test_no_long_lived_aws_keys_anywhere() -> None:
    for path in WORKFLOW_DIR.glob("*.y*ml"):
        text = path.read_text().lower()
        for key in (
            "aws_access_key_id",
            "aws_secret_access_key",
            "aws-access-key-id",
            "aws-secret-access-key",
        ):
            assert key not in text, f"{path.name} mentions {key}"


@pytest.mark.parametrize("key", RUNNING_JOB_IDS)
def test_pulumi_runs_with_the_stacks_own_policy_config_and_backend(key: str) -> None:
    wf, _ = key.split(":")
    job = job_of(key)
    for index, step in pulumi_commands(job):
        inputs = step["with"]
        assert inputs.get("policyPacks") == "policy", key
        for stack in job_stacks(wf, job):
            configs = expand(str(inputs.get("policyPackConfigs")), stack)
            assert configs == f"policy/config/{stack}.json", f"{key}: {stack} gets {configs}"
            assert (ROOT / configs).is_file(), f"{key}: {configs} does not exist"
        assert re.search(r"\benv\.STACK\b", str(inputs.get("stack-name"))), key
        backend = "${{ vars.PULUMI_BACKEND_URL }}"
        assert inputs.get("cloud-url") == backend == step.get("env", {}).get("PULUMI_BACKEND_URL")
        # The action installs nothing: both virtualenvs must be ready before it runs.
        before = "\n".join(str(s["run"]) for i, s in run_steps(job) if i < index)
        for venv, requirements in virtualenvs():
            assert re.search(rf"-m venv {re.escape(venv)}\b", before), f"{key}: no {venv}"
            install = (
                rf"(?<![\w/]){re.escape(venv)}/bin/pip install\b.*-r {re.escape(requirements)}"
            )
            assert re.search(install, before), f"{key}: {requirements} not installed into {venv}"


def test_secrets_reach_only_the_pulumi_steps() -> None:
    for name, doc in workflows().items():
        for path, value in strings(doc):
            if "secrets." not in value:
                continue
            passed = re.fullmatch(r"jobs\.([\w-]+)\.secrets\.(\w+)", path)
            if passed:  # handed to deploy-stack.yml under the same name
                assert value == f"${{{{ secrets.{passed[2]} }}}}", f"{name} {path}"
                continue
            match = re.fullmatch(r"jobs\.([\w-]+)\.steps\[(\d+)\]\.env\.\w+", path)
            assert match, f"{name} {path}: a secret outside a step's env"
            step = doc["jobs"][match[1]]["steps"][int(match[2])]
            by_action = str(step.get("uses", "")).startswith(f"{PULUMI_ACTION}@")
            by_cli = "pulumi login" in str(step.get("run", ""))  # a script reading the stack
            assert by_action or by_cli, f"{name} {path}"


def test_run_scripts_take_values_from_env_not_expressions() -> None:
    # An expression pasted into a script is a script-injection hole; env values are not.
    for name, doc in workflows().items():
        for path, value in strings(doc):
            if path.endswith(".run"):
                assert "${{" not in value, f"{name} {path} interpolates an expression"


def test_checkout_leaves_no_token_behind() -> None:
    for _, _, job in job_items():
        for _, step in steps_using(job, CHECKOUT_ACTION):
            assert step.get("with", {}).get("persist-credentials") is False
