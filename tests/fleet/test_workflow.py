"""fleet.yml, offline: waves in order (each needs the one before, so a failure halts the rest),
each wave's matrix and max-parallel from the plan job, which computes them as `fleet.waves`
does, and the reviewed stacks' environments checked there; every stack job in the stack's
environment with the deployer role checked against fleet.yaml, queued in deploy-stack.yml's
concurrency group, with the runner's tools, the wave's halt, the record, the readiness check,
the update and the gate in that order, each under credentials that outlast it; the summary after
everything, per stack."""

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
            "queue": "max",  # a push's deploy waiting as well never cancels a rollout's job
        }
        assert job["permissions"] == {"contents": "read", "id-token": "write", "actions": "read"}
        assert job["name"] == planning.JOB_NAME.format(wave=number, stack="${{ matrix.stack }}")
        assert job["steps"] == JOBS["wave1"]["steps"]


def test_the_update_and_the_gate_get_the_time_they_may_take() -> None:
    from fleet.health import SETTLE_MINUTES
    from fleet.inventory import SOAK_LIMIT_MINUTES, UP_MINUTES

    deploy = yaml.safe_load((WORKFLOW.parent / "deploy-stack.yml").read_text())
    assert deploy["jobs"]["up"]["timeout-minutes"] == UP_MINUTES
    steps = JOBS["wave1"]["steps"]
    assert steps[step_index(steps, r"fleet\.job up --stack")]["timeout-minutes"] == UP_MINUTES
    gate = steps[step_index(steps, r"fleet\.job gate --stack")]
    # the gate settles for at most SETTLE_MINUTES, then soaks at most the longest soak
    assert gate["timeout-minutes"] >= SETTLE_MINUTES + SOAK_LIMIT_MINUTES
    for job_id in WAVE_JOBS:
        timed = sum(s.get("timeout-minutes", 0) for s in JOBS[job_id]["steps"])
        # GitHub ends a hosted runner's job after 6 hours ("Usage limits", read 2026-12-06)
        assert timed < JOBS[job_id]["timeout-minutes"] <= 360


def test_the_plan_checks_the_reviewed_stacks_environments() -> None:
    [step] = [s for s in JOBS["plan"]["steps"] if "--check-environments" in s.get("run", "")]
    assert step["run"] == "python -m preflight.ci_stacks --check-environments"
    assert step["env"] == {"GH_TOKEN": "${{ github.token }}"}
    assert JOBS["plan"]["permissions"]["actions"] == "read"


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
        step_index(steps, r"Check the runner's tools|aws-cli/2"),
        step_index(steps, r"fleet\.job halted --stack"),
        step_index(steps, r"-m preflight --stack \"\$STACK\"$"),
        step_index(steps, r"fleet\.job role --stack"),
        step_index(steps, r"-m preflight --stack \"\$STACK\" --against"),
        step_index(steps, r"fleet\.job ready --stack"),
        step_index(steps, r"-m preflight\.adopt --stack"),
        step_index(steps, r"fleet\.job up --stack"),
        step_index(steps, r"fleet\.job gate --stack"),
    ]
    assert order == sorted(order) and order[0] == 0
    assert steps[order[1]]["name"] == planning.HALT_STEP
    assert steps[order[7]]["name"] == planning.UP_STEP
    review = steps[order[4]]["run"]
    assert "EKS_PLATFORM_DEPLOYED" in review and "GITHUB_ENV" in review
    assert "pulumi login" in review  # the readiness check after it reads the record
    # The readiness check before anything changes; the adoption writes into the state.
    assert "pulumi login" in steps[order[6]]["run"]
    assert steps[order[3]]["env"] == {"ROLE_ARN": "${{ vars.AWS_DEPLOY_ROLE_ARN }}"}
    up = steps[order[7]]
    assert up["id"] == "up" and '--pulumi-stack "$STACK_NAME"' in up["run"]
    assert steps[order[8]]["env"] == {
        "CLUSTER": "${{ steps.up.outputs.cluster-name }}",
        "NODEGROUPS": "${{ steps.up.outputs.nodegroups }}",
        "ADDONS": "${{ steps.up.outputs.addons }}",
    }
    credentials = [
        i for i, s in enumerate(steps) if "configure-aws-credentials" in str(s.get("uses"))
    ]
    # credentials after the role check, and afresh right before the gate
    assert order[3] < credentials[0] < order[4] and credentials[1] == order[8] - 1
    for index in credentials:
        assert steps[index]["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_the_summary_runs_after_every_wave_whatever_happened() -> None:
    summary = JOBS["summary"]
    assert summary["needs"] == ["plan", *WAVE_JOBS] and summary["if"] == "always()"
    assert summary["permissions"] == {"contents": "read", "actions": "read"}
    [step] = [s for s in summary["steps"] if "run" in s]
    assert step["env"] == {"GH_TOKEN": "${{ github.token }}"}
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
