"""The rollout job's steps: the readiness check through its command line, `pulumi up` through the
Automation API against a stub `pulumi` on PATH that records its command lines, the role check,
and the run's summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fleet import job
from fleet.inventory import ROOT

STUB = textwrap.dedent(
    """\
    #!{python}
    # A stand-in for the Pulumi CLI: records each command line, answers what the Automation
    # API reads (the CLI's version, the stack's outputs, the update it just made).
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["PULUMI_STUB_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    words = [a for a in args if a != "--non-interactive"]
    if words[:1] == ["version"]:
        print("v3.272.0")
    elif words[:2] == ["stack", "output"]:
        print(json.dumps({{
            "clusterName": "eks-platform-dev",
            "deployment": {{"versions": {{"controlPlane": "1.35", "nodes": "1.35", "table": "1.35"}}}},
            "addonVersions": {{"coredns": "v1.14.3-eksbuild.3"}},
        }}))
    elif words[:2] == ["stack", "export"]:
        print(json.dumps({{"version": 3, "deployment": {{"resources": [
            {{"type": "aws:eks/nodeGroup:NodeGroup", "outputs": {{"nodeGroupName": "system-1"}}}},
            {{"type": "aws:eks/addon:Addon", "outputs": {{"addonName": "coredns"}}}},
        ]}}}}))
    elif words[:2] == ["stack", "history"]:
        print(json.dumps([{{
            "kind": "update", "result": "succeeded", "message": "fleet", "version": 8,
            "startTime": "2026-12-06T10:00:00.000Z", "endTime": "2026-12-06T10:12:00.000Z",
            "environment": {{}}, "config": {{}}, "resourceChanges": {{"same": 120, "update": 6}},
        }}]))
    """
)


@pytest.fixture
def stub_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "pulumi"
    stub.write_text(STUB.format(python=sys.executable))
    stub.chmod(0o755)
    log = tmp_path / "pulumi.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PULUMI_STUB_LOG", str(log))
    monkeypatch.setenv("PULUMI_SKIP_UPDATE_CHECK", "true")
    return log


def test_up_runs_the_cli_with_the_policy_pack_and_refresh(stub_pulumi: Path) -> None:
    outputs, state = job.pulumi_up("dev", "my-org/dev", "fleet abc123")
    commands = [json.loads(line) for line in stub_pulumi.read_text().splitlines()]
    assert commands == [
        ["version"],
        ["--non-interactive", "stack", "select", "--stack", "my-org/dev"],
        [
            "--non-interactive",
            "up",
            "--yes",
            "--skip-preview",
            "--message",
            "fleet abc123",
            "--policy-pack",
            "policy",
            "--policy-pack-config",
            "policy/config/dev.json",
            "--refresh",
            "--exec-kind",
            "auto.local",
            "--stack",
            "my-org/dev",
        ],
        ["--non-interactive", "stack", "output", "--json", "--stack", "my-org/dev"],
        [
            "--non-interactive",
            "stack",
            "output",
            "--json",
            "--show-secrets",
            "--stack",
            "my-org/dev",
        ],
        [
            "--non-interactive",
            "stack",
            "history",
            "--json",
            "--show-secrets",
            "--page-size",
            "1",
            "--page",
            "1",
            "--stack",
            "my-org/dev",
        ],
        ["--non-interactive", "stack", "export", "--show-secrets", "--stack", "my-org/dev"],
    ]
    assert len(state["resources"]) == 2
    assert outputs["clusterName"] == "eks-platform-dev"
    assert job.versions_row("dev", 1, outputs) == (
        "| dev | 1 | updated | 1.35 | 1.35 | coredns v1.14.3-eksbuild.3 |"
    )


def test_the_up_step_writes_the_cluster_and_the_versions_for_github(
    stub_pulumi: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output, summary = tmp_path / "output", tmp_path / "summary"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert job.main(["up", "--stack", "dev"]) == 0
    assert output.read_text().splitlines() == [
        "cluster-name=eks-platform-dev",
        'nodegroups=["system-1"]',
        'addons=["coredns"]',
    ]
    assert summary.read_text().splitlines()[-1] == (
        "| dev | 1 | updated | 1.35 | 1.35 | coredns v1.14.3-eksbuild.3 |"
    )


def completed(code: int, stdout: str = "") -> subprocess.CompletedProcess:
    return subprocess.CompletedProcess([], code, stdout, "")


def test_readiness_runs_the_online_check_and_goes_on_only_when_ready() -> None:
    calls: list[list[str]] = []

    def run(code: int):
        def answer(command):
            calls.append(list(command))
            return (
                completed(0, "usage: ... --online ...") if "--help" in command else completed(code)
            )

        return answer

    assert job.readiness("prod", run(0)) == (True, "prod: ready")
    assert calls[-1] == [sys.executable, "-m", "preflight", "--stack", "prod", "--online"]
    assert job.readiness("prod", run(1)) == (False, "prod: blocked")
    assert job.readiness("prod", run(2)) == (False, "prod: could not check")
    assert job.readiness("prod", run(3)) == (False, "prod: failed (exit status 3)")


def test_without_an_online_check_the_rollout_goes_on_and_says_so() -> None:
    calls: list[list[str]] = []

    def run(command):
        calls.append(list(command))
        return completed(0, "usage: python -m preflight --stack STACK [--against GIT_REF]")

    proceed, why = job.readiness("dev", run)
    assert proceed and "no online readiness check" in why
    assert calls == [[sys.executable, "-m", "preflight", "--help"]]


def test_readiness_asks_this_checkout_s_preflight() -> None:
    """The real `--help` answers, and says whether the online check is there."""
    done = job._run([sys.executable, "-m", "preflight", "--help"])
    assert done.returncode == 0 and "--stack" in done.stdout


def test_the_role_must_be_fleet_yaml_s(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("ROLE_ARN", "arn:aws:iam::777788889999:role/eks-platform-prod-deploy")
    assert job.main(["role", "--stack", "prod"]) == 0
    monkeypatch.setenv("ROLE_ARN", "arn:aws:iam::777788889999:role/other")
    assert job.main(["role", "--stack", "prod"]) == 1
    assert "fleet.yaml says arn:aws:iam::777788889999:role/eks-platform-prod-deploy" in (
        capsys.readouterr().err
    )
    assert job.main(["role", "--stack", "nope"]) == 2


def test_the_summary_lists_each_stack_s_outcome_and_versions() -> None:
    """Per stack, from its own job: prod turned unhealthy after its update, so it runs the new
    versions although the rollout failed."""
    jobs = {
        "Wave 1 (dev)": {"conclusion": "success", "steps": []},
        "Wave 2 (prod)": {
            "conclusion": "failure",
            "steps": [
                {"name": "pulumi up (Automation API)", "conclusion": "success"},
                {"name": "Health gate", "conclusion": "failure"},
            ],
        },
    }
    text = job.summary(jobs, lambda stack: ("1.35", "1.35", f"coredns v1 ({stack})"))
    assert text.splitlines()[2:] == [
        job.TABLE_HEAD.splitlines()[0],
        job.TABLE_HEAD.splitlines()[1],
        "| dev | 1 | updated (healthy for its soak time) | 1.35 | 1.35 | coredns v1 (dev) |",
        "| prod | 2 | failed (at Health gate) | 1.35 | 1.35 | coredns v1 (prod) |",
    ]
    failed_up = {
        "Wave 1 (dev)": {
            "conclusion": "failure",
            "steps": [{"name": "pulumi up (Automation API)", "conclusion": "failure"}],
        }
    }
    lines = job.summary(failed_up, lambda stack: ("?", "?", "?")).splitlines()
    assert lines[-2].endswith("| as its failed update left it | as its failed update left it |")
    assert (
        "| prod | 2 | halted (an earlier wave did not pass) | unchanged by this run |" in lines[-1]
    )


def test_the_run_s_jobs_are_read_from_github_page_by_page(monkeypatch) -> None:
    pages = {1: [{"name": f"Wave 1 (s{i})"} for i in range(100)], 2: [{"name": "Wave 2 (x)"}]}
    asked: list[str] = []

    class Answer:
        def __init__(self, url: str) -> None:
            asked.append(url)
            self.body = json.dumps({"jobs": pages[int(url.rsplit("=", 1)[1])]}).encode()

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            return None

        def read(self, *args) -> bytes:
            return self.body

    monkeypatch.setattr("urllib.request.urlopen", lambda request, timeout: Answer(request.full_url))
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    monkeypatch.setenv("GITHUB_RUN_ID", "42")
    monkeypatch.setenv("GH_TOKEN", "t")
    found = job.run_jobs()
    assert len(found) == 101 and "Wave 2 (x)" in found
    assert asked == [
        f"https://api.github.com/repos/o/r/actions/runs/42/jobs?per_page=100&page={n}"
        for n in (1, 2)
    ]
    monkeypatch.delenv("GH_TOKEN")
    with pytest.raises(job.GitHubError, match="actions: read"):
        job.run_jobs()


def test_a_stack_halts_when_another_of_its_wave_failed(monkeypatch, capsys) -> None:
    monkeypatch.setattr(
        job, "run_jobs", lambda: {"Wave 2 (prod)": {"conclusion": "failure", "steps": []}}
    )
    assert job.main(["halted", "--stack", "dev"]) == 0  # wave 1: nothing failed there
    monkeypatch.setattr(
        job, "run_jobs", lambda: {"Wave 1 (dev)": {"conclusion": "failure", "steps": []}}
    )
    assert job.main(["halted", "--stack", "dev"]) == 1
    assert "dev halts: dev of wave 1 failed" in capsys.readouterr().out

    def unreadable():
        raise job.GitHubError("reading this run's jobs from GitHub: 403")

    monkeypatch.setattr(job, "run_jobs", unreadable)
    assert job.main(["halted", "--stack", "dev"]) == 2


def test_the_offline_versions_are_the_program_s() -> None:
    control_plane, nodes, addons = job.offline_versions("dev")
    assert (control_plane, nodes) == ("1.35", "1.35")
    assert "coredns v" in addons and "vpc-cni v" in addons


def test_the_sample_fleet_plans_from_the_repository() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fleet", "plan"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "fleet: 2 stacks in 2 waves (fleet.yaml)"
