"""Each kind reads exactly what YAML or the CLI (every value a string) may give, and refuses the
rest with the text that completes "<key> = <value>: ..."."""

import re

import pytest

from components.base.config.kinds import (
    Boolean,
    Integer,
    Invalid,
    JsonObject,
    OneOf,
    StringMap,
    Strings,
    Text,
)


def refused(kind, value) -> str:
    with pytest.raises(Invalid) as error:
        kind.read(value)
    [text] = error.value.texts
    return text


@pytest.mark.parametrize(
    ("given", "read"),
    [
        (True, True),
        (False, False),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        ("false", False),
    ],
)
def test_boolean_reads_booleans_and_their_cli_strings(given, read):
    assert Boolean().read(given) is read


@pytest.mark.parametrize("given", ["no", "yes", "on", "off", "1", 1, 0, "", "truthy", [True]])
def test_boolean_refuses_everything_else(given):
    assert refused(Boolean(), given) == "must be true or false"


@pytest.mark.parametrize(("given", "read"), [(2, 2), ("2", 2), (6, 6), ("6", 6)])
def test_integer_reads_numbers_and_their_cli_strings(given, read):
    assert Integer(2, 6).read(given) == read


@pytest.mark.parametrize("given", [1, 7, "7", True, False, 2.5, 3.0, "three", "", None, [3]])
def test_integer_refuses_out_of_range_booleans_floats_and_text(given):
    assert refused(Integer(2, 6), given) == "must be an integer from 2 to 6"


def test_integer_says_what_the_number_is():
    assert refused(Integer(17, 22, note="private subnet size"), 23) == (
        "must be an integer from 17 to 22 (private subnet size)"
    )


def test_one_of_reads_listed_numbers_only():
    kind = OneOf((1, 3, 5), "a retention")
    assert kind.read(3) == 3 and kind.read("5") == 5
    for value in (2, 4, "4", True, 3.0, -1, "x"):
        assert refused(kind, value) == "must be a retention: one of 1, 3, 5"


def test_text_reads_strings_and_numbers_as_text():
    assert Text().read("x") == "x" and Text().read(5) == "5" and Text().read(1.35) == "1.35"
    for value in ("", True, None, ["x"], {"a": 1}):
        assert refused(Text(), value) == "must be a non-empty string"


def test_text_choices_are_exact():
    kind = Text(("per-az", "single"))
    assert kind.read("single") == "single"
    for value in ("Single", "SINGLE", "single ", "per_az", "perAz"):
        assert refused(kind, value) == "must be one of per-az, single"


def test_text_pattern_says_what_it_allows():
    kind = Text(pattern=re.compile(r"^\d+$"), allowed="digits")
    assert kind.read("42") == "42"
    assert refused(kind, "4a") == "must be digits"


def test_strings_read_lists_and_their_json_text():
    assert Strings().read(["a", "b"]) == ("a", "b")
    assert Strings().read('["a", "b"]') == ("a", "b")
    assert Strings().read([]) == ()
    for value in ("a", "[1]", ["a", ""], ["a", 1], {"a": "b"}, '{"a": 1}'):
        assert refused(Strings(), value) == "must be a list of strings"


def test_string_maps_take_numbers_as_text_and_refuse_nested_values():
    assert StringMap().read({"team": "a", "cost-center": 42}) == {"team": "a", "cost-center": "42"}
    for value in ({"a": ["x"]}, {"a": {"b": 1}}, {"": "x"}, {"k" * 129: "x"}, "x", ["a"]):
        assert refused(StringMap(), value) == "must be an object of string keys to string values"


def test_json_objects_from_yaml_or_the_cli():
    assert JsonObject().read({"a": 1}) == {"a": 1}
    assert JsonObject().read('{"a": 1}') == {"a": 1}
    for value in ("[1]", "x", [1], 1):
        assert (
            refused(JsonObject(allowed="an object (values)"), value) == "must be an object (values)"
        )
