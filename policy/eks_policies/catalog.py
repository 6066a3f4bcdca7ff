"""The policy table of policy/README.md, generated from the policies themselves.

Print it with `cd policy && ../venv/bin/python -m eks_policies.catalog`; a test keeps the
README's copy identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from ._policy import BaselinePolicy
from .pack_config import load_config_file, reconcile

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"

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


if __name__ == "__main__":
    from . import ALL_POLICIES

    print(render_policy_table(ALL_POLICIES))
