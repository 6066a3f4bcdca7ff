"""Wave planning, the matrices fleet.yml runs, and what a failed wave does to the later ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fleet import waves as planning
from fleet.inventory import InventoryError, load_inventory


def test_waves_run_in_ascending_order_with_their_gates(project: Path) -> None:
    waves = planning.plan(load_inventory(project))
    assert [(w.number, [s.stack for s in w.stacks]) for w in waves] == [
        (1, ["dev", "staging"]),
        (2, ["prod-us"]),
        (3, ["prod"]),
    ]
    assert [(w.gates.max_parallel, w.gates.soak_minutes) for w in waves] == [
        (2, 15),
        (1, 10),
        (1, 30),
    ]


def test_the_plan_reads_in_order_with_the_gates_between_waves(project: Path) -> None:
    text = planning.render_plan(planning.plan(load_inventory(project)))
    lines = text.splitlines()
    assert lines[0] == "fleet: 4 stacks in 3 waves (fleet.yaml)"
    assert lines[1] == "wave 1: 2 stack(s), at most 2 at a time"
    assert lines[2].split() == ["dev", "eu-west-1", "account", "111122223333", "[tier=dev]"]
    assert "healthy for 15 min" in lines[4] and "else the next wave starts" in lines[4]
    assert lines[-1].endswith("else the rollout is done") and "healthy for 30 min" in lines[-1]


def test_the_matrix_of_one_wave(project: Path) -> None:
    [wave] = planning.plan(load_inventory(project), 1)
    matrix = planning.matrix(wave, {"DEPLOY_RUNNER_STAGING": "staging-vpc"})
    assert matrix == {
        "include": [
            {
                "stack": "dev",
                "wave": 1,
                "region": "eu-west-1",
                "account": "111122223333",
                "role": "arn:aws:iam::111122223333:role/eks-platform-dev-deploy",
                "soakMinutes": 15,
                "runner": "ubuntu-latest",
                "runnerVariable": "DEPLOY_RUNNER_DEV",
            },
            {
                "stack": "staging",
                "wave": 1,
                "region": "us-east-1",
                "account": "111122223333",
                "role": "arn:aws:iam::111122223333:role/ci/eks-platform-staging-deploy",
                "soakMinutes": 15,
                "runner": "staging-vpc",
                "runnerVariable": "DEPLOY_RUNNER_STAGING",
            },
        ]
    }


def test_an_unknown_wave_is_bad_input(project: Path) -> None:
    with pytest.raises(InventoryError) as refused:
        planning.plan(load_inventory(project), 4)
    assert refused.value.problems == ["fleet.yaml has no wave 4; its waves: 1, 2, 3"]


def test_the_plan_job_outputs_one_entry_per_wave_job_in_wave_order(project: Path) -> None:
    outputs = planning.job_outputs(planning.plan(load_inventory(project)), 4)
    assert outputs["waves"] == "3"
    assert [[e["stack"] for e in json.loads(outputs[f"wave{n}"])] for n in (1, 2, 3, 4)] == [
        ["dev", "staging"],
        ["prod-us"],
        ["prod"],
        [],
    ]
    assert [outputs[f"wave{n}-parallel"] for n in (1, 2, 3, 4)] == ["2", "1", "1", "1"]


def test_more_waves_than_wave_jobs_is_refused(project: Path) -> None:
    with pytest.raises(InventoryError) as refused:
        planning.job_outputs(planning.plan(load_inventory(project)), 2)
    assert refused.value.problems == [
        "fleet.yaml has 3 waves, fleet.yml runs 2: merge waves or add a wave job to "
        ".github/workflows/fleet.yml"
    ]


def job(conclusion: str, *steps: tuple[str, str]) -> dict:
    """GitHub's record of one stack job ("List jobs for a workflow run"): its conclusion and its
    steps' names and conclusions."""
    return {
        "status": "completed",
        "conclusion": conclusion,
        "steps": [{"name": n, "status": "completed", "conclusion": c} for n, c in steps],
    }


UPDATED = job("success", (planning.UP_STEP, "success"), ("Health gate", "success"))
UNHEALTHY = job("failure", (planning.UP_STEP, "success"), ("Health gate", "failure"))
NOT_READY = job("failure", ("Online readiness check", "failure"), (planning.UP_STEP, "skipped"))
HALTED = job("failure", (planning.HALT_STEP, "failure"), (planning.UP_STEP, "skipped"))


def jobs_of(**by_stack: dict) -> dict:
    waves = {"dev": 1, "staging": 1, "prod-us": 2, "prod": 3}
    return {planning.JOB_NAME.format(wave=waves[s], stack=s): j for s, j in by_stack.items()}


@pytest.mark.parametrize(
    "jobs, outcomes",
    [
        # every stack updated and healthy
        (
            jobs_of(dev=UPDATED, staging=UPDATED, **{"prod-us": UPDATED}, prod=UPDATED),
            ["updated", "updated", "updated", "updated"],
        ),
        # in wave 1 one stack turned unhealthy after its update, the other was updated: each
        # says so (the wave's result alone would call both failed), every later wave halts
        (
            jobs_of(dev=UPDATED, staging=UNHEALTHY),
            [
                "updated (healthy for its soak time)",
                "failed (at Health gate), updated",
                "halted (an earlier wave did not pass)",
                "halted (an earlier wave did not pass)",
            ],
        ),
        # a stack still queued when another of its wave failed halts instead of updating
        (
            jobs_of(dev=NOT_READY, staging=HALTED),
            [
                "failed (at Online readiness check)",
                "halted (another stack of its wave failed)",
                "halted (an earlier wave did not pass)",
                "halted (an earlier wave did not pass)",
            ],
        ),
        # a cancelled run after one stack's update
        (
            jobs_of(
                dev=UPDATED,
                staging=UPDATED,
                **{"prod-us": job("cancelled", (planning.UP_STEP, "success"))},
            ),
            [
                "updated (healthy for its soak time)",
                "updated (healthy for its soak time)",
                "cancelled (after its update), updated",
                "halted (an earlier wave did not pass)",
            ],
        ),
        # the plan job failed: nothing ran
        ({}, ["halted (an earlier wave did not pass)"] * 4),
    ],
)
def test_each_stack_s_outcome_comes_from_its_own_job(
    project: Path, jobs: dict, outcomes: list[str]
) -> None:
    found = planning.outcomes(planning.plan(load_inventory(project)), jobs)

    def said(o: planning.Outcome) -> str:
        text = f"{o.status} ({o.detail})" if o.detail else o.status
        return text + (", updated" if o.updated and o.status != "updated" else "")

    if outcomes[0] == "updated":
        assert [o.status for o in found] == outcomes and all(o.updated for o in found)
    else:
        assert [said(o) for o in found] == outcomes
    assert [o.stack for o in found] == ["dev", "staging", "prod-us", "prod"]


def test_a_wave_s_failed_stacks_are_those_whose_job_failed(project: Path) -> None:
    first, *_ = planning.plan(load_inventory(project))
    assert planning.failed_in_wave(jobs_of(dev=UPDATED), first) == []
    assert planning.failed_in_wave(jobs_of(dev=NOT_READY, staging=UPDATED), first) == ["dev"]
    # running (no conclusion yet) is not failed
    running = {"status": "in_progress", "conclusion": None, "steps": []}
    assert planning.failed_in_wave(jobs_of(dev=running), first) == []
