"""Kubernetes-side policies: the AWS-facing objects the controllers put into the cluster, which no
AWS-resource policy sees (Karpenter node classes and pools, Auto Mode node classes, EBS storage
classes, Helm charts).

Properties arrive as the objects' camelCase inputs (`spec`, `parameters`, `repositoryOpts`).
Karpenter defaults (https://karpenter.sh/docs/concepts/nodeclasses/): metadataOptions
httpTokens "required" and httpPutResponseHopLimit 1; without blockDeviceMappings the AMI family's
default root volume, which Karpenter declares encrypted.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._policy import BaselineResourcePolicy, Benchmarks, Config, setting
from ._props import (
    UNKNOWN,
    Props,
    as_list,
    describe,
    get,
    has_value,
    is_unknown,
    known_strings,
    undecided,
)
from .nodes import hop_limit_problem, public_ip_problem, volume_encryption_problem

KARPENTER_DEFAULT_HOP_LIMIT = 1.0
EBS_PROVISIONERS = ("ebs.csi.aws.com", "ebs.csi.eks.amazonaws.com", "kubernetes.io/aws-ebs")
TRUSTED_CHART_REPOSITORIES = ("https://aws.github.io/eks-charts", "oci://public.ecr.aws/karpenter")
# An exact SemVer 2 version ("1.2.3", "v1.2.3-rc.1"): no ranges ("^1", "~1.2", ">=1", "1.x", "*").
EXACT_VERSION = re.compile(
    r"v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?"
)


# ------------------------------------------------------------------ karpenter-node-class-imds


def check_node_class_imds(props: Props, config: Config) -> list[str]:
    options = get(props, "spec", "metadataOptions")
    if options is UNKNOWN:
        return [undecided("spec.metadataOptions")]
    endpoint = get(options, "httpEndpoint")
    if endpoint == "disabled":
        return []
    problems = []
    tokens = get(options, "httpTokens", default="required")
    if tokens is UNKNOWN:
        problems.append(undecided("spec.metadataOptions.httpTokens"))
    elif tokens != "required":
        problems.append(
            f"spec.metadataOptions.httpTokens is {describe(tokens)}: IMDSv1 stays enabled"
        )
    if hop_limit := hop_limit_problem(
        get(options, "httpPutResponseHopLimit"),
        KARPENTER_DEFAULT_HOP_LIMIT,
        float(config["maxHopLimit"]),
        "spec.metadataOptions.httpPutResponseHopLimit",
    ):
        problems.append(hop_limit)
    if problems and endpoint is UNKNOWN:
        return [undecided("spec.metadataOptions.httpEndpoint")]  # may switch IMDS off
    return problems


KARPENTER_NODE_CLASS_IMDS = BaselineResourcePolicy(
    name="karpenter-node-class-imds",
    summary="Karpenter EC2NodeClasses require IMDSv2 with a hop limit of 1",
    level=EnforcementLevel.MANDATORY,
    checks=dict.fromkeys(t.K8S_EC2_NODE_CLASSES, check_node_class_imds),
    remediation='Leave spec.metadataOptions at Karpenter\'s defaults or set httpTokens: "required" '
    "and httpPutResponseHopLimit: 1; give pods AWS access through Pod Identity or IRSA.",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(checkov=("CKV_AWS_79", "CKV_AWS_341")),
    settings={
        "maxHopLimit": setting(
            "integer", 1, "Highest httpPutResponseHopLimit allowed.", minimum=1, maximum=64
        )
    },
)


# ------------------------------------------------------------------ karpenter-node-class-ebs-encrypted


def check_node_class_volumes(props: Props, config: Config) -> list[str]:
    mappings = get(props, "spec", "blockDeviceMappings")
    if mappings is UNKNOWN:
        return [undecided("spec.blockDeviceMappings")]
    return [
        problem
        for index, mapping in enumerate(as_list(mappings))
        if get(mapping, "ebs") is not None  # a mapping without EBS declares no volume
        and (
            problem := volume_encryption_problem(
                get(mapping, "ebs"), f"spec.blockDeviceMappings[{index}]"
            )
        )
    ]


KARPENTER_NODE_CLASS_EBS_ENCRYPTED = BaselineResourcePolicy(
    name="karpenter-node-class-ebs-encrypted",
    summary="Karpenter EC2NodeClasses encrypt every EBS volume they declare",
    level=EnforcementLevel.MANDATORY,
    checks=dict.fromkeys(t.K8S_EC2_NODE_CLASSES, check_node_class_volumes),
    remediation="Set ebs.encrypted: true (and a kmsKeyID for a customer managed key) on every "
    "spec.blockDeviceMappings entry.",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(checkov=("CKV_AWS_8",)),
)


# ------------------------------------------------------------------ node-class-no-public-ip


def _public_ip_problem(props: Props, path: tuple[str, ...]) -> list[str]:
    problem = public_ip_problem(get(props, *path), ".".join(path))
    return [problem] if problem else []


def check_ec2_node_class_public_ip(props: Props, config: Config) -> list[str]:
    return _public_ip_problem(props, ("spec", "associatePublicIPAddress"))


def check_auto_mode_node_class_public_ip(props: Props, config: Config) -> list[str]:
    return _public_ip_problem(props, ("spec", "advancedNetworking", "associatePublicIPAddress"))


NODE_CLASS_NO_PUBLIC_IP = BaselineResourcePolicy(
    name="node-class-no-public-ip",
    summary="Karpenter and EKS Auto Mode node classes do not give nodes public IPs",
    level=EnforcementLevel.MANDATORY,
    checks={
        **dict.fromkeys(t.K8S_EC2_NODE_CLASSES, check_ec2_node_class_public_ip),
        t.K8S_AUTO_MODE_NODE_CLASS: check_auto_mode_node_class_public_ip,
    },
    remediation="Remove associatePublicIPAddress (EC2NodeClass spec, or Auto Mode NodeClass "
    "spec.advancedNetworking) or set it to false, and select private subnets only.",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(cis="5.4.3", checkov=("CKV_AWS_88",)),
)


# ------------------------------------------------------------------ karpenter-node-pool-limits


def check_node_pool_limits(props: Props, config: Config) -> list[str]:
    limits = get(props, "spec", "limits")
    if limits is UNKNOWN:
        return [undecided("spec.limits")]
    missing = [r for r in config["requiredLimits"] if not has_value(limits or {}, r)]
    if missing:
        return [
            f"spec.limits has no {', '.join(missing)}: Karpenter may launch nodes without bound "
            "(runaway cost, account quotas exhausted)"
        ]
    return []


KARPENTER_NODE_POOL_LIMITS = BaselineResourcePolicy(
    name="karpenter-node-pool-limits",
    summary="Karpenter NodePools cap the CPU and memory they may launch",
    level=EnforcementLevel.ADVISORY,
    checks=dict.fromkeys(t.K8S_NODE_POOLS, check_node_pool_limits),
    remediation='Set spec.limits, e.g. {"cpu": 1000, "memory": "1000Gi"}.',
    severity=Severity.MEDIUM,
    settings={
        "requiredLimits": setting(
            "array",
            ["cpu", "memory"],
            "Resources every NodePool must limit.",
            items={"type": "string"},
        )
    },
)


# ------------------------------------------------------------------ storage-class-encrypted


def check_storage_class(props: Props, config: Config) -> list[str]:
    provisioner = get(props, "provisioner")
    if provisioner is UNKNOWN:
        return [undecided("provisioner")]
    if provisioner not in known_strings(config["provisioners"]):
        return []
    parameters = get(props, "parameters")
    if is_unknown(parameters):
        return [undecided("parameters.encrypted")]
    # The driver lower-cases parameter keys and encrypts only for the exact string "true"
    # (aws-ebs-csi-driver pkg/driver/controller.go: isTrue(v) is v == "true").
    named = [v for k, v in (parameters or {}).items() if str(k).lower() == "encrypted"]
    if any(is_unknown(v) for v in named):
        return [undecided("parameters.encrypted")]
    if "true" not in named and True not in named:  # a YAML true: the API takes it as "true"
        shown = describe(named[0]) if named else "absent (EBS CSI default: false)"
        return [
            f'parameters.encrypted is {shown}: the driver encrypts only for the string "true", '
            "so volumes of this class are not encrypted"
        ]
    return []


STORAGE_CLASS_ENCRYPTED = BaselineResourcePolicy(
    name="storage-class-encrypted",
    summary="EBS StorageClasses encrypt their volumes",
    level=EnforcementLevel.MANDATORY,
    checks={t.K8S_STORAGE_CLASS: check_storage_class},
    remediation='Set parameters {"encrypted": "true"} (and "kmsKeyId" for a customer managed key).',
    severity=Severity.HIGH,
    benchmarks=Benchmarks(checkov=("CKV_AWS_3",)),
    settings={
        "provisioners": setting(
            "array",
            list(EBS_PROVISIONERS),
            "Provisioners whose StorageClasses must set parameters.encrypted.",
            items={"type": "string"},
        )
    },
)


# ------------------------------------------------------------------ helm-chart-pinned


def check_chart_version(props: Props, config: Config) -> list[str]:
    version = get(props, "version")
    if version is UNKNOWN:
        return [undecided("version")]
    if version is None or version == "":
        return ["version is absent: the chart floats to whatever the repository serves as latest"]
    if not isinstance(version, str) or not EXACT_VERSION.fullmatch(version.strip()):
        return [f"version is {describe(version)}: not an exact chart version (ranges move)"]
    return []


HELM_CHART_PINNED = BaselineResourcePolicy(
    name="helm-chart-pinned",
    summary="Helm charts are pinned to an exact version",
    level=EnforcementLevel.ADVISORY,
    checks={t.K8S_HELM_RELEASE: check_chart_version, t.K8S_HELM_CHART: check_chart_version},
    remediation='Set version to an exact chart version such as "1.14.0", never a range or nothing.',
    severity=Severity.MEDIUM,
)


# ------------------------------------------------------------------ helm-chart-trusted-repository


def _repository(props: Props) -> Any:
    """Where the chart comes from: a chart given as a URL (Helm pulls an `oci://` chart from
    there, whatever repositoryOpts says), else repositoryOpts.repo."""
    chart = get(props, "chart")
    if chart is UNKNOWN or (isinstance(chart, str) and "://" in chart):
        return chart
    return get(props, "repositoryOpts", "repo")


def _trusted(repository: str, allowed: list[str]) -> bool:
    if not repository.startswith(("https://", "oci://")):
        return False
    for entry in allowed:
        prefix = entry.rstrip("/")
        if repository.rstrip("/") == prefix or repository.startswith(f"{prefix}/"):
            return True
    return False


def check_chart_repository(props: Props, config: Config) -> list[str]:
    repository = _repository(props)
    if repository is UNKNOWN:
        return [undecided("repositoryOpts.repo")]
    allowed = known_strings(config["allowedRepositories"])
    if not isinstance(repository, str) or not repository:
        return [
            f"chart {describe(get(props, 'chart'))} names no repository (a local path or a "
            "`helm repo` alias on whichever machine runs Pulumi)"
        ]
    if not _trusted(repository.strip(), allowed):
        return [
            f"the chart comes from {repository}, not an https/oci repository in "
            f"allowedRepositories ({', '.join(allowed) or 'none'})"
        ]
    return []


HELM_CHART_TRUSTED_REPOSITORY = BaselineResourcePolicy(
    name="helm-chart-trusted-repository",
    summary="Helm charts come from an allow-listed https/oci repository",
    level=EnforcementLevel.ADVISORY,
    checks={t.K8S_HELM_RELEASE: check_chart_repository, t.K8S_HELM_CHART: check_chart_repository},
    remediation="Set repositoryOpts.repo (or an oci:// chart URL) to a repository listed in "
    "allowedRepositories.",
    severity=Severity.MEDIUM,
    settings={
        "allowedRepositories": setting(
            "array",
            list(TRUSTED_CHART_REPOSITORIES),
            "Repository URLs (or URL prefixes) charts may come from; https:// or oci:// only.",
            items={"type": "string"},
        )
    },
)


POLICIES = [
    KARPENTER_NODE_CLASS_IMDS,
    KARPENTER_NODE_CLASS_EBS_ENCRYPTED,
    NODE_CLASS_NO_PUBLIC_IP,
    KARPENTER_NODE_POOL_LIMITS,
    STORAGE_CLASS_ENCRYPTED,
    HELM_CHART_PINNED,
    HELM_CHART_TRUSTED_REPOSITORY,
]
