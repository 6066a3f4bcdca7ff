"""The EKS managed add-ons this baseline installs: when, with which IAM role, and where."""

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


ADDONS: dict[str, AddonSpec] = {
    spec.name: spec
    for spec in (
        AddonSpec(
            "vpc-cni", True, True, True, "kube-system/aws-node", ("AmazonEKS_CNI_Policy",)
        ),
        AddonSpec("kube-proxy", True, True, True),
        AddonSpec("eks-pod-identity-agent", True, True, True),
        AddonSpec("coredns", False, True, True),
        AddonSpec(
            "aws-ebs-csi-driver",
            False,
            False,
            True,
            "kube-system/ebs-csi-controller-sa",
            ("service-role/AmazonEBSCSIDriverPolicy",),
        ),
        AddonSpec("metrics-server", False, False, False),
        AddonSpec("eks-node-monitoring-agent", False, False, False),
        AddonSpec(
            "amazon-cloudwatch-observability",
            False,
            False,
            False,
            "amazon-cloudwatch/cloudwatch-agent",
            ("CloudWatchAgentServerPolicy", "AWSXrayWriteOnlyAccess"),
        ),
    )
}
