"""What the program registers, recorded as the engine would receive it: one `Registration` per
resource (inputs, the mocked cloud's outputs, parent, dependencies, options, aliases)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class Registration:
    """One resource registration as the engine would receive it, plus the mocked cloud's answer.

    The one shape of a recorded resource: the analyzer, the estimates and the tests read it."""

    urn: str
    id: str  # provider id ("" for components)
    type: str
    name: str
    custom: bool
    inputs: dict
    outputs: dict
    parent: str | None
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    protect: bool
    retain_on_delete: bool
    ignore_changes: tuple[str, ...]
    provider: str
    delete_before_replace: bool = False
    replace_on_changes: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # URNs this resource had before (the engine moves their state)
    custom_timeouts: dict[str, str] | None = None  # create/update/delete, as the options set them


def plain(value: Any) -> Any:
    """Inputs as data: an asset or archive becomes what it holds (its kind and a sha256 of its
    contents), so two runs compare by content, as the engine does, and the record is JSON."""
    if isinstance(value, pulumi.FileAsset | pulumi.StringAsset):
        content = (
            Path(value.path).read_bytes()
            if isinstance(value, pulumi.FileAsset)
            else value.text.encode()
        )
        return {"asset": hashlib.sha256(content).hexdigest()}
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": {name: plain(item) for name, item in sorted(value.assets.items())}}
    if isinstance(value, pulumi.FileArchive):
        return {"archive": value.path}
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def urn(stack: str, project: str, parent: str | None, type_: str, name: str) -> str:
    """A URN as the engine builds it: the parent's whole type chain, then the type and name."""
    if parent:
        parent_types = parent.split("::")[2]
        if parent_types != ROOT_STACK_TYPE:
            type_ = f"{parent_types}${type_}"
    return f"urn:pulumi:{stack}::{project}::{type_}::{name}"


def alias_urns(request: Any, stack: str, project: str) -> tuple[str, ...]:
    """The URNs the request's aliases stand for, as the engine resolves an alias spec: unset
    fields take the resource's own name, type, parent, stack and project. Not modelled: the
    aliases a child inherits from an aliased parent (no component here has aliases)."""
    found = []
    for alias in request.aliases:
        if alias.urn:
            found.append(alias.urn)
            continue
        spec = alias.spec
        parent = None if spec.noParent else (spec.parentUrn or request.parent or None)
        found.append(
            urn(
                spec.stack or stack,
                spec.project or project,
                parent,
                spec.type or request.type,
                spec.name or request.name,
            )
        )
    return tuple(found)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps each registration's inputs, parent, dependencies and options."""

    def __init__(
        self,
        mocks: pulumi_mocks.Mocks,
        stack: str,
        project: str,
        last_outputs: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(mocks)
        self.stack, self.project = stack, project
        self.registrations: list[Registration] = []
        self.last_outputs = dict(last_outputs or {})  # the stack's outputs from its last update
        self.stack_references: list[str] = []  # the stacks read, as the engine would

    def ReadResource(self, request: Any) -> Any:
        if request.type != STACK_REFERENCE_TYPE:
            return super().ReadResource(request)
        # The engine answers a StackReference from the referenced stack's last checkpoint; only
        # the stack itself is known here (a new stack has no outputs).
        _ensure_event_loop()
        name = rpc.deserialize_properties(request.properties).get("name")
        self.stack_references.append(name)
        own = name.split("/")[-1] == self.stack
        state = {"name": name, "outputs": self.last_outputs if own else {}, "secretOutputNames": []}
        urn = self.make_urn(request.parent, request.type, request.name)
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, name, state)
        props = _sync_await(rpc.serialize_properties(state, {}))
        return resource_pb2.ReadResourceResponse(urn=urn, properties=props)

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # MockMonitor puts the root stack's type in front of top-level resources and chains only
        # the parent's last type; URNs must be the engine's, since aliases are judged by them.
        return urn(self.stack, self.project, parent or None, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == ROOT_STACK_TYPE:
            return response
        _ensure_event_loop()
        self.registrations.append(
            Registration(
                urn=response.urn,
                id=response.id,
                type=request.type,
                name=request.name,
                custom=request.custom,
                inputs=plain(rpc.deserialize_properties(request.object)),
                outputs=self.resources[response.urn].state,
                parent=request.parent or None,
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    k: tuple(v.urns) for k, v in request.propertyDependencies.items()
                },
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                ignore_changes=tuple(request.ignoreChanges),
                provider=request.provider,
                delete_before_replace=bool(request.deleteBeforeReplace),
                replace_on_changes=tuple(request.replaceOnChanges),
                aliases=alias_urns(request, self.stack, self.project),
                custom_timeouts={
                    k: v
                    for k in ("create", "update", "delete")
                    if (v := getattr(request.customTimeouts, k, ""))
                }
                or None,
            )
        )
        return response


def ancestors(resource: Registration, by_urn: Mapping[str, Registration]) -> set[str]:
    """URNs of everything `resource` waits for, directly or through other resources."""
    seen: set[str] = set()
    todo = list(resource.dependencies)
    while todo:
        found = todo.pop()
        if found not in seen and found in by_urn:
            seen.add(found)
            todo.extend(by_urn[found].dependencies)
    return seen
