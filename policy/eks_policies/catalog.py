"""The policy table of policy/README.md, generated from the policies themselves.

Print it with `cd policy && ../venv/bin/python -m eks_policies.catalog`; a test keeps the
README's copy identical.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from ._policy import BaselinePolicy

TABLE_START = "<!-- policy-table:start -->"
TABLE_END = "<!-- policy-table:end -->"


def _settings(policy: BaselinePolicy) -> str:
    return "<br>".join(
        f"`{key}` = `{json.dumps(schema.get('default'))}`"
        for key, schema in policy.info.settings.items()
    )


def render_policy_table(policies: Iterable[BaselinePolicy]) -> str:
    lines = [
        "| Policy | Default level | Kind | What it checks | Benchmark ids | Config (defaults) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for policy in policies:
        info = policy.info
        lines.append(
            f"| `{info.name}` | {info.level.value} | {info.kind} | {info.summary} "
            f"| {info.benchmarks.label() or '-'} | {_settings(policy) or '-'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    from . import ALL_POLICIES

    print(render_policy_table(ALL_POLICIES))
