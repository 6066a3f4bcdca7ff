"""The rollout as data: the waves in order with their gates (`plan`), the GitHub Actions matrix
of one wave (`matrix`), the outputs fleet.yml's plan job hands its wave jobs (`job_outputs`),
and what a run did to each stack once some wave failed (`outcomes`). Pure functions."""

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


# What GitHub reports as a job's result (`needs.<job>.result`).
SUCCESS, FAILURE, CANCELLED, SKIPPED = "success", "failure", "cancelled", "skipped"


def runs_after(results: Sequence[str]) -> bool:
    """Whether the next wave starts, given the results of the waves before it: only when every
    one succeeded (fleet.yml: each wave job needs the one before, and a job whose need failed or
    was skipped is skipped)."""
    return all(r == SUCCESS for r in results)


@dataclass(frozen=True)
class Outcome:
    stack: str
    wave: int
    status: str  # updated, failed, halted, cancelled


def outcomes(waves: Sequence[Wave], results: Mapping[int, str]) -> list[Outcome]:
    """What the run did to each stack, from its wave job's result (by wave number): updated
    (every stack of the wave passed its gate), failed (one of the wave's stacks failed its
    readiness check, update or gate: its own job says which), cancelled, or halted (an earlier
    wave did not succeed, so this one never started)."""
    found, before = [], []
    for wave in waves:
        result = results.get(wave.number, SKIPPED)
        if not runs_after(before) or result == SKIPPED:
            status = "halted"
        else:
            status = {SUCCESS: "updated", FAILURE: "failed"}.get(result, "cancelled")
        found += [Outcome(s.stack, wave.number, status) for s in wave.stacks]
        before.append(result)
    return found
