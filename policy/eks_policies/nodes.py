"""Worker node policies: launch templates (IMDS, public IPs, EBS encryption), SSH, launch configurations."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._policy import BaselineResourcePolicy, Benchmarks, Config, setting
from ._props import (
    UNKNOWN,
    Props,
    as_list,
    describe,
    fmt_number,
    get,
    has_value,
    to_bool,
    to_number,
    undecided,
)

# ------------------------------------------------------------------ shared with node classes


def hop_limit_problem(raw: Any, default: float, maximum: float, path: str) -> str | None:
    """Why an httpPutResponseHopLimit (absent: `default`) lets pods reach IMDS, if it does."""
    limit = to_number(raw) if raw is not None else default
    if limit is UNKNOWN:
        return undecided(path)
    if limit is None:
        return f"{path} is {describe(raw)}, not a number"
    if limit > maximum:
        shown = f"absent (default: {fmt_number(limit)})" if raw is None else fmt_number(limit)
        return (
            f"{path} is {shown}: pods can reach the node's instance metadata and its IAM role "
            f"(allowed at most {fmt_number(maximum)})"
        )
    return None


def public_ip_problem(raw: Any, path: str) -> str | None:
    public = to_bool(raw, default=False)
    if public is UNKNOWN:
        return undecided(path)
    if public is not False:
        return f"{path} is {describe(raw)}: nodes get public IP addresses"
    return None


def volume_encryption_problem(ebs: Any, where: str) -> str | None:
    raw = get(ebs, "encrypted")
    encrypted = to_bool(raw, default=False)
    if encrypted is UNKNOWN:
        return undecided(f"{where}.ebs.encrypted")
    if encrypted is not True:
        shown = "absent (AWS default: false)" if raw is None else describe(raw)
        return f"{where}.ebs.encrypted is {shown}: the volume is not encrypted"
    return None


def _metadata_options(props: Props) -> tuple[object, bool]:
    """(metadataOptions, whether IMDS is switched off entirely, or may be: unknown at preview)."""
    options = get(props, "metadataOptions")
    endpoint = get(options, "httpEndpoint") if isinstance(options, dict) else None
    return options, endpoint is UNKNOWN or endpoint == "disabled"


# ------------------------------------------------------------------ launch-template-imdsv2


def check_imdsv2(props: Props, config: Config) -> list[str]:
    options, disabled = _metadata_options(props)
    if options is UNKNOWN:
        return [undecided("metadataOptions")]
    if disabled:
        return []
    if options is None:
        return [
            "metadataOptions is absent: instances accept IMDSv1 (AWS default httpTokens: optional)"
        ]
    tokens = get(options, "httpTokens")
    if tokens is UNKNOWN:
        return [undecided("metadataOptions.httpTokens")]
    if tokens != "required":
        shown = "absent (AWS default: optional)" if tokens is None else describe(tokens)
        return [f"metadataOptions.httpTokens is {shown}: IMDSv1 stays enabled"]
    return []


LAUNCH_TEMPLATE_IMDSV2 = BaselineResourcePolicy(
    name="launch-template-imdsv2",
    summary="Launch templates require IMDSv2 session tokens",
    level=EnforcementLevel.MANDATORY,
    checks={t.LAUNCH_TEMPLATE: check_imdsv2},
    remediation='Set metadata_options={"http_tokens": "required", "http_endpoint": "enabled"}.',
    severity=Severity.HIGH,
    benchmarks=Benchmarks(checkov=("CKV_AWS_79",)),
)


# ------------------------------------------------------------------ launch-template-hop-limit


# With no hop limit in the template, EKS managed node groups launch with 2 (pods can reach IMDS).
EKS_DEFAULT_HOP_LIMIT = 2.0


def check_hop_limit(props: Props, config: Config) -> list[str]:
    maximum = float(config["maxHopLimit"])
    options, disabled = _metadata_options(props)
    if options is UNKNOWN:
        return [undecided("metadataOptions")]
    if disabled:
        return []
    raw = get(options, "httpPutResponseHopLimit")
    path = "metadataOptions.httpPutResponseHopLimit"
    problem = hop_limit_problem(raw, EKS_DEFAULT_HOP_LIMIT, maximum, path)
    return [problem] if problem else []


LAUNCH_TEMPLATE_HOP_LIMIT = BaselineResourcePolicy(
    name="launch-template-hop-limit",
    summary="Launch templates limit the IMDS response hop count",
    level=EnforcementLevel.ADVISORY,
    checks={t.LAUNCH_TEMPLATE: check_hop_limit},
    remediation="Set metadata_options http_put_response_hop_limit=1 and give pods AWS access "
    "through EKS Pod Identity or IRSA.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(checkov=("CKV_AWS_341",)),
    settings={
        "maxHopLimit": setting(
            "integer", 1, "Highest httpPutResponseHopLimit allowed.", minimum=1, maximum=64
        )
    },
)


# ------------------------------------------------------------------ launch-template-no-public-ip


def check_no_public_ip(props: Props, config: Config) -> list[str]:
    interfaces = get(props, "networkInterfaces")
    if interfaces is UNKNOWN:
        return [undecided("networkInterfaces")]
    return [
        problem
        for index, interface in enumerate(as_list(interfaces))
        if (
            problem := public_ip_problem(
                get(interface, "associatePublicIpAddress"),
                f"networkInterfaces[{index}].associatePublicIpAddress",
            )
        )
    ]


LAUNCH_TEMPLATE_NO_PUBLIC_IP = BaselineResourcePolicy(
    name="launch-template-no-public-ip",
    summary="Launch templates do not give instances public IPs",
    level=EnforcementLevel.MANDATORY,
    checks={t.LAUNCH_TEMPLATE: check_no_public_ip},
    remediation='Remove associate_public_ip_address (or set it to "false") and launch nodes in '
    "private subnets.",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(cis="5.4.3", checkov=("CKV_AWS_88",)),
)


# ------------------------------------------------------------------ launch-template-ebs-encrypted


def check_ebs_encrypted(props: Props, config: Config) -> list[str]:
    mappings = get(props, "blockDeviceMappings")
    if mappings is UNKNOWN:
        return [undecided("blockDeviceMappings")]
    if not mappings:
        return [
            "blockDeviceMappings is absent: the root volume's encryption depends on the AMI "
            'snapshot and the account\'s EBS default; declare it with ebs.encrypted "true"'
        ]
    problems = []
    for index, mapping in enumerate(as_list(mappings)):
        if mapping is UNKNOWN:
            problems.append(undecided(f"blockDeviceMappings[{index}]"))
            continue
        ebs = get(mapping, "ebs")
        if ebs is None:
            continue  # instance store or a suppressed device: no EBS volume
        device = get(mapping, "deviceName")
        where = f"blockDeviceMappings[{index}]" + (
            f" ({device})" if isinstance(device, str) else ""
        )
        if ebs is UNKNOWN:
            problems.append(undecided(f"{where}.ebs"))
        elif problem := volume_encryption_problem(ebs, where):
            problems.append(problem)
    return problems


LAUNCH_TEMPLATE_EBS_ENCRYPTED = BaselineResourcePolicy(
    name="launch-template-ebs-encrypted",
    summary="Launch templates encrypt every EBS volume",
    level=EnforcementLevel.MANDATORY,
    checks={t.LAUNCH_TEMPLATE: check_ebs_encrypted},
    remediation='Declare each volume in block_device_mappings with ebs={"encrypted": "true"} '
    "(and a kms_key_id for a customer managed key).",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(checkov=("CKV_AWS_8",)),
)


# ------------------------------------------------------------------ nodes-no-ssh


def check_node_group_ssh(props: Props, config: Config) -> list[str]:
    if get(props, "remoteAccess") is UNKNOWN:
        return [undecided("remoteAccess")]
    if has_value(props, "remoteAccess"):
        return ["remoteAccess is set: EKS opens SSH (port 22) to the nodes"]
    return []


def check_launch_template_ssh(props: Props, config: Config) -> list[str]:
    if get(props, "keyName") is UNKNOWN:
        return [undecided("keyName")]
    if has_value(props, "keyName"):
        return [
            f"keyName is {describe(get(props, 'keyName'))}: nodes accept SSH logins with that key pair"
        ]
    return []


NODES_NO_SSH = BaselineResourcePolicy(
    name="nodes-no-ssh",
    summary="Nodes allow no SSH: no node group remoteAccess, no launch template key pair",
    level=EnforcementLevel.MANDATORY,
    checks={t.EKS_NODE_GROUP: check_node_group_ssh, t.LAUNCH_TEMPLATE: check_launch_template_ssh},
    remediation="Remove remote_access from node groups and key_name from launch templates; use SSM "
    "Session Manager (the AmazonSSMManagedInstanceCore policy) to reach a node.",
    severity=Severity.HIGH,
    benchmarks=Benchmarks(checkov=("CKV_AWS_100",)),
)


# ------------------------------------------------------------------ no-launch-configurations


def check_launch_configuration(props: Props, config: Config) -> list[str]:
    return [
        "launch configurations are deprecated and lack IMDSv2/encryption defaults: use a launch template"
    ]


def check_autoscaling_group(props: Props, config: Config) -> list[str]:
    if get(props, "launchConfiguration") is UNKNOWN:
        return [undecided("launchConfiguration")]
    if has_value(props, "launchConfiguration"):
        return ["launchConfiguration is set: the group must launch from a launch template"]
    return []


NO_LAUNCH_CONFIGURATIONS = BaselineResourcePolicy(
    name="no-launch-configurations",
    summary="No launch configurations; instances launch from launch templates",
    level=EnforcementLevel.MANDATORY,
    checks={
        t.LAUNCH_CONFIGURATION: check_launch_configuration,
        t.AUTOSCALING_GROUP: check_autoscaling_group,
    },
    remediation="Replace the launch configuration with an aws.ec2.LaunchTemplate (or use EKS "
    "managed node groups).",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(checkov=("CKV_AWS_315",)),
)


POLICIES = [
    LAUNCH_TEMPLATE_IMDSV2,
    LAUNCH_TEMPLATE_HOP_LIMIT,
    LAUNCH_TEMPLATE_NO_PUBLIC_IP,
    LAUNCH_TEMPLATE_EBS_ENCRYPTED,
    NODES_NO_SSH,
    NO_LAUNCH_CONFIGURATIONS,
]
