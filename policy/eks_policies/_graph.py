"""The stack as a graph: relationship lookups for stack policies.

At preview the ids and ARNs of resources created in the same stack are unknown, so a reference
(a flow log's `vpcId`, a node group's `subnetIds`) is resolved through the engine's
`propertyDependencies` first, then by comparing known ids/ARNs/names, and only then through the
resource's plain `dependencies`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ._props import UNKNOWN, Props, get, to_plain

_IDENTIFIER_KEYS = ("id", "arn", "name")


@dataclass(frozen=True)
class StackResource:
    """One resource of the stack with plain props (unknowns are `UNKNOWN`) and URN links."""

    type: str
    name: str
    urn: str
    props: Props
    parent: str | None = None
    dependencies: tuple[str, ...] = ()
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def identifiers(self) -> set[str]:
        """Known values another resource could use to refer to this one."""
        return {
            value
            for key in _IDENTIFIER_KEYS
            if isinstance(value := self.props.get(key), str) and value
        }


@dataclass(frozen=True)
class Finding:
    """A stack-policy violation about one resource."""

    urn: str
    message: str


def _strings_in(value: Any) -> tuple[list[str], bool]:
    """All strings nested in `value`, and whether any part of it is unknown."""
    if value is UNKNOWN:
        return [], True
    if isinstance(value, str):
        return [value], False
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        strings: list[str] = []
        unknown = False
        for item in value:
            found, item_unknown = _strings_in(item)
            strings.extend(found)
            unknown = unknown or item_unknown
        return strings, unknown
    return [], False


_Referrers = dict[str, list[StackResource]]  # target URN -> the resources referring to it


class StackGraph:
    """Lookups over every resource the stack registers, indexed once.

    Every lookup costs the size of what it reads, not the size of the stack: resources are
    indexed by URN, by type and by identifier (known id/ARN/name), and each (source types,
    property path, target type) reverse relation is built on first use with one pass over the
    sources, so a stack policy stays O(resources) however many lookups it makes.
    """

    def __init__(self, resources: Iterable[StackResource]) -> None:
        self.resources: list[StackResource] = list(resources)
        self._by_urn = {r.urn: r for r in self.resources}
        self._by_type: dict[str, list[StackResource]] = defaultdict(list)
        self._by_identifier: dict[str, list[StackResource]] = defaultdict(list)
        for resource in self.resources:
            self._by_type[resource.type].append(resource)
            for identifier in resource.identifiers():
                self._by_identifier[identifier].append(resource)
        self._referrers: dict[tuple[tuple[str, ...], tuple[str, ...], str], _Referrers] = {}

    @classmethod
    def from_policy_resources(cls, resources: Sequence[Any]) -> StackGraph:
        """Build from `StackValidationArgs.resources` (pulumi_policy `PolicyResource`s)."""
        return cls(
            StackResource(
                type=r.resource_type,
                name=r.name,
                urn=r.urn,
                props=to_plain(r.props),
                parent=r.parent.urn if r.parent is not None else None,
                dependencies=tuple(d.urn for d in r.dependencies),
                property_dependencies={
                    key: tuple(d.urn for d in deps) for key, deps in r.property_dependencies.items()
                },
            )
            for r in resources
        )

    def by_urn(self, urn: str) -> StackResource | None:
        return self._by_urn.get(urn)

    def of_type(self, *types: str) -> list[StackResource]:
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        return [r for kind in dict.fromkeys(types) for r in self._by_type.get(kind, ())]

    def references(
        self, source: StackResource, path: Sequence[str], target_types: Iterable[str]
    ) -> list[StackResource]:
        """Resources of `target_types` that the property at `path` of `source` refers to."""
        types = frozenset(target_types)
        found: dict[str, StackResource] = {}
        property_deps = source.property_dependencies.get(path[0])
        for urn in property_deps or ():
            target = self._by_urn.get(urn)
            if target is not None and target.type in types:
                found[urn] = target
        values, unknown = _strings_in(get(source.props, *path))
        for value in dict.fromkeys(values):
            for target in self._by_identifier.get(value, ()):
                if target.type in types:
                    found[target.urn] = target
        if not found and property_deps is None and unknown:
            # An unknown reference with no property-level links recorded: fall back to the
            # resource's dependencies of the wanted type.
            for urn in source.dependencies:
                target = self._by_urn.get(urn)
                if target is not None and target.type in types:
                    found[urn] = target
        return list(found.values())

    def referrers(
        self, target: StackResource, source_types: Iterable[str], path: Sequence[str]
    ) -> list[StackResource]:
        """Resources of `source_types` whose property at `path` refers to `target`."""
        key = (tuple(dict.fromkeys(source_types)), tuple(path), target.type)
        index = self._referrers.get(key)
        if index is None:
            index = defaultdict(list)
            for source in self.of_type(*key[0]):
                for referred in self.references(source, path, (target.type,)):
                    index[referred.urn].append(source)
            self._referrers[key] = index
        return list(index.get(target.urn, ()))
