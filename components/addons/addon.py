"""Building one EKS managed add-on with its own IAM role: used by the Cluster component (the
networking and identity add-ons, before the nodes) and the Addons component (the rest).

Not a component itself: the resources are children of the component that calls it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.addons import iam
from components.addons.catalog import ADDONS, AddonSpec
from components.addons.settings import AddonSettings
from components.addons.versions import table_version
from components.base.component import PlatformComponent
from components.base.iam import to_json


@dataclass(frozen=True)
class AddonTarget:
    """The cluster add-ons go to (a view of the Cluster component) and how their pods get AWS
    credentials."""

    cluster_name: pulumi.Output[str]  # the cluster resource's output: add-ons wait for the cluster
    kubernetes_version: str
    auto_mode: bool
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer_url: pulumi.Output[str]
    settings: AddonSettings
    installed: Mapping[str, pulumi.Output[str]]  # versions of the add-ons the cluster installed


def enabled_addons(target: AddonTarget, before_compute: bool) -> list[AddonSpec]:
    """Add-ons of one phase that this cluster runs: Auto Mode already runs some, settings may drop optional ones."""
    return [
        spec
        for spec in ADDONS.values()
        if spec.before_compute == before_compute
        and not (target.auto_mode and spec.auto_mode_builtin)
        and target.settings.enabled(spec.name)
    ]


DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


def ebs_csi_storage_classes(configuration: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The StorageClasses the aws-ebs-csi-driver chart renders from these configuration values:
    `templates/ebs-csi-default-sc.yaml` (`defaultStorageClass.enabled`: a parameterless default
    class) and `templates/storageclass.yaml` (each `storageClasses` entry, binding mode
    defaulting to WaitForFirstConsumer), chart 2.64 (kubernetes-sigs/aws-ebs-csi-driver)."""
    classes = []
    if (configuration.get("defaultStorageClass") or {}).get("enabled"):
        classes.append(
            {
                "metadata": {
                    "name": "ebs-csi-default-sc",
                    "annotations": {DEFAULT_CLASS_ANNOTATION: "true"},
                },
                "provisioner": "ebs.csi.aws.com",
                "volumeBindingMode": "WaitForFirstConsumer",
                "allowVolumeExpansion": True,
            }
        )
    for entry in configuration.get("storageClasses") or []:
        metadata = {"name": entry["name"]}
        metadata |= {k: entry[k] for k in ("annotations", "labels") if entry.get(k)}
        rest = {k: v for k, v in entry.items() if k not in ("name", "annotations", "labels")}
        classes.append(
            {
                "metadata": metadata,
                "provisioner": "ebs.csi.aws.com",
                "volumeBindingMode": "WaitForFirstConsumer",
                **rest,
            }
        )
    return [{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", **c} for c in classes]


def is_default_class(storage_class: Mapping[str, Any]) -> bool:
    annotations = storage_class["metadata"].get("annotations") or {}
    return annotations.get(DEFAULT_CLASS_ANNOTATION) == "true"


def missing_default_storage_class(target: AddonTarget) -> str | None:
    """The CSI provisioner a default StorageClass needs because no add-on creates one; None when
    the EBS CSI add-on makes a default class (or no EBS CSI driver runs at all)."""
    if target.auto_mode:
        return "ebs.csi.eks.amazonaws.com"  # Auto Mode's built-in EBS driver ships no default class
    if not target.settings.enabled("aws-ebs-csi-driver"):
        return None
    classes = ebs_csi_storage_classes(target.settings.configuration("aws-ebs-csi-driver"))
    return None if any(is_default_class(c) for c in classes) else "ebs.csi.aws.com"


def addon_version(name: str, target: AddonTarget) -> str:
    """The ONE place an add-on's version is decided: the settings' pin, or the version reviewed in
    git for the cluster's Kubernetes version (components/addons/versions.json), never a live lookup."""
    return target.settings.pinned_version(name) or table_version(name, target.kubernetes_version)


def addon_role(
    parent: PlatformComponent, spec: AddonSpec, target: AddonTarget
) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
    """The add-on's own role, trusted by Pod Identity or by IRSA scoped to its service account,
    and its policy attachments (what the add-on must wait for)."""
    assert spec.service_account, f"{spec.name} needs no AWS credentials"
    if target.settings.identity == "pod-identity":
        trust: pulumi.Input[str] = to_json(iam.pod_identity_trust(parent.stack.aws))
    else:
        trust = pulumi.Output.all(target.oidc_provider_arn, target.oidc_issuer_url).apply(
            lambda a: to_json(
                iam.irsa_trust(a[0], a[1].removeprefix("https://"), spec.service_account)
            )
        )
    return parent.add_role(
        spec.name,
        f"EKS add-on {spec.name} ({spec.service_account})",
        trust,
        [parent.stack.aws.managed_policy_arn(policy) for policy in spec.managed_policies],
        tags={**parent.stack.tags, "eks-addon": spec.name},
    )


def create_addon(
    parent: PlatformComponent,
    spec: AddonSpec,
    target: AddonTarget,
    depends_on: Sequence[pulumi.Resource] = (),
) -> aws.eks.Addon:
    """An aws.eks.Addon with an explicit version, explicit conflict handling and its own role."""
    settings = target.settings
    configuration = settings.configuration(spec.name)
    role, permissions = addon_role(parent, spec, target) if spec.managed_policies else (None, [])
    pod_identity = role is not None and settings.identity == "pod-identity"
    service_account = (spec.service_account or "/").split("/")[1]  # the add-on picks the namespace
    return aws.eks.Addon(
        parent.child_name(spec.name),
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
        tags={**parent.stack.tags, "eks-addon": spec.name},
        # Its pods start with the role's permissions in place, not just the role.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[*depends_on, *permissions]),
    )
