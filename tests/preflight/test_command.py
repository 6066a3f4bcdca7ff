"""The offline preflight command: exit codes, the JSON shape, the text report, overrides."""

import json
import subprocess
import sys

import pytest

from preflight.__main__ import main, parse_override
from preflight.offline.runner import ROOT
from tests.checkout import copy_checkout
from tests.preflight.network_modes import EXISTING_VPC, SHARED_VPC

PUBLIC = 'cluster.publicAccessCidrs=["203.0.113.0/24"]'


def run_json(capsys, *argv):
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_passing_stack_exits_0_with_the_documented_shape(capsys):
    code, data = run_json(capsys, "--stack", "dev")
    assert code == 0
    assert set(data) >= {"stack", "resources", "policy", "cost", "deploy"}
    assert data["stack"] == "dev"
    assert set(data["resources"]) >= {"total", "by_type"}
    assert data["resources"]["total"] == sum(data["resources"]["by_type"].values())
    assert data["policy"]["mandatory"] == [] and isinstance(data["policy"]["advisory"], list)
    assert data["cost"]["monthly_usd"] == pytest.approx(
        sum(i["monthly_usd"] for i in data["cost"]["items"]), abs=0.01
    )
    assert set(data["deploy"]) >= {"critical_path_minutes", "floor_minutes", "path"}
    assert data["deploy"]["path"][-1]["type"] == "aws:eks/addon:Addon"


def test_the_report_names_who_gets_cluster_admin(capsys):
    """Who can run kubectl after `pulumi up`, from the access policy associations registered."""
    admins = '["arn:aws:iam::111122223333:role/platform-admins"]'
    _, data = run_json(capsys, "--stack", "dev", "--config", f"cluster.adminPrincipalArns={admins}")
    assert data["cluster_admins"] == ["arn:aws:iam::111122223333:role/platform-admins"]
    assert main(["--stack", "dev"]) == 0  # dev names nobody: the settings' warning says so
    assert "Cluster admins: nobody (see Warnings)" in capsys.readouterr().out


def test_mandatory_violation_exits_1_and_names_the_resource(capsys):
    code, data = run_json(capsys, "--stack", "dev", "--config", PUBLIC)
    assert code == 1
    [violation] = data["policy"]["mandatory"]
    assert violation["policy"] == "eks-endpoint-private"
    assert violation["resource_type"] == "aws:eks/cluster:Cluster"


def test_settings_error_exits_2_with_the_programs_message(capsys):
    assert main(["--stack", "dev", "--config", "network.natMode=bogus"]) == 2
    err = capsys.readouterr().err
    assert 'eks-platform:network.natMode = "bogus": must be one of per-az, single, none' in err


def test_unknown_stack_exits_2(capsys):
    assert main(["--stack", "no-such-stack"]) == 2
    assert "no stack file Pulumi.no-such-stack.yaml" in capsys.readouterr().err


def test_text_report_names_every_section(capsys):
    assert main(["--stack", "prod"]) == 0
    out = capsys.readouterr().out
    for heading in (
        "Resources by component",
        "Policy verdicts",
        "Estimated monthly cost",
        "Estimated first deploy",
    ):
        assert heading in out


def test_the_module_runs_as_the_cli_does():
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "--stack", "prod", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stack"] == "prod"


# The issue's own first-hour mistake: the region's key and a namespace both misspelt.
TYPOS = """config:
  aws:regoin: eu-west-1
  eks-platform:owner: platform-team
  eks-platfrom:network: {vpcCidr: 10.30.0.0/16}
"""


def test_misspelt_keys_and_the_missing_region_are_named_at_once(tmp_path):
    copy = copy_checkout(tmp_path)
    (copy / "Pulumi.typos.yaml").write_text(TYPOS)
    command = [sys.executable, "-m", "preflight", "--stack", "typos"]
    text = subprocess.run(command, cwd=copy, capture_output=True, text=True, timeout=120)
    as_json = subprocess.run([*command, "--json"], cwd=copy, capture_output=True, text=True)
    assert text.returncode == as_json.returncode == 2
    error = json.loads(as_json.stdout)["error"]
    assert text.stderr == f"preflight: stack typos: {error}\n"
    assert "Traceback" not in text.stderr
    assert error.splitlines() == [
        "invalid stack settings (3 problem(s)):",
        "  - aws:regoin: not a setting of the AWS provider (did you mean aws:region?)",
        "  - eks-platfrom:network: no such namespace; the stack file's keys are "
        "eks-platform:<key>, aws:<provider setting> or pulumi:<engine setting> "
        "(did you mean eks-platform:network?)",
        error.splitlines()[-1],
    ]
    assert error.splitlines()[-1].startswith("  - aws:region is not set: ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PUBLIC, {"cluster": {"publicAccessCidrs": ["203.0.113.0/24"]}}),
        ("logRetentionDays=30", {"logRetentionDays": 30}),
        ("owner=team-a", {"owner": "team-a"}),
        ("aws:region=us-east-1", {"aws:region": "us-east-1"}),
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


def test_a_policy_config_typo_exits_2_with_one_message(capsys, tmp_path):
    bad = tmp_path / "typo.json"
    bad.write_text('{"eks-endpoint-privat": "advisory"}')
    assert main(["--stack", "dev", "--policy-config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert (
        "eks-endpoint-privat: no such policy in the pack (did you mean eks-endpoint-private?)"
        in err
    )
    assert "Traceback" not in err


@pytest.mark.parametrize("content", [None, "{not json"])
def test_a_policy_config_missing_or_broken_exits_2(capsys, tmp_path, content):
    path = tmp_path / "config.json"
    if content is not None:
        path.write_text(content)
    assert main(["--stack", "dev", "--policy-config", str(path)]) == 2
    assert capsys.readouterr().err.startswith("preflight: stack dev: ")


def test_a_stack_without_a_policy_config_says_so(capsys, tmp_path, monkeypatch):
    import preflight.__main__ as command

    monkeypatch.setattr(command, "ROOT", tmp_path)  # where no policy/config/<stack>.json is
    assert command._policy_config("dev", None) is None
    monkeypatch.setattr(command, "_policy_config", lambda stack, given: None)
    _, data = run_json(capsys, "--stack", "dev")
    assert data["policy"]["config"] is None  # (dev keeps logs 30 days, under the default floor)
    assert any(
        w.startswith("no policy/config/dev.json: the pack's default levels")
        for w in data["warnings"]
    )


def test_a_stack_in_an_existing_vpc_reports_that_vpc_its_azs_and_subnets_per_tier(capsys):
    """dev in the mocked landing zone's shared VPC: no subnet of its own to count, so the report
    names the VPC, the AZs of its node subnets and the subnets the settings give, per tier."""
    given = EXISTING_VPC["network"]
    argv = ["--stack", "dev"]
    for key, value in given.items():
        argv += ["--config", f"network.{key}={json.dumps(value)}"]
    code, data = run_json(capsys, *argv)
    assert code == 0
    network = data["network"]
    # the landing zone's node subnets are in eu-west-1's first three AZs (landing_zone.py)
    assert network["availability_zones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    assert network["subnets"] == []
    assert network["existing_vpc"] == {
        "id": SHARED_VPC,
        "subnet_ids": {
            "control plane": given["controlPlaneSubnetIds"],
            "nodes": given["nodeSubnetIds"],
            "public": given["publicSubnetIds"],
        },
    }
    main(argv)
    text = capsys.readouterr().out
    assert (
        f"Network: existing VPC {SHARED_VPC}, 3 AZs in eu-west-1 "
        "(eu-west-1a, eu-west-1b, eu-west-1c); its subnets per tier"
    ) in text
    assert f"  nodes: {', '.join(given['nodeSubnetIds'])}" in text
    assert "0 AZs" not in text


def test_a_stack_with_a_vpc_of_its_own_names_no_existing_vpc(capsys):
    _, data = run_json(capsys, "--stack", "dev")
    assert data["network"]["existing_vpc"] is None
