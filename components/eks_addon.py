"""Building one EKS managed add-on with its own IAM role: shared by the Cluster component
(networking and identity add-ons, before the nodes) and the Addons component (the rest).

Not a component itself: the functions create resources as children of the component that
calls them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from baseline import iam_documents as docs
from baseline.addon_catalog import ADDONS, AddonSpec, default_configuration, merge_configuration
from baseline.iam_documents import AwsContext
from baseline.settings import AddonSettings
from components.base import PlatformComponent


@dataclass(frozen=True)
class AddonTarget:
    """The cluster the add-ons go to, and how their pods get AWS credentials."""

    cluster_name: pulumi.Output[str]
    kubernetes_version: str
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    settings: AddonSettings
    aws: AwsContext
    tags: Mapping[str, str]


def addon_version(name: str, target: AddonTarget) -> str:
    """The ONE place an add-on's version is decided: the settings' pin, or EKS's default version
    for the cluster's Kubernetes version (not the most recent, which moves under you)."""
    override = target.settings.overrides.get(name)
    if override and override.version:
        return override.version
    return aws.eks.get_addon_version(
        addon_name=name, kubernetes_version=target.kubernetes_version, most_recent=False
    ).version


def enabled_addons(
    target_settings: AddonSettings, auto_mode: bool, before_compute: bool
) -> list[AddonSpec]:
    """Add-ons of one phase that this cluster runs: Auto Mode already runs some, settings may drop optional ones."""
    chosen = []
    for spec in ADDONS.values():
        override = target_settings.overrides.get(spec.name)
        if spec.before_compute != before_compute or (auto_mode and spec.auto_mode_builtin):
            continue
        if override and not override.enabled:
            continue
        chosen.append(spec)
    return chosen


def addon_role(parent: PlatformComponent, spec: AddonSpec, target: AddonTarget) -> aws.iam.Role:
    """The add-on's own role: trusted by Pod Identity, or by IRSA scoped to its service account."""
    assert spec.service_account, f"{spec.name} needs no AWS credentials"
    if target.settings.identity == "pod-identity":
        trust: pulumi.Input[str] = docs.to_json(docs.pod_identity_trust(target.aws))
    else:
        trust = pulumi.Output.all(target.oidc_provider_arn, target.oidc_issuer_url).apply(
            lambda a: docs.to_json(
                docs.irsa_trust(a[0], a[1].removeprefix("https://"), spec.service_account)
            )
        )
    role, _ = parent.add_role(
        spec.name,
        f"EKS add-on {spec.name} ({spec.service_account})",
        trust,
        [target.aws.managed_policy_arn(policy) for policy in spec.managed_policies],
        tags={**target.tags, "eks-addon": spec.name},
    )
    return role


def create_addon(
    parent: PlatformComponent,
    spec: AddonSpec,
    target: AddonTarget,
    depends_on: Sequence[pulumi.Resource] = (),
) -> aws.eks.Addon:
    """An aws.eks.Addon with an explicit version, explicit conflict handling and its own role."""
    settings = target.settings
    override = settings.overrides.get(spec.name)
    configuration = merge_configuration(
        default_configuration(spec.name, settings.prefix_delegation, settings.warm_prefix_target),
        override.configuration_values if override else None,
    )
    role = addon_role(parent, spec, target) if spec.managed_policies else None
    pod_identity = role is not None and settings.identity == "pod-identity"
    service_account = (spec.service_account or "/").split("/")[1]  # the add-on picks the namespace
    return aws.eks.Addon(
        f"{parent.child_prefix}-{spec.name}",
        cluster_name=target.cluster_name,
        addon_name=spec.name,
        addon_version=addon_version(spec.name, target),
        configuration_values=json.dumps(configuration, sort_keys=True) if configuration else None,
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="PRESERVE",
        preserve=spec.preserve_on_delete,
        pod_identity_associations=[
            aws.eks.AddonPodIdentityAssociationArgs(
                role_arn=role.arn, service_account=service_account
            )
        ]
        if pod_identity
        else None,
        service_account_role_arn=role.arn if role is not None and not pod_identity else None,
        tags={**target.tags, "eks-addon": spec.name},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
