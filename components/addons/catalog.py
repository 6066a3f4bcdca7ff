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
