"""What a setting's value may be: each kind converts a config value (as YAML or the CLI gives it)
or raises `Invalid` with the text that completes "<key> = <value>: ...". Kinds check the shape
of one value; rules between values live in the section that declares them."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class Invalid(ValueError):
    """A refused value; each argument is one problem's text after "<key> = <value>: "."""

    def __init__(self, *texts: str) -> None:
        super().__init__(*texts)
        self.texts = texts


def must_be(allowed: str) -> Invalid:
    return Invalid(f"must be {allowed}")


def decode_json(value: Any) -> Any:
    """The CLI passes structured values as JSON strings; anything else is returned as given."""
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class Text:
    """A non-empty string (numbers are taken as their text); optionally one of `choices` or
    matching `pattern`, which `allowed` then describes."""

    choices: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    allowed: str = ""
    type_doc: str = "string"

    @property
    def describes(self) -> str:
        if self.allowed:
            return self.allowed
        return f"one of {', '.join(self.choices)}" if self.choices else "a non-empty string"

    @property
    def doc(self) -> str:
        return " \\| ".join(f"`{c}`" for c in self.choices) if self.choices else self.type_doc

    def read(self, value: Any) -> str:
        plain = isinstance(value, str | int | float) and not isinstance(value, bool)
        text = str(value) if plain else ""
        if (
            not text
            or (self.choices and text not in self.choices)
            or (self.pattern and not self.pattern.match(text))
        ):
            raise must_be(self.describes)
        return text


@dataclass(frozen=True)
class Integer:
    """An integer from `low` to `high`, or its decimal text; never a boolean or a float."""

    low: int
    high: int
    note: str = ""  # what the number is, when the key alone does not say

    @property
    def doc(self) -> str:
        return f"int {self.low}-{self.high}"

    def read(self, value: Any) -> int:
        number = None
        if not isinstance(value, bool):
            try:
                number = int(str(value))
            except ValueError:
                number = None
        if number is None or not self.low <= number <= self.high:
            note = f" ({self.note})" if self.note else ""
            raise must_be(f"an integer from {self.low} to {self.high}{note}")
        return number


@dataclass(frozen=True)
class OneOf:
    """One of a fixed list of integers (or their decimal text)."""

    values: tuple[int, ...]
    label: str  # what the list is, e.g. "a CloudWatch Logs retention"
    doc: str = "int"

    def read(self, value: Any) -> int:
        text = str(value)
        if not text.isdigit() or int(text) not in self.values:
            raise must_be(f"{self.label}: one of {', '.join(map(str, self.values))}")
        return int(text)


@dataclass(frozen=True)
class Boolean:
    """true or false, as YAML booleans or the CLI's strings (any case); nothing else."""

    doc: str = "bool"

    def read(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        parsed = {"true": True, "false": False}.get(str(value).lower())
        if parsed is None:
            raise must_be("true or false")
        return parsed


@dataclass(frozen=True)
class Strings:
    """A list of non-empty strings (or its JSON text)."""

    allowed: str = "a list of strings"
    doc: str = "list of strings"

    def read(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise must_be(self.allowed) from None
        if not isinstance(value, list) or not all(isinstance(i, str) and i for i in value):
            raise must_be(self.allowed)
        return tuple(value)


# Keys AWS tags and Kubernetes labels both accept: 1-128 letters, digits, spaces and _.:/=+-@
MAP_KEY = re.compile(r"^[\w.:/=+\-@ ]{1,128}$")


@dataclass(frozen=True)
class StringMap:
    """An object of string keys (matching `key_pattern`) to strings (numbers taken as text)."""

    key_pattern: re.Pattern[str] = MAP_KEY
    doc: str = "map string→string"

    def read(self, value: Any) -> dict[str, str]:
        valid = isinstance(value, Mapping) and all(
            isinstance(k, str) and self.key_pattern.match(k) and isinstance(v, str | int | float)
            for k, v in value.items()
        )
        if not valid:
            raise must_be("an object of string keys to string values")
        return {k: str(v) for k, v in value.items()}


@dataclass(frozen=True)
class JsonObject:
    """Any object (or its JSON text), kept as given: e.g. an add-on's configuration values."""

    allowed: str = "an object"
    doc: str = "object"

    def read(self, value: Any) -> Mapping[str, Any]:
        value = decode_json(value)
        if not isinstance(value, Mapping):
            raise must_be(self.allowed)
        return value


# AWS tags (Tagging AWS resources, "Tag naming limits and requirements"): keys 1-128 and values
# 0-256 characters of letters, digits, spaces and _.:/=+-@; neither may start with `aws:` in any
# case (reserved for AWS); at most 50 tags per resource.
TAG_TEXT = re.compile(r"^[\w.:/=+\-@ ]*$")
TAG_VALUE = re.compile(r"^(?![aA][wW][sS]:)[\w.:/=+\-@ ]{1,256}$")  # non-empty
TAG_CHARACTERS = "letters, digits, spaces and _ . : / = + - @"


def tag_problems(key: str, value: str) -> list[str]:
    """Why AWS would refuse the tag `key`=`value` (empty when it accepts it)."""
    problems = []
    if not 1 <= len(key) <= 128:
        problems.append(f"tag key {key!r} must be 1-128 characters (it has {len(key)})")
    if len(value) > 256:
        problems.append(
            f"tag {key!r}: the value must be at most 256 characters (it has {len(value)})"
        )
    for part, text in (("key", key), ("value", value)):
        if text.lower().startswith("aws:"):
            problems.append(f"tag {key!r}: the {part} may not start with 'aws:' (reserved for AWS)")
        if not TAG_TEXT.match(text):
            problems.append(f"tag {key!r}: the {part} may only hold {TAG_CHARACTERS}")
    return problems


@dataclass(frozen=True)
class Tags:
    """AWS tags: an object of tag keys to values AWS accepts (see `tag_problems`), at most
    `limit` of them (what a resource has room for beside the stack's own tags)."""

    limit: int
    doc: str = "map string→string"

    def read(self, value: Any) -> dict[str, str]:
        tags = StringMap(key_pattern=re.compile(r"^.*$", re.DOTALL)).read(value)
        problems = [p for k, v in tags.items() for p in tag_problems(k, v)]
        if len(tags) > self.limit:
            problems.append(f"must have at most {self.limit} tags (it has {len(tags)})")
        if problems:
            raise Invalid(*problems)
        return tags
