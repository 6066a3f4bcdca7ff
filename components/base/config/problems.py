"""How a settings problem is worded, and the error that carries all of them."""

from __future__ import annotations

import json
from typing import Any

# The Pulumi project (Pulumi.yaml `name`): the namespace of every setting, `eks-platform:<key>`.
PROJECT = "eks-platform"


def problem_text(key: str, value: Any, text: str) -> str:
    """`eks-platform:<key> = <value as JSON>: <text>`: the key, the value given, what is allowed."""
    return f"{PROJECT}:{key} = {json.dumps(value)}: {text}"


class SettingsError(ValueError):
    """The stack's config is invalid; `problems` lists every reason."""

    def __init__(self, problems: list[str], title: str = "invalid stack settings") -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{title} ({len(problems)} problem(s)):\n{lines}")
