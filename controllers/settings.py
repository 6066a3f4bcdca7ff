"""`controllers.*`: the opt-in in-cluster controllers, their pinned charts and Karpenter's limits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from config import Check, setting
from config.kinds import Boolean, Integer, Text

# One kind for both pinned charts: an exact version, never a range that moves under you.
EXACT_CHART_VERSION = Text(
    pattern=re.compile(r"^\d+\.\d+\.\d+$"),
    allowed="an exact chart version such as 1.2.3 (pinned, never a range)",
    type_doc="exact version",
)


@dataclass(frozen=True)
class ControllerSettings:
    enabled: bool = setting(
        "enabled",
        Boolean(),
        default=False,
        doc="Install the in-cluster controllers below through the Kubernetes API. Off by default: "
        "`pulumi up` must then run where the API endpoint is reachable (see "
        "[In-cluster controllers](#in-cluster-controllers-opt-in)).",
    )
    load_balancer_controller: bool = setting(
        "loadBalancerController",
        Boolean(),
        default=True,
        doc="AWS Load Balancer Controller (when `enabled`; not in Auto Mode).",
    )
    load_balancer_controller_chart: str = setting(
        "loadBalancerControllerChartVersion",
        EXACT_CHART_VERSION,
        default="1.14.0",
        doc="Pinned `aws-load-balancer-controller` chart (https://aws.github.io/eks-charts).",
    )
    karpenter: bool = setting(
        "karpenter",
        Boolean(),
        default=True,
        doc="Karpenter with a default EC2NodeClass and NodePool (when `enabled`; not in Auto Mode).",
    )
    karpenter_chart: str = setting(
        "karpenterChartVersion",
        EXACT_CHART_VERSION,
        default="1.8.1",
        doc="Pinned `oci://public.ecr.aws/karpenter/karpenter` chart.",
    )
    karpenter_cpu_limit: int = setting(
        "karpenterCpuLimit",
        Integer(1, 100000),
        default=200,
        doc="NodePool limit on total vCPUs Karpenter may launch.",
    )
    karpenter_memory_limit_gib: int = setting(
        "karpenterMemoryLimitGib",
        Integer(1, 1000000),
        default=800,
        doc="NodePool limit on total memory (GiB).",
    )


def refuse_what_auto_mode_runs(controllers: ControllerSettings, check: Check) -> None:
    """In Auto Mode, EKS already runs load balancing and Karpenter-based compute: a second
    controller for either would fight it. `check` is the `controllers` section's."""
    if not controllers.enabled:
        return
    for key, on, runs in (
        ("loadBalancerController", controllers.load_balancer_controller, "load balancing"),
        ("karpenter", controllers.karpenter, "Karpenter-based compute"),
    ):
        if on:
            check.fail(
                key, True, f"false when compute.mode is 'auto': Auto Mode already runs {runs}"
            )
