"""`addons.*`: how add-on pods get AWS credentials, VPC CNI prefix delegation, and per-add-on
overrides (version pin, configuration values, optional add-ons off)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.addons.catalog import ADDONS, default_configuration
from components.base.config import Check, keyed_sections, setting
from components.base.config.kinds import Boolean, Integer, JsonObject, Text
from components.base.config.merge import deep_merge

IDENTITY_MODES = ("pod-identity", "irsa")
ADDON_VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")


@dataclass(frozen=True)
class AddonOverride:
    version: str | None = setting(
        "version",
        Text(pattern=ADDON_VERSION, allowed="an EKS add-on version such as v1.19.2-eksbuild.1"),
        default_doc="EKS default for the cluster version",
        doc="Pin an add-on version (`v1.19.2-eksbuild.1`).",
    )
    configuration_values: Mapping[str, Any] | None = setting(
        "configurationValues",
        JsonObject(allowed="an object (the add-on's configuration values)"),
        default_doc="baseline values",
        doc="Merged over the baseline's configuration values.",
    )
    enabled: bool = setting(
        "enabled",
        Boolean(),
        default=True,
        doc="Disable an optional add-on (not vpc-cni, kube-proxy, coredns or the Pod Identity agent).",
    )


@dataclass(frozen=True)
class AddonSettings:
    identity: str = setting(
        "identity",
        Text(IDENTITY_MODES),
        default="pod-identity",
        doc="How add-on roles are bound: EKS Pod Identity associations, or IRSA trust scoped to "
        "`:sub` and `:aud`.",
    )
    prefix_delegation: bool = setting(
        "prefixDelegation",
        Boolean(),
        default=False,
        doc="VPC CNI prefix delegation (more pods per node).",
    )
    warm_prefix_target: int = setting(
        "warmPrefixTarget",
        Integer(0, 16),
        default=1,
        doc="`WARM_PREFIX_TARGET` with prefix delegation.",
    )
    overrides: Mapping[str, AddonOverride] = keyed_sections(
        "overrides",
        AddonOverride,
        keys=ADDONS,
        allowed=f"keyed by a known add-on: {', '.join(ADDONS)}",
        label="<add-on>",
        doc="Per add-on: pin, configure or disable it.",
    )

    def checked(self, check: Check) -> AddonSettings:
        overrides = check.nested("overrides")
        for name, override in self.overrides.items():
            if not override.enabled and ADDONS[name].core:
                overrides.nested(name).fail(
                    "enabled",
                    False,
                    f"true: {name} is a core add-on the cluster cannot run without",
                )
        return self

    def enabled(self, name: str) -> bool:
        override = self.overrides.get(name)
        return override is None or override.enabled

    def configuration(self, name: str) -> dict:
        """The add-on's configuration values: the baseline's, with the stack's merged over them."""
        override = self.overrides.get(name)
        return deep_merge(
            default_configuration(name, self.prefix_delegation, self.warm_prefix_target),
            (override.configuration_values if override else None) or {},
        )

    def pinned_version(self, name: str) -> str | None:
        override = self.overrides.get(name)
        return override.version if override else None
