"""What each deployment records in the stack output `deployment`: the settings that AWS does not
let change freely once resources exist, and the versions this update sent to EKS. Read back by
the next `pulumi up` and by the change review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.base.config.pulumi_config import DEPLOYMENT_OUTPUT
from components.network.subnet_plan import SubnetPlan
from components.stack.settings import Settings
from components.stack.upgrade import Upgrade, Versions

OUTPUT = DEPLOYMENT_OUTPUT  # the stack output that holds the record
NODE_ROLE, AUTO_MODE_NODE_ROLE = "node", "auto-node"


def node_role_label(previous: Deployment | None, compute_mode: str) -> str:
    """Which role the nodes run as. Managed node groups, and a stack that started in Auto Mode:
    the one node role. A stack moved from managed node groups to Auto Mode: a role of its own
    for Auto Mode, because EKS leaves the managed groups' EC2_LINUX access entry on their role
    when they go (aws/containers-roadmap#2631) and a principal holds one access entry, while
    Auto Mode's built-in pools want an EC2 entry for theirs. Kept from then on: the cluster's
    compute node role cannot change once set (it would replace the cluster)."""
    if compute_mode != "auto":
        return NODE_ROLE
    if previous is None:
        return NODE_ROLE
    if previous.compute_mode != "auto":
        return AUTO_MODE_NODE_ROLE
    return previous.node_role


@dataclass(frozen=True)
class Deployment:
    availability_zones: tuple[str, ...]
    vpc_cidr: str
    subnet_prefixes: Mapping[str, int]  # tier -> prefix length, as the subnet plan laid them out
    kubernetes_version: str  # the setting
    compute_mode: str
    cluster_name: str
    deployer: str = ""  # who holds the controllers' cluster-admin entry ("" when they are off)
    versions: Versions | None = None  # None: as the setting (what older records imply)
    force_upgrade: bool = False  # cluster.forceUpgrade was on for this update
    node_role: str = NODE_ROLE  # the label of the role the nodes run as (see node_role_label)
    network_mode: str = "create"  # `existing`: the cluster is in a VPC the stack does not own
    vpc_id: str = ""  # the existing VPC (existing mode only)
    ipam_pool_id: str = ""  # the pool the VPC range came from ("": a literal range)
    pod_cidr: str = ""  # the VPC's pod range ("": none)
    control_plane_zones: tuple[str, ...] = ()  # an existing VPC's control-plane subnets' AZs

    @property
    def running(self) -> Versions:
        """The versions EKS runs after this deployment."""
        k = self.kubernetes_version
        return self.versions or Versions(k, k)

    @classmethod
    def of(
        cls,
        settings: Settings,
        zones: Sequence[str],
        deployer: str = "",
        versions: Versions | None = None,
        node_role: str = NODE_ROLE,
        control_plane_zones: Sequence[str] = (),
    ) -> Deployment:
        network = settings.network
        plan = network.plan
        assert plan is not None or network.existing, "a network of its own is planned"
        return cls(
            availability_zones=tuple(zones),
            vpc_cidr=network.vpc_cidr if plan else "",
            subnet_prefixes=subnet_prefixes(plan) if plan else {},
            kubernetes_version=settings.kubernetes_version,
            compute_mode=settings.compute.mode,
            cluster_name=settings.cluster_name,
            deployer=deployer,
            versions=versions,
            force_upgrade=settings.cluster.force_upgrade,
            node_role=node_role,
            network_mode=network.mode,
            vpc_id=network.vpc_id,
            ipam_pool_id=network.ipam_pool_id,
            pod_cidr=network.pod_cidr,
            control_plane_zones=tuple(control_plane_zones),
        )

    def as_output(self) -> dict[str, Any]:
        v = self.running
        return {
            "availabilityZones": list(self.availability_zones),
            "vpcCidr": self.vpc_cidr,
            "subnetPrefixes": dict(self.subnet_prefixes),
            "kubernetesVersion": self.kubernetes_version,
            "computeMode": self.compute_mode,
            "clusterName": self.cluster_name,
            "deployer": self.deployer,
            "versions": {
                "controlPlane": v.control_plane,
                "nodes": v.nodes,
                # (absent when none: a null in a map may not survive a stack output)
                **(
                    {"upgrade": {"from": v.upgrade.from_version, "on": v.upgrade.on.isoformat()}}
                    if v.upgrade
                    else {}
                ),
            },
            "forceUpgrade": self.force_upgrade,
            "nodeRole": self.node_role,
            # Written only when they differ from what records without them meant: a record of
            # a stack that uses none of them reads the same as before they existed.
            **{
                key: value
                for key, value in (
                    ("networkMode", self.network_mode if self.network_mode != "create" else ""),
                    ("vpcId", self.vpc_id),
                    ("ipamPoolId", self.ipam_pool_id),
                    ("podCidr", self.pod_cidr),
                    ("controlPlaneZones", list(self.control_plane_zones)),
                )
                if value
            },
        }

    @classmethod
    def from_output(cls, data: Mapping[str, Any]) -> Deployment:
        """The record as `as_output` wrote it, or as an older version of this program did; a
        ValueError naming what is missing or malformed."""
        try:
            kubernetes = str(data["kubernetesVersion"])
            return cls(
                availability_zones=tuple(str(z) for z in data["availabilityZones"]),
                vpc_cidr=str(data["vpcCidr"]),
                subnet_prefixes={str(k): int(v) for k, v in data["subnetPrefixes"].items()},
                kubernetes_version=kubernetes,
                compute_mode=str(data["computeMode"]),
                cluster_name=str(data["clusterName"]),
                deployer=str(data.get("deployer") or ""),  # records before the controllers' access
                versions=_versions(data.get("versions"), kubernetes),
                force_upgrade=bool(data.get("forceUpgrade", False)),
                node_role=str(data.get("nodeRole") or NODE_ROLE),
                network_mode=str(data.get("networkMode") or "create"),
                vpc_id=str(data.get("vpcId") or ""),
                ipam_pool_id=str(data.get("ipamPoolId") or ""),
                pod_cidr=str(data.get("podCidr") or ""),
                control_plane_zones=tuple(str(z) for z in data.get("controlPlaneZones") or ()),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"not a deployment record ({type(error).__name__}: {error})") from None


def subnet_prefixes(plan: SubnetPlan) -> dict[str, int]:
    """Each tier's prefix length as the plan laid it out (the pod tier when there is one)."""
    tiers = {
        "private": plan.private_prefix,
        "public": plan.public_prefix,
        "intra": plan.intra_prefix,
    }
    return tiers | ({"pod": plan.pod_prefix} if plan.pod_prefix is not None else {})


def _versions(data: Mapping[str, Any] | None, kubernetes: str) -> Versions:
    """The running versions; a record from before they were recorded ran the setting everywhere
    and says nothing of its last upgrade."""
    if data is None:
        return Versions(kubernetes, kubernetes, None, upgrade_known=False)
    upgrade = data.get("upgrade")
    return Versions(
        control_plane=str(data["controlPlane"]),
        nodes=str(data["nodes"]),
        upgrade=Upgrade(str(upgrade["from"]), dt.date.fromisoformat(upgrade["on"]))
        if upgrade
        else None,
    )
