"""`python -m preflight --stack S --against REF`: the change review. Runs the program at the git
ref REF (its stack file included) in a process of its own and the working tree's program here,
both against the same mocked cloud, then reports what `pulumi up` would do going from one to the
other and what must be refused (day2.rules for the settings, preflight.review for resources)."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.base.config import SettingsError
from components.base.config.pulumi_config import project_config
from components.stack.guard import RefusedChanges
from components.stack.record import OUTPUT, Deployment
from components.stack.rules import refusals
from preflight.estimates import REFERENCE_REGION, critical_path, estimate_cost, price_book
from preflight.offline.recorder import Registration
from preflight.offline.runner import ROOT, ProgramRun, run_program, stack_config
from preflight.offline.snapshot import from_json
from preflight.review import review


class BadInput(Exception):
    """An unknown ref or stack, or settings the program refuses: exit status 2."""


def resolve(ref: str, repo: Path = ROOT) -> str:
    """The commit `ref` names in `repo`; BadInput when it names none."""
    found = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise BadInput(f"unknown git ref {ref!r}")
    return found.stdout.strip()


def settings_changed(before: Any, after: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """(dotted key, old, new) of each value that differs between two project configs; keys set
    on one side only count, lists compare whole."""
    if isinstance(before, Mapping) or isinstance(after, Mapping):
        before, after = (v if isinstance(v, Mapping) else {} for v in (before, after))
        return [
            change
            for name in sorted(set(before) | set(after))
            for change in settings_changed(before.get(name), after.get(name), f"{path}{name}.")
        ]
    return [] if before == after else [(path.rstrip("."), before, after)]


@dataclass(frozen=True)
class Deployed:
    """The stack as the program at a git ref registers it (empty when the stack is not there)."""

    ref: str
    commit: str
    registrations: list[Registration]
    outputs: dict[str, Any]
    settings: dict[str, Any]  # the project config of its stack file
    warnings: tuple[str, ...] = ()


class Snapshot:
    """The program at a git ref, run for one or more stacks (in this order) in a process of its
    own while this one goes on: one process imports the program at the ref once for them all."""

    def __init__(self, ref: str, stacks: Sequence[str], repo: Path = ROOT) -> None:
        self.ref, self.commit = ref, resolve(ref, repo)
        self.checkout = tempfile.TemporaryDirectory(prefix="preflight-")
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", self.commit], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as files:
            files.extractall(self.checkout.name, filter="data")
        command = ["preflight.offline.snapshot", "--project-dir", self.checkout.name]
        # stderr to a file, never a pipe nobody reads while waiting for stdout
        self.errors = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed by close())
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command, *(f"--stack={stack}" for stack in stacks)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        self.ran: dict[str, dict[str, Any]] = {}

    def _line(self, stack: str) -> dict[str, Any]:
        while stack not in self.ran:
            line = self.process.stdout.readline() if self.process.stdout else ""
            if not line:
                self.process.wait()
                self.errors.seek(0)
                raise RuntimeError(
                    f"the program at {self.ref} could not be run offline:\n{self.errors.read()}"
                )
            data = json.loads(line)
            self.ran[data["stack"]] = data
        return self.ran.pop(stack)

    def deployed(self, stack: str) -> Deployed:
        """What the program at the ref registered for `stack` (waits for it)."""
        data = self._line(stack)
        if "error" not in data:
            return Deployed(
                self.ref,
                self.commit,
                [from_json(r) for r in data["registrations"]],
                data["outputs"],
                project_config(stack_config(stack, Path(self.checkout.name))),
            )
        if not data["missing"]:
            raise BadInput(f"at {self.ref}: {data['error']}")
        new_stack = f"stack {stack} does not exist at {self.ref}: everything is new"
        return Deployed(self.ref, self.commit, [], {}, {}, (new_stack,))

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.errors.close()
        self.checkout.cleanup()


def deployed_at(ref: str, stack: str, repo: Path = ROOT) -> Deployed:
    snapshot = Snapshot(ref, [stack], repo)
    try:
        return snapshot.deployed(stack)
    finally:
        snapshot.close()


def change_review(
    stack: str,
    ref: str,
    overrides: Mapping[str, Any],
    repo: Path = ROOT,
    record: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The review of `stack` from `ref` to the working tree; `record`: the deployed stack's own
    record, when the caller has it (see review_deployed)."""
    snapshot = Snapshot(ref, [stack], repo)
    try:
        return review_against(snapshot, stack, overrides, record)[0]
    finally:
        snapshot.close()


def review_against(
    snapshot: Snapshot,
    stack: str,
    overrides: Mapping[str, Any],
    record: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], ProgramRun | None]:
    """The review of `stack` from the snapshot's ref to the working tree (see review_deployed)."""
    try:
        stack_config(stack)  # a stack the working tree lacks is bad input, before waiting
        deployed = snapshot.deployed(stack)
    except FileNotFoundError as error:
        raise BadInput(str(error)) from None
    return review_deployed(deployed, stack, overrides, record)


def review_deployed(
    deployed: Deployed,
    stack: str,
    overrides: Mapping[str, Any],
    record: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], ProgramRun | None]:
    """The review of `stack` from `deployed` to the working tree, and the working tree's run it
    compared (None when the change cannot be shown). The working tree's program runs as `pulumi
    up` would, with the stack's record: `record`, the deployed stack's own (as the deploy hands
    it to `pulumi up`: it knows the upgrade a rollback needs, which the program at the ref, run
    as a new stack, cannot record), else the record of the program at the ref. When its guard
    refuses, it runs again without it, to show what the refused change would do."""
    record = record or deployed.outputs.get(OUTPUT)
    guard: list[str] = []
    try:
        try:
            run = run_program(stack, overrides, deployed=record)
        except RefusedChanges as refused:
            guard = refused.problems
            try:
                run = run_program(stack, overrides)
            except SettingsError as unshowable:  # e.g. a version no new stack may start on
                return _refused_only(deployed, stack, guard, str(unshowable)), None
    except (FileNotFoundError, SettingsError) as error:
        raise BadInput(str(error)) from None
    return compare(deployed, run, guard=guard, record=record), run


def _refused_only(deployed: Deployed, stack: str, refused: list[str], why: str) -> dict[str, Any]:
    """The review of a refused change whose effect cannot be shown."""
    nothing: dict[str, list] = {k: [] for k in ("create", "update", "replace", "delete")}
    cost = estimate_cost(deployed.registrations).monthly_usd if deployed.registrations else 0.0
    return {
        "stack": stack,
        "against": {"ref": deployed.ref, "commit": deployed.commit},
        "minutes": 0.0,
        "settings": [],
        "changes": nothing | {"refused": refused},
        "cost": {
            "monthly_usd_before": cost,
            "monthly_usd_after": cost,
            "monthly_usd_change": 0.0,
            "change": "exact",
            "unpriced_items": False,
        },
        "warnings": [f"what the refused change would do cannot be shown: {why}"],
    }


def compare(
    deployed: Deployed,
    run: ProgramRun,
    today: dt.date | None = None,
    guard: Sequence[str] = (),
    record: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """What `pulumi up` of `run` does to the stack as `deployed` left it; `guard`: what the
    program's own guard refused when it ran with the record; `record`: the deployed stack's
    own, which the day-2 rules then judge from (else the record of the program at the ref)."""
    warnings = list(deployed.warnings)
    settings = project_config(run.config)
    allowed = tuple(settings.get("allowDisruptiveChanges") or ())
    found = review(deployed.registrations, run.registrations)
    refused = list(found.refused)
    record = record or deployed.outputs.get(OUTPUT)
    if record:
        before, after = Deployment.from_output(record), Deployment.from_output(run.outputs[OUTPUT])
        refused = refusals(before, after, allowed, today) + refused
    elif deployed.registrations:
        warnings.append(
            f"the program at {deployed.ref} records no `{OUTPUT}` output: settings transitions "
            "(AZs, subnet sizes, Kubernetes version, compute mode) are not checked"
        )
    refused = list(dict.fromkeys([*guard, *refused]))  # (the guard says the rules' ones too)
    changed = {c["urn"] for k in ("create", "update", "replace") for c in found.as_dict()[k]}
    # Rough: the longest chain of changed resources, each weighted by its typical create time.
    path = critical_path([r for r in run.registrations if r.urn in changed])
    return {
        "stack": run.stack,
        "against": {"ref": deployed.ref, "commit": deployed.commit},
        "minutes": round(sum(step.minutes for step in path), 1),
        "settings": [
            {"key": key, "old": old, "new": new}
            for key, old, new in settings_changed(deployed.settings, settings)
        ]
        if deployed.registrations
        else [],
        "changes": found.as_dict() | {"refused": refused},
        "cost": cost_change(deployed.registrations, run.registrations),
        "warnings": [*warnings, *run.warnings],
    }


def cost_change(before: Sequence[Registration], after: Sequence[Registration]) -> dict[str, Any]:
    """The monthly list price before and after (priced items only) and the change, which is
    `exact` when both sides leave the same items unpriced, `at least` when only the new side
    adds unpriced items to a rise, else `unknown` (monthly_usd_change None: a node group moved to
    a type without a price would otherwise look cheaper). Short of exact, the items priced on
    one side only, and the change at the reference region's prices when it prices them all."""
    new = estimate_cost(after)
    old = estimate_cost(before) if before else None
    change = round(new.monthly_usd - (old.monthly_usd if old else 0.0), 2)
    missing_after = Counter((i.item, i.quantity) for i in new.unpriced)
    missing_before = Counter((i.item, i.quantity) for i in old.unpriced) if old else Counter()
    if missing_after == missing_before:
        bound = "exact"
    elif not missing_before - missing_after and change >= 0:
        bound = "at least"
    else:
        bound = "unknown"
    cost: dict[str, Any] = {
        "monthly_usd_before": old.monthly_usd if old else 0.0,
        "monthly_usd_after": new.monthly_usd,
        "monthly_usd_change": None if bound == "unknown" else change,
        "change": bound,
        "unpriced_items": bool(missing_after or missing_before),
    }
    if bound != "exact":
        one_side = (missing_after - missing_before) + (missing_before - missing_after)
        cost["priced_on_one_side"] = sorted({item for item, _ in one_side})
        cost["region"] = new.region
        there = [
            estimate_cost(side, price_book(REFERENCE_REGION)) if side else None
            for side in (before, after)
        ]
        if not any(e.unpriced for e in there if e):
            total_before, total_after = (e.monthly_usd if e else 0.0 for e in there)
            cost["reference"] = {
                "region": REFERENCE_REGION,
                "monthly_usd_change": round(total_after - total_before, 2),
            }
    return cost


WIDTH = 100  # the review is read in terminals and pull-request comments


def _wrapped(text: str, first: str, rest: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest) or [first]


def _shown(value: Any, limit: int = 60) -> str:
    # The engine hands numbers over as floats: a whole one shows as the integer it was set to.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = json.dumps(value) if value is not None else "(unset)"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def cost_line(cost: Mapping[str, Any]) -> str:
    """The cost change as the review says it: a figure only as far as the prices go."""
    totals = f"{cost['monthly_usd_before']:.2f} -> {cost['monthly_usd_after']:.2f}, list prices"
    if cost.get("change", "exact") == "exact":
        left_out = "; items without a price left out" if cost["unpriced_items"] else ""
        return f"{cost['monthly_usd_change']:+.2f} USD/month ({totals}{left_out})"
    one_side = ", ".join(cost["priced_on_one_side"])
    reference = cost.get("reference")
    elsewhere = (
        f"; at {reference['region']} prices {reference['monthly_usd_change']:+.2f}"
        if reference
        else ""
    )
    if cost["change"] == "at least":
        said = f"at least {cost['monthly_usd_change']:+.2f} USD/month"
    else:
        said = "change unknown"
    return f"{said} (no {cost['region']} price for {one_side}{elsewhere}; priced items {totals})"


def render_review(data: Mapping[str, Any]) -> str:
    """The verdict first, then the refusals, then the changes in the order `pulumi up` applies
    them, with old -> new values."""
    changes, cost = data["changes"], data["cost"]
    refused = changes["refused"]
    counts = ", ".join(
        f"{len(changes[k])} to {k}" for k in ("create", "update", "replace", "delete")
    )
    verdict = f"REFUSED ({len(refused)})" if refused else "ok to deploy"
    lines = [
        f"preflight: stack {data['stack']} against {data['against']['ref']} "
        f"({data['against']['commit'][:12]}): {verdict}",
        f"  {counts}",
        f"  about {data['minutes']:g} min (the longest chain of changes); cost " + cost_line(cost),
    ]
    settings = data["settings"]
    lines += _wrapped(
        "; ".join(f"{s['key']}: {_shown(s['old'])} -> {_shown(s['new'])}" for s in settings)
        or "none",
        "Settings changed: ",
        "  ",
    )
    if refused:
        lines += ["", f"Refused ({len(refused)}): nothing is deployed until each is resolved"]
        for message in refused:
            lines += _wrapped(message, "  - ", "    ")
    steps = sorted(
        (
            (c["step"], kind, c)
            for kind in ("create", "update", "replace", "delete")
            for c in changes[kind]
        ),
        key=lambda s: s[0],
    )
    if steps:
        lines.append("")
        lines += _wrapped(
            "Changes, in the order `pulumi up` applies them (a replacement creates the new "
            "resource first and deletes the old one at the end):",
            "",
            "",
        )
    for number, (_, kind, c) in enumerate(steps, start=1):
        lines.append(f"  {number:>3}. {kind:<7} {c['type']}  {c['name']}")
        forced = set(c.get("forcedBy", []))
        for path, value in c.get("values", {}).items():
            why = "  [forces the replacement]" if any(f.startswith(path) for f in forced) else ""
            lines.append(f"         {path}: {_shown(value['old'])} -> {_shown(value['new'])}{why}")
        for reason in sorted(r for r in forced if " comes from " in r or "provider" in r):
            lines += _wrapped(reason, "         replaced because ", "           ")
    for warning in data["warnings"]:
        lines += _wrapped(warning, "Warning: ", "  ")
    return "\n".join(lines)
