"""Every declared key, read the way the CLI hands it over: each boolean from "true"/"False" and
refused as "no" or 1, each integer at both ends of its range and refused one step outside,
each choice accepted exactly and its near misses refused; the key is named every time."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.base.config import SettingsError
from components.base.config.declare import Declared, walk
from components.base.config.kinds import Boolean, Integer, OneOf, Text
from components.stack.settings import Settings, load_settings

# The owner, and a runner that reaches the API endpoint, so that `controllers.enabled` alone
# makes a valid document too.
BASE_DOCUMENT = {
    "owner": "platform-team",
    "cluster": {"endpointAccess": {"securityGroupIds": ["sg-0123456789abcdef0"]}},
}
ITEM_REQUIRED = {"nodeGroups": {"name": "system"}, "taints": {"key": "dedicated"}}
ADDON = "metrics-server"  # optional: every override key may be set on it


def keys_of(kind: type) -> list[Declared]:
    return [found for found in walk(Settings) if isinstance(found.declaration.kind, kind)]


def concrete(key: str) -> str:
    return key.replace("[]", "[0]").replace("<add-on>", ADDON)


def document(key: str, value: Any) -> dict[str, Any]:
    """The base document and `key` set to `value`; list items get their required keys."""
    raw: dict[str, Any] = copy.deepcopy(BASE_DOCUMENT)
    node = raw
    *parents, last = concrete(key).split(".")
    for part in parents:
        name, _, index = part.partition("[")
        if index:
            node[name] = [dict(ITEM_REQUIRED[name])]
            node = node[name][0]
        else:
            node = node.setdefault(name, {})
    node[last] = value
    return raw


def read(key: str, value: Any) -> tuple[Settings | None, list[str]]:
    try:
        return load_settings(document(key, value), "dev"), []
    except SettingsError as error:
        return None, error.problems


def value_at(settings: Settings, key: str) -> Any:
    """The parsed value of a walk key, following the declared field names."""
    node: Any = settings
    for part in concrete(key).split("."):
        name, _, index = part.partition("[")
        if isinstance(node, dict):
            node = node[part]
            continue
        found = next(f for f in walk(type(node)) if f.key == name)
        node = getattr(node, found.field.name)
        if index:
            node = node[0]
    return node


def about(key: str, problems: list[str]) -> list[str]:
    return [p for p in problems if p.startswith(f"eks-platform:{concrete(key)} = ")]


BOOLEANS = [found.key for found in keys_of(Boolean)]
INTEGERS = [(found.key, found.declaration.kind) for found in keys_of(Integer)]
CHOICES = [
    (found.key, found.declaration.kind) for found in keys_of(Text) if found.declaration.kind.choices
]


def test_the_walk_finds_the_keys_these_tests_cover():
    assert {
        "network.interfaceEndpoints",
        "controllers.enabled",
        "addons.overrides.<add-on>.enabled",
    } <= set(BOOLEANS)
    assert {"network.azCount", "compute.nodeGroups[].metadataHopLimit"} <= {k for k, _ in INTEGERS}
    assert {"network.natMode", "compute.nodeGroups[].taints[].effect"} <= {k for k, _ in CHOICES}


@pytest.mark.parametrize("key", BOOLEANS)
def test_booleans_from_the_cli(key):
    for given, parsed in (("true", True), ("False", False), ("TRUE", True), (False, False)):
        settings, problems = read(key, given)
        assert settings is not None, problems  # no boolean alone makes a document invalid
        assert value_at(settings, key) is parsed


@pytest.mark.parametrize("key", BOOLEANS)
def test_booleans_refuse_anything_but_true_and_false(key):
    for given in ("no", 1, "1", "yes", 0, "off"):
        _, problems = read(key, given)
        assert about(key, problems) == [
            f"eks-platform:{concrete(key)} = {json.dumps(given)}: must be true or false"
        ]


@pytest.mark.parametrize(("key", "kind"), INTEGERS, ids=[k for k, _ in INTEGERS])
def test_integers_at_both_ends_of_their_range_as_numbers_or_text(key, kind):
    for given, parsed in ((kind.low, kind.low), (str(kind.high), kind.high)):
        settings, problems = read(key, given)
        # (a rule between keys may still refuse it: desiredSize 0 is below the default minSize)
        assert not [p for p in about(key, problems) if "must be an integer" in p], problems
        if settings is not None:
            assert value_at(settings, key) == parsed


@pytest.mark.parametrize(("key", "kind"), INTEGERS, ids=[k for k, _ in INTEGERS])
def test_integers_one_step_outside_their_range_or_not_integers_are_refused(key, kind):
    for given in (kind.low - 1, kind.high + 1, "two", 2.5, True):
        _, problems = read(key, given)
        [problem] = about(key, problems)
        assert f": must be an integer from {kind.low} to {kind.high}" in problem


@pytest.mark.parametrize(("key", "kind"), CHOICES, ids=[k for k, _ in CHOICES])
def test_every_choice_is_accepted_exactly_and_its_near_misses_refused(key, kind):
    for choice in kind.choices:
        settings, problems = read(key, choice)
        assert not about(key, problems), problems
        if settings is not None:
            assert value_at(settings, key) == choice
        for near in {choice.upper(), choice.lower(), f"{choice} ", choice.replace("-", "_")} - {
            choice
        }:
            _, problems = read(key, near)
            assert about(key, problems) == [
                f'eks-platform:{concrete(key)} = "{near}": must be one of {", ".join(kind.choices)}'
            ]


# CloudWatch Logs' retentionInDays values (PutRetentionPolicy), written out rather than imported.
CLOUDWATCH_RETENTION_DAYS = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
]  # fmt: skip


def test_retention_is_declared_with_exactly_cloudwatchs_values():
    [found] = [f for f in keys_of(OneOf) if f.key == "logRetentionDays"]
    assert list(found.declaration.kind.values) == CLOUDWATCH_RETENTION_DAYS


def test_every_cloudwatch_retention_is_accepted_and_its_neighbours_refused():
    for days in CLOUDWATCH_RETENTION_DAYS:
        assert (
            load_settings({**BASE_DOCUMENT, "logRetentionDays": days}, "dev").log_retention_days
            == days
        )
        assert (
            load_settings(
                {**BASE_DOCUMENT, "logRetentionDays": str(days)}, "dev"
            ).log_retention_days
            == days
        )
        for neighbour in {days - 1, days + 1} - set(CLOUDWATCH_RETENTION_DAYS):
            _, problems = read("logRetentionDays", neighbour)
            [problem] = problems
            assert problem.startswith(
                f"eks-platform:logRetentionDays = {neighbour}: must be a CloudWatch Logs retention: one of 1, 3,"
            )


def test_retention_refuses_never_expire_booleans_floats_and_text():
    for given in (0, "0", True, 30.0, "30 days", "forever", -30):
        _, problems = read("logRetentionDays", given)
        assert len(about("logRetentionDays", problems)) == 1, given
