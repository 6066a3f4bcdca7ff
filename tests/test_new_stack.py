"""A new stack is a stack file and a policy config: in a copy of this repository with a
`staging` stack added (another region, dev's files), the steps of docs/ci.md "Stacks and their
order" regenerate the CI roles and the policy README, the workflows run it, the deploy puts it
between dev and prod, and the tests that enumerate the stacks pass in that copy with no other
edit."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from preflight import ci_stacks
from tests.checkout import ROOT, copy_checkout
from tests.policy.test_catalog import readme_table
from tests.test_workflow_stacks import coverage_problems
from tests.test_workflows import callers, matrix_stacks

STACKS = sorted({*ci_stacks.stacks(ROOT), "staging"})
# The tests that read the repository's stacks as a whole (the parametrized ones, one test per
# stack, are those whose id names the new stack: `-k staging`).
WHOLE_REPOSITORY = [
    "tests/preflight/test_ci_stacks.py",
    "tests/test_workflow_stacks.py",
    "tests/policy/test_catalog.py",
]


def run(copy: Path, *command: str, cwd: str = ".") -> str:
    done = subprocess.run(command, cwd=copy / cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files (committed or not, none ignored) plus the two files of a new stack,
    made from dev's in another region, and what docs/ci.md says to run after adding them."""
    target = copy_checkout(tmp_path_factory.mktemp("repo"))
    dev = (target / "Pulumi.dev.yaml").read_text()
    assert "aws:region: eu-west-1" in dev
    (target / "Pulumi.staging.yaml").write_text(dev.replace("eu-west-1", "us-east-2"))
    config = target / "policy" / "config"
    shutil.copy(config / "dev.json", config / "staging.json")
    run(target, sys.executable, "-m", "preflight.ci_roles", "--write")
    run(target, sys.executable, "-m", "eks_policies.catalog", "--write", cwd="policy")
    return target


def test_the_workflows_run_the_new_stack(copy: Path) -> None:
    assert ci_stacks.stacks(copy) == STACKS
    assert coverage_problems(copy) == []


def test_the_new_stack_deploys_between_dev_and_prod(copy: Path) -> None:
    stages = [matrix_stacks("deploy.yml", job, copy) for _, _, job in callers(copy)]
    assert stages[0] == ["dev"] and "staging" in stages[1] and stages[-1] == ["prod"]
    printed = run(copy, sys.executable, "-m", "preflight.ci_stacks", "--deploy-stages", "3")
    outputs = dict(line.split("=", 1) for line in printed.splitlines())
    assert json.loads(outputs["stacks"]) == STACKS
    assert {
        "stack": "staging",
        "runner": "ubuntu-latest",
        "runnerVariable": "DEPLOY_RUNNER_STAGING",
    } in json.loads(outputs["stage2"])


def test_the_policy_readme_has_the_new_column(copy: Path) -> None:
    header = readme_table(copy / "policy" / "README.md").splitlines()[0]
    assert f"| {' | '.join(STACKS)} |" in header


def test_the_ci_roles_of_the_new_stack_are_written(copy: Path) -> None:
    written = sorted(p.name for p in (copy / "docs" / "ci" / "iam").glob("staging-*.json"))
    assert "staging-deploy-trust.json" in written and "staging-preview-policy-1.json" in written
    assert (
        "us-east-2" in (copy / "docs" / "ci" / "iam" / "staging-deploy-policy-1.json").read_text()
    )


def test_the_tests_that_enumerate_stacks_pass_with_the_new_stack(copy: Path) -> None:
    pytest_in_copy = (sys.executable, "-m", "pytest", "-p", "no:cacheprovider")
    run(copy, *pytest_in_copy, "-q", *WHOLE_REPOSITORY)
    # One test per stack: those whose parameters name the new stack.
    collected = run(copy, *pytest_in_copy, "--collect-only", "tests", "-k", "staging")
    per_stack = re.findall(r"^(\S+\[[^\]]*\bstaging\b[^\]]*\])$", collected, re.M)
    assert per_stack, collected
    output = run(copy, *pytest_in_copy, "-rA", *per_stack)
    checked = set(re.findall(r"^PASSED \S+::(\w+)\[", output, re.M))
    # The new stack went through the stack-wide tests of each concern.
    assert {
        "test_our_stacks_have_no_violations",
        "test_every_stack_s_config_is_valid",
        "test_every_statement_is_scoped_to_the_stacks_account_and_region",
        "test_alarms_watch_this_cluster_and_notify_the_topic",
        "test_off_by_default_no_kubernetes_at_all",
    } <= checked, output


def test_the_preflight_job_passes_for_the_new_stack(copy: Path) -> None:
    """What preflight.yml runs for it (us-east-2 is one of the regions the mocked cloud knows)."""
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "--stack", "staging"],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "preflight: stack staging:" in result.stdout
