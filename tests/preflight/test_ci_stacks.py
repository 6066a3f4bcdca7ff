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
    main,
    reviewer_problems,
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


def test_a_reviewed_stack_needs_an_environment_with_required_reviewers() -> None:
    # Shapes of GitHub's "get an environment" answer (REST API, deployment environments).
    answers = {
        "prod": {
            "name": "prod",
            "protection_rules": [{"type": "required_reviewers", "reviewers": []}],
        },
        "qa": {"name": "qa", "protection_rules": [{"type": "wait_timer", "wait_timer": 5}]},
        "eu": {"name": "eu", "protection_rules": []},
    }
    problems = reviewer_problems(["prod", "qa", "eu", "us"], answers.get)
    assert len(problems) == 3
    assert "environment qa requires no reviewer" in problems[0]
    assert "environment eu requires no reviewer" in problems[1]
    assert "environment us does not exist" in problems[2] and "unprotected" in problems[2]
    assert reviewer_problems(["prod"], answers.get) == []


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
    assert main(["--deploy-stages", "3", "--check-reviewers"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"::error::environment {ORDER.reviewed[0]} does not exist")


def test_the_reviewers_are_checked_without_planning_stages(capsys, monkeypatch) -> None:
    """fleet.yml's plan job checks the reviewed environments on their own (no deploy stages)."""
    asked: list[str] = []
    protected = {"protection_rules": [{"type": "required_reviewers"}]}
    monkeypatch.setattr(
        "preflight.ci_stacks.github_environment", lambda name: asked.append(name) or protected
    )
    assert main(["--check-reviewers"]) == 0
    assert asked == ORDER.reviewed and asked
    monkeypatch.setattr("preflight.ci_stacks.github_environment", lambda name: {})
    assert main(["--check-reviewers"]) == 2
    assert f"environment {ORDER.reviewed[0]} requires no reviewer" in capsys.readouterr().err
