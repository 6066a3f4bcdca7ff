"""python -m preflight.offline.snapshot --project-dir DIR --stack S [--stack S2 ...]

Runs the program of another checkout of this project (DIR, e.g. a git ref extracted by
`python -m preflight --against`) against this checkout's mocked cloud for each stack in turn, and
prints what it registered, one JSON line per stack as soon as it ran: {"stack", "registrations",
"outputs"}, or {"stack", "error", "missing"} when the stack does not exist there or its settings
are refused (exit status 2 then). A process of its own: the other checkout's modules
(components.*, or an older layout's settings, network, ...) must not meet this one's; one process
for many stacks imports them once (a fleet review)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

from preflight.offline.recorder import Registration
from preflight.offline.runner import ROOT, run_program


def as_json(registration: Registration) -> dict:
    return dataclasses.asdict(registration)


def from_json(data: dict) -> Registration:
    tuples = {"dependencies", "ignore_changes", "replace_on_changes", "aliases"}
    fields = {k: tuple(v) if k in tuples else v for k, v in data.items()}
    fields["property_dependencies"] = {
        k: tuple(v) for k, v in data["property_dependencies"].items()
    }
    return Registration(**fields)


def _use_program_of(project_dir: Path) -> None:
    """Make every program module (`components.*`, or an older layout's top-level packages) load
    from `project_dir`: forget this checkout's program modules, keeping the offline machinery
    (`preflight.*`, which the other checkout's program never imports; the mocked cloud keeps
    what it already imported)."""
    installed = Path(sys.prefix).resolve()  # the venv may sit inside the checkout
    for name, module in list(sys.modules.items()):
        origin = Path(getattr(module, "__file__", None) or "/").resolve()
        if (
            origin.is_relative_to(ROOT)
            and not origin.is_relative_to(installed)
            and name.split(".")[0] != "preflight"
        ):
            del sys.modules[name]
    sys.path[:] = [str(project_dir)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preflight.offline.snapshot")
    parser.add_argument("--project-dir", type=Path, required=True)
    parser.add_argument("--stack", action="append", required=True)
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    _use_program_of(project_dir)
    status = 0
    for stack in args.stack:
        try:
            run = run_program(stack, project_dir=project_dir)
            line = {
                "stack": stack,
                "registrations": [as_json(r) for r in run.registrations],
                "outputs": run.outputs,
            }
        except (FileNotFoundError, ValueError) as error:  # no such stack; settings refused
            line = {
                "stack": stack,
                "error": str(error),
                "missing": isinstance(error, FileNotFoundError),
            }
            status = 2
        print(json.dumps(line, default=str), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
