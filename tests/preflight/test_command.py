"""The offline preflight command: exit codes, the JSON shape, the text report, overrides."""

import json
import subprocess
import sys

import pytest

from preflight.__main__ import main, parse_override
from preflight.offline.runner import ROOT

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
    assert main(["--stack", "staging"]) == 2
    assert "no stack file Pulumi.staging.yaml" in capsys.readouterr().err


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
