"""EKS add-on policies: core add-ons managed and pinned, network policy enforcement."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._eks import cluster_addons, is_auto_mode
from ._graph import Finding, StackGraph
from ._policy import BaselineResourcePolicy, BaselineStackPolicy, Benchmarks, Config, setting
from ._props import UNKNOWN, Props, describe, get, parse_json, to_bool, undecided

CORE_ADDONS = ("vpc-cni", "kube-proxy", "coredns")


# ------------------------------------------------------------------ eks-core-addons-pinned


def check_core_addons(graph: StackGraph, config: Config) -> list[Finding]:
    findings = []
    for cluster in graph.of_type(t.EKS_CLUSTER):
        if is_auto_mode(cluster):
            continue  # Auto Mode runs networking, kube-proxy and DNS itself
        addons = cluster_addons(graph, cluster)
        for name in config["requiredAddons"]:
            if name not in addons and UNKNOWN in addons:
                findings.append(Finding(cluster.urn, undecided(f"{cluster.name}.addons")))
            elif name not in addons:
                findings.append(
                    Finding(
                        cluster.urn,
                        f"{cluster.name}: add-on {name} is not managed by this stack, so its version "
                        "and configuration drift outside code review",
                    )
                )
            for addon in addons.get(name, []):
                version = get(addon.props, "addonVersion")
                if version is None or version == "":
                    findings.append(
                        Finding(
                            addon.urn, f"{cluster.name}: add-on {name} has no explicit addonVersion"
                        )
                    )
    return findings


EKS_CORE_ADDONS_PINNED = BaselineStackPolicy(
    name="eks-core-addons-pinned",
    summary="vpc-cni, kube-proxy and coredns are managed add-ons with explicit versions (except Auto Mode)",
    level=EnforcementLevel.ADVISORY,
    check=check_core_addons,
    remediation="Create an aws.eks.Addon for each required add-on with addon_version pinned "
    "(aws eks describe-addon-versions lists the versions for your Kubernetes version).",
    severity=Severity.LOW,
    settings={
        "requiredAddons": setting(
            "array",
            list(CORE_ADDONS),
            "Add-ons every non-Auto-Mode cluster must manage.",
            items={"type": "string"},
        )
    },
)


# ------------------------------------------------------------------ eks-vpc-cni-network-policy


def check_network_policy(props: Props, config: Config) -> list[str]:
    name = get(props, "addonName")
    if name is UNKNOWN:
        return [undecided("addonName")]
    if name != "vpc-cni":
        return []
    values = parse_json(get(props, "configurationValues"), "configurationValues")
    if values is None:
        return [
            "configurationValues is absent: the VPC CNI does not enforce Kubernetes NetworkPolicies"
        ]
    raw = values.get("enableNetworkPolicy") if isinstance(values, dict) else None
    if raw is UNKNOWN:
        return [undecided("configurationValues.enableNetworkPolicy")]
    if to_bool(raw, default=False) is not True:
        shown = "absent" if raw is None else describe(raw)
        return [
            f"configurationValues.enableNetworkPolicy is {shown}: NetworkPolicies are not enforced"
        ]
    return []


EKS_VPC_CNI_NETWORK_POLICY = BaselineResourcePolicy(
    name="eks-vpc-cni-network-policy",
    summary="The VPC CNI add-on enforces Kubernetes network policies",
    level=EnforcementLevel.ADVISORY,
    checks={t.EKS_ADDON: check_network_policy},
    remediation='Set configuration_values=json.dumps({"enableNetworkPolicy": "true"}) on the '
    "vpc-cni add-on.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="4.3.1"),
)


POLICIES = [EKS_CORE_ADDONS_PINNED, EKS_VPC_CNI_NETWORK_POLICY]
