"""The change review in the workflows: posted on each pull request against the base branch before
any credentials, and run by each deploy job against the stack's last deployed commit, with the
last deployment's record handed to `pulumi up`."""

from __future__ import annotations

import re

from tests.test_workflows import AWS_ACTION, pulumi_commands, run_steps, stack_jobs, steps_using


def test_preview_posts_the_review_against_the_base_branch_before_credentials() -> None:
    (_, preview), *_ = stack_jobs("preview.yml")
    (aws_index, _), *_ = steps_using(preview, AWS_ACTION)
    [(index, review)] = [(i, s) for i, s in run_steps(preview) if "--against" in str(s["run"])]
    assert index < aws_index and "gh pr comment" in review["run"]
    assert review["env"]["BASE_SHA"] == "${{ github.event.pull_request.base.sha }}"
    assert preview["steps"][0]["with"].get("fetch-depth") == 0  # the base commit is needed


def test_each_deploy_reviews_against_its_last_deployment_and_hands_up_the_record() -> None:
    for job_id, job in stack_jobs("deploy.yml"):
        [(up_index, _)] = pulumi_commands(job)
        [(index, review)] = [
            (i, s)
            for i, s in run_steps(job)
            if re.search(r"-m preflight .*--against", str(s["run"]))
        ]
        assert index < up_index, f"{job_id}: the review comes after the update"
        script = review["run"]
        assert (
            "pulumi stack output deployment --json" in script and "EKS_PLATFORM_DEPLOYED" in script
        )
        assert "GITHUB_ENV" in script  # so the `pulumi up` step's program sees it
        assert "pulumi stack history --json" in script and "-m preflight.history" in script
        assert job["steps"][0]["with"].get("fetch-depth") == 0, f"{job_id}: shallow checkout"


def test_controllers_deploy_only_from_a_runner_that_reaches_the_api() -> None:
    for job_id, job in stack_jobs("deploy.yml"):
        assert job["runs-on"] == "${{ vars.DEPLOY_RUNNER || 'ubuntu-latest' }}", job_id
        [guard] = [s for _, s in run_steps(job) if "RUNNER_KIND" in str(s["run"])]
        assert guard["env"]["RUNNER_KIND"] == "${{ runner.environment }}"
        assert '"github-hosted"' in guard["run"] and "exit 1" in guard["run"]


def test_the_preview_runs_with_the_last_deployment_s_record() -> None:
    (_, preview), *_ = stack_jobs("preview.yml")
    [(up_index, _)] = pulumi_commands(preview)
    [(index, record)] = [
        (i, s) for i, s in run_steps(preview) if "EKS_PLATFORM_DEPLOYED" in str(s["run"])
    ]
    assert index < up_index and "pulumi stack output deployment --json" in record["run"]
