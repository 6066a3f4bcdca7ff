"""`python -m fleet bump <key> <value>`: one setting changed in many stack files, each file edited
as text so its comments and layout stay as written. PyYAML drops comments and ruamel.yaml
re-indents what it does not recognise; a stack file's settings are a block mapping two levels
deep at most above the scalar a bump changes, so the edit is one line replaced or a few lines
inserted, and the file is parsed again afterwards: if it does not read as exactly the intended
change, nothing is written."""

from __future__ import annotations

import copy
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.base.config import PROJECT, SettingsError
from components.base.config.declare import walk
from components.base.config.kinds import Boolean, Integer, Invalid, OneOf, Text

SCALAR_KINDS = (Text, Integer, OneOf, Boolean)  # what one line `key: value` holds

# A mapping key at the start of a line: `<indent><key>:` then a value, a comment or nothing.
KEY_LINE = re.compile(r"^(?P<indent> *)(?P<key>\"[^\"]*\"|'[^']*'|[^\s#][^#]*?):(?:\s|$)")
# A scalar value and what follows it on its line (a trailing comment is kept).
VALUE = re.compile(
    r"^(?P<head> *[^\s#].*?:(?=[ \t\r\n]|$)[ \t]*)(?P<value>\"(?:[^\"\\]|\\.)*\"|'(?:[^']|'')*'|[^#\r\n]*?)"
    r"(?P<tail>[ \t]+#[^\r\n]*)?(?P<eol>\r?\n)?$"
)


ROOT = Path(__file__).resolve().parents[1]


class BumpError(ValueError):
    """The key or value cannot be bumped, or a file cannot be edited safely."""


@dataclass(frozen=True)
class Key:
    """A scalar setting: its path in the stack file's `config:` mapping, and its kind."""

    path: tuple[str, ...]  # e.g. ("eks-platform:addons", "overrides", "coredns", "version")
    kind: Any  # a config.kinds kind: reads the value given on the command line

    def value(self, text: str) -> Any:
        try:
            return self.kind.read(text)
        except Invalid as invalid:
            raise BumpError(
                f"{'.'.join(self.dotted)} = {text!r}: {'; '.join(invalid.texts)}"
            ) from None

    @property
    def dotted(self) -> tuple[str, ...]:
        return (self.path[0].removeprefix(f"{PROJECT}:"), *self.path[1:])


def settings_key(dotted: str) -> Key:
    """The declared scalar setting `dotted` names (`kubernetesVersion`,
    `addons.overrides.coredns.version`, `controllers.karpenterChartVersion`); BumpError for a
    key nothing declares, an object, or a key inside a list."""
    from components.stack.settings import Settings

    parts = dotted.split(".")
    scalars = []
    for found in walk(Settings):
        declared = found.key.split(".")
        kind = found.declaration.kind
        if not isinstance(kind, SCALAR_KINDS) or "[]" in found.key:
            continue
        scalars.append(found.key)
        if len(declared) != len(parts):
            continue
        if all(
            d == p or (d.startswith("<") and _entry_allowed(found, p))
            for d, p in zip(declared, parts, strict=True)
        ):
            return Key((f"{PROJECT}:{parts[0]}", *parts[1:]), found.declaration.kind)
    near = difflib.get_close_matches(dotted, scalars, n=4, cutoff=0.5)
    raise BumpError(
        f"{dotted} is not a setting a bump can change (a string, number or boolean, not an "
        "object, a list or a list item)" + (f"; did you mean {', '.join(near)}?" if near else "")
    )


def _entry_allowed(found: Any, name: str) -> bool:
    """Whether `name` may fill a keyed section's placeholder (an add-on's name)."""
    from components.stack.settings import Settings

    owner_key = found.key.split(".<")[0]
    section = next(w for w in walk(Settings) if w.key == owner_key)
    return name in (section.declaration.keyed_by or ())


def _scalar(value: Any) -> str:
    """The value as YAML: strings double-quoted (an unquoted 1.30 is the number 1.3)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(str(value))


def _content(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _block_end(lines: Sequence[str], start: int, indent: int) -> int:
    """The index after the last line of the block that starts after line `start` (its lines are
    indented deeper than `indent`)."""
    end = start + 1
    for index in range(start + 1, len(lines)):
        if _content(lines[index]):
            if _indent(lines[index]) <= indent:
                break
            end = index + 1
    return end


def _find(lines: Sequence[str], begin: int, end: int, indent: int, key: str) -> int | None:
    for index in range(begin, end):
        found = KEY_LINE.match(lines[index])
        if found and len(found["indent"]) == indent and found["key"].strip("\"'") == key:
            return index
    return None


def edit(text: str, path: Sequence[str], value: Any) -> str:
    """`text` (a stack file) with config.<path> set to `value`, every other line as it was."""
    lines = text.splitlines(keepends=True)
    eol = "\r\n" if text.endswith("\r\n") else "\n"
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += eol
    top = _find(lines, 0, len(lines), 0, "config")
    if top is None:
        raise BumpError("no `config:` mapping at the top of the file")
    children = [lines[i] for i in range(top + 1, _block_end(lines, top, 0)) if _content(lines[i])]
    step = _indent(children[0]) if children else 2
    parent, indent = top, step
    for depth, key in enumerate(path):
        end = _block_end(lines, parent, indent - step)
        at = _find(lines, parent + 1, end, indent, key)
        last = depth == len(path) - 1
        if at is None:
            new = [f"{' ' * (indent + step * i)}{k}:{eol}" for i, k in enumerate(path[depth:-1])]
            deepest = indent + step * (len(path) - depth - 1)
            new.append(f"{' ' * deepest}{path[-1]}: {_scalar(value)}{eol}")
            lines[_insertion(lines, parent, end, indent, single=last) : 0] = new
            return "".join(lines)
        if last:
            found = VALUE.match(lines[at])
            if not found or found["value"].strip()[:1] in ("|", ">", "{", "[", "&", "*", "!"):
                raise BumpError(f"line {at + 1} does not hold a plain value: edit it by hand")
            lines[at] = f"{found['head']}{_scalar(value)}{found['tail'] or ''}{found['eol'] or eol}"
            return "".join(lines)
        rest = VALUE.match(lines[at])
        if rest and rest["value"].strip():
            raise BumpError(
                f"line {at + 1}: {key} is written inline ({rest['value'].strip()}); a bump edits "
                "block mappings only: edit it by hand"
            )
        parent, indent = at, indent + step
    raise AssertionError("unreachable: the loop returns")


def _insertion(lines: Sequence[str], parent: int, end: int, indent: int, single: bool) -> int:
    """Where a new key goes in the block after line `parent`: a scalar after the block's last
    scalar at `indent` (beside its siblings, before nested sections), else at the block's end."""
    if single:
        scalars = [
            i
            for i in range(parent + 1, end)
            if _content(lines[i])
            and _indent(lines[i]) == indent
            and (m := VALUE.match(lines[i]))
            and m["value"].strip()
        ]
        if scalars:
            return scalars[-1] + 1
    return end


def with_value(config: dict[str, Any], path: Sequence[str], value: Any) -> dict[str, Any]:
    """The parsed stack file with config.<path> set: what the edited text must read as."""
    changed = copy.deepcopy(config)
    node = changed.setdefault("config", {})
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = value
    return changed


def bump_file(path: Path, key: Key, value: Any) -> str | None:
    """The new text of the stack file at `path`, None when it already holds `value`."""
    text = path.read_text()
    before = yaml.safe_load(text) or {}
    node: Any = before.get("config") or {}
    for part in key.path:
        node = node.get(part) if isinstance(node, dict) else None
    if node == value:
        return None
    try:
        new = edit(text, key.path, value)
    except BumpError as error:
        raise BumpError(f"{path.name}: {error}") from None
    if yaml.safe_load(new) != with_value(before, key.path, value):
        raise BumpError(
            f"{path.name}: the edit would change more than {'.'.join(key.dotted)}: edit it by hand"
        )
    return new


def bump_fleet(
    stacks: Sequence[str], key_text: str, value_text: str, project_dir: Path = ROOT
) -> list[str]:
    """Set `key_text` to `value_text` in each stack's file; every stack's new settings are
    checked (as `pulumi up` would read them) before any file is written. The stacks edited;
    BumpError lists every problem."""
    from components.base.config.pulumi_config import project_config
    from components.stack.settings import load_settings

    key = settings_key(key_text)
    value = key.value(value_text)
    edits: dict[Path, str] = {}
    problems: list[str] = []
    for stack in stacks:
        path = project_dir / f"Pulumi.{stack}.yaml"
        try:
            new = bump_file(path, key, value)
            if new is None:
                continue
            config = (yaml.safe_load(new) or {}).get("config") or {}
            load_settings(project_config(config), stack)
            edits[path] = new
        except SettingsError as error:
            problems += [f"{path.name}: {p}" for p in error.problems]
        except BumpError as error:
            problems.append(str(error))
    if problems:
        raise BumpError("\n".join(problems))
    for path, text in edits.items():
        path.write_text(text)
    return [p.name[len("Pulumi.") : -len(".yaml")] for p in edits]
