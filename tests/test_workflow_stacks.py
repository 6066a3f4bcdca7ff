"""Which stacks the workflows run, and with which role: exactly the repository's stacks (its
Pulumi.<stack>.yaml files, through preflight.ci_stacks, never a list written in a workflow), in
.github/deploy-order's stages; pull-request code never near a deployer role; each role's trust
`sub` the one GitHub sends the job that assumes it; every name the workflows read documented."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from preflight import ci_roles, ci_stacks
from tests.test_workflows import (
    AWS_ACTION,
    DEPLOY_STACK,
    ROOT,
    STACK_REF,
    STACKS_OUTPUT,
    callers,
    job_items,
    job_stacks,
    matrix_stacks,
    needs_of,
    run_steps,
    steps_using,
    strings,
    triggered_by_pull_requests,
    workflows,
)

# GitHub's OIDC `sub` formats ("OpenID Connect reference",
# https://docs.github.com/en/actions/reference/security/oidc, read 2026-12-06): the environment
# when the job references one; `pull_request` for a pull request event "only if the job doesn't
# reference an environment"; the branch otherwise.
SUB_ENVIRONMENT = "repo:{repo}:environment:{environment}"
SUB_PULL_REQUEST = "repo:{repo}:pull_request"
SUB_BRANCH = "repo:{repo}:ref:refs/heads/{branch}"
CI_DOC = ROOT / "docs" / "ci.md"


def coverage_problems(root: Path) -> list[str]:
    """What is wrong with the stacks the workflows run in the checkout at `root`."""
    known = ci_stacks.stacks(root)
    problems = [] if known else ["no Pulumi.<stack>.yaml"]
    for wf in ("preview.yml", "preflight.yml"):
        covered = sorted(
            s
            for _, job in workflows(root)[wf]["jobs"].items()
            for s in matrix_stacks(wf, job, root)
        )
        if covered != known:
            problems.append(f"{wf} runs {covered}, the stacks are {known}")
    stages = [(j, matrix_stacks("deploy.yml", job, root)) for _, j, job in callers(root)]
    deployed = sorted(s for _, stage in stages for s in stage)
    if deployed != known:
        problems.append(f"deploy.yml deploys {deployed}, the stacks are {known}")
    for stack in known:
        if not (root / "policy" / "config" / f"{stack}.json").is_file():
            problems.append(f"{stack} has no policy/config/{stack}.json")
    for wf, _, job in job_items(root):
        matrix = (job.get("strategy") or {}).get("matrix") or {}
        sources = [STACKS_OUTPUT.fullmatch(str(v)) for v in matrix.values()]
        if matrix and not (len(sources) == 1 and sources[0]):
            problems.append(f"{wf}: a matrix not taken from preflight.ci_stacks: {matrix}")
    return problems


def test_the_workflows_run_exactly_the_repositorys_stacks() -> None:
    assert coverage_problems(ROOT) == []


def test_no_workflow_names_a_stack() -> None:
    """Stacks come from the repository: no workflow value is a stack's name."""
    for name, doc in workflows().items():
        for path, value in strings(doc):
            assert value not in ci_stacks.stacks(ROOT), f"{name} {path} names the stack {value}"


def test_the_stages_run_in_order_and_each_waits_for_the_tests() -> None:
    stages = [(job_id, job) for _, job_id, job in callers()]
    assert [j for j, _ in stages] == [f"stage{n}" for n in range(1, len(stages) + 1)]
    [stacks_step] = [s for _, s in run_steps(workflows()["deploy.yml"]["jobs"]["stacks"])]
    assert f"--deploy-stages {len(stages)}" in stacks_step["run"], "one stage job per output"
    for number, (job_id, job) in enumerate(stages, 1):
        assert "test" in needs_of(job), f"{job_id} deploys before the tests ran"
        if number > 1:
            assert f"stage{number - 1}" in needs_of(job), (
                f"{job_id} does not wait for the stage before"
            )
            # A skipped (empty) stage lets the next run; a failed one stops it.
            assert "!failure()" in job["if"] and "!cancelled()" in job["if"], job_id
        assert f"needs.stacks.outputs.stage{number} != '[]'" in job["if"], job_id


def test_dev_deploys_before_prod_and_prod_needs_a_reviewer() -> None:
    stage_of = {
        stack: number
        for number, (_, _, job) in enumerate(callers(), 1)
        for stack in matrix_stacks("deploy.yml", job)
    }
    assert stage_of["dev"] < stage_of["prod"]
    order = ci_stacks.deploy_order(
        (ROOT / ci_stacks.ORDER_FILE).read_text(), ci_stacks.stacks(ROOT)
    )
    assert order.reviewed == ["prod"]
    assert "--check-environments" in str(workflows()["deploy.yml"]["jobs"]["stacks"]["steps"])
    # The deploy job runs in the environment named after its stack, which holds it for reviewers.
    assert workflows()[DEPLOY_STACK]["jobs"]["up"]["environment"] == "${{ inputs.stack }}"


def test_each_stack_deploys_on_its_own_runner() -> None:
    for _, _, caller in callers():
        assert caller["with"] == {
            "stack": "${{ matrix.stack }}",
            "runner": "${{ matrix.runner }}",
            "runner-variable": "${{ matrix.runnerVariable }}",
        }
    stacks = workflows()["deploy.yml"]["jobs"]["stacks"]
    [step] = [s for _, s in run_steps(stacks)]
    assert step["env"]["REPOSITORY_VARIABLES"] == "${{ toJSON(vars) }}"


def environment_of(job: dict[str, Any], stack: str) -> str | None:
    environment = job.get("environment")
    name = environment.get("name") if isinstance(environment, dict) else environment
    return None if name is None else STACK_REF.sub(stack, str(name))


def expected_sub(wf: str, job: dict[str, Any], stack: str) -> str:
    """The `sub` GitHub puts in the job's OIDC token, from the job as written."""
    repo = ci_roles.REPOSITORY
    environment = environment_of(job, stack)
    if environment is not None:
        return SUB_ENVIRONMENT.format(repo=repo, environment=environment)
    on = workflows()[wf]["on"]
    if wf == DEPLOY_STACK:
        on = workflows()["deploy.yml"]["on"]
    if "pull_request" in on:
        return SUB_PULL_REQUEST.format(repo=repo)
    (branch,) = on["push"]["branches"]
    return SUB_BRANCH.format(repo=repo, branch=branch)


AWS_JOBS = [(wf, j, job) for wf, j, job in job_items() if steps_using(job, AWS_ACTION)]


@pytest.mark.parametrize("wf, job_id, job", AWS_JOBS, ids=[f"{w}:{j}" for w, j, _ in AWS_JOBS])
def test_each_role_trusts_exactly_the_job_that_assumes_it(wf: str, job_id: str, job: dict) -> None:
    (_, step), *_ = steps_using(job, AWS_ACTION)
    variable = re.fullmatch(r"\$\{\{ vars\.(\w+) \}\}", step["with"]["role-to-assume"])[1]
    [role] = [r for r in ci_roles.ROLES if r.variable == variable]
    for stack in job_stacks(wf, job):
        trust = json.loads((ci_roles.IAM_DIR / f"{stack}-{role.purpose}-trust.json").read_text())
        [statement] = trust["Statement"]
        condition = statement["Condition"]["StringEquals"]
        assert condition["token.actions.githubusercontent.com:sub"] == expected_sub(wf, job, stack)
        assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"


def test_pull_request_jobs_never_reach_a_deployer_role_or_a_deploy_environment() -> None:
    for name, doc in workflows().items():
        if not triggered_by_pull_requests(doc):
            continue
        assert ci_roles.DEPLOY.variable not in json.dumps(doc), f"{name} reads the deployer role"
        for job_id, job in doc["jobs"].items():
            assert DEPLOY_STACK not in str(job.get("uses", "")), f"{name}:{job_id} deploys"
            for stack in job_stacks(name, job):
                environment = environment_of(job, stack)
                assert environment in (None, ci_roles.PREVIEW.environment.format(stack=stack)), (
                    f"{name}:{job_id} runs in the environment {environment}"
                )
    # The deployer role is read in deploy-stack.yml alone, which only deploy.yml (push) calls.
    readers = {
        name for name, doc in workflows().items() if ci_roles.DEPLOY.variable in json.dumps(doc)
    }
    assert readers == {DEPLOY_STACK, "fleet.yml"}  # deploys: per push, or a rollout by hand


def names_read(kind: str) -> set[str]:
    """Every `vars.X` or `secrets.X` the workflows read."""
    return {
        match
        for doc in workflows().values()
        for _, value in strings(doc)
        for match in re.findall(rf"\b{kind}\.([A-Z][A-Z0-9_]*)", value)
    }


def documented_settings() -> dict[str, str]:
    """docs/ci.md's table of variables and secrets: name -> kind."""
    rows = re.findall(
        r"^\| `([A-Z][A-Z0-9_<>]*)` \| (variable|secret) \|", CI_DOC.read_text(), re.M
    )
    return dict(rows)


def test_every_variable_secret_and_environment_the_workflows_read_is_documented() -> None:
    documented = documented_settings()
    runner = ci_stacks.RUNNER_VARIABLE_PREFIX + "<STACK>"
    variables = names_read("vars") | {runner}
    secrets = names_read("secrets")
    assert {n for n, k in documented.items() if k == "variable"} == variables
    assert {n for n, k in documented.items() if k == "secret"} == secrets
    text = CI_DOC.read_text()
    for role in ci_roles.ROLES:
        assert f"`{role.environment.format(stack='<stack>')}`" in text, role.environment
    assert f"`{ci_stacks.ORDER_FILE}`" in text and ci_stacks.REVIEWED in text


def test_the_ci_docs_are_an_ordered_checklist() -> None:
    steps = re.findall(r"^### (\d+)\. (.+)$", CI_DOC.read_text(), re.M)
    assert [int(n) for n, _ in steps] == list(range(1, 8)), steps
    titles = " ".join(t.lower() for _, t in steps)
    for subject in ("oidc", "state", "roles", "pulumi login", "stack init", "variables", "gate"):
        assert subject in titles, subject
