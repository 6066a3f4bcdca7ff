"""The rollout as data: the waves in order with their gates (`plan`), the GitHub Actions matrix
of one wave (`matrix`), the outputs fleet.yml's plan job hands its wave jobs (`job_outputs`),
and what a run did to each stack, from GitHub's record of each stack's job (`outcomes`,
`failed_in_wave`). Pure functions."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fleet.inventory import FILE, Inventory, InventoryError, StackEntry, WaveSettings
from preflight.ci_stacks import GITHUB_HOSTED, runner_variable

# fleet.yml has this many wave jobs (wave1 ... wave4); a fleet with more waves needs more jobs.
WAVE_JOBS = 4


@dataclass(frozen=True)
class Wave:
    number: int
    gates: WaveSettings
    stacks: tuple[StackEntry, ...]


def plan(inventory: Inventory, wave: int | None = None) -> list[Wave]:
    """The waves in ascending order, each with its stacks in fleet.yaml's order; only `wave`
    when given (InventoryError when the fleet has no such wave)."""
    numbers = sorted({s.wave for s in inventory.stacks})
    if wave is not None and wave not in numbers:
        raise InventoryError(
            [f"{FILE} has no wave {wave}; its waves: {', '.join(map(str, numbers))}"]
        )
    return [
        Wave(n, inventory.gates(n), tuple(s for s in inventory.stacks if s.wave == n))
        for n in numbers
        if wave is None or n == wave
    ]


def render_plan(waves: Sequence[Wave]) -> str:
    lines = [f"fleet: {sum(len(w.stacks) for w in waves)} stacks in {len(waves)} waves ({FILE})"]
    for index, wave in enumerate(waves):
        gates = wave.gates
        lines.append(
            f"wave {wave.number}: {len(wave.stacks)} stack(s), at most {gates.max_parallel} "
            "at a time"
        )
        for s in wave.stacks:
            labels = ", ".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            lines.append(
                f"  {s.stack:<20} {s.region:<15} account {s.account}"
                + (f"  [{labels}]" if labels else "")
            )
        after = "the next wave starts" if index + 1 < len(waves) else "the rollout is done"
        lines.append(
            f"  gate: each stack ready (online check), updated, then healthy for "
            f"{gates.soak_minutes} min (cluster, node groups, add-ons ACTIVE; no alarm in "
            f"ALARM); any failure halts every later wave; else {after}"
        )
    return "\n".join(lines)


def matrix_entries(wave: Wave, variables: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One job per stack: what the rollout job needs to know. The runner is the repository
    variable DEPLOY_RUNNER_<STACK>, as for deploy.yml (ubuntu-latest when unset)."""
    variables = variables or {}
    return [
        {
            "stack": s.stack,
            "wave": wave.number,
            "region": s.region,
            "account": s.account,
            "role": s.role,
            "soakMinutes": wave.gates.soak_minutes,
            "runner": variables.get(runner_variable(s.stack)) or GITHUB_HOSTED,
            "runnerVariable": runner_variable(s.stack),
        }
        for s in wave.stacks
    ]


def matrix(wave: Wave, variables: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The `strategy.matrix` of one wave's job."""
    return {"include": matrix_entries(wave, variables)}


def job_outputs(
    waves: Sequence[Wave], jobs: int = WAVE_JOBS, variables: Mapping[str, str] | None = None
) -> dict[str, str]:
    """fleet.yml's plan job outputs: `waves` (how many), and per wave job k: `wavek` (its
    matrix entries) and `wavek-parallel` (its max-parallel), in wave order. Wave jobs beyond the
    fleet's waves get an empty list and do not run."""
    if len(waves) > jobs:
        raise InventoryError(
            [
                f"{FILE} has {len(waves)} waves, fleet.yml runs {jobs}: merge waves or add a "
                "wave job to .github/workflows/fleet.yml"
            ]
        )
    outputs = {"waves": str(len(waves))}
    for index in range(jobs):
        wave = waves[index] if index < len(waves) else None
        entries = matrix_entries(wave, variables) if wave else []
        outputs[f"wave{index + 1}"] = json.dumps(entries)
        outputs[f"wave{index + 1}-parallel"] = str(wave.gates.max_parallel if wave else 1)
    return outputs


# fleet.yml's stack jobs and the steps whose results say what a job did to its stack (a test
# holds them equal to the workflow's names).
JOB_NAME = "Wave {wave} ({stack})"
HALT_STEP = "Halt when the wave has failed"
UP_STEP = "pulumi up (Automation API)"
# What GitHub reports as a job's or a step's conclusion ("List jobs for a workflow run").
SUCCESS, FAILURE, CANCELLED, SKIPPED = "success", "failure", "cancelled", "skipped"


@dataclass(frozen=True)
class Outcome:
    stack: str
    wave: int
    status: str  # updated, failed, halted, cancelled
    detail: str = ""  # where it failed, or why it halted
    updated: bool = False  # its `pulumi up` succeeded in this run


def job_outcome(stack: str, wave: int, job: Mapping[str, Any] | None) -> Outcome:
    """What the run did to one stack, from GitHub's record of its job (None: never started)."""
    conclusion = (job or {}).get("conclusion")
    if conclusion in (None, SKIPPED):
        return Outcome(stack, wave, "halted", "an earlier wave did not pass")
    steps = (job or {}).get("steps") or []
    updated = any(s["name"] == UP_STEP and s.get("conclusion") == SUCCESS for s in steps)
    failed = next((s["name"] for s in steps if s.get("conclusion") == FAILURE), "")
    if conclusion == SUCCESS:
        return Outcome(stack, wave, "updated", "healthy for its soak time", True)
    if failed == HALT_STEP:
        return Outcome(stack, wave, "halted", "another stack of its wave failed")
    if conclusion == FAILURE:
        return Outcome(stack, wave, "failed", f"at {failed}" if failed else "", updated)
    return Outcome(stack, wave, "cancelled", "after its update" if updated else "", updated)


def outcomes(waves: Sequence[Wave], jobs: Mapping[str, Mapping[str, Any]]) -> list[Outcome]:
    """Each stack's outcome; `jobs`: GitHub's record of the run's jobs by job name."""
    return [
        job_outcome(s.stack, w.number, jobs.get(JOB_NAME.format(wave=w.number, stack=s.stack)))
        for w in waves
        for s in w.stacks
    ]


def failed_in_wave(jobs: Mapping[str, Mapping[str, Any]], wave: Wave) -> list[str]:
    """The stacks of `wave` whose job has already failed: the wave's queued stacks halt."""
    return [
        s.stack
        for s in wave.stacks
        if (jobs.get(JOB_NAME.format(wave=wave.number, stack=s.stack)) or {}).get("conclusion")
        == FAILURE
    ]
