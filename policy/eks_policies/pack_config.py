"""`--policy-pack-config` handling, as the Pulumi CLI does it, for offline runs and tests.

The CLI (ReconcilePolicyPackConfig) starts from each policy's level and schema defaults,
applies the file's `"all"` level, then each policy's entry (a bare level string, or an object
with `enforcementLevel` and config properties), validates against the schema and sends every
policy's level and properties through `Configure`. The CLI ignores unknown policy names and
properties; here they are errors, so a typo in a config file cannot silently do nothing.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import EnforcementLevel

from ._policy import BaselinePolicy, resolve_config

ALL = "all"
LEVEL_KEY = "enforcementLevel"
LEVELS = {level.value: level for level in EnforcementLevel}
_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "boolean": (bool,),
    "string": (str,),
    "array": (list,),
    "object": (dict,),
    "number": (int, float),
    "integer": (int, float),
}


class PackConfigError(ValueError):
    """The pack config is invalid; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid policy pack config:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class PolicyConfig:
    """What `Configure` sends for one policy: its level and its properties (defaults filled in)."""

    level: EnforcementLevel
    properties: dict[str, Any]


def load_config_file(path: str | Path) -> dict[str, Any]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise PackConfigError([f"{path}: the top level must be a JSON object"])
    return data


def _value_problems(where: str, value: Any, schema: Mapping[str, Any]) -> list[str]:
    expected = schema.get("type")
    types = _JSON_TYPES.get(str(expected), (object,))
    if isinstance(value, bool) and bool not in types:
        return [f"{where}: expected {expected}, got a boolean"]
    if not isinstance(value, types):
        return [f"{where}: expected {expected}, got {type(value).__name__}"]
    if expected == "integer" and float(value) != int(value):
        return [f"{where}: expected an integer, got {value}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {value!r} is not one of {schema['enum']}")
    for bound, ok in (("minimum", lambda b: value >= b), ("maximum", lambda b: value <= b)):
        if bound in schema and isinstance(value, int | float) and not ok(schema[bound]):
            problems.append(f"{where}: {value} is out of range ({bound} {schema[bound]})")
    if expected == "array" and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            problems.extend(_value_problems(f"{where}[{index}]", item, schema["items"]))
    return problems


def _level(where: str, value: Any, problems: list[str]) -> EnforcementLevel | None:
    if isinstance(value, str) and value in LEVELS:
        return LEVELS[value]
    problems.append(f"{where}: {value!r} is not an enforcement level ({', '.join(LEVELS)})")
    return None


def reconcile(
    policies: Iterable[BaselinePolicy], file_config: Mapping[str, Any] | None
) -> dict[str, PolicyConfig]:
    """Every policy's effective level and properties under `file_config`; raises PackConfigError."""
    policies = list(policies)
    file_config = dict(file_config or {})
    problems: list[str] = []
    by_name = {p.name: p for p in policies}
    for key in file_config:
        if key != ALL and key not in by_name:
            near = difflib.get_close_matches(key, [*by_name, ALL], n=1, cutoff=0.6)
            hint = f" (did you mean {near[0]}?)" if near else ""
            problems.append(f"{key}: no such policy in the pack{hint}")
    all_level = _level(ALL, file_config[ALL], problems) if ALL in file_config else None

    result: dict[str, PolicyConfig] = {}
    for policy in policies:
        level = all_level or policy.info.level
        given: dict[str, Any] = {}
        entry = file_config.get(policy.name)
        if isinstance(entry, str):
            level = _level(policy.name, entry, problems) or level
        elif isinstance(entry, Mapping):
            for key, value in entry.items():
                if key == LEVEL_KEY:
                    level = _level(f"{policy.name}.{key}", value, problems) or level
                    continue
                schema = policy.config_schema.properties.get(key) if policy.config_schema else None
                if schema is None:
                    problems.append(f"{policy.name}.{key}: not a config property of this policy")
                    continue
                problems.extend(_value_problems(f"{policy.name}.{key}", value, schema))
                given[key] = value
        elif entry is not None:
            problems.append(
                f"{policy.name}: expected a level string or an object, got {type(entry).__name__}"
            )
        result[policy.name] = PolicyConfig(level, resolve_config(policy.info.settings, given))
    if problems:
        raise PackConfigError(problems)
    return result
