"""The policy table of policy/README.md, generated from the policies themselves: a column per
stack config (config/<stack>.json), so a new stack's config adds its column.

`cd policy && ../venv/bin/python -m eks_policies.catalog --write` rewrites the README's table in
place (without --write it prints the table); a test keeps the README's copy identical.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from ._policy import BaselinePolicy
from .pack_config import load_config_file, reconcile

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
README = CONFIG_DIR.parent / "README.md"
REFRESH = "cd policy && ../venv/bin/python -m eks_policies.catalog --write"

TABLE_START = "<!-- policy-table:start -->"
TABLE_END = "<!-- policy-table:end -->"


def _settings(policy: BaselinePolicy) -> str:
    return "<br>".join(
        f"`{key}` = `{json.dumps(schema.get('default'))}`"
        for key, schema in policy.info.settings.items()
    )


def render_policy_table(policies: Iterable[BaselinePolicy]) -> str:
    """One row per policy: its default level, then its level under each config/<stack>.json."""
    policies = list(policies)
    stacks = sorted(p.stem for p in CONFIG_DIR.glob("*.json"))
    levels = {s: reconcile(policies, load_config_file(CONFIG_DIR / f"{s}.json")) for s in stacks}
    lines = [
        "| Policy | Default level | "
        + "".join(f"{s} | " for s in stacks)
        + "Kind | What it checks | Benchmark ids | Config (defaults) |",
        "| --- " * (6 + len(stacks)) + "|",
    ]
    for policy in policies:
        info = policy.info
        per_stack = "".join(f"{levels[s][info.name].level.value} | " for s in stacks)
        lines.append(
            f"| `{info.name}` | {info.level.value} | {per_stack}{info.kind} | {info.summary} "
            f"| {info.benchmarks.label() or '-'} | {_settings(policy) or '-'} |"
        )
    return "\n".join(lines)


def with_table(readme: str, table: str) -> str:
    """The README text with the generated table between its markers replaced by `table`."""
    before, found, rest = readme.partition(TABLE_START)
    _, end, after = rest.partition(TABLE_END)
    if not (found and end):
        raise ValueError(f"the README lacks the {TABLE_START} ... {TABLE_END} markers")
    return f"{before}{TABLE_START}\n{table}\n{TABLE_END}{after}"


def main(argv: list[str] | None = None) -> int:
    from . import ALL_POLICIES

    parser = argparse.ArgumentParser(prog="python -m eks_policies.catalog")
    parser.add_argument("--write", action="store_true", help=f"rewrite the table in {README.name}")
    table = render_policy_table(ALL_POLICIES)
    if not parser.parse_args(argv).write:
        print(table)
        return 0
    current = README.read_text(encoding="utf-8")
    updated = with_table(current, table)
    if updated != current:
        README.write_text(updated, encoding="utf-8")
        print(f"wrote the policy table of {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
