"""docs/fleet.sample.yaml, the sample fleet of dev, staging and prod in two regions: in a copy of
this repository holding the two stacks it adds (made from dev's and prod's files as the sample
says), it is a valid inventory and `fleet plan` plans it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fleet.inventory import load_inventory
from tests.checkout import ROOT, copy_checkout

SAMPLE = ROOT / "docs" / "fleet.sample.yaml"
# The stacks the sample adds, each from the repository stack its header names.
ADDED = {"staging": "dev", "prod-us": "prod"}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = copy_checkout(tmp_path_factory.mktemp("fleet"))
    header = SAMPLE.read_text().split("waves:", 1)[0]
    for stack, source in ADDED.items():
        assert f"Pulumi.{stack}.yaml   {source}'s file with aws:region: us-east-1" in header
        text = (copy / f"Pulumi.{source}.yaml").read_text()
        assert "aws:region: eu-west-1" in text
        (copy / f"Pulumi.{stack}.yaml").write_text(text.replace("eu-west-1", "us-east-1"))
        config = copy / "policy" / "config"
        shutil.copy(config / f"{source}.json", config / f"{stack}.json")
    shutil.copy(SAMPLE, copy / "fleet.yaml")
    return copy


def test_the_sample_is_dev_staging_and_prod_in_two_regions(project: Path) -> None:
    inventory = load_inventory(project)
    assert [(s.stack, s.region, s.wave) for s in inventory.stacks] == [
        ("dev", "eu-west-1", 1),
        ("staging", "us-east-1", 1),
        ("prod", "eu-west-1", 2),
        ("prod-us", "us-east-1", 2),
    ]
    assert {s.labels["tier"] for s in inventory.stacks} == {"dev", "staging", "prod"}


def test_fleet_plan_plans_the_sample(project: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fleet", "plan"], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "fleet: 4 stacks in 2 waves (fleet.yaml)"
    assert lines[1] == "wave 1: 2 stack(s), at most 2 at a time"
    assert [line.split()[:2] for line in lines if line.startswith("  ") and "account" in line] == [
        ["dev", "eu-west-1"],
        ["staging", "us-east-1"],
        ["prod", "eu-west-1"],
        ["prod-us", "us-east-1"],
    ]
