"""Reading a config document against a settings class's declarations, recording every problem
instead of stopping at the first one."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

from components.base.config.declare import Check, Declaration, ReadContext, declarations
from components.base.config.kinds import Invalid
from components.base.config.problems import PROJECT, SettingsError

T = TypeVar("T")
_ABSENT = object()


def read_document(cls: type[T], raw: Mapping[str, Any], context: ReadContext) -> T:
    """`raw` (keys without the project prefix) read as `cls`; SettingsError lists every problem.
    The warnings rules raise end up in the settings' `warnings` field."""
    problems: list[str] = []
    warnings: list[str] = []
    settings = _read(cls, Check("", dict(raw), problems, warnings, context))
    if problems:
        raise SettingsError(problems)
    return dataclasses.replace(settings, warnings=tuple(warnings))  # type: ignore[type-var]


def _read(cls: type[T], check: Check) -> T:
    values: dict[str, Any] = {}
    for field, declaration in declarations(cls):
        given = check.raw.get(declaration.key)
        if given is None:  # absent: the default, or the nested section's defaults
            if declaration.required:
                check.fail(declaration.key, None, declaration.required)
            if declaration.section and not (declaration.many or declaration.keyed_by):
                values[field.name] = _read(declaration.section, _open(check, declaration.key))
            continue
        value = _value(declaration, given, check)
        if value is not _ABSENT:
            values[field.name] = value
            check.valid.add(declaration.key)
    settings = cls(**values)
    checked = getattr(settings, "checked", None)
    if checked is not None:
        settings = checked(check)
    known = sorted(declaration.key for _, declaration in declarations(cls))
    for name in sorted(set(check.raw) - set(known)):
        check.problems.append(
            f"{PROJECT}:{check.key(name)} is not a known setting; known keys here: {', '.join(known)}"
        )
    return settings


def _value(declaration: Declaration, given: Any, check: Check) -> Any:
    """The value of one key, or _ABSENT (the default applies) after recording why it is refused."""
    key = declaration.key
    if declaration.section is None:
        try:
            return declaration.kind.read(given)
        except Invalid as invalid:
            for text in invalid.texts:
                check.problem(key, given, text)
            return _ABSENT
    if declaration.many:
        if not isinstance(given, list):
            check.fail(key, given, "a list of objects")
            return _ABSENT
        return tuple(_read(declaration.section, _open(check, key, i)) for i in range(len(given)))
    nested = _open(check, key)
    if declaration.keyed_by is None:
        return _read(declaration.section, nested)
    entries = {}
    for name, entry in nested.raw.items():
        if name in declaration.keyed_by:
            entries[name] = _read(declaration.section, _open(nested, name))
        else:
            nested.fail(name, entry, declaration.keyed_by_allowed)
    return entries


def _open(check: Check, key: str, index: int | None = None) -> Check:
    """The check of the object under `key` (or of item `index` of the list under it); a value
    that is not an object is a problem, and reads as an empty one (its defaults)."""
    value = check.raw.get(key)
    path = check.key(key)
    if index is not None:
        value, path = value[index], f"{path}[{index}]"
    nested = Check(path, {}, check.problems, check.warnings, check.context)
    if isinstance(value, Mapping):
        nested.raw = dict(value)
    elif value is not None:
        nested.fail("", value, "an object (a YAML mapping)")
    return nested
