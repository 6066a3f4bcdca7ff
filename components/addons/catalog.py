"""The EKS managed add-ons this stack installs: when, with which IAM role, and how configured."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AddonSpec:
    name: str
    before_compute: bool  # node groups wait for it (networking and credentials must exist first)
    core: bool  # the cluster does not work without it: settings may not disable it
    auto_mode_builtin: bool  # EKS Auto Mode already runs it: skipped in Auto Mode
    service_account: str | None = None  # "namespace/name" of the pod that needs AWS credentials
    managed_policies: tuple[str, ...] = ()  # AWS managed policy paths for its own role
    # Deleting the add-on leaves its software running: removing it from management must not
    # take pod networking or DNS down with it.
    preserve_on_delete: bool = False


ADDONS: dict[str, AddonSpec] = {
    spec.name: spec
    for spec in (
        AddonSpec(
            "vpc-cni",
            before_compute=True,
            core=True,
            auto_mode_builtin=True,
            service_account="kube-system/aws-node",
            managed_policies=("AmazonEKS_CNI_Policy",),
            preserve_on_delete=True,
        ),
        AddonSpec(
            "kube-proxy",
            before_compute=True,
            core=True,
            auto_mode_builtin=True,
            preserve_on_delete=True,
        ),
        AddonSpec("eks-pod-identity-agent", before_compute=True, core=True, auto_mode_builtin=True),
        AddonSpec(
            "coredns",
            before_compute=False,
            core=True,
            auto_mode_builtin=True,
            preserve_on_delete=True,
        ),
        AddonSpec(
            "aws-ebs-csi-driver",
            before_compute=False,
            core=False,
            auto_mode_builtin=True,
            service_account="kube-system/ebs-csi-controller-sa",
            managed_policies=("service-role/AmazonEBSCSIDriverPolicy",),
        ),
        AddonSpec("metrics-server", before_compute=False, core=False, auto_mode_builtin=False),
        # Auto Mode includes the node monitoring agent as a capability; the add-on's compute
        # types are EC2 and hybrid nodes (EKS user guide, "Node health" and "AWS add-ons").
        AddonSpec(
            "eks-node-monitoring-agent", before_compute=False, core=False, auto_mode_builtin=True
        ),
        AddonSpec(
            "amazon-cloudwatch-observability",
            before_compute=False,
            core=False,
            auto_mode_builtin=False,
            service_account="amazon-cloudwatch/cloudwatch-agent",
            managed_policies=("CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess"),
        ),
    )
}


def default_configuration(name: str, prefix_delegation: bool, warm_prefix_target: int) -> dict:
    """The baseline's configuration values for an add-on (its JSON schema: DescribeAddonConfiguration)."""
    if name == "vpc-cni":
        env = {}
        if prefix_delegation:
            # Prefix mode assigns /28s to ENIs: ~4x more pods per node and fewer EC2 API calls.
            env = {
                "ENABLE_PREFIX_DELEGATION": "true",
                "WARM_PREFIX_TARGET": str(warm_prefix_target),
            }
        return {"enableNetworkPolicy": "true", **({"env": env} if env else {})}
    if name == "coredns":
        return {
            "replicaCount": 2,
            # One replica per AZ first: losing a zone must not take DNS down with it.
            "topologySpreadConstraints": [
                {
                    "maxSkew": 1,
                    "topologyKey": "topology.kubernetes.io/zone",
                    "whenUnsatisfiable": "ScheduleAnyway",
                    "labelSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "podDisruptionBudget": {"enabled": True, "maxUnavailable": 1},
        }
    if name == "aws-ebs-csi-driver":
        # `defaultStorageClass` is the add-on schema's documented way to a default class (the
        # chart's `storageClasses` list is not known to be in the add-on's schema, and EKS
        # refuses unknown keys). Its `ebs-csi-default-sc` has no parameters: gp3 by the driver's
        # default, encrypted because the Addons component turns on EBS encryption by default.
        return {"defaultStorageClass": {"enabled": True}}
    if name == "amazon-cloudwatch-observability":
        # Enhanced Container Insights and Application Signals are the add-on's defaults; an
        # `agent.config` would replace the chart's whole agent configuration, so none is given.
        return {"containerLogs": {"enabled": True}}  # Fluent Bit ships application logs
    return {}


# The VPC CNI's enhanced subnet discovery: from v1.18.0, on by default (ENABLE_SUBNET_DISCOVERY
# true), a node's new ENIs go to the subnet of its VPC and AZ with the most free addresses among
# its own and those tagged kubernetes.io/role/cni=1; ENIConfig custom networking, when on, wins
# (EKS user guide cni-subnet-selection.adoc at awsdocs/amazon-eks-user-guide 1a447df9, and
# amazon-vpc-cni-k8s v1.22.4 pkg/awsutils/awsutils.go, read 2026-12-06).
SUBNET_DISCOVERY_SINCE = (1, 18, 0)


def cni_version(version: str) -> tuple[int, ...]:
    """`v1.22.4-eksbuild.3` -> (1, 22, 4)."""
    return tuple(int(part) for part in version.removeprefix("v").split("-")[0].split("."))


def subnet_discovery_problem(version: str, configuration: dict) -> str | None:
    """Why pods would not take their IPs from tagged subnets with this vpc-cni add-on version and
    configuration (None: they would)."""
    if cni_version(version) < SUBNET_DISCOVERY_SINCE:
        since = ".".join(map(str, SUBNET_DISCOVERY_SINCE))
        return f"vpc-cni {version} predates subnet discovery (v{since})"
    env = configuration.get("env") or {}
    if str(env.get("ENABLE_SUBNET_DISCOVERY", "true")).lower() != "true":
        return "its configuration turns subnet discovery off (ENABLE_SUBNET_DISCOVERY)"
    if str(env.get("AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG", "false")).lower() == "true":
        return "its configuration turns on custom networking, which takes precedence over the tags"
    return None
