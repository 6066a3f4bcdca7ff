"""`python -m fleet review`: every stack's offline change review (preflight.against) and policy
verdicts (the pack in-process), one process per core, then one table. A stack's review is what
`python -m preflight --stack S --against REF` and `python -m preflight --stack S` report, with
the versions it would run."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from fleet.inventory import Inventory

CLUSTER = "aws:eks/cluster:Cluster"
ADDON = "aws:eks/addon:Addon"
CHART = "kubernetes:helm.sh/v3:Release"
KINDS = ("create", "update", "replace", "delete")


def version_keys(registrations: Sequence[Any]) -> dict[str, tuple[str, str]]:
    """urn -> (version key, its version) of what a program run sends to EKS and Helm: the
    cluster as `kubernetes`, each add-on by its name, each chart as `chart:<name>`."""
    found: dict[str, tuple[str, str]] = {}
    for r in registrations:
        inputs = r.inputs or {}
        if r.type == CLUSTER and inputs.get("version"):
            found[r.urn] = ("kubernetes", str(inputs["version"]))
        elif r.type == ADDON and inputs.get("addonVersion"):
            found[r.urn] = (str(inputs["addonName"]), str(inputs["addonVersion"]))
        elif r.type == CHART and inputs.get("version"):
            found[r.urn] = (f"chart:{inputs['chart']}", str(inputs["version"]))
    return found


def versions_before(
    keys: Mapping[str, tuple[str, str]], review: Mapping[str, Any]
) -> dict[str, str]:
    """The versions at the reviewed ref: today's, with each version property the review changes
    put back, without what it creates (a deleted one is not shown: today's run lacks it)."""
    before = dict(keys.values())
    for kind in ("update", "replace"):
        for change in review["changes"][kind]:
            for prop, value in change.get("values", {}).items():
                if change["urn"] in keys and prop in ("version", "addonVersion"):
                    old = value["old"]
                    before[keys[change["urn"]][0]] = "(none)" if old is None else str(old)
    for change in review["changes"]["create"]:
        if change["urn"] in keys:
            before.pop(keys[change["urn"]][0], None)
    return before


def review_stack(stack: str, snapshot: Any) -> dict[str, Any]:
    """One stack's review against the snapshot of the reviewed ref (preflight.against.Snapshot);
    runs in a worker process. Bad input (settings the program refuses) is returned as `error`,
    never raised."""
    from components.base.config import SettingsError
    from preflight.against import BadInput, review_against
    from preflight.offline.analyzer import PackConfigError, evaluate
    from preflight.offline.runner import ROOT, run_program

    try:
        review, run = review_against(snapshot, stack, {})
        run = run or run_program(stack)  # a refused change the review could not show
        config = ROOT / "policy" / "config" / f"{stack}.json"
        violations = evaluate(run.registrations, config if config.is_file() else None)
    except (BadInput, SettingsError, FileNotFoundError, PackConfigError, ValueError) as error:
        return {"stack": stack, "error": str(error)}
    keys = version_keys(run.registrations)
    return {
        **review,
        "policy": {
            level: sorted(str(v) for v in violations if v.level == level)
            for level in ("mandatory", "advisory")
        },
        "versions": {"before": versions_before(keys, review), "after": dict(keys.values())},
    }


def review_stacks(stacks: Sequence[str], ref: str) -> list[dict[str, Any]]:
    """Several stacks' reviews in one worker process, with one process running the program at
    `ref` for them all (it imports that program once, and goes on while this one compares)."""
    from preflight.against import BadInput, Snapshot

    try:
        snapshot = Snapshot(ref, stacks)
    except BadInput as error:
        return [{"stack": stack, "error": str(error)} for stack in stacks]
    try:
        return [review_stack(stack, snapshot) for stack in stacks]
    finally:
        snapshot.close()


def refused(result: Mapping[str, Any]) -> list[str]:
    """Why `pulumi up` of this stack would not go through: the review's refusals and the
    mandatory policy violations."""
    if "error" in result:
        return []
    return [*result["changes"]["refused"], *result["policy"]["mandatory"]]


def review_fleet(
    inventory: Inventory,
    ref: str,
    stacks: Sequence[str] | None = None,
    workers: int | None = None,
    review: Callable[[Sequence[str], str], list[dict[str, Any]]] = review_stacks,
) -> list[dict[str, Any]]:
    """Every stack's review (or those named), in fleet.yaml's order, over `workers` processes
    (all cores by default), each reviewing its share of the stacks (every `workers`-th, so dev
    and prod alike spread). Processes are spawned, not forked: each runs the program under
    Pulumi's mocks, whose state is per process."""
    names = [s.stack for s in inventory.stacks if stacks is None or s.stack in stacks]
    workers = max(1, min(workers or os.cpu_count() or 1, len(names)))
    shares = [names[start::workers] for start in range(workers)]
    if workers == 1:
        found = review(names, ref) if names else []
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            found = [r for share in pool.map(review, shares, [ref] * workers) for r in share]
    by_stack = {r["stack"]: r for r in found}
    return [by_stack[name] for name in names]


def _version_change(before: Mapping[str, str], after: Mapping[str, str], key: str) -> str:
    old, new = before.get(key), after.get(key)
    return new or "-" if old == new else f"{old or '(none)'} -> {new or '(none)'}"


def render(inventory: Inventory, ref: str, results: Sequence[Mapping[str, Any]]) -> str:
    """The verdict, one row per stack, then the versions each stack runs, the refusals and the
    errors."""
    waves = {s.stack: s.wave for s in inventory.stacks}
    regions = {s.stack: s.region for s in inventory.stacks}
    bad = [r for r in results if "error" in r]
    stopped = [r for r in results if refused(r)]
    verdict = "ok to roll out"
    if stopped or bad:
        verdict = f"REFUSED ({len(stopped)} stack(s))" if stopped else "INCOMPLETE"
        verdict += f", {len(bad)} not reviewed" if bad and stopped else ""
    lines = [f"fleet review against {ref}: {len(results)} stacks: {verdict}", ""]
    header = (
        f"{'stack':<16} {'wave':>4} {'region':<14} {'create':>6} {'update':>6} {'replace':>7} "
        f"{'delete':>6} {'refused':>7} {'policy':>7} {'cost USD/month':>18}  kubernetes"
    )
    lines += [header, "-" * len(header)]
    for r in results:
        name = r["stack"]
        head = f"{name:<16} {waves.get(name, 0):>4} {regions.get(name, ''):<14}"
        if "error" in r:
            lines.append(f"{head} not reviewed: see below")
            continue
        counts = " ".join(
            f"{len(r['changes'][k]):>{w}}" for k, w in zip(KINDS, (6, 6, 7, 6), strict=True)
        )
        policy = f"{len(r['policy']['mandatory'])}/{len(r['policy']['advisory'])}"
        cost = r["cost"]
        money = f"{_money_change(cost)} ({cost['monthly_usd_after']:.0f})"
        kubernetes = _version_change(r["versions"]["before"], r["versions"]["after"], "kubernetes")
        lines.append(f"{head} {counts} {len(refused(r)):>7} {policy:>7} {money:>18}  {kubernetes}")
    lines += [
        "",
        "policy: mandatory/advisory violations; cost: change (total after, priced items); "
        ">= a lower bound, ? unknown: a type or service without a price in the stack's region",
    ]
    reviewed = [r for r in results if "error" not in r]
    keys = sorted({k for r in reviewed for k in r["versions"]["after"]} - {"kubernetes"})
    if keys:
        lines += ["", "Versions after the change (-> marks a stack that changes it):"]
    for key in keys:
        by_value: dict[str, list[str]] = {}
        for r in reviewed:
            before, after = r["versions"]["before"], r["versions"]["after"]
            if key in after or key in before:
                changed = before.get(key) != after.get(key)
                label = f"{r['stack']} ({before.get(key, '(none)')} ->)" if changed else r["stack"]
                by_value.setdefault(after.get(key, "(removed)"), []).append(label)
        values = "; ".join(f"{v}: {', '.join(s)}" for v, s in sorted(by_value.items()))
        lines.append(f"  {key:<34} {values}")
    for r in stopped:
        lines += ["", f"{r['stack']}: refused"] + [f"  - {m}" for m in refused(r)]
    for r in bad:
        lines += ["", f"{r['stack']}: not reviewed: {r['error']}"]
    return "\n".join(lines)


def _money_change(cost: Mapping[str, Any]) -> str:
    """The cost change as far as the prices go (preflight.against.cost_change)."""
    kind = cost.get("change", "exact")
    if kind == "unknown":
        return "?"
    return (">=" if kind == "at least" else "") + f"{cost['monthly_usd_change']:+.2f}"


def exit_status(results: Sequence[Mapping[str, Any]]) -> int:
    """2 when a stack could not be reviewed (bad input), 1 when one is refused, else 0."""
    if any("error" in r for r in results):
        return 2
    return 1 if any(refused(r) for r in results) else 0
