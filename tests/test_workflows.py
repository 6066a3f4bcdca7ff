"""The workflows, offline: they parse, ask for no more token permissions than they use, reach AWS
only through OIDC, and name stacks, files and regions that exist here (pins: test_workflow_pins)."""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW_DIR = ROOT / ".github" / "workflows"
STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))

PULUMI_ACTION = "pulumi/actions"
AWS_ACTION = "aws-actions/configure-aws-credentials"
CHECKOUT_ACTION = "actions/checkout"
SETUP_PYTHON_ACTION = "actions/setup-python"

# A reference to the job's stack, as an expression or as the STACK variable in a shell script.
STACK_REF = re.compile(r"\$\{\{\s*(?:env\.STACK|matrix\.stack)\s*\}\}|\$\{STACK\}|\$STACK\b")
# Repository files named in scripts and action inputs (after the stack is filled in).
FILE_REF = re.compile(r"(?<![\w./$-])(?:[\w-]+/)*[\w.-]+\.(?:txt|json|ya?ml|py|toml)\b")
# Created by the workflow itself, so not expected in the checkout.
CREATED_AT_RUN_TIME = ("venv/", "policy/venv/")


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text())
    assert isinstance(doc, dict), f"{path.name} is not a mapping"
    # PyYAML follows YAML 1.1, where the key `on` is the boolean True.
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


@functools.cache
def workflows() -> dict[str, dict[str, Any]]:
    return {p.name: _load(p) for p in sorted(WORKFLOW_DIR.glob("*.y*ml"))}


def job_items() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (wf, job_id, job) for wf, doc in workflows().items() for job_id, job in doc["jobs"].items()
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


def job_stacks(job: dict[str, Any]) -> list[str]:
    """The stacks a job works on: its STACK variable, a literal or the matrix's `stack` list."""
    stack = job.get("env", {}).get("STACK")
    if stack is None:
        return []
    if re.fullmatch(r"\$\{\{\s*matrix\.stack\s*\}\}", str(stack)):
        return [str(s) for s in job["strategy"]["matrix"]["stack"]]
    return [str(stack)]


def expand(text: str, stack: str) -> str:
    return STACK_REF.sub(stack, text)


JOB_IDS = [f"{wf}:{job_id}" for wf, job_id, _ in job_items()]
STACK_JOB_IDS = [f"{wf}:{job_id}" for wf, job_id, job in job_items() if job_stacks(job)]


def job_of(key: str) -> dict[str, Any]:
    wf, job_id = key.split(":")
    return workflows()[wf]["jobs"][job_id]


def needs_of(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def waits_for_the_tests(doc: dict[str, Any], job: dict[str, Any]) -> bool:
    """Whether one of the jobs this job needs runs the test suite, ./scripts/test."""
    return any(
        "./scripts/test" in str(step["run"])
        for name in needs_of(job)
        for _, step in run_steps(doc["jobs"][name])
    )


def stack_jobs(name: str) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, job) for job_id, job in workflows()[name]["jobs"].items() if job_stacks(job)]


def strings(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a workflow with its path, e.g. ('jobs.dev.steps[3].env.X', value)."""
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


def test_the_three_workflows_parse_and_are_named() -> None:
    assert {"preview.yml", "deploy.yml", "preflight.yml"} <= set(workflows())
    for name, doc in workflows().items():
        assert isinstance(doc.get("name"), str) and doc["name"].strip(), f"{name} has no name"
        assert doc.get("on"), f"{name} has no trigger"
        assert doc.get("jobs"), f"{name} has no jobs"


@pytest.mark.parametrize("key", JOB_IDS)
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
    configures_aws = bool(steps_using(job, AWS_ACTION))
    comments = any(
        step["with"].get("comment-on-pr") in (True, "true")
        for _, step in steps_using(job, PULUMI_ACTION)
    )
    allowed = ({"id-token"} if configures_aws else set()) | (
        {"pull-requests"} if wf == "preview.yml" and comments else set()
    )
    assert writes <= allowed, f"{key} may write {sorted(writes - allowed)}"
    if configures_aws:
        assert permissions.get("id-token") == "write", f"{key} needs id-token: write for OIDC"
    if comments:
        assert permissions.get("pull-requests") == "write", f"{key} comments on the pull request"
    if job.get("steps"):
        assert permissions.get("contents") == "read", f"{key} checks out the code read-only"


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


def test_each_workflow_covers_every_stack_and_only_real_ones() -> None:
    assert STACKS, "no Pulumi.<stack>.yaml in the repository"
    for name in ("preview.yml", "deploy.yml", "preflight.yml"):
        covered = [s for _, job in stack_jobs(name) for s in job_stacks(job)]
        assert sorted(covered) == STACKS, f"{name} covers {sorted(covered)}, stacks are {STACKS}"
    for _, _, job in job_items():
        for stack in job_stacks(job):
            assert (ROOT / f"Pulumi.{stack}.yaml").is_file(), stack
            assert (ROOT / "policy" / "config" / f"{stack}.json").is_file(), stack


@pytest.mark.parametrize("key", JOB_IDS)
def test_referenced_repository_paths_exist(key: str) -> None:
    job = job_of(key)
    texts = [str(step["run"]) for _, step in run_steps(job)]
    for step in job.get("steps", []):
        texts += [str(v) for k, v in step.get("with", {}).items() if k != "stack-name"]
    for stack in job_stacks(job) or [""]:
        for text in (expand(t, stack) for t in texts):
            for path in FILE_REF.findall(text):
                if not path.startswith(CREATED_AT_RUN_TIME):
                    assert (ROOT / path).is_file(), f"{key}: {path} does not exist"
            for requirements in re.findall(r"-r\s+(\S+)", text):
                assert (ROOT / requirements).is_file(), f"{key}: {requirements} does not exist"
            for script in re.findall(r"(?<![\w/])\./(scripts/[\w.-]+)", text):
                assert os.access(ROOT / script, os.X_OK), f"{key}: {script} is not executable"
            for module in re.findall(r"python\s+-m\s+([\w.]+)", text):
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


@pytest.mark.parametrize("key", JOB_IDS)
def test_aws_credentials_come_from_oidc_in_the_stacks_region(key: str, tmp_path: Path) -> None:
    job = job_of(key)
    for index, step in steps_using(job, AWS_ACTION):
        inputs = step["with"]
        assert inputs.get("role-to-assume") == "${{ vars.AWS_ROLE_ARN }}", key
        assert not {"aws-access-key-id", "aws-secret-access-key"} & set(inputs), key
        assert job_stacks(job), f"{key} configures AWS without a stack"
        region = str(inputs.get("aws-region", ""))
        for stack in job_stacks(job):
            expected = stack_region(stack)
            output = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", region)
            if output is None:
                assert region == expected, f"{key}: region {region}, {stack} is in {expected}"
                continue
            # Run the step that reads the region, as the runner would, and compare its output.
            step_id, name = output.groups()
            (source,) = [s for s in job["steps"][:index] if s.get("id") == step_id]
            out = tmp_path / f"{stack}-output"
            out.write_text("")
            env = {"PATH": os.environ["PATH"], "GITHUB_OUTPUT": str(out), "STACK": stack}
            subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", source["run"]],
                cwd=ROOT,
                env=env,
                check=True,
            )
            outputs = dict(
                line.split("=", 1) for line in out.read_text().splitlines() if "=" in line
            )
            assert outputs.get(name) == expected, f"{key}: {stack} region {outputs.get(name)}"


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


@pytest.mark.parametrize("key", JOB_IDS)
def test_pulumi_runs_with_the_stacks_own_policy_config_and_backend(key: str) -> None:
    job = job_of(key)
    for index, step in pulumi_commands(job):
        inputs = step["with"]
        assert inputs.get("policyPacks") == "policy", key
        for stack in job_stacks(job):
            configs = expand(str(inputs.get("policyPackConfigs")), stack)
            assert configs == f"policy/config/{stack}.json", f"{key}: {stack} gets {configs}"
        assert re.search(r"\benv\.STACK\b|\bmatrix\.stack\b", str(inputs.get("stack-name"))), key
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


def test_preview_tests_first_then_previews_each_stack_with_a_comment() -> None:
    (_, preview), *others = stack_jobs("preview.yml")
    assert not others
    assert waits_for_the_tests(workflows()["preview.yml"], preview), "preview runs before the tests"
    # Fork pull requests get neither secrets nor an OIDC token: skipped, preflight covers them.
    condition = re.sub(r"\s+", " ", str(preview.get("if", "")))
    assert "github.event.pull_request.head.repo.full_name == github.repository" in condition
    group = str(preview["concurrency"]["group"])
    assert "github.event.pull_request.number" in group and "matrix.stack" in group, group
    assert preview["concurrency"]["cancel-in-progress"] is True
    (_, step), *more = pulumi_commands(preview)
    assert not more
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] in (True, "true")


def test_deploy_ups_dev_then_prod_behind_an_environment() -> None:
    doc = workflows()["deploy.yml"]
    jobs = dict(stack_jobs("deploy.yml"))
    by_stack = {job_stacks(job)[0]: job_id for job_id, job in jobs.items()}
    assert set(by_stack) == {"dev", "prod"}
    dev, prod = jobs[by_stack["dev"]], jobs[by_stack["prod"]]
    assert by_stack["dev"] in needs_of(prod), "prod does not wait for dev"
    environment = prod.get("environment")
    name = environment.get("name") if isinstance(environment, dict) else environment
    assert name == "production", "prod is not behind the production environment"
    assert waits_for_the_tests(doc, dev), "dev is deployed before the tests ran"
    for job_id, job in jobs.items():
        (index, step), *more = pulumi_commands(job)
        assert not more
        assert step["with"]["command"] == "up", job_id
        assert step["with"].get("refresh") in (True, "true"), f"{job_id} does not refresh before up"
        # The offline preflight stops a mandatory violation before any credentials or changes.
        (aws_index, _), *_ = steps_using(job, AWS_ACTION)
        preflight = [
            i for i, s in run_steps(job) if re.search(r"-m preflight --stack", str(s["run"]))
        ]
        assert preflight and preflight[0] < aws_index < index, f"{job_id}: preflight, AWS, then up"
        concurrency = job["concurrency"]
        assert concurrency["cancel-in-progress"] is False, f"{job_id} may cancel a running up"


@pytest.mark.parametrize("key", STACK_JOB_IDS)
def test_concurrency_group_is_per_stack(key: str) -> None:
    job = job_of(key)
    group = str(job.get("concurrency", {}).get("group", ""))
    assert group, f"{key} has no concurrency group"
    for stack in job_stacks(job):
        expanded = re.sub(r"\$\{\{\s*matrix\.stack\s*\}\}", stack, group)
        assert re.search(rf"(?<![\w]){re.escape(stack)}(?![\w])", expanded), f"{key}: {group}"


def test_preflight_needs_no_secrets_and_checks_every_stack() -> None:
    path = WORKFLOW_DIR / "preflight.yml"
    assert "secrets." not in path.read_text(), "preflight.yml uses secrets"
    doc = workflows()["preflight.yml"]
    checked: list[str] = []
    for job_id, job in doc["jobs"].items():
        assert job.get("permissions", doc.get("permissions")) == {"contents": "read"}, job_id
        assert not steps_using(job, AWS_ACTION) and not steps_using(job, PULUMI_ACTION), job_id
        assert "head.repo" not in str(job.get("if", "")), f"{job_id} must run for forks too"
        for _, step in run_steps(job):
            for stack in job_stacks(job):
                if re.search(
                    rf"python -m preflight --stack \"?{stack}\"?(?:\s|$)",
                    expand(step["run"], stack),
                ):
                    checked.append(stack)
    assert sorted(checked) == STACKS, f"preflight runs for {sorted(checked)}, stacks are {STACKS}"


def test_secrets_reach_only_the_pulumi_steps() -> None:
    for name, doc in workflows().items():
        for path, value in strings(doc):
            if "secrets." not in value:
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
