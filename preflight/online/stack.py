"""What the stack WILL be, from the program run offline (`run_program`) and its settings: the
cluster, its target version, the add-ons with their versions and configuration, the node groups,
the private subnets per AZ and how many of each quota-counted resource it holds. Pure."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from components.base.config.pulumi_config import DEPLOYMENT_OUTPUT, project_config
from components.stack.settings import Settings, load_settings
from preflight.offline.recorder import Registration
from preflight.offline.runner import ProgramRun

CLUSTER = "aws:eks/cluster:Cluster"
ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
SUBNET = "aws:ec2/subnet:Subnet"
VPC = "aws:ec2/vpc:Vpc"
EIP = "aws:ec2/eip:Eip"
NAT_GATEWAY = "aws:ec2/natGateway:NatGateway"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


@dataclass(frozen=True)
class AddonPlan:
    name: str
    version: str
    configuration: str | None  # the JSON sent as configurationValues
    pinned: bool  # by addons.overrides.<name>.version (else the version table's row)

    @property
    def version_key(self) -> str:
        if self.pinned:
            return f"addons.overrides.{self.name}.version"
        return (
            "the version table's row (components/addons/versions.json), or pin "
            f"addons.overrides.{self.name}.version"
        )


@dataclass(frozen=True)
class NodeGroupPlan:
    index: int  # in compute.nodeGroups
    name: str
    instance_types: tuple[str, ...]
    max_size: int
    max_unavailable_percentage: int
    ami_type: str
    version: str  # the Kubernetes version this update sends for the group

    def key(self, field: str) -> str:
        return f"compute.nodeGroups[{self.index}].{field} ({self.name})"


@dataclass(frozen=True)
class StackPlan:
    stack: str
    region: str
    cluster_name: str
    version: str  # the control plane's version this update sends
    settings_version: str  # kubernetesVersion as set
    auto_mode: bool
    zones: tuple[str, ...]
    private_subnets: dict[str, str]  # AZ -> CIDR
    subnet_names: dict[str, str]  # AZ -> the private subnet's Name tag
    addons: tuple[AddonPlan, ...]
    node_groups: tuple[NodeGroupPlan, ...]
    prefix_delegation: bool
    vpc_name: str
    eip_names: tuple[str, ...]
    nat_zones: dict[str, int]  # AZ -> NAT gateways planned there
    interface_endpoints: tuple[str, ...]  # service names
    upgrade_policy: str  # the supportType the cluster is sent
    settings: Settings
    pod_subnets: dict[str, str] = dataclasses.field(default_factory=dict)  # AZ -> pod subnet CIDR
    existing_vpc: str = ""  # network.mode existing: the VPC given
    node_subnet_ids: tuple[str, ...] = ()  # network.mode existing: the node subnets given


def _name_tag(r: Registration) -> str:
    return str((r.inputs.get("tags") or {}).get("Name", ""))


def plan_of(run: ProgramRun) -> StackPlan:
    """The plan of a program run (which ran the stack's settings, so they validate)."""
    settings = load_settings(project_config(run.config), run.stack)
    cluster = run.one(CLUSTER).inputs
    subnets = {r.urn: r for r in run.of_type(SUBNET)}
    private, pods = (
        [r for r in subnets.values() if (r.inputs.get("tags") or {}).get("tier") == tier]
        for tier in ("private", "pod")
    )
    network = settings.network
    by_id = {r.id: r.inputs["availabilityZone"] for r in subnets.values()}
    nat_zones = Counter(by_id.get(r.inputs.get("subnetId"), "?") for r in run.of_type(NAT_GATEWAY))
    groups = {g.name: (i, g) for i, g in enumerate(settings.compute.node_groups)}
    node_groups = []
    for r in run.of_type(NODE_GROUP):
        group_name = _name_tag(r).removeprefix(f"{settings.cluster_name or cluster['name']}-")
        index, group = groups[group_name]
        node_groups.append(
            NodeGroupPlan(
                index=index,
                name=group.name,
                instance_types=tuple(r.inputs["instanceTypes"]),
                max_size=int(r.inputs["scalingConfig"]["maxSize"]),
                max_unavailable_percentage=int(
                    r.inputs["updateConfig"]["maxUnavailablePercentage"]
                ),
                ami_type=str(r.inputs["amiType"]),
                version=str(r.inputs.get("version") or cluster["version"]),
            )
        )
    addons = tuple(
        AddonPlan(
            name=r.inputs["addonName"],
            version=r.inputs["addonVersion"],
            configuration=r.inputs.get("configurationValues"),
            pinned=settings.addons.pinned_version(r.inputs["addonName"]) is not None,
        )
        for r in run.of_type(ADDON)
    )
    return StackPlan(
        stack=run.stack,
        region=str(run.config["aws:region"]),
        cluster_name=str(cluster["name"]),
        version=str(cluster["version"]),
        settings_version=settings.kubernetes_version,
        auto_mode=settings.compute.auto_mode,
        # An existing VPC's AZs are its node subnets' (the record holds them).
        zones=tuple(sorted({r.inputs["availabilityZone"] for r in private}))
        or tuple(run.outputs[DEPLOYMENT_OUTPUT]["availabilityZones"]),
        private_subnets={r.inputs["availabilityZone"]: r.inputs["cidrBlock"] for r in private},
        subnet_names={r.inputs["availabilityZone"]: _name_tag(r) for r in private},
        addons=tuple(sorted(addons, key=lambda a: a.name)),
        node_groups=tuple(sorted(node_groups, key=lambda g: g.index)),
        prefix_delegation=settings.addons.prefix_delegation,
        vpc_name=_name_tag(run.one(VPC)) if not network.existing else "",
        eip_names=tuple(sorted(_name_tag(r) for r in run.of_type(EIP))),
        nat_zones=dict(sorted(nat_zones.items())),
        interface_endpoints=tuple(
            sorted(
                r.inputs["serviceName"]
                for r in run.of_type(ENDPOINT)
                if r.inputs.get("vpcEndpointType") == "Interface"
            )
        ),
        upgrade_policy=str((cluster.get("upgradePolicy") or {}).get("supportType", "")),
        settings=settings,
        pod_subnets={r.inputs["availabilityZone"]: r.inputs["cidrBlock"] for r in pods},
        existing_vpc=network.vpc_id if network.existing else "",
        node_subnet_ids=network.node_subnet_ids if network.existing else (),
    )


def configuration(addon: AddonPlan) -> Any:
    """The add-on's configuration values as JSON data (None when it sends none)."""
    return json.loads(addon.configuration) if addon.configuration else None
