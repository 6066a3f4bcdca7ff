"""The configuration reference (docs/configuration.md), generated from the declarations: one row per key."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from components.base.config.declare import walk

TABLE_START = "<!-- config-table:start -->"
TABLE_END = "<!-- config-table:end -->"


def _default(value: Any) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return f"`{', '.join(value)}`" if value else "`[]`"
    if isinstance(value, Mapping) and not value:
        return "`{}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def rows(cls: type) -> Iterator[tuple[str, str, str, str]]:
    """(key, type, default, meaning) of every value `cls` declares, and of every list of objects."""
    for found in walk(cls):
        declaration = found.declaration
        if declaration.section is not None and not declaration.many:
            continue  # an object of settings: its keys have rows of their own
        if declaration.required:
            default = "(required)"
        elif declaration.default_doc is not None:
            default = declaration.default_doc
        else:
            default = _default(getattr(found.owner(), found.field.name))
        if declaration.default_note:
            default = f"{default}, {declaration.default_note}"
        kind = "list of objects" if declaration.many else declaration.kind.doc
        yield found.key, kind, default, declaration.doc


def render_table(cls: type) -> str:
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    lines += [f"| `{key}` | {kind} | {default} | {doc} |" for key, kind, default, doc in rows(cls)]
    return "\n".join(lines)
