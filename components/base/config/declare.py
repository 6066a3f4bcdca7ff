"""Declaring settings: each key is a dataclass field that carries its config key, kind, doc and
default, stated once. `Check` is what a section's `checked` hook uses for rules between keys."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components.base.config.problems import problem_text

DECLARATION = "setting"  # the dataclass field metadata key holding a field's Declaration


@dataclass(frozen=True)
class ReadContext:
    """What rules may depend on besides the document: the stack's name and today's date."""

    stack: str
    today: dt.date


@dataclass(frozen=True)
class Declaration:
    key: str  # the camelCase config key
    doc: str  # what it means (the reference's "meaning" column)
    kind: Any = None  # a config.kinds kind (`read(value)`, `doc`), for plain values
    section: type | None = None  # the settings class of a nested object (or of list items)
    many: bool = False  # a list of `section` objects
    keyed_by: Collection[str] | None = None  # an object of `section` objects keyed by these names
    keyed_by_allowed: str = ""
    key_label: str = ""  # placeholder for the keys in the reference, e.g. "<add-on>"
    required: str | None = None  # the "must be ..." text when the key is missing
    default_doc: str | None = None  # the reference's default when there is no value to show
    default_note: str = ""  # said after the default value in the reference, e.g. "at least min"


def _field(declaration: Declaration, default: Any, default_factory: Any) -> Any:
    metadata = {DECLARATION: declaration}
    if default_factory is not None:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def setting(
    key: str,
    kind: Any,
    *,
    doc: str,
    default: Any = None,
    default_factory: Callable[[], Any] | None = None,
    required: str | None = None,
    default_doc: str | None = None,
    default_note: str = "",
) -> Any:
    """A plain value: `kind` reads it; `default` applies when the key is absent or invalid."""
    declaration = Declaration(
        key, doc, kind=kind, required=required, default_doc=default_doc, default_note=default_note
    )
    return _field(declaration, default, default_factory)


def section(key: str, cls: type) -> Any:
    """A nested object of settings, read with `cls`'s own declarations (absent: its defaults)."""
    return _field(Declaration(key, "", section=cls), None, cls)


def sections(key: str, cls: type, *, doc: str, default: tuple = (), default_doc: str = "") -> Any:
    """A list of objects, each read with `cls`'s declarations; `default` when the key is absent."""
    declaration = Declaration(key, doc, section=cls, many=True, default_doc=default_doc or None)
    return _field(declaration, default, None)


def keyed_sections(
    key: str, cls: type, *, keys: Collection[str], allowed: str, label: str, doc: str
) -> Any:
    """An object whose keys are some of `keys` and whose values are read with `cls`."""
    declaration = Declaration(
        key, doc, section=cls, keyed_by=keys, keyed_by_allowed=allowed, key_label=label
    )
    return _field(declaration, None, dict)


def declarations(cls: type) -> list[tuple[dataclasses.Field, Declaration]]:
    """The declared settings of a settings class, in declaration order."""
    return [
        (f, f.metadata[DECLARATION]) for f in dataclasses.fields(cls) if DECLARATION in f.metadata
    ]


@dataclass(frozen=True)
class Declared:
    """One declared key found by `walk`: its full key and where it is declared."""

    key: str  # e.g. "compute.nodeGroups[].taints[].effect", "addons.overrides.<add-on>.version"
    owner: type  # the settings class that declares it
    field: dataclasses.Field
    declaration: Declaration


def walk(cls: type, prefix: str = "") -> Iterator[Declared]:
    """Every key `cls` declares, nested sections' keys included, in declaration order: list
    items are `<key>[].<item key>`, entries of keyed sections `<key>.<label>.<entry key>`."""
    for field, declaration in declarations(cls):
        key = f"{prefix}{declaration.key}"
        yield Declared(key, cls, field, declaration)
        if declaration.section is None:
            continue
        if declaration.many:
            yield from walk(declaration.section, f"{key}[].")
        elif declaration.keyed_by is not None:
            yield from walk(declaration.section, f"{key}.{declaration.key_label}.")
        else:
            yield from walk(declaration.section, f"{key}.")


class Check:
    """One section of the document being read: where it is, what was given, where problems go.

    A settings class may define `checked(self, check) -> Self` for rules between its keys; it
    runs after every key (and nested section) has been read, and returns the settings to keep
    (for defaults that depend on other keys, `dataclasses.replace`)."""

    def __init__(
        self,
        path: str,
        raw: Mapping[str, Any],
        problems: list[str],
        warnings: list[str],
        context: ReadContext,
    ) -> None:
        self.path = path
        self.raw = dict(raw)
        self.problems = problems
        self.warnings = warnings
        self.context = context
        self.valid: set[str] = set()  # keys given with a value their kind accepted

    def key(self, name: str) -> str:
        """The full key of `name` in this section (without the project prefix)."""
        return f"{self.path}.{name}" if self.path else name

    def given(self, name: str) -> bool:
        """The key was set to a value its kind accepted (absent or refused: the default applies)."""
        return name in self.valid

    def problem(self, name: str, value: Any, text: str) -> None:
        """`<key> = <value>: <text>`, for texts that are not "must be ..."."""
        self.problems.append(problem_text(self.key(name) if name else self.path, value, text))

    def fail(self, name: str, value: Any, allowed: str) -> None:
        """`<key> = <value>: must be <allowed>`."""
        self.problem(name, value, f"must be {allowed}")

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def nested(self, name: str) -> Check:
        """The check of the object under `name`, for rules that reach into a nested section."""
        value = self.raw.get(name)
        return Check(
            self.key(name),
            value if isinstance(value, Mapping) else {},
            self.problems,
            self.warnings,
            self.context,
        )
