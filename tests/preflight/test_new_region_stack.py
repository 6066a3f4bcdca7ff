"""A user adds stacks in regions this repository has never used and runs the whole offline path
from a copy of the project, as the command line does: the preflight (AZs of that region, its
prices or its unpriced lines) and the change review against earlier commits. The commands run
side by side, so the test takes about as long as the slowest of them (a few seconds)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from preflight.__main__ import main
from tests.checkout import copy_checkout

ROOT = Path(__file__).resolve().parents[2]

STAGING = """config:
  aws:region: us-east-2
  eks-platform:owner: platform-team
  eks-platform:logRetentionDays: 30
  eks-platform:network: {vpcCidr: 10.30.0.0/16, azCount: 3, natMode: single, interfaceEndpoints: false}
  eks-platform:compute:
    nodeGroups:
      - {name: system, instanceTypes: [m7g.large], amiType: AL2023_ARM_64_STANDARD,
         minSize: 2, desiredSize: 3, maxSize: 6, labels: {role: system}}
"""
STACKS = {
    "staging": STAGING,
    "melbourne": STAGING.replace("us-east-2", "ap-southeast-4").replace("10.30.", "10.40."),
    "malaysia": STAGING.replace("us-east-2", "ap-southeast-5").replace("10.30.", "10.50."),
}


def git(repo: Path, *args: str) -> None:
    identity = ("-c", "user.name=test", "-c", "user.email=test@example.com")
    subprocess.run(["git", *identity, "-C", str(repo), *args], check=True, capture_output=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's files as they are in this checkout, committed twice in a repository of
    their own: without the new stacks (HEAD~1), then with them (HEAD); then staging's node size
    changed in the working tree, as a pull request would."""
    repo = tmp_path_factory.mktemp("project")
    copy_checkout(repo)
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "before the new stacks")
    for stack, text in STACKS.items():
        (repo / f"Pulumi.{stack}.yaml").write_text(text)
        shutil.copy(
            repo / "policy" / "config" / "dev.json", repo / "policy" / "config" / f"{stack}.json"
        )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "new stacks")
    staging = repo / "Pulumi.staging.yaml"
    staging.write_text(staging.read_text().replace("m7g.large", "m7g.xlarge"))
    return repo


COMMANDS = {
    "staging": ["--stack", "staging", "--json"],
    "melbourne": ["--stack", "melbourne", "--json"],
    "malaysia": ["--stack", "malaysia", "--json"],
    "staging since before it existed": ["--stack", "staging", "--against", "HEAD~1", "--json"],
    "staging's change": ["--stack", "staging", "--against", "HEAD", "--json"],
}


@pytest.fixture(scope="module")
def results(project: Path) -> dict[str, tuple[int, dict]]:
    started = {
        name: subprocess.Popen(
            [sys.executable, "-m", "preflight", *args],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, args in COMMANDS.items()
    }
    done = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        assert out, f"{name}: {err}"
        done[name] = (process.returncode, json.loads(out))
    return done


def test_a_stack_in_us_east_2_passes_in_that_regions_azs_and_says_what_it_cannot_price(results):
    status, data = results["staging"]
    assert status == 0 and data["policy"]["mandatory"] == []
    network = data["network"]
    assert network["region"] == "us-east-2"
    assert network["availability_zones"] == ["us-east-2a", "us-east-2b", "us-east-2c"]
    assert {"kind": "private", "cidr": "10.30.0.0/19", "availability_zone": "us-east-2a"} in (
        network["subnets"]
    )
    cost = data["cost"]
    assert cost["region"] == "us-east-2" and cost["at_least"]
    unpriced = {i["item"]: i for i in cost["unpriced"]}
    priced = {i["item"]: i for i in cost["items"]}  # us-east-2 prices EC2 and NAT, not gp3
    assert (
        priced["Nodes eks-system (m7g.xlarge)"]["formula"] == "3 instances x 730 h x 0.1632 USD/h"
    )
    assert "Node volumes eks-system (gp3 50 GiB each)" in unpriced  # listed, never dropped
    assert cost["unpriced_at_reference_prices"]["region"] == "us-east-1"
    assert cost["unpriced_at_reference_prices"]["usd"] > 0


def test_a_stack_in_melbourne_gets_melbournes_azs(results):
    status, data = results["melbourne"]
    assert status == 0
    assert data["network"]["availability_zones"] == [f"ap-southeast-4{s}" for s in "abc"]


def test_a_stack_in_malaysia_is_priced_from_malaysias_price_list(results):
    status, data = results["malaysia"]
    assert status == 0 and data["cost"]["region"] == "ap-southeast-5"
    priced = {i["item"]: i for i in data["cost"]["items"]}
    assert priced["Nodes eks-system (m7g.large)"]["formula"] == "3 instances x 730 h x 0.0867 USD/h"
    assert priced["NAT gateways"]["unit_usd"] == 0.05015
    # No CloudWatch source was read for this region: those lines say so.
    assert {i["item"] for i in data["cost"]["unpriced"]} >= {"CloudWatch alarms"}


def test_the_change_review_runs_for_a_new_region(results):
    status, data = results["staging since before it existed"]
    assert status == 0 and data["changes"]["create"]
    assert any("does not exist at HEAD~1" in w for w in data["warnings"])
    status, data = results["staging's change"]
    assert status == 0 and [s["key"] for s in data["settings"]] == ["compute.nodeGroups"]
    assert [c["name"] for c in data["changes"]["replace"]] == ["eks-system"]


@pytest.mark.parametrize(
    ("region", "says"),
    [
        ("cn-north-1", "is in the aws-cn partition"),
        ("us-gov-west-1", "is in the aws-us-gov partition"),
        ("us-east-7", "is not an AWS region botocore knows"),
        (None, "aws:region is not set"),
    ],
)
def test_a_region_the_offline_tools_cannot_run_is_one_line_and_exit_2(region, says, capsys):
    assert main(["--stack", "dev", "--config", f"aws:region={json.dumps(region)}"]) == 2
    out, err = capsys.readouterr()
    [line] = err.splitlines()
    assert out == "" and says in line and "us-east-2" in line  # names the regions that work
