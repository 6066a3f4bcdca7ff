"""The change review in the workflows: posted on each pull request against the base branch before
any credentials, and run by each stack's deploy against the stack's last deployed commit, with
the last deployment's record handed to `pulumi up`; the readiness check against the account
(posted on the pull request, stopping the deploy when blocked); and the deploy's runner checks."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.test_workflows import (
    AWS_ACTION,
    CHECKOUT_ACTION,
    DEPLOY_STACK,
    SETUP_PYTHON_ACTION,
    pulumi_commands,
    run_steps,
    steps_using,
    workflows,
)

PREVIEW = workflows()["preview.yml"]["jobs"]["preview"]
UP = workflows()[DEPLOY_STACK]["jobs"]["up"]


def test_preview_posts_the_review_against_the_base_branch_before_credentials() -> None:
    """Offline first; a refusal is judged again with the deployed stack's record (a rollback is
    refused without it), after the step that reads it."""
    (aws_index, _), *_ = steps_using(PREVIEW, AWS_ACTION)
    [(index, review), (again_index, again)] = [
        (i, s) for i, s in run_steps(PREVIEW) if "--against" in str(s["run"])
    ]
    [(record_index, _)] = [
        (i, s) for i, s in run_steps(PREVIEW) if "EKS_PLATFORM_DEPLOYED" in str(s["run"])
    ]
    [(pulumi_index, _)] = pulumi_commands(PREVIEW)
    assert index < aws_index < record_index < again_index < pulumi_index
    assert again["if"] == "env.REVIEW_STATUS == '1'"
    for step in (review, again):
        assert 'preflight.ci_comment "review-$STACK"' in step["run"]
        assert step["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert PREVIEW["steps"][0]["with"].get("fetch-depth") == 0  # the base commit is needed


def run_script(step: dict, cwd, env: dict[str, str]) -> subprocess.CompletedProcess:
    """A step's script as the runner runs it (bash -eo pipefail), with only `env`."""
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )


def run_review_step(tmp_path, step: dict, status: int) -> tuple[subprocess.CompletedProcess, str]:
    """A review step's script with a stand-in review exiting `status`: the result and what it
    left in GITHUB_ENV."""
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    python = tmp_path / "venv" / "bin" / "python"
    python.write_text(f'#!/bin/sh\ncase "$*" in *ci_comment*) exit 0;; esac\nexit {status}\n')
    python.chmod(0o755)
    env = {"PATH": "/usr/bin:/bin", "STACK": "dev", "RUNNER_TEMP": str(tmp_path)}
    result = run_script(step, tmp_path, env | {"GITHUB_ENV": str(tmp_path / "github_env")})
    written = tmp_path / "github_env"
    return result, written.read_text() if written.exists() else ""


def test_the_preview_fails_on_bad_input_at_once_and_on_a_refusal_only_with_the_record(tmp_path):
    first, again = (s for _, s in run_steps(PREVIEW) if "--against" in str(s["run"]))
    for status, step_status in ((0, 0), (1, 0), (2, 2)):
        result, written = run_review_step(tmp_path / f"first-{status}", first, status)
        assert result.returncode == step_status, result.stderr
        assert written == f"REVIEW_STATUS={status}\n"
    for status in (0, 1):
        result, _ = run_review_step(tmp_path / f"again-{status}", again, status)
        assert result.returncode == status


def test_the_deploy_s_review_judges_from_the_record_it_hands_to_up(tmp_path) -> None:
    """The record goes to GITHUB_ENV for the later steps and into the review in the same step
    (GITHUB_ENV does not reach the step that writes it)."""
    [review] = [s for _, s in run_steps(UP) if re.search(r"-m preflight .*--against", s["run"])]
    bin_dir = tmp_path / "bin"
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    bin_dir.mkdir()
    (bin_dir / "pulumi").write_text(
        '#!/bin/sh\ncase "$*" in *"stack output"*) echo \'{"clusterName": "c"}\';; '
        '*history*) echo "[]";; esac\n'
    )
    python = tmp_path / "venv" / "bin" / "python"
    python.write_text(
        '#!/bin/sh\ncase "$*" in *preflight.history*) echo abc123;; '
        '*"--against"*) echo "review saw: $EKS_PLATFORM_DEPLOYED" >> "$RUNNER_TEMP/seen";; esac\n'
    )
    for tool in (bin_dir / "pulumi", python):
        tool.chmod(0o755)
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "STACK": "dev",
        "STACK_NAME": "dev",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_ENV": str(tmp_path / "github_env"),
    }
    result = run_script(review, tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "seen").read_text() == 'review saw: {"clusterName": "c"}\n'
    assert (tmp_path / "github_env").read_text() == (
        'EKS_PLATFORM_DEPLOYED<<END_OF_RECORD\n{"clusterName": "c"}\nEND_OF_RECORD\n'
    )


def test_each_deploy_reviews_against_its_last_deployment_and_hands_up_the_record() -> None:
    [(up_index, _)] = pulumi_commands(UP)
    [(index, review)] = [
        (i, s) for i, s in run_steps(UP) if re.search(r"-m preflight .*--against", str(s["run"]))
    ]
    assert index < up_index, "the review comes after the update"
    script = review["run"]
    assert "pulumi stack output deployment --json" in script and "EKS_PLATFORM_DEPLOYED" in script
    assert "GITHUB_ENV" in script  # so the `pulumi up` step's program sees it
    assert "pulumi stack history --json" in script and "-m preflight.history" in script
    (_, checkout), *_ = steps_using(UP, CHECKOUT_ACTION)
    assert checkout["with"].get("fetch-depth") == 0, "shallow checkout"


def test_each_deploy_runs_preflight_then_credentials_then_up_and_never_cancels_one() -> None:
    [(index, step)] = pulumi_commands(UP)
    assert step["with"]["command"] == "up"
    assert step["with"].get("refresh") in (True, "true"), "no refresh before up"
    (aws_index, _), *_ = steps_using(UP, AWS_ACTION)
    preflight = [i for i, s in run_steps(UP) if re.search(r"-m preflight --stack", str(s["run"]))]
    assert preflight and preflight[0] < aws_index < index, "preflight, AWS, then up"
    assert UP["concurrency"] == {
        "group": "deploy-${{ inputs.stack }}",
        "cancel-in-progress": False,
        "queue": "max",  # every later push waits its turn, none is cancelled
    }


def test_controllers_deploy_only_from_a_runner_that_reaches_the_api() -> None:
    assert UP["runs-on"] == "${{ inputs.runner }}"
    [guard] = [s for _, s in run_steps(UP) if "RUNNER_KIND" in str(s["run"])]
    assert guard["env"]["RUNNER_KIND"] == "${{ runner.environment }}"
    assert '"github-hosted"' in guard["run"] and "exit 1" in guard["run"]
    assert "$RUNNER_VARIABLE" in guard["run"]  # names the variable to set for this stack


def run_tools_check(tmp_path, tools: dict[str, str]) -> subprocess.CompletedProcess:
    """The self-hosted runner's tool check, with only `tools` (name -> script) on PATH."""
    [check] = [s for _, s in run_steps(UP) if "Check the runner" in s.get("name", "")]
    assert check["if"] == "runner.environment == 'self-hosted'"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("grep", "bash"):
        (bin_dir / name).symlink_to(subprocess.check_output(["which", name], text=True).strip())
    for name, body in tools.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    env = {
        "PATH": str(bin_dir),
        "RUNNER_NAME": "vpc-runner-1",
        "RUNNER_VARIABLE": "DEPLOY_RUNNER_PROD",
    }
    return subprocess.run(
        [str(bin_dir / "bash"), "--noprofile", "--norc", "-eo", "pipefail", "-c", check["run"]],
        env=env,
        capture_output=True,
        text=True,
    )


def test_a_self_hosted_runner_is_checked_for_its_tools_before_anything_runs(tmp_path) -> None:
    [(index, _)] = [(i, s) for i, s in run_steps(UP) if "Check the runner" in s.get("name", "")]
    assert index == 0, "the tools are checked before the checkout uses git"
    result = run_tools_check(tmp_path, {"aws": "echo aws-cli/1.33.0 Python/3.11"})
    assert result.returncode == 1
    for expected in ("the AWS CLI v2", "python3.11", "git", "vpc-runner-1 (DEPLOY_RUNNER_PROD)"):
        assert expected in result.stdout, result.stdout


def test_a_self_hosted_runner_with_its_tools_passes(tmp_path) -> None:
    tools = {
        "aws": "echo aws-cli/2.31.0 Python/3.13.7 Linux/6.8 exe/x86_64",
        "python3.11": "exit 0",
        "git": "exit 0",
    }
    result = run_tools_check(tmp_path, tools)
    assert result.returncode == 0, result.stdout + result.stderr


def test_python_is_set_up_on_github_hosted_runners_only_and_used_by_name() -> None:
    [(_, setup)] = steps_using(UP, SETUP_PYTHON_ACTION)
    assert setup["if"] == "runner.environment == 'github-hosted'"
    [install] = [s for _, s in run_steps(UP) if "-m venv" in s["run"]]
    assert install["run"].count("python3.11 -m venv") == 2  # the version the tools check looks for


def test_the_preview_runs_with_the_last_deployment_s_record() -> None:
    [(up_index, _)] = pulumi_commands(PREVIEW)
    [(index, record)] = [
        (i, s) for i, s in run_steps(PREVIEW) if "EKS_PLATFORM_DEPLOYED" in str(s["run"])
    ]
    assert index < up_index and "pulumi stack output deployment --json" in record["run"]


def readiness(job: dict) -> tuple[int, dict]:
    [(index, step)] = [(i, s) for i, s in run_steps(job) if "--online" in str(s["run"])]
    return index, step


def test_the_readiness_check_runs_with_credentials_and_the_record_before_pulumi() -> None:
    for job, role in ((PREVIEW, "--role preview"), (UP, "")):
        index, step = readiness(job)
        (aws_index, _), *_ = steps_using(job, AWS_ACTION)
        [(record_index, _)] = [
            (i, s) for i, s in run_steps(job) if "EKS_PLATFORM_DEPLOYED" in str(s["run"])
        ]
        [(pulumi_index, _)] = pulumi_commands(job)
        assert aws_index < record_index < index < pulumi_index
        if job is UP:  # log groups an add-on made go into the state: after the check, never before
            [adopt_index] = [i for i, s in run_steps(job) if "-m preflight.adopt" in str(s["run"])]
            assert index < adopt_index < pulumi_index
        assert '-m preflight --stack "$STACK" --online' in step["run"]
        assert role in step["run"] and ("--role" in step["run"]) == bool(role)


VERDICTS = {0: "READY", 1: "BLOCKED", 2: "COULD NOT CHECK"}


def run_readiness(
    tmp_path, job: dict, status: int, verdict: bool = True
) -> tuple[subprocess.CompletedProcess, str]:
    """The step's script with a stand-in check answering `status` (its verdict line first, or
    a crash's traceback without one) and a stand-in comment poster."""
    _, step = readiness(job)
    (tmp_path / "venv" / "bin").mkdir(parents=True)
    python = tmp_path / "venv" / "bin" / "python"
    said = (
        f"online: stack dev in eu-west-1 as arn: {VERDICTS.get(status, '')}"
        if verdict
        else "Traceback (most recent call last):"
    )
    python.write_text(
        '#!/bin/sh\ncase "$*" in *ci_comment*) echo "comment $*" >> "$RUNNER_TEMP/calls"; '
        'cat "$4" >> "$RUNNER_TEMP/calls"; exit 0;; esac\n'
        f"echo '{said}'\nexit {status}\n"
    )
    python.chmod(0o755)
    env = {
        "PATH": "/usr/bin:/bin",
        "STACK": "dev",
        "RUNNER_TEMP": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "PR_NUMBER": "7",
    }
    result = run_script(step, tmp_path, env)
    posted = tmp_path / ("calls" if job is PREVIEW else "summary")
    return result, posted.read_text() if posted.exists() else ""


def test_the_preview_posts_the_verdict_fails_when_blocked_and_warns_when_unchecked(tmp_path):
    for status, expected in ((0, 0), (1, 1), (2, 0)):
        result, posted = run_readiness(tmp_path / str(status), PREVIEW, status)
        assert result.returncode == expected, result.stdout + result.stderr
        assert "comment -m preflight.ci_comment readiness-dev" in posted
        assert f": {VERDICTS[status]}" in posted
        assert "### Readiness of dev against the account" in posted
        assert ("::warning::" in result.stdout) == (status == 2)
        assert "without a verdict" not in result.stdout


def test_the_deploy_stops_when_blocked_and_goes_on_when_it_could_not_check(tmp_path):
    for status, expected in ((0, 0), (1, 1), (2, 0)):
        result, summary = run_readiness(tmp_path / str(status), UP, status)
        assert result.returncode == expected, result.stdout + result.stderr
        assert "### Readiness of dev against the account" in summary
        assert f": {VERDICTS[status]}" in summary
        assert ("::warning::" in result.stdout) == (status == 2)
        assert ("::error::dev is not ready" in result.stdout) == (status == 1)


@pytest.mark.parametrize("job", [PREVIEW, UP], ids=["preview", "deploy"])
def test_a_check_that_crashed_is_said_to_have_no_verdict_and_stops(tmp_path, job):
    """An uncaught exception exits 1 like BLOCKED, a killed process otherwise: neither is a
    verdict on the stack, and neither lets a deploy go on."""
    for status in (1, 3, 137):
        result, _ = run_readiness(tmp_path / str(status), job, status, verdict=False)
        assert result.returncode != 0
        assert f"failed without a verdict (exit {status})" in result.stdout
        assert "is not ready" not in result.stdout
