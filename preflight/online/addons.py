"""Add-ons: each add-on the stack installs exists at its version in the region and lists the
cluster's target minor (and its current one: a version that does not is applied only after the
control plane has moved, which is the order Pulumi updates them in); each add-on's
configurationValues validate against the JSON Schema EKS publishes for that version
(DescribeAddonConfiguration `configurationSchema`: "A JSON schema that's used to validate the
configuration values you provide when an add-on is created or updated", botocore's eks model)."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft7Validator, SchemaError
from jsonschema.validators import validator_for

from components.cluster.versions import minor
from preflight.online.aws import Answers
from preflight.online.findings import Finding, blocker, note, warning
from preflight.online.stack import AddonPlan, StackPlan, configuration

CHECK = "add-ons"


def listed_minors(versions: list[dict], version: str) -> set[str] | None:
    """The Kubernetes versions an add-on version lists (None: EKS does not offer that version)."""
    entry = next((v for v in versions if v["addonVersion"] == version), None)
    if entry is None:
        return None
    return {c["clusterVersion"] for c in entry.get("compatibilities") or []}


def newest_for(versions: list[dict], kubernetes: str) -> str | None:
    """The add-on version EKS marks default for `kubernetes`, else the last one listing it."""
    listing = [
        (bool(c.get("defaultVersion")), v["addonVersion"])
        for v in versions
        for c in v.get("compatibilities") or []
        if c["clusterVersion"] == kubernetes
    ]
    defaults = [v for is_default, v in listing if is_default]
    return (defaults or [v for _, v in listing] or [None])[0]


def schema_errors(values: Any, schema_text: str) -> list[str]:
    """What in `values` the add-on's JSON Schema refuses, one line each (path: message)."""
    schema = json.loads(schema_text)
    validator_class = validator_for(schema, default=Draft7Validator)
    validator_class.check_schema(schema)
    errors = validator_class(schema).iter_errors(values)
    return sorted(
        f"{'.'.join(str(p) for p in e.absolute_path) or '(top level)'}: {e.message}" for e in errors
    )


def _version_findings(addon: AddonPlan, versions: list[dict], plan: StackPlan, current: str):
    if not versions:
        yield blocker(
            CHECK,
            f"EKS offers no add-on {addon.name} in {plan.region}",
            f"addons.overrides.{addon.name}.enabled: false (when the add-on is optional)",
        )
        return
    minors = listed_minors(versions, addon.version)
    suggestion = newest_for(versions, plan.version)
    hint = f" (EKS's version for {plan.version}: {suggestion})" if suggestion else ""
    if minors is None:
        yield blocker(
            CHECK,
            f"{addon.name} {addon.version} is not a version EKS offers in {plan.region}{hint}",
            addon.version_key,
        )
        return
    if plan.version not in minors:
        yield blocker(
            CHECK,
            f"{addon.name} {addon.version} does not list Kubernetes {plan.version} (it lists "
            f"{', '.join(sorted(minors, key=minor)) or 'none'}){hint}",
            addon.version_key,
        )
    if current and minor(current) != minor(plan.version) and current not in minors:
        yield note(
            CHECK,
            f"{addon.name} {addon.version} does not list {current}, the control plane's version "
            f"now: it can only be applied once the control plane runs {plan.version} (Pulumi "
            "updates add-ons after the cluster)",
        )


def _schema_findings(addon: AddonPlan, schema: str | None):
    if schema is None:
        yield note(CHECK, f"{addon.name} {addon.version}: EKS returned no configuration schema")
        return
    try:
        errors = schema_errors(configuration(addon), schema)
    except (ValueError, SchemaError) as error:
        yield warning(
            CHECK,
            f"{addon.name}: EKS's configuration schema is unreadable ({error}): not validated",
        )
        return
    if errors:
        yield blocker(
            CHECK,
            f"{addon.name} {addon.version}: configurationValues refused by EKS's schema: "
            + "; ".join(errors),
            f"addons.overrides.{addon.name}.configurationValues (merged over the baseline's, "
            "components/addons/catalog.py)",
        )


def check_addons(plan: StackPlan, answers: Answers) -> tuple[list[Finding], str]:
    assert answers.addon_versions is not None and answers.addon_schemas is not None
    current = (answers.cluster or {}).get("version", "")
    findings: list[Finding] = []
    for addon in plan.addons:
        versions = answers.addon_versions.get(addon.name, [])
        findings += _version_findings(addon, versions, plan, current)
        if addon.configuration and listed_minors(versions, addon.version) is not None:
            findings += _schema_findings(addon, answers.addon_schemas.get(addon.name))
    validated = sum(1 for a in plan.addons if answers.addon_schemas.get(a.name))
    return findings, (
        f"add-ons: {len(plan.addons)} versions against EKS's list for Kubernetes {plan.version}"
        f"{f' (and {current}, running now)' if current and current != plan.version else ''}; "
        f"{validated} configurations against EKS's schemas"
    )
