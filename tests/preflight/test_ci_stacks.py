"""preflight.ci_stacks: the stacks CI runs come from the repository, the deploy order from
.github/deploy-order (every stack in exactly one stage, `*` for the rest), each stack's runner
from its repository variable, and a reviewed stack deploys only behind an environment that
requires a reviewer. Every problem of the order file at once, exit status 2."""

from __future__ import annotations

import json

import pytest

from preflight.ci_stacks import (
    GITHUB_HOSTED,
    ROOT,
    OrderError,
    deploy_order,
    deploy_outputs,
    environment_problems,
    main,
    runner_variable,
    stacks,
)

STACKS = ["dev", "prod", "staging"]
# The repository's own order, whatever stacks it holds (a new stack changes no test).
ORDER = deploy_order((ROOT / ".github" / "deploy-order").read_text(), stacks(ROOT))


def test_the_repository_s_stacks_are_its_stack_files() -> None:
    assert stacks(ROOT) == sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


def test_star_stands_for_every_stack_no_line_names() -> None:
    order = deploy_order("# comment\ndev\n*\nprod (reviewed)\n", STACKS)
    assert order.stages == [["dev"], ["staging"], ["prod"]]
    assert order.reviewed == ["prod"]
    # With nothing left for `*`, its stage disappears.
    assert deploy_order("dev\n*\nprod\n", ["dev", "prod"]).stages == [["dev"], ["prod"]]


def test_stacks_on_one_line_deploy_side_by_side_and_star_can_be_reviewed() -> None:
    order = deploy_order("dev qa  # both first\n* (reviewed)\n", ["dev", "qa", "eu", "us"])
    assert order.stages == [["dev", "qa"], ["eu", "us"]]
    assert order.reviewed == ["eu", "us"]


def test_every_problem_of_the_order_file_at_once() -> None:
    with pytest.raises(OrderError) as raised:
        deploy_order("(reviewed) dev\ndev\nprd\n", STACKS)
    problems = raised.value.problems
    assert any("(reviewed) follows no stack" in p for p in problems)
    assert any("dev is listed more than once" in p for p in problems)
    assert any(
        "prd is not a stack (no Pulumi.prd.yaml); stacks: dev, prod, staging" in p for p in problems
    )
    assert any(
        "no stage deploys prod, staging: name them or keep a `*` line" in p for p in problems
    )


def test_runner_variables_are_github_variable_names() -> None:
    assert runner_variable("prod") == "DEPLOY_RUNNER_PROD"
    assert runner_variable("eu-west.prod_2") == "DEPLOY_RUNNER_EU_WEST_PROD_2"


def test_deploy_outputs_one_json_list_per_stage_job() -> None:
    order = deploy_order("dev\n*\nprod\n", ["dev", "prod"])
    outputs = deploy_outputs(order, 3, {"DEPLOY_RUNNER_PROD": "prod-vpc", "OTHER": "x"})
    assert json.loads(outputs["stage1"]) == [
        {"stack": "dev", "runner": GITHUB_HOSTED, "runnerVariable": "DEPLOY_RUNNER_DEV"}
    ]
    assert json.loads(outputs["stage2"]) == [
        {"stack": "prod", "runner": "prod-vpc", "runnerVariable": "DEPLOY_RUNNER_PROD"}
    ]
    assert outputs["stage3"] == "[]"  # skipped by deploy.yml
    with pytest.raises(OrderError, match=r"has 3 stages, deploy\.yml runs 2"):
        deploy_outputs(deploy_order("dev\nstaging\nprod\n", STACKS), 2, {})


MAIN_ONLY = {"protected_branches": False, "custom_branch_policies": True}
REVIEWERS = [{"type": "required_reviewers", "reviewers": []}]


def test_each_environment_is_for_main_only_and_a_reviewed_one_requires_a_reviewer() -> None:
    # Shapes of GitHub's answers (REST API: "Get an environment", "List deployment branch
    # policies"): a null deployment_branch_policy lets every branch deploy.
    answers = {
        "prod": {"deployment_branch_policy": MAIN_ONLY, "protection_rules": REVIEWERS},
        "qa": {
            "deployment_branch_policy": MAIN_ONLY,
            "protection_rules": [{"type": "wait_timer", "wait_timer": 5}],
        },
        "eu": {"deployment_branch_policy": None, "protection_rules": REVIEWERS},
        "dev": {"deployment_branch_policy": MAIN_ONLY, "protection_rules": []},
        "lab": {"deployment_branch_policy": {"protected_branches": True}, "protection_rules": []},
        "feature": {"deployment_branch_policy": MAIN_ONLY, "protection_rules": []},
    }
    policies = {
        "feature": [
            {"name": "main", "type": "branch"},
            {"name": "feature/*", "type": "branch"},
            {"name": "v*", "type": "tag"},
        ],
    }

    def branch_policies(name: str) -> list[dict]:
        return policies.get(name, [{"name": "main", "type": "branch"}])

    every = ["prod", "qa", "eu", "us", "dev", "lab", "feature"]
    problems = environment_problems(every, ["prod", "qa", "eu", "us"], answers.get, branch_policies)
    assert problems == [
        "environment qa requires no reviewer, but .github/deploy-order marks qa (reviewed): add "
        "required reviewers to it (docs/ci.md, the production gate)",
        "environment eu lets every branch deploy: a workflow of any branch could take its "
        "deployer role; set its deployment branches to 'main' only (docs/ci.md, step 6)",
        "environment us does not exist: create it with the deployment branch rule 'main only' and "
        "required reviewers before the first deploy (docs/ci.md, step 6); GitHub would create it "
        "unprotected",
        "environment lab lets every protected branch deploy, not only main: choose selected "
        "branches and name main alone (docs/ci.md, step 6)",
        "environment feature lets branch feature/*, tag v* deploy besides main: remove them "
        "(docs/ci.md, step 6)",
    ]
    assert environment_problems(["prod", "dev"], ["prod"], answers.get, branch_policies) == []


def test_the_command_prints_github_outputs(capsys, monkeypatch) -> None:
    last = ORDER.stages[-1][0]
    monkeypatch.setenv("REPOSITORY_VARIABLES", json.dumps({runner_variable(last): "its-vpc"}))
    assert main(["--deploy-stages", "3"]) == 0
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    assert json.loads(lines["stacks"]) == stacks(ROOT)
    for number, stage in enumerate(ORDER.stages, 1):
        assert [job["stack"] for job in json.loads(lines[f"stage{number}"])] == stage
    runners = {
        job["stack"]: job["runner"] for job in json.loads(lines[f"stage{len(ORDER.stages)}"])
    }
    assert runners[last] == "its-vpc"


def test_the_command_reports_a_missing_reviewer_as_a_github_error(capsys, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setattr("preflight.ci_stacks.github_environment", lambda name: None)
    assert main(["--deploy-stages", "3", "--check-environments"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"::error::environment {stacks(ROOT)[0]} does not exist")


def test_the_environments_are_checked_without_planning_stages(capsys, monkeypatch) -> None:
    """fleet.yml's plan job checks every stack's environment on its own (no deploy stages)."""
    asked: list[str] = []
    protected = {"deployment_branch_policy": MAIN_ONLY, "protection_rules": REVIEWERS}
    monkeypatch.setattr(
        "preflight.ci_stacks.github_environment", lambda name: asked.append(name) or protected
    )
    monkeypatch.setattr(
        "preflight.ci_stacks.github_branch_policies", lambda name: [{"name": "main"}]
    )
    assert main(["--check-environments"]) == 0
    assert asked == stacks(ROOT)
    unreviewed = {"deployment_branch_policy": MAIN_ONLY}
    monkeypatch.setattr("preflight.ci_stacks.github_environment", lambda name: unreviewed)
    assert main(["--check-environments"]) == 2
    assert f"environment {ORDER.reviewed[0]} requires no reviewer" in capsys.readouterr().err
