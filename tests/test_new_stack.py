"""A new stack is a stack file and a policy config: in a copy of this repository with a
`staging` stack added (another region), the workflows run it, the deploy puts it between dev and
prod, and the policy README regenerates with its column, with no other edit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from preflight import ci_stacks
from tests.checkout import copy_checkout
from tests.policy.test_catalog import readme_table
from tests.test_workflow_stacks import coverage_problems
from tests.test_workflows import callers, matrix_stacks

STAGING = """config:
  aws:region: us-west-2
  eks-platform:owner: platform-team
  eks-platform:logRetentionDays: 90
  eks-platform:network: {vpcCidr: 10.30.0.0/16, azCount: 3, natMode: single}
"""


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files (committed or not, none ignored) plus the two files of a new stack."""
    target = tmp_path_factory.mktemp("repo")
    copy_checkout(target)
    (target / "Pulumi.staging.yaml").write_text(STAGING)
    (target / "policy" / "config" / "staging.json").write_text(
        '{"log-group-retention": {"minRetentionDays": 90}}\n'
    )
    return target


def test_the_workflows_run_the_new_stack(copy: Path) -> None:
    assert ci_stacks.stacks(copy) == ["dev", "prod", "staging"]
    assert coverage_problems(copy) == []


def test_the_new_stack_deploys_between_dev_and_prod(copy: Path) -> None:
    stages = [matrix_stacks("deploy.yml", job, copy) for _, _, job in callers(copy)]
    assert stages == [["dev"], ["staging"], ["prod"]]
    printed = subprocess.run(
        [sys.executable, "-m", "preflight.ci_stacks", "--deploy-stages", "3"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    outputs = dict(line.split("=", 1) for line in printed.splitlines())
    assert json.loads(outputs["stacks"]) == ["dev", "prod", "staging"]
    assert json.loads(outputs["stage2"]) == [
        {"stack": "staging", "runner": "ubuntu-latest", "runnerVariable": "DEPLOY_RUNNER_STAGING"}
    ]


def test_the_policy_readme_regenerates_with_the_new_column(copy: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "eks_policies.catalog", "--write"],
        cwd=copy / "policy",
        check=True,
        capture_output=True,
    )
    header = readme_table(copy / "policy" / "README.md").splitlines()[0]
    assert "| dev | prod | staging |" in header


def test_the_preflight_job_passes_for_the_new_stack(copy: Path) -> None:
    """What preflight.yml runs for it (us-west-2 is one of the regions the mocked cloud knows)."""
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "--stack", "staging"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "preflight: stack staging:" in result.stdout
