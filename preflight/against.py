"""`python -m preflight --stack S --against REF`: the change review. Runs the program at the git
ref REF (its stack file included) in a process of its own and the working tree's program here,
both against the same mocked cloud, then reports what `pulumi up` would do going from one to the
other and what must be refused (day2.rules for the settings, preflight.review for resources)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.base.config import SettingsError
from components.base.config.pulumi_config import project_config
from components.stack.record import OUTPUT, Deployment
from components.stack.rules import refusals
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


def settings_changed(before: Any, after: Any, path: str = "") -> list[str]:
    """Dotted keys whose values differ between two project configs (lists compare whole)."""
    if isinstance(before, Mapping) or isinstance(after, Mapping):
        before, after = (v if isinstance(v, Mapping) else {} for v in (before, after))
        return [
            key
            for name in sorted(set(before) | set(after))
            for key in settings_changed(before.get(name), after.get(name), f"{path}{name}.")
        ]
    return [] if before == after else [path.rstrip(".")]


@dataclass(frozen=True)
class Deployed:
    """The stack as the program at a git ref registers it (empty when the stack is not there)."""

    ref: str
    commit: str
    registrations: list[Registration]
    outputs: dict[str, Any]
    settings: dict[str, Any]  # the project config of its stack file
    warnings: tuple[str, ...] = ()


class _Snapshot:
    """The program at a git ref, run in a process of its own while this one goes on."""

    def __init__(self, ref: str, stack: str, repo: Path) -> None:
        self.ref, self.stack, self.commit = ref, stack, resolve(ref, repo)
        self.checkout = tempfile.TemporaryDirectory(prefix="preflight-")
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", self.commit], check=True, capture_output=True
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:") as files:
            files.extractall(self.checkout.name, filter="data")
        command = [
            "preflight.offline.snapshot",
            "--stack",
            stack,
            "--project-dir",
            self.checkout.name,
        ]
        self.process = subprocess.Popen(
            [sys.executable, "-m", *command],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def result(self) -> Deployed:
        try:
            out, err = self.process.communicate()
            if self.process.returncode not in (0, 2) or not out:
                raise RuntimeError(f"the program at {self.ref} could not be run offline:\n{err}")
            data = json.loads(out)
            if "error" not in data:
                return Deployed(
                    self.ref,
                    self.commit,
                    [from_json(r) for r in data["registrations"]],
                    data["outputs"],
                    project_config(stack_config(self.stack, Path(self.checkout.name))),
                )
            if not data["missing"]:
                raise BadInput(f"at {self.ref}: {data['error']}")
            new_stack = f"stack {self.stack} does not exist at {self.ref}: everything is new"
            return Deployed(self.ref, self.commit, [], {}, {}, (new_stack,))
        finally:
            self.cancel()

    def cancel(self) -> None:
        self.process.kill()
        self.process.wait()
        self.checkout.cleanup()


def deployed_at(ref: str, stack: str, repo: Path = ROOT) -> Deployed:
    return _Snapshot(ref, stack, repo).result()


def change_review(
    stack: str, ref: str, overrides: Mapping[str, Any], repo: Path = ROOT
) -> dict[str, Any]:
    """The review of `stack` from `ref` to the working tree; the two programs run side by side."""
    snapshot = _Snapshot(ref, stack, repo)
    try:
        run = run_program(stack, overrides)
    except (FileNotFoundError, SettingsError) as error:
        snapshot.cancel()
        raise BadInput(str(error)) from None
    return compare(snapshot.result(), run)


def compare(deployed: Deployed, run: ProgramRun) -> dict[str, Any]:
    """What `pulumi up` of `run` does to the stack as `deployed` left it."""
    warnings = list(deployed.warnings)
    settings = project_config(run.config)
    allowed = tuple(settings.get("allowDisruptiveChanges") or ())
    found = review(deployed.registrations, run.registrations, allowed)
    refused = list(found.refused)
    if OUTPUT in deployed.outputs:
        before, after = (Deployment.from_output(o[OUTPUT]) for o in (deployed.outputs, run.outputs))
        refused = refusals(before, after, allowed) + refused
    elif deployed.registrations:
        warnings.append(
            f"the program at {deployed.ref} records no `{OUTPUT}` output: settings transitions "
            "(AZs, subnet sizes, Kubernetes version, compute mode) are not checked"
        )
    return {
        "stack": run.stack,
        "against": {"ref": deployed.ref, "commit": deployed.commit},
        "settings": settings_changed(deployed.settings, settings) if deployed.registrations else [],
        "changes": found.as_dict() | {"refused": refused},
        "warnings": warnings,
    }


def render_review(data: Mapping[str, Any]) -> str:
    changes = data["changes"]
    counts = ", ".join(
        f"{len(changes[k])} to {k}" for k in ("create", "update", "replace", "delete")
    )
    lines = [
        f"preflight: stack {data['stack']} against {data['against']['ref']} "
        f"({data['against']['commit'][:12]}): {counts}",
        f"Settings changed: {', '.join(data['settings']) or 'none'}",
    ]
    for kind in ("create", "update", "replace", "delete"):
        for c in changes[kind]:
            detail = "; ".join(c.get("forcedBy", [])) or ", ".join(c.get("properties", []))
            lines.append(
                f"  {kind:<7} {c['type']}  {c['name']}" + (f"  ({detail})" if detail else "")
            )
    lines += ["", f"Refused: {len(changes['refused'])}", *[f"  - {m}" for m in changes["refused"]]]
    lines += [f"Warning: {w}" for w in data["warnings"]]
    return "\n".join(lines)
