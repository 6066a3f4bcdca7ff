"""EKS control plane policies: endpoint, logging, secrets encryption, access, version, placement."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._graph import Finding, StackGraph, StackResource
from ._policy import BaselineResourcePolicy, BaselineStackPolicy, Benchmarks, Config, setting
from ._props import (
    UNKNOWN,
    Props,
    as_list,
    cidr_within,
    describe,
    get,
    has_value,
    is_open_cidr,
    known_strings,
    to_bool,
    to_number,
    undecided,
)
from ._versions import supported_versions
from .network import eks_subnet_sets, public_subnet_reasons

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")


def _flag(props: Props, path: tuple[str, ...], aws_default: bool) -> tuple[Any, str]:
    """A boolean setting with its AWS default applied, and how to name its value in a message."""
    raw = get(props, *path)
    value = to_bool(raw, default=aws_default)
    shown = f"absent (AWS default: {str(aws_default).lower()})" if raw is None else describe(raw)
    return value, shown


# ------------------------------------------------------------------ eks-endpoint-private


def check_endpoint_access(props: Props, config: Config) -> list[str]:
    if get(props, "vpcConfig") is UNKNOWN:
        return [undecided("vpcConfig")]
    problems = []
    private, private_shown = _flag(props, ("vpcConfig", "endpointPrivateAccess"), aws_default=False)
    if private is UNKNOWN:
        problems.append(undecided("vpcConfig.endpointPrivateAccess"))
    elif private is not True:
        problems.append(
            f"vpcConfig.endpointPrivateAccess is {private_shown}: nodes and operators inside the VPC "
            "must reach the API server privately"
        )
    public, public_shown = _flag(props, ("vpcConfig", "endpointPublicAccess"), aws_default=True)
    if public is UNKNOWN:
        problems.append(undecided("vpcConfig.endpointPublicAccess"))
    elif public is False:
        pass
    elif not config["allowPublicEndpoint"]:
        problems.append(
            f"vpcConfig.endpointPublicAccess is {public_shown}: the API endpoint is reachable "
            "from the internet (set allowPublicEndpoint in the policy config to allow an allow-listed one)"
        )
    else:
        problems.extend(_public_cidr_problems(get(props, "vpcConfig", "publicAccessCidrs"), config))
    return problems


def _public_cidr_problems(cidrs: Any, config: Config) -> list[str]:
    if cidrs is UNKNOWN or (isinstance(cidrs, list) and UNKNOWN in cidrs):
        return [undecided("vpcConfig.publicAccessCidrs")]
    cidrs = as_list(cidrs)
    if not cidrs:
        return [
            "vpcConfig.publicAccessCidrs is absent or empty while the endpoint is public: "
            "AWS then allows 0.0.0.0/0"
        ]
    problems = []
    if opened := [c for c in cidrs if is_open_cidr(c)]:
        problems.append(
            f"vpcConfig.publicAccessCidrs opens the endpoint to the internet: {', '.join(opened)}"
        )
    allowed = known_strings(config["allowedPublicCidrs"])
    if allowed and (
        outside := [c for c in cidrs if not is_open_cidr(c) and not cidr_within(str(c), allowed)]
    ):
        problems.append(
            f"vpcConfig.publicAccessCidrs has {', '.join(map(str, outside))} outside the allowed "
            f"networks {', '.join(allowed)}"
        )
    return problems


EKS_ENDPOINT_PRIVATE = BaselineResourcePolicy(
    name="eks-endpoint-private",
    summary="EKS API endpoint is private; public only with an allow-list and when config permits",
    level=EnforcementLevel.MANDATORY,
    checks={t.EKS_CLUSTER: check_endpoint_access},
    remediation="Set vpc_config endpoint_private_access=True and endpoint_public_access=False; "
    "reach the API through the VPC (VPN, bastion via SSM) or, if policy config allows it, "
    "list your own networks in public_access_cidrs.",
    severity=Severity.CRITICAL,
    benchmarks=Benchmarks(cis="5.4.2", checkov=("CKV_AWS_38", "CKV_AWS_39")),
    settings={
        "allowPublicEndpoint": setting(
            "boolean",
            False,
            "Permit a public endpoint restricted by publicAccessCidrs (CIS 5.4.1).",
        ),
        "allowedPublicCidrs": setting(
            "array",
            [],
            "When non-empty, every publicAccessCidrs entry must lie inside one of these networks.",
            items={"type": "string"},
        ),
    },
)


# ------------------------------------------------------------------ eks-control-plane-logging


def check_control_plane_logging(props: Props, config: Config) -> list[str]:
    value = get(props, "enabledClusterLogTypes")
    if value is UNKNOWN:
        return [undecided("enabledClusterLogTypes")]
    entries = as_list(value)
    enabled = set(known_strings(entries))
    missing = [kind for kind in config["requiredLogTypes"] if kind not in enabled]
    if not missing:
        return []
    if len(missing) <= sum(1 for e in entries if e is UNKNOWN):
        return [undecided("enabledClusterLogTypes")]  # the unknown entries may be the missing ones
    shown = "absent" if value is None else f"[{', '.join(describe(e) for e in entries)}]"
    return [f"enabledClusterLogTypes is {shown}; missing: {', '.join(missing)}"]


EKS_CONTROL_PLANE_LOGGING = BaselineResourcePolicy(
    name="eks-control-plane-logging",
    summary="EKS control plane logs every required log type",
    level=EnforcementLevel.MANDATORY,
    checks={t.EKS_CLUSTER: check_control_plane_logging},
    remediation="Set enabled_cluster_log_types to all of api, audit, authenticator, "
    "controllerManager and scheduler.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="2.1.1", checkov=("CKV_AWS_37",)),
    settings={
        "requiredLogTypes": setting(
            "array",
            list(CONTROL_PLANE_LOG_TYPES),
            "Control plane log types that must be enabled.",
            items={"type": "string", "enum": list(CONTROL_PLANE_LOG_TYPES)},
        )
    },
)


# ------------------------------------------------------------------ eks-secrets-encryption


def check_secrets_encryption(props: Props, config: Config) -> list[str]:
    encryption = get(props, "encryptionConfig")
    if isinstance(encryption, list):  # older providers modelled the block as a one-item list
        encryption = encryption[0] if encryption else None
    if encryption is UNKNOWN:
        return [undecided("encryptionConfig")]
    if not encryption:
        return [
            "encryptionConfig is absent: Kubernetes secrets are encrypted only with an AWS owned "
            "key, not a KMS key you control (and it cannot be added in place later)"
        ]
    problems = []
    resources = get(encryption, "resources")
    if "secrets" not in as_list(resources) and UNKNOWN in as_list(resources):
        problems.append(undecided("encryptionConfig.resources"))
    elif "secrets" not in known_strings(as_list(resources)):
        problems.append(
            f'encryptionConfig.resources is {describe(resources)}: it must include "secrets"'
        )
    # The key's ARN comes from another resource: check that it is set, not what it is.
    if not has_value(encryption, "provider", "keyArn"):
        problems.append(
            "encryptionConfig.provider.keyArn is not set: name the KMS key that encrypts secrets"
        )
    return problems


EKS_SECRETS_ENCRYPTION = BaselineResourcePolicy(
    name="eks-secrets-encryption",
    summary="EKS encrypts Kubernetes secrets with a KMS key",
    level=EnforcementLevel.MANDATORY,
    checks={t.EKS_CLUSTER: check_secrets_encryption},
    remediation='Set encryption_config={"provider": {"key_arn": key.arn}, "resources": ["secrets"]} '
    "with a customer managed, rotating KMS key.",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(cis="5.3.1", checkov=("CKV_AWS_58",)),
)


# ------------------------------------------------------------------ eks-access-config


def check_access_config(props: Props, config: Config) -> list[str]:
    problems = []
    mode = get(props, "accessConfig", "authenticationMode")
    allowed = list(config["allowedAuthenticationModes"])
    if mode is UNKNOWN:
        problems.append(undecided("accessConfig.authenticationMode"))
    elif mode not in allowed:
        shown = "absent (AWS default: CONFIG_MAP)" if mode is None else describe(mode)
        problems.append(
            f"accessConfig.authenticationMode is {shown}: use {' or '.join(allowed)} so cluster "
            "access is managed through EKS access entries, not the aws-auth ConfigMap"
        )
    bootstrap, shown = _flag(
        props, ("accessConfig", "bootstrapClusterCreatorAdminPermissions"), True
    )
    if bootstrap is UNKNOWN:
        problems.append(undecided("accessConfig.bootstrapClusterCreatorAdminPermissions"))
    elif bootstrap is not False:
        problems.append(
            f"accessConfig.bootstrapClusterCreatorAdminPermissions is {shown}: the identity that "
            "creates the cluster becomes an invisible, permanent cluster admin"
        )
    return problems


EKS_ACCESS_CONFIG = BaselineResourcePolicy(
    name="eks-access-config",
    summary="EKS access uses access entries (API mode) without a creator admin",
    level=EnforcementLevel.ADVISORY,
    checks={t.EKS_CLUSTER: check_access_config},
    remediation='Set access_config authentication_mode="API" and '
    "bootstrap_cluster_creator_admin_permissions=False; grant admins with aws.eks.AccessEntry.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="4.1.7"),
    settings={
        "allowedAuthenticationModes": setting(
            "array",
            ["API"],
            "Accepted accessConfig.authenticationMode values.",
            items={"type": "string", "enum": ["API", "API_AND_CONFIG_MAP", "CONFIG_MAP"]},
        )
    },
)


# ------------------------------------------------------------------ eks-supported-version


def check_supported_version(props: Props, config: Config) -> list[str]:
    allowed = [str(v) for v in config["allowedVersions"]]
    version = get(props, "version")
    if version is UNKNOWN:
        return [undecided("version")]
    if version is None:
        return [
            "version is absent: EKS picks its default at create time, so the cluster is not "
            f"on a version this baseline tested; pin one of {', '.join(allowed)}"
        ]
    if str(version) not in allowed:
        return [
            f"version {describe(version)} is not in standard support; use one of {', '.join(allowed)}"
        ]
    return []


EKS_SUPPORTED_VERSION = BaselineResourcePolicy(
    name="eks-supported-version",
    summary="EKS runs a Kubernetes version in standard support",
    level=EnforcementLevel.ADVISORY,
    checks={t.EKS_CLUSTER: check_supported_version},
    remediation="Upgrade to a version listed in policy/eks_policies/eks_versions.json "
    "(one minor version at a time).",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(checkov=("CKV_AWS_339",)),
    settings={
        "allowedVersions": setting(
            "array",
            list(supported_versions()),
            "Kubernetes versions accepted (default: standard support per eks_versions.json).",
            items={"type": "string"},
        )
    },
)


# ------------------------------------------------------------------ eks-private-subnets


def check_private_subnets(graph: StackGraph, config: Config) -> list[Finding]:
    findings = []
    for owner, purpose, subnets in eks_subnet_sets(graph):
        for subnet in subnets:
            if reasons := public_subnet_reasons(graph, subnet):
                findings.append(
                    Finding(
                        owner.urn,
                        f"{owner.name}: {purpose} subnet {subnet.name} is public: {'; '.join(reasons)}",
                    )
                )
    return findings


EKS_PRIVATE_SUBNETS = BaselineStackPolicy(
    name="eks-private-subnets",
    summary="EKS control plane and node subnets are private",
    level=EnforcementLevel.MANDATORY,
    check=check_private_subnets,
    remediation="Place the cluster and node groups in private subnets (no internet gateway route, "
    "no public IPs on launch, no kubernetes.io/role/elb tag); reach the internet through NAT.",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(cis="5.4.3"),
)


# ------------------------------------------------------------------ eks-cluster-log-group

_CLUSTER_LOG_GROUP = re.compile(r"^/aws/eks/[^/]+/cluster$")


def _cluster_log_groups(
    graph: StackGraph, cluster: StackResource, by_name: dict[Any, list[StackResource]]
) -> tuple[str, list[StackResource]]:
    name = get(cluster.props, "name")
    expected = (
        f"/aws/eks/{name}/cluster" if isinstance(name, str) else "/aws/eks/<cluster name>/cluster"
    )
    matches = list(by_name.get(expected, ())) if isinstance(name, str) else []
    if not matches:
        # Cluster or log group name unknown at preview: accept a log group the cluster depends on.
        depended = [graph.by_urn(urn) for urn in dict.fromkeys(cluster.dependencies)]
        matches = [
            g
            for g in depended
            if g is not None
            and g.type == t.LOG_GROUP
            and (
                get(g.props, "name") is UNKNOWN
                or _CLUSTER_LOG_GROUP.match(str(get(g.props, "name")))
            )
        ]
    return expected, matches


def check_cluster_log_group(graph: StackGraph, config: Config) -> list[Finding]:
    findings = []
    by_name: dict[Any, list[StackResource]] = defaultdict(list)
    for group in graph.of_type(t.LOG_GROUP):
        if isinstance(name := get(group.props, "name"), str):
            by_name[name].append(group)
    for cluster in graph.of_type(t.EKS_CLUSTER):
        expected, groups = _cluster_log_groups(graph, cluster, by_name)
        if not groups:
            findings.append(
                Finding(
                    cluster.urn,
                    f"{cluster.name}: no log group {expected} in the stack; EKS creates one that "
                    "never expires and is not encrypted with your key",
                )
            )
        for group in groups:
            retention = to_number(get(group.props, "retentionInDays"))
            if retention is None or retention == 0:
                findings.append(
                    Finding(group.urn, f"log group {expected} never expires: set retentionInDays")
                )
            if not has_value(group.props, "kmsKeyId"):
                findings.append(
                    Finding(group.urn, f"log group {expected} is not encrypted with a KMS key")
                )
    return findings


EKS_CLUSTER_LOG_GROUP = BaselineStackPolicy(
    name="eks-cluster-log-group",
    summary="Each EKS cluster's log group is managed here with retention and a KMS key",
    level=EnforcementLevel.ADVISORY,
    check=check_cluster_log_group,
    remediation='Create aws.cloudwatch.LogGroup(name=f"/aws/eks/{cluster_name}/cluster", '
    "retention_in_days=..., kms_key_id=key.arn) and make the cluster depend on it.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="2.1.2", checkov=("CKV_AWS_66", "CKV_AWS_158")),
)


POLICIES = [
    EKS_ENDPOINT_PRIVATE,
    EKS_CONTROL_PLANE_LOGGING,
    EKS_SECRETS_ENCRYPTION,
    EKS_ACCESS_CONFIG,
    EKS_SUPPORTED_VERSION,
    EKS_PRIVATE_SUBNETS,
    EKS_CLUSTER_LOG_GROUP,
]
