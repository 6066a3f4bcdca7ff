"""fleet.yml, offline: waves in order (each needs the one before, so a failure halts the rest),
each wave's matrix and max-parallel from the plan job, which computes them as `fleet.waves`
does; every stack job in the stack's environment with the deployer role checked against
fleet.yaml, in deploy-stack.yml's concurrency group, with the readiness check, the update and
the gate in that order; the summary after everything."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from fleet import waves as planning
from fleet.inventory import ROOT, load_inventory

WORKFLOW = ROOT / ".github" / "workflows" / "fleet.yml"
DOC = yaml.safe_load(WORKFLOW.read_text())
JOBS = DOC["jobs"]
WAVE_JOBS = [f"wave{n}" for n in range(1, planning.WAVE_JOBS + 1)]


def test_it_is_started_by_hand_only() -> None:
    assert DOC[True] == {"workflow_dispatch": None}  # PyYAML reads the key `on` as True


def test_one_job_per_wave_each_waiting_for_the_one_before() -> None:
    assert [j for j in JOBS if j.startswith("wave")] == WAVE_JOBS
    for number, job_id in enumerate(WAVE_JOBS, 1):
        job = JOBS[job_id]
        previous = [f"wave{number - 1}"] if number > 1 else []
        assert job["needs"] == ["plan", *previous], job_id
        # no status function: GitHub adds success(), so a failed or skipped wave halts this one
        assert job["if"] == f"fromJSON(needs.plan.outputs.waves) >= {number}", job_id
        strategy = job["strategy"]
        assert strategy["fail-fast"] is False  # never cancel a running `pulumi up`
        assert (
            strategy["max-parallel"] == f"${{{{ fromJSON(needs.plan.outputs.{job_id}-parallel) }}}}"
        )
        assert strategy["matrix"] == {
            "include": f"${{{{ fromJSON(needs.plan.outputs.{job_id}) }}}}"
        }
        assert job["environment"] == "${{ matrix.stack }}"
        assert job["concurrency"] == {
            "group": "deploy-${{ matrix.stack }}",
            "cancel-in-progress": False,
        }
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert job["steps"] == JOBS["wave1"]["steps"]


def test_the_job_timeout_covers_the_update_and_the_longest_soak() -> None:
    from fleet.inventory import SOAK_LIMIT_MINUTES, UP_MINUTES

    deploy = yaml.safe_load((WORKFLOW.parent / "deploy-stack.yml").read_text())
    assert deploy["jobs"]["up"]["timeout-minutes"] == UP_MINUTES
    for job_id in WAVE_JOBS:
        assert JOBS[job_id]["timeout-minutes"] >= UP_MINUTES + SOAK_LIMIT_MINUTES + 10


def test_the_plan_job_outputs_what_fleet_waves_computes(tmp_path: Path) -> None:
    plan = JOBS["plan"]
    [step] = [s for s in plan["steps"] if s.get("id") == "plan"]
    assert f"--outputs {planning.WAVE_JOBS}" in step["run"]
    for name, value in plan["outputs"].items():
        assert value == f"${{{{ steps.plan.outputs.{name} }}}}"
    # run the step's fleet commands as the runner would (pyyaml is already installed here)
    out = tmp_path / "out"
    script = "\n".join(line for line in step["run"].splitlines() if "pip install" not in line)
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_OUTPUT": str(out),
    }
    env["REPOSITORY_VARIABLES"] = json.dumps({"DEPLOY_RUNNER_PROD": "prod-runner"})
    subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    outputs = dict(line.split("=", 1) for line in out.read_text().splitlines())
    expected = planning.job_outputs(
        planning.plan(load_inventory()), planning.WAVE_JOBS, {"DEPLOY_RUNNER_PROD": "prod-runner"}
    )
    assert outputs == expected
    assert set(plan["outputs"]) == set(expected)
    assert json.loads(outputs["wave2"])[0]["runner"] == "prod-runner"


def step_index(steps: list[dict], pattern: str) -> int:
    [index] = [
        i for i, s in enumerate(steps) if re.search(pattern, str(s.get("run", s.get("uses", ""))))
    ]
    return index


def test_each_stack_is_checked_then_ready_then_updated_then_gated() -> None:
    steps = JOBS["wave1"]["steps"]
    order = [
        step_index(steps, r"-m preflight --stack \"\$STACK\"$"),
        step_index(steps, r"fleet\.job role --stack"),
        step_index(steps, r"^aws-actions/configure-aws-credentials@"),
        step_index(steps, r"fleet\.job ready --stack"),
        step_index(steps, r"-m preflight --stack \"\$STACK\" --against"),
        step_index(steps, r"fleet\.job up --stack"),
        step_index(steps, r"fleet\.job gate --stack"),
    ]
    assert order == sorted(order)
    credentials = steps[order[2]]["with"]
    assert credentials["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert steps[order[1]]["env"] == {"ROLE_ARN": "${{ vars.AWS_DEPLOY_ROLE_ARN }}"}
    review = steps[order[4]]["run"]
    assert (
        "EKS_PLATFORM_DEPLOYED" in review and "GITHUB_ENV" in review and "preflight.adopt" in review
    )
    up = steps[order[5]]
    assert up["id"] == "up" and '--pulumi-stack "$STACK_NAME"' in up["run"]
    assert steps[order[6]]["env"] == {
        "CLUSTER": "${{ steps.up.outputs.cluster-name }}",
        "NODEGROUPS": "${{ steps.up.outputs.nodegroups }}",
        "ADDONS": "${{ steps.up.outputs.addons }}",
    }


def test_the_summary_runs_after_every_wave_whatever_happened() -> None:
    summary = JOBS["summary"]
    assert summary["needs"] == ["plan", *WAVE_JOBS] and summary["if"] == "always()"
    [step] = [s for s in summary["steps"] if "run" in s]
    assert step["env"] == {"NEEDS": "${{ toJSON(needs) }}"}
    assert step["run"].rstrip().endswith("venv/bin/python -m fleet.job summary")


def test_zizmor_finds_nothing_in_it() -> None:
    zizmor = Path(sys.executable).parent / "zizmor"
    done = subprocess.run(
        [str(zizmor), "--offline", "--no-progress", "--format=plain", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "No findings to report" in done.stdout, (
        done.stdout + done.stderr
    )
