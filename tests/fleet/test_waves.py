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


@pytest.mark.parametrize(
    "results, statuses",
    [
        # every wave succeeded
        (
            {1: "success", 2: "success", 3: "success"},
            ["updated", "updated", "updated", "updated"],
        ),
        # wave 1 failed: its stacks say failed (their jobs say which), every later wave halts
        ({1: "failure", 2: "skipped", 3: "skipped"}, ["failed", "failed", "halted", "halted"]),
        # a failure in the middle halts only what comes after
        ({1: "success", 2: "failure", 3: "skipped"}, ["updated", "updated", "failed", "halted"]),
        # a cancelled run
        ({1: "success", 2: "cancelled"}, ["updated", "updated", "cancelled", "halted"]),
        # a wave that reports success after one that did not is still halted (never trusted)
        ({1: "failure", 2: "success", 3: "success"}, ["failed", "failed", "halted", "halted"]),
        # the plan job failed: nothing ran
        ({}, ["halted", "halted", "halted", "halted"]),
    ],
)
def test_a_failed_wave_halts_every_later_wave(
    project: Path, results: dict[int, str], statuses: list[str]
) -> None:
    found = planning.outcomes(planning.plan(load_inventory(project)), results)
    assert [(o.stack, o.status) for o in found] == list(
        zip(["dev", "staging", "prod-us", "prod"], statuses, strict=True)
    )


def test_a_wave_starts_only_when_every_wave_before_it_succeeded() -> None:
    assert planning.runs_after([])
    assert planning.runs_after(["success", "success"])
    for result in ("failure", "cancelled", "skipped"):
        assert not planning.runs_after(["success", result])
