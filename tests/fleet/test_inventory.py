"""fleet.yaml is read with the settings kit: a good inventory reads as written, a bad one is
refused with every problem at once, each naming the key, the value and what is allowed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fleet.inventory import (
    ROLE_ARN,
    ROOT,
    InventoryError,
    load_inventory,
    read_inventory,
)
from tests.fleet.conftest import FLEET


def test_the_fixture_fleet_reads_as_written(project: Path) -> None:
    inventory = load_inventory(project)
    assert [(s.stack, s.region, s.wave) for s in inventory.stacks] == [
        ("dev", "eu-west-1", 1),
        ("staging", "us-east-1", 1),
        ("prod", "eu-west-1", 3),
        ("prod-us", "us-east-1", 2),
    ]
    assert inventory.entry("staging").role.endswith(":role/ci/eks-platform-staging-deploy")
    assert dict(inventory.entry("dev").labels) == {"tier": "dev"}
    assert (inventory.gates(1).max_parallel, inventory.gates(1).soak_minutes) == (2, 15)
    # wave 2 has no entry: the declared defaults
    assert (inventory.gates(2).max_parallel, inventory.gates(2).soak_minutes) == (1, 10)


def test_the_sample_fleet_validates_against_the_repository() -> None:
    inventory = load_inventory(ROOT)
    assert [s.stack for s in inventory.stacks] == ["dev", "prod"]
    for entry in inventory.stacks:
        stack_file = yaml.safe_load((ROOT / f"Pulumi.{entry.stack}.yaml").read_text())
        assert entry.region == stack_file["config"]["aws:region"]
    # a fleet of more stacks in two regions is docs/fleet.sample.yaml (tests/fleet/test_sample.py)
    assert "docs/fleet.sample.yaml" in (ROOT / "fleet.yaml").read_text()


BAD = """\
waves:
  - wave: 1
    maxParallel: 0
    soakMinutes: 500
  - wave: 1
  - wave: 7
stacks:
  - stack: dev
    account: 111122223333
    role: arn:aws:iam::999988887777:role/eks-platform-dev-deploy
    region: us-east-1
    wave: one
  - stack: staging
    account: "11112222333"
    role: arn:aws:iam::111122223333:user/deployer
    region: us-east-1
    wave: 1
    colour: blue
  - stack: qa
    account: "111122223333"
    role: arn:aws:iam::111122223333:role/qa
    region: eu-west-1
    wave: 1
  - stack: dev
    account: "111122223333"
    role: arn:aws:iam::111122223333:role/eks-platform-dev-deploy
    region: eu-west-1
    wave: 2
  - account: "111122223333"
    region: eu-west-1
    wave: 2
"""


def test_a_bad_inventory_is_refused_with_every_problem_at_once(project: Path) -> None:
    (project / "fleet.yaml").write_text(BAD)
    with pytest.raises(InventoryError) as refused:
        load_inventory(project)
    problems = refused.value.problems
    expected = [
        "fleet.yaml: waves[0].maxParallel = 0: must be an integer from 1 to 256",
        "fleet.yaml: waves[0].soakMinutes = 500: must be an integer from 0 to 120",
        "fleet.yaml: stacks[0].account = 111122223333: must be a 12-digit AWS account id in quotes",
        'fleet.yaml: stacks[0].wave = "one": must be an integer from 1 to 99',
        'fleet.yaml: stacks[1].account = "11112222333": must be a 12-digit AWS account id',
        'fleet.yaml: stacks[1].role = "arn:aws:iam::111122223333:user/deployer": must be an IAM role ARN',
        "fleet.yaml: stacks[1].colour is not a known setting; known keys here: account, labels, region, role, stack, wave",
        "fleet.yaml: stacks[4].stack = null: must be set",
        "fleet.yaml: stacks[4].role = null: must be set",
        'fleet.yaml: stacks = "dev": listed more than once',
        "fleet.yaml: waves = 1: a wave listed more than once",
        "fleet.yaml: waves[2].wave = 7: no stack is in this wave",
        "fleet.yaml: stacks[0].region = 'us-east-1': must be Pulumi.dev.yaml's aws:region, 'eu-west-1'",
        "fleet.yaml: stacks[2].stack = 'qa': no stack file Pulumi.qa.yaml in the repository",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected), problems
    assert str(refused.value).startswith(f"invalid fleet.yaml ({len(expected)} problem(s)):")


def test_a_role_of_another_account_is_refused(project: Path) -> None:
    text = FLEET.replace(
        "arn:aws:iam::444455556666:role/eks-platform-prod-deploy",
        "arn:aws:iam::111122223333:role/eks-platform-prod-deploy",
    )
    with pytest.raises(InventoryError) as refused:
        read_inventory(text, project)
    assert refused.value.problems == [
        'fleet.yaml: stacks[2].role = "arn:aws:iam::111122223333:role/eks-platform-prod-deploy": '
        "must be a role of the account 444455556666"
    ]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("stacks: [", "fleet.yaml does not parse as YAML"),
        ("- a list", "fleet.yaml must be a mapping with `stacks`"),
        ("waves: []", "fleet.yaml: stacks = null: must be a list of at least one stack"),
    ],
)
def test_a_file_that_is_no_inventory(project: Path, text: str, problem: str) -> None:
    with pytest.raises(InventoryError) as refused:
        read_inventory(text, project)
    assert refused.value.problems[0].startswith(problem)


@pytest.mark.parametrize(
    "arn, account",
    [
        ("arn:aws:iam::111122223333:role/deploy", "111122223333"),
        ("arn:aws:iam::111122223333:role/ci/deploy+x=y,z.a@b-c_d", "111122223333"),
        ("arn:aws-us-gov:iam::111122223333:role/deploy", "111122223333"),
        ("arn:aws-cn:iam::111122223333:role/a/b/deploy", "111122223333"),
    ],
)
def test_role_arns_iam_accepts(arn: str, account: str) -> None:
    assert ROLE_ARN.match(arn)["account"] == account


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::111122223333:user/deploy",  # not a role
        "arn:aws:iam::11112222333:role/deploy",  # 11 digits
        "arn:aws:iam:eu-west-1:111122223333:role/deploy",  # IAM ARNs have no region
        "arn:aws:iam::111122223333:role/" + "r" * 65,  # names are 1-64 characters
        "arn:aws:iam::111122223333:role/",
        "arn:aws:sts::111122223333:assumed-role/deploy/session",
    ],
)
def test_arns_that_are_no_role(arn: str) -> None:
    assert not ROLE_ARN.match(arn)


def test_iam_s_own_model_gives_the_shapes_the_pattern_holds() -> None:
    """The role name and account shapes as IAM's API model declares them (botocore's
    iam/2010-05-08 service-2.json; values written down 2026-12-06)."""
    import botocore.session

    iam = botocore.session.get_session().get_service_model("iam")
    assert iam.shape_for("roleNameType").metadata == {
        "min": 1,
        "max": 64,
        "pattern": r"[\w+=,.@-]+",
    }
    assert iam.shape_for("accountIdType").metadata["pattern"] == r"\d{12}"


def test_a_bad_inventory_stops_the_commands_with_exit_status_2(tmp_path: Path) -> None:
    """Nothing runs: `plan` prints the problems and exits 2 (here: the repository's own files,
    with a fleet.yaml that names a stack the repository lacks)."""
    shutil.copytree(ROOT / "fleet", tmp_path / "fleet")  # its ROOT is where it sits
    for name in ("components", "preflight", "policy"):
        (tmp_path / name).symlink_to(ROOT / name)
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (tmp_path / "fleet.yaml").write_text(FLEET)
    done = subprocess.run(
        [sys.executable, "-m", "fleet", "plan"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    assert "no stack file Pulumi.staging.yaml" in done.stderr
