"""The generic reader on small declared documents: defaults, every problem at once with its key,
unknown keys at every level, nested objects, lists and keyed objects, rules between keys."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pytest

from components.base.config import (
    Check,
    ReadContext,
    SettingsError,
    keyed_sections,
    read_document,
    section,
    sections,
    setting,
)
from components.base.config.declare import walk
from components.base.config.kinds import Boolean, Integer, Text
from components.base.config.merge import deep_merge
from components.base.config.reference import render_table

CONTEXT = ReadContext("dev", dt.date(2026, 11, 25))


@dataclass(frozen=True)
class Item:
    name: str = setting("name", Text(), default="", required="a name", doc="Its name.")
    size: int = setting("size", Integer(1, 9), default=3, doc="Its size.")


@dataclass(frozen=True)
class Part:
    on: bool = setting("on", Boolean(), default=False, doc="Switch.")
    low: int = setting("low", Integer(0, 9), default=1, doc="Low end.")
    high: int = setting("high", Integer(0, 9), default=5, doc="High end.")

    def checked(self, check: Check) -> Part:
        if self.low > self.high:
            check.fail("low", self.low, f"at most high ({self.high})")
        if self.on:
            check.warn(f"{check.key('on')} is on")
        return self


@dataclass(frozen=True)
class Document:
    title: str = setting("title", Text(), default="untitled", doc="Title.")
    part: Part = section("part", Part)
    items: tuple[Item, ...] = sections("items", Item, doc="Items.", default=(Item("one"),))
    named: Mapping[str, Part] = keyed_sections(
        "named", Part, keys=("a", "b"), allowed="keyed by a or b", label="<name>", doc="Parts."
    )
    warnings: tuple[str, ...] = ()


def read(raw: dict) -> Document:
    return read_document(Document, raw, CONTEXT)


def problems(raw: dict) -> list[str]:
    with pytest.raises(SettingsError) as error:
        read(raw)
    return error.value.problems


def test_absent_keys_take_their_declared_defaults():
    assert read({}) == Document(title="untitled", part=Part(), items=(Item("one"),), named={})


def test_given_values_are_read_at_every_level():
    document = read(
        {"title": "t", "part": {"on": "true", "low": "2"}, "items": [{"name": "x", "size": 9}],
         "named": {"b": {"high": 8}}}
    )  # fmt: skip
    assert document.title == "t" and document.part == Part(on=True, low=2)
    assert document.items == (Item("x", 9),) and document.named == {"b": Part(high=8)}
    assert document.warnings == ("part.on is on",)


def test_every_problem_at_once_each_naming_its_full_key():
    assert problems(
        {
            "title": "",
            "part": {"low": 11, "on": "no"},
            "items": [{"size": 0}, "x"],
            "named": {"c": {}, "a": {"high": -1}},
        }
    ) == [
        'eks-platform:title = "": must be a non-empty string',
        'eks-platform:part.on = "no": must be true or false',
        "eks-platform:part.low = 11: must be an integer from 0 to 9",
        "eks-platform:items[0].name = null: must be a name",
        "eks-platform:items[0].size = 0: must be an integer from 1 to 9",
        'eks-platform:items[1] = "x": must be an object (a YAML mapping)',
        "eks-platform:items[1].name = null: must be a name",
        "eks-platform:named.c = {}: must be keyed by a or b",
        "eks-platform:named.a.high = -1: must be an integer from 0 to 9",
    ]


def test_rules_between_keys_see_the_values_read():
    assert problems({"part": {"low": 6}}) == ["eks-platform:part.low = 6: must be at most high (5)"]


def test_unknown_keys_are_reported_at_every_level_with_the_known_ones():
    assert problems({"titel": 1, "part": {"hi": 1}, "items": [{"name": "x", "sise": 1}]}) == [
        "eks-platform:part.hi is not a known setting; known keys here: high, low, on",
        "eks-platform:items[0].sise is not a known setting; known keys here: name, size",
        "eks-platform:titel is not a known setting; known keys here: items, named, part, title",
    ]


def test_a_section_or_list_of_the_wrong_shape_is_one_problem():
    assert problems({"part": "x"}) == [
        'eks-platform:part = "x": must be an object (a YAML mapping)'
    ]
    assert problems({"items": {"name": "x"}}) == [
        'eks-platform:items = {"name": "x"}: must be a list of objects'
    ]


@dataclass(frozen=True)
class Probe:
    """Records what `given` answered for its one key."""

    size: int = setting("size", Integer(1, 9), default=3, doc="")
    answers: tuple[bool, ...] = ()

    def checked(self, check: Check) -> Probe:
        return dataclasses.replace(self, answers=(check.given("size"),))


@dataclass(frozen=True)
class ProbeDocument:
    probe: Probe = section("probe", Probe)
    warnings: tuple[str, ...] = ()


@pytest.mark.parametrize(
    ("raw", "given"), [({}, False), ({"size": None}, False), ({"size": 4}, True)]
)
def test_given_means_set_to_an_accepted_value(raw, given):
    assert read_document(ProbeDocument, {"probe": raw}, CONTEXT).probe.answers == (given,)


def test_a_refused_value_is_not_given_and_the_default_applies():
    problems: list[str] = []
    probe = Check("probe", {"size": 99}, problems, [], CONTEXT)
    from components.base.config.reader import _read

    assert _read(Probe, probe) == Probe(size=3, answers=(False,))
    assert problems == ["eks-platform:probe.size = 99: must be an integer from 1 to 9"]


def test_walk_names_every_key_once_in_declaration_order():
    assert [found.key for found in walk(Document)] == [
        "title", "part", "part.on", "part.low", "part.high", "items", "items[].name",
        "items[].size", "named", "named.<name>.on", "named.<name>.low", "named.<name>.high",
    ]  # fmt: skip


def test_reference_table_rows_come_from_the_declarations():
    table = render_table(Document).splitlines()
    assert table[2] == "| `title` | string | `untitled` | Title. |"
    assert "| `items[].name` | string | (required) | Its name. |" in table
    assert "| `named.<name>.high` | int 0-9 | `5` | High end. |" in table
    assert not any(row.startswith("| `part` ") for row in table)  # objects have no row of their own


def test_deep_merge_merges_objects_and_replaces_the_rest():
    assert deep_merge({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {
        "a": {"b": 3, "c": 2},
        "d": [2],
    }
    assert deep_merge({"a": 1}, None) is None and deep_merge(None, {"a": 1}) == {"a": 1}
