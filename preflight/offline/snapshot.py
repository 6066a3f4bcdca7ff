"""python -m preflight.offline.snapshot --project-dir DIR --stack S

Runs the program of another checkout of this project (DIR, e.g. a git ref extracted by
`python -m preflight --against`) against this checkout's mocked cloud, and prints what it
registered as JSON: {"registrations", "outputs"}, or {"error"} with exit status 2 when the stack
does not exist there or its settings are refused. A process of its own: the other checkout's
modules (components.*, or an older layout's settings, network, ...) must not meet this one's."""

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
    parser.add_argument("--stack", required=True)
    args = parser.parse_args(argv)
    project_dir = args.project_dir.resolve()
    _use_program_of(project_dir)
    try:
        run = run_program(args.stack, project_dir=project_dir)
    except (FileNotFoundError, ValueError) as error:  # no such stack; settings refused
        json.dump(
            {"error": str(error), "missing": isinstance(error, FileNotFoundError)}, sys.stdout
        )
        return 2
    json.dump(
        {"registrations": [as_json(r) for r in run.registrations], "outputs": run.outputs},
        sys.stdout,
        default=str,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
