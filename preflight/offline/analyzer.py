"""Run the CrossGuard pack in-process over recorded registrations, the way the analyzer does.

`evaluate(registrations, config)` feeds every registration to every resource policy (its inputs,
as `Analyze` gets them) and the whole stack once to every stack policy (outputs, parents and
dependencies, as `AnalyzeStack` gets them). Properties go through the same protobuf Struct
round trip and `unknown_checking_proxy` as in the analyzer, so numbers are floats and unknowns
raise; levels come from `config` exactly like `--policy-pack-config` (DISABLED policies are
skipped, REMEDIATE is reported as mandatory, an unknown value yields an advisory).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.output import Unknown
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from preflight.offline.recorder import Registration

# The pack imports as the CLI runs it, with policy/ first on the path (`python policy/`): the one
# place the project edits sys.path, so `python -m preflight` finds it as the tests do.
POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"
if str(POLICY_DIR) not in sys.path:
    sys.path.insert(0, str(POLICY_DIR))

from eks_policies import ALL_POLICIES, BaselinePolicy, BaselineResourcePolicy  # noqa: E402
from eks_policies.pack_config import PackConfigError, load_config_file, reconcile  # noqa: E402

__all__ = ["ALL_POLICIES", "POLICY_DIR", "PackConfigError", "Violation", "evaluate", "reconcile"]


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str  # "mandatory" or "advisory"
    resource_type: str  # "" for a stack-level finding with no resource
    resource_name: str
    urn: str
    message: str

    @property
    def mandatory(self) -> bool:
        return self.level == EnforcementLevel.MANDATORY.value

    def __str__(self) -> str:
        where = f"{self.resource_type}::{self.resource_name}" if self.urn else "stack"
        return f"[{self.level}] {self.policy} ({where}): {self.message}"


def _wire(value: Any) -> Any:
    """What survives the engine's marshalling: JSON values, ints as floats, unknowns as sentinels."""
    if isinstance(value, Mapping):
        return {str(k): _wire(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(v) for v in value]
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Unknown):  # what mocks record for an unknown input at preview
        return UNKNOWN_STRING_VALUE
    return str(value)


def _over_the_wire(values: Mapping[str, Any] | None) -> dict[str, Any]:
    """A protobuf Struct round trip, as properties and policy config take to the analyzer."""
    struct = struct_pb2.Struct()
    struct.update(_wire(values or {}))
    return json_format.MessageToDict(struct)


def _props(values: Mapping[str, Any] | None) -> Any:
    return unknown_checking_proxy(deserialize_properties(_over_the_wire(values)))


def _options(reg: Registration) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        bool(getattr(reg, "protect", False)),
        list(getattr(reg, "ignore_changes", ()) or ()),
        None,
        [],
        PolicyCustomTimeouts(0, 0, 0),
        [],
        getattr(reg, "parent", None) or None,
    )


def _provider_urn(reference: str | None) -> str | None:
    """A provider reference is "<provider urn>::<provider id>"."""
    return reference.rsplit("::", 1)[0] if reference else None


def _provider(
    reg: Registration, by_urn: Mapping[str, Registration]
) -> PolicyProviderResource | None:
    provider = by_urn.get(_provider_urn(getattr(reg, "provider", None)) or "")
    if provider is None:
        return None
    return PolicyProviderResource(
        provider.type, _props(provider.inputs), provider.urn, provider.name
    )


def _collector(
    policy: BaselinePolicy,
    level: EnforcementLevel,
    sink: list[Violation],
    by_urn: Mapping[str, Registration],
    resource_urn: str | None = None,
) -> Callable[..., None]:
    """A ReportViolation: resource policies report on their resource whatever urn they pass."""
    reported = EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level

    def report(message: str, urn: str | None = None) -> None:
        target = resource_urn or urn or ""
        reg = by_urn.get(target)
        sink.append(
            Violation(
                policy=policy.name,
                level=reported.value,
                resource_type=reg.type if reg else "",
                resource_name=reg.name if reg else "",
                urn=target,
                message=f"{policy.description}\n{message}" if message else policy.description,
            )
        )

    return report


def _unknown(
    policy: BaselinePolicy, error: UnknownValueError, urn: str, reg: Registration | None
) -> Violation:
    return Violation(
        policy=policy.name,
        level=EnforcementLevel.ADVISORY.value,
        resource_type=reg.type if reg else "",
        resource_name=reg.name if reg else "",
        urn=urn,
        message=f"can't run policy '{policy.name}' during preview: {error.message}",
    )


def evaluate(
    resources: Iterable[Registration],
    config: Mapping[str, Any] | str | Path | None = None,
    policies: Sequence[BaselinePolicy] | None = None,
) -> list[Violation]:
    """Violations of the pack's policies for these registrations.

    `config` is a `--policy-pack-config` document (dict) or the path of one; None means each
    policy's default level and settings.
    """
    registrations = list(resources)
    policies = list(ALL_POLICIES if policies is None else policies)
    file_config = load_config_file(config) if isinstance(config, str | Path) else config
    settings = reconcile(policies, file_config)
    by_urn = {r.urn: r for r in registrations}
    violations: list[Violation] = []
    stack_resources = _stack_resources(registrations, by_urn)

    for policy in policies:
        level = settings[policy.name].level
        if level == EnforcementLevel.DISABLED:
            continue
        properties = _over_the_wire(settings[policy.name].properties)
        if isinstance(policy, BaselineResourcePolicy):
            for reg in registrations:
                if reg.type not in policy.resource_types:
                    continue
                args = ResourceValidationArgs(
                    reg.type,
                    _props(reg.inputs),
                    reg.urn,
                    reg.name,
                    _options(reg),
                    _provider(reg, by_urn),
                    properties,
                )
                try:
                    policy.validate(args, _collector(policy, level, violations, by_urn, reg.urn))
                except UnknownValueError as error:
                    violations.append(_unknown(policy, error, reg.urn, reg))
        else:
            try:
                report = _collector(policy, level, violations, by_urn)
                policy.validate(StackValidationArgs(stack_resources, properties), report)
            except UnknownValueError as error:
                violations.append(_unknown(policy, error, "", None))
    return violations


def _stack_resources(
    registrations: Sequence[Registration], by_urn: Mapping[str, Registration]
) -> list[PolicyResource]:
    """PolicyResources with parents and dependencies linked, as AnalyzeStack builds them."""
    resources = {
        reg.urn: PolicyResource(
            reg.type,
            _props(reg.outputs or reg.inputs),
            reg.urn,
            reg.name,
            _options(reg),
            _provider(reg, by_urn),
            None,
            [],
            {},
        )
        for reg in registrations
    }
    for reg in registrations:
        resource = resources[reg.urn]
        resource.parent = resources.get(reg.parent or "")
        resource.dependencies = [resources[u] for u in reg.dependencies if u in resources]
        resource.property_dependencies = {
            key: [resources[u] for u in urns if u in resources]
            for key, urns in (reg.property_dependencies or {}).items()
        }
    return list(resources.values())


def mandatory(violations: Iterable[Violation]) -> list[Violation]:
    return [v for v in violations if v.mandatory]
