"""Running one policy the way the analyzer does, and asserting on what it reports.

Resources are Registration-like records (`Res`: the shape `offline.recorder` records), run
through `offline.analyzer.evaluate`, which builds the same pulumi_policy args the analyzer
builds: props through a protobuf Struct round trip (ints become floats) and
`unknown_checking_proxy`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_STRING_VALUE

from eks_policies import ALL_POLICIES, BaselinePolicy
from preflight.offline.analyzer import Violation, evaluate

UNKNOWN_STR = UNKNOWN_STRING_VALUE
UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"
UNKNOWN_OBJECT = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff"
UNKNOWN_BOOL = UNKNOWN_BOOLEAN_VALUE
UNKNOWN_LIST = UNKNOWN_ARRAY_VALUE
POLICIES = {p.name: p for p in ALL_POLICIES}
ABSENT = object()  # marks a property to delete in `changed`


@dataclass
class Res:
    """A registration fixture: inputs double as outputs unless given; references by Res."""

    type: str
    name: str
    inputs: dict[str, Any]
    refs: Mapping[str, Sequence[Res]] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    parent: str | None = None
    custom: bool = True
    provider: str = ""
    protect: bool = False
    ignore_changes: tuple[str, ...] = ()
    extra_dependencies: Sequence[Res] = ()

    @property
    def urn(self) -> str:
        return f"urn:pulumi:test::eks-platform::{self.type}::{self.name}"

    @property
    def property_dependencies(self) -> dict[str, tuple[str, ...]]:
        return {key: tuple(r.urn for r in targets) for key, targets in self.refs.items()}

    @property
    def dependencies(self) -> tuple[str, ...]:
        urns = [r.urn for targets in self.refs.values() for r in targets]
        urns += [r.urn for r in self.extra_dependencies]
        return tuple(dict.fromkeys(urns))


def changed(props: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy with dotted paths (given with "__" for ".") set, or deleted with ABSENT."""
    result = copy.deepcopy(dict(props))
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = result
        for key in parents:
            node = node.setdefault(key, {})
        if value is ABSENT:
            node.pop(last, None)
        else:
            node[last] = value
    return result


def config_for(policy: BaselinePolicy, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    return {policy.name: dict(settings)} if settings else {}


def check(
    policy_name: str,
    resource_type: str,
    props: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
    name: str = "subject",
    provider: Res | None = None,
) -> list[Violation]:
    """Run one resource policy on one resource, as Analyze would."""
    policy = POLICIES[policy_name]
    resources = [Res(resource_type, name, dict(props), provider=_provider_ref(provider))]
    if provider is not None:
        resources.append(provider)
    return evaluate(resources, config_for(policy, settings), policies=[policy])


def check_stack(
    policy_name: str, resources: Iterable[Res], settings: Mapping[str, Any] | None = None
) -> list[Violation]:
    """Run one stack policy over the resources, as AnalyzeStack would."""
    policy = POLICIES[policy_name]
    return evaluate(list(resources), config_for(policy, settings), policies=[policy])


def _provider_ref(provider: Res | None) -> str:
    return f"{provider.urn}::provider-id" if provider is not None else ""


def detail(violation: Violation) -> str:
    """The policy's own message, without the description line and the remediation hint."""
    lines = violation.message.splitlines()
    return "\n".join(line for line in lines[1:] if not line.startswith("Remediation:"))


def details(violations: Iterable[Violation]) -> list[str]:
    return [detail(v) for v in violations]


def run(
    policy_name: str,
    resource_type: str,
    props: Mapping[str, Any],
    settings: Mapping[str, Any] | None = None,
    provider: Res | None = None,
) -> list[Violation]:
    """Violations through the analyzer's args, after checking that the pure check agrees.

    The pure path (`policy.evaluate` on a plain dict) and the analyzer path (Struct round trip,
    unknown-checking proxy, config as floats) must report the same messages; where the pure path
    raises UnknownValueError, the analyzer path must report its "can't run policy" advisory.
    """
    from pulumi_policy.proxy import UnknownValueError

    violations = check(policy_name, resource_type, props, settings, provider=provider)
    policy = POLICIES[policy_name]
    try:
        pure = policy.evaluate(
            resource_type,
            copy.deepcopy(dict(props)),
            settings,
            provider.inputs if provider else None,
        )
    except UnknownValueError as error:
        assert [v.message for v in violations] == [
            f"can't run policy '{policy_name}' during preview: {error.message}"
        ]
        assert all(v.level == "advisory" for v in violations)
        return violations
    assert sorted(pure) == sorted(details(violations)), (pure, details(violations))
    return violations


def expect(violations: Sequence[Violation], *fragments: str) -> None:
    """Exactly one violation per fragment, each containing its fragment."""
    texts = [v.message for v in violations]
    assert len(texts) == len(fragments), texts
    for fragment in fragments:
        assert any(fragment in text for text in texts), (fragment, texts)


def expect_unknown(violations: Sequence[Violation], path: str) -> None:
    """The analyzer's advisory for a value unknown at preview."""
    assert len(violations) == 1, [v.message for v in violations]
    assert violations[0].level == "advisory"
    assert (
        "can't run policy" in violations[0].message
        and f".{path} can't be known" in violations[0].message
    )
