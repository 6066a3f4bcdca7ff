"""Builds pulumi_policy policies from pure check functions, with the pack's shared behaviour.

Every policy of the pack:
- carries its benchmark ids (CIS Amazon EKS Benchmark section, Checkov ids) in its description,
  its `framework` and its `tags`, and a remediation hint in `remediation_steps` and each message;
- has a config schema: its own settings (each with a `default`) plus `exemptResources`;
- reads its config with the schema defaults filled in, because the SDK applies none (only the
  CLI does, and a hand-driven analyzer sends nothing);
- never raises out of a check: an unexpected error becomes a violation of that policy instead of
  aborting the whole preview. `UnknownValueError` alone is let through, so the analyzer reports
  its standard "can't be known during preview" advisory;
- never reports a value unknown at preview as a violation: a check returns `Undecided(path)` for
  it, and when nothing certain is found the policy raises `UnknownValueError` (that advisory) so
  it is decided at `up`. A crash on properties holding unknowns is treated the same way.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from ._graph import Finding, StackGraph
from ._props import (
    JsonDocumentError,
    Props,
    Undecided,
    contains_unknown,
    to_plain,
    undecided_error,
)

CIS_BENCHMARK = "CIS Amazon EKS Benchmark"
CIS_BENCHMARK_VERSION = "1.8.0"
EXEMPT_RESOURCES = "exemptResources"

Config = Mapping[str, Any]
ResourceCheck = Callable[[Props, Config], list[str]]
ProviderAwareCheck = Callable[[Props, Config, Props | None], list[str]]
StackCheck = Callable[[StackGraph, Config], list[Finding]]


@dataclass(frozen=True)
class Benchmarks:
    """Published rules a policy lines up with."""

    cis: str | None = None  # CIS Amazon EKS Benchmark v1.8.0 section, e.g. "5.4.2"
    checkov: tuple[str, ...] = ()

    def label(self) -> str:
        ids = ([f"CIS EKS {self.cis}"] if self.cis else []) + list(self.checkov)
        return ", ".join(ids)

    def framework(self) -> PolicyComplianceFramework | None:
        if self.cis is None:
            return None
        return PolicyComplianceFramework(
            name=CIS_BENCHMARK, version=CIS_BENCHMARK_VERSION, reference=self.cis
        )

    def tags(self) -> list[str]:
        return ([f"cis-eks-{self.cis}"] if self.cis else []) + list(self.checkov)


@dataclass(frozen=True)
class PolicyInfo:
    """What the README table and the tests need to know about a policy."""

    name: str
    kind: str  # "resource" or "stack"
    level: EnforcementLevel
    summary: str
    remediation: str
    benchmarks: Benchmarks
    settings: Mapping[str, Mapping[str, Any]]


def setting(schema_type: str, default: Any, description: str, **schema: Any) -> dict[str, Any]:
    """One JSON-schema config property; the default is what the policy uses when unset."""
    return {"type": schema_type, "default": default, "description": description, **schema}


_EXEMPT_SCHEMA = setting(
    "array",
    [],
    "Resources this policy skips: a resource name (glob patterns allowed), a full URN, "
    'or a URN suffix such as "aws:eks/cluster:Cluster::my-cluster".',
    items={"type": "string"},
)


def resolve_config(
    settings: Mapping[str, Mapping[str, Any]], given: Config | None
) -> dict[str, Any]:
    """Schema defaults overlaid with the configured values."""
    resolved = {key: schema.get("default") for key, schema in settings.items()}
    resolved[EXEMPT_RESOURCES] = []
    resolved.update(given or {})
    return resolved


def is_exempt(name: str, urn: str, patterns: Iterable[Any]) -> bool:
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern:
            continue
        if urn == pattern or fnmatch.fnmatchcase(name, pattern):
            return True
        if urn.endswith(f"::{pattern}") or urn.endswith(f"${pattern}"):
            return True
    return False


def _description(summary: str, benchmarks: Benchmarks) -> str:
    label = benchmarks.label()
    return f"{summary} ({label})." if label else f"{summary}."


def _failure(error: Exception) -> str:
    return f"the policy could not evaluate this resource ({type(error).__name__}: {error})"


def _decided(verdicts: list[Any]) -> list[Any]:
    """The certain verdicts (messages or findings); when there are none but some are undecided,
    raise the analyzer's "can't be known during preview"."""
    decided = [v for v in verdicts if not isinstance(getattr(v, "message", v), Undecided)]
    if decided or len(decided) == len(verdicts):
        return decided
    first = verdicts[0]
    raise undecided_error(str(getattr(first, "message", first)))


def _policy_args(info: PolicyInfo, severity: Severity) -> dict[str, Any]:
    """The pulumi_policy keyword arguments both policy kinds share."""
    return {
        "name": info.name,
        "description": _description(info.summary, info.benchmarks),
        "enforcement_level": info.level,
        "config_schema": PolicyConfigSchema({**info.settings, EXEMPT_RESOURCES: _EXEMPT_SCHEMA}),
        "severity": severity,
        "framework": info.benchmarks.framework(),
        "tags": info.benchmarks.tags(),
        "remediation_steps": info.remediation,
    }


class BaselineResourcePolicy(ResourceValidationPolicy):
    """A resource policy over one or more resource types, driven by a pure check."""

    def __init__(
        self,
        *,
        name: str,
        summary: str,
        level: EnforcementLevel,
        checks: Mapping[str, ResourceCheck | ProviderAwareCheck],
        remediation: str,
        severity: Severity,
        benchmarks: Benchmarks = Benchmarks(),
        settings: Mapping[str, Mapping[str, Any]] | None = None,
        pass_provider: bool = False,
    ) -> None:
        self.checks = dict(checks)
        self.pass_provider = pass_provider
        self.info = PolicyInfo(
            name, "resource", level, summary, remediation, benchmarks, dict(settings or {})
        )
        super().__init__(validate=self._validate, **_policy_args(self.info, severity))

    @property
    def resource_types(self) -> frozenset[str]:
        return frozenset(self.checks)

    def evaluate(
        self,
        resource_type: str,
        props: Any,
        config: Config | None = None,
        provider_props: Any = None,
    ) -> list[str]:
        """Violation messages for one resource's (possibly proxied) props."""
        check = self.checks.get(resource_type)
        if check is None:
            return []
        resolved = resolve_config(self.info.settings, config)
        plain = to_plain(props)
        try:
            if self.pass_provider:
                provider = to_plain(provider_props) if provider_props is not None else None
                return _decided(check(plain, resolved, provider))  # type: ignore[call-arg]
            return _decided(check(plain, resolved))  # type: ignore[call-arg]
        except UnknownValueError:
            raise
        except JsonDocumentError as error:
            return [str(error)]
        except Exception as error:  # a crash here would abort the whole preview
            if contains_unknown(plain):
                raise undecided_error(resource_type) from error
            return [_failure(error)]

    def _validate(self, args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in self.checks:
            return
        config = resolve_config(self.info.settings, args.get_config())
        if is_exempt(args.name, args.urn, config[EXEMPT_RESOURCES]):
            return
        provider_props = args.provider.props if args.provider is not None else None
        for message in self.evaluate(args.resource_type, args.props, config, provider_props):
            report(f"{message}\nRemediation: {self.info.remediation}", None)


class BaselineStackPolicy(StackValidationPolicy):
    """A stack policy over relationships between resources, driven by a pure check."""

    def __init__(
        self,
        *,
        name: str,
        summary: str,
        level: EnforcementLevel,
        check: StackCheck,
        remediation: str,
        severity: Severity,
        benchmarks: Benchmarks = Benchmarks(),
        settings: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.check = check
        self.info = PolicyInfo(
            name, "stack", level, summary, remediation, benchmarks, dict(settings or {})
        )
        super().__init__(validate=self._validate, **_policy_args(self.info, severity))

    def evaluate(self, graph: StackGraph, config: Config | None = None) -> list[Finding]:
        """Findings for the stack, exempted resources left out."""
        resolved = resolve_config(self.info.settings, config)
        try:
            findings = self.check(graph, resolved)
        except UnknownValueError:
            raise
        except Exception as error:  # a crash here would abort the whole preview
            if any(contains_unknown(r.props) for r in graph.resources):
                raise undecided_error("stack") from error
            return [Finding("", _failure(error))]
        kept = []
        for finding in _decided(findings):
            resource = graph.by_urn(finding.urn)
            if resource is not None and is_exempt(
                resource.name, resource.urn, resolved[EXEMPT_RESOURCES]
            ):
                continue
            kept.append(finding)
        return kept

    def _validate(self, args: StackValidationArgs, report: ReportViolation) -> None:
        graph = StackGraph.from_policy_resources(args.resources)
        for finding in self.evaluate(graph, args.get_config()):
            report(f"{finding.message}\nRemediation: {self.info.remediation}", finding.urn or None)


BaselinePolicy = BaselineResourcePolicy | BaselineStackPolicy
