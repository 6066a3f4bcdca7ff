"""`controllers.*`: the opt-in in-cluster controllers, their pinned charts and Karpenter's limits."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

from components.addons.versions import controller_versions
from components.base.config import Check, setting
from components.base.config.kinds import Boolean, Integer, Text

TABLE_DEFAULT = "from `components/addons/versions.json` for `kubernetesVersion`"
IAM_PRINCIPAL = re.compile(r"^arn:aws[\w-]*:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$")
KARPENTER_COMPATIBILITY = json.loads(
    (Path(__file__).resolve().parent / "data" / "karpenter-compatibility.json").read_text()
)["maxKubernetes"]

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
        "[In-cluster controllers](controllers.md)).",
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
        default="",  # unset: components/addons/versions.json for kubernetesVersion
        default_doc=TABLE_DEFAULT,
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
        default="",  # unset: components/addons/versions.json for kubernetesVersion
        default_doc=TABLE_DEFAULT,
        doc="Pinned `oci://public.ecr.aws/karpenter/karpenter` and `karpenter-crd` charts; must "
        "support `kubernetesVersion` (Karpenter's compatibility matrix, "
        "`components/controllers/data/karpenter-compatibility.json`).",
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
    deployer_principal_arn: str = setting(
        "deployerPrincipalArn",
        Text(pattern=IAM_PRINCIPAL, allowed="an IAM role or user ARN", type_doc="IAM ARN"),
        default="",  # unset: the caller's role, resolved at `pulumi up`
        default_doc="the role (or user) running `pulumi up`",
        doc="Who installs the controllers: gets cluster admin through an access entry the stack "
        "manages (skipped when `cluster.adminPrincipalArns` lists it). Set it to the deploy "
        "role, so that a person running `pulumi up` does not move the entry to themselves.",
    )
    karpenter_ami_alias: str = ""  # derived: components/addons/versions.json for kubernetesVersion


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


def karpenter_support_problem(chart: str, kubernetes_version: str) -> str | None:
    """Why Karpenter `chart` cannot run on `kubernetes_version`, or None when it can."""
    karpenter_minor = ".".join(chart.split(".")[:2])
    newest = KARPENTER_COMPATIBILITY.get(karpenter_minor)
    if newest is None:
        return (
            f"a Karpenter version in the compatibility table ({', '.join(KARPENTER_COMPATIBILITY)})"
        )
    if int(kubernetes_version.split(".")[1]) > int(newest.split(".")[1]):
        return (
            f"a Karpenter version that supports Kubernetes {kubernetes_version} "
            f"(Karpenter {karpenter_minor} supports up to {newest}; upgrade Karpenter first)"
        )
    return None


def with_versions(
    controllers: ControllerSettings, kubernetes_version: str, check: Check
) -> ControllerSettings:
    """The controllers' chart versions and node AMI for `kubernetes_version`: the settings' pins,
    else the table's; a pinned Karpenter that does not support that version is refused. `check`
    is the `controllers` section's."""
    table = controller_versions(kubernetes_version)
    if table is None:
        return controllers  # the kubernetesVersion check already says what is wrong
    resolved = dataclasses.replace(
        controllers,
        load_balancer_controller_chart=controllers.load_balancer_controller_chart
        or table["aws-load-balancer-controller"],
        karpenter_chart=controllers.karpenter_chart or table["karpenter"],
        karpenter_ami_alias=table["karpenterAmiAlias"],
    )
    installs_karpenter = controllers.enabled and controllers.karpenter
    if installs_karpenter and (
        problem := karpenter_support_problem(resolved.karpenter_chart, kubernetes_version)
    ):
        check.fail("karpenterChartVersion", resolved.karpenter_chart, problem)
    return resolved


def refuse_without_egress(controllers: ControllerSettings, nat_mode: str, check: Check) -> None:
    """Without NAT, Karpenter cannot start: its image is on public ECR, which no VPC endpoint
    serves (nor the Pricing API it calls). `check` is the `controllers` section's."""
    if controllers.enabled and controllers.karpenter and nat_mode == "none":
        check.fail(
            "karpenter",
            True,
            "false when network.natMode is 'none': Karpenter's image comes from public ECR and "
            "it calls the Pricing API, which no VPC endpoint serves",
        )
