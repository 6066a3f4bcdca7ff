"""One managed node group on a hardened launch template: IMDSv2 with hop limit 1, encrypted gp3,
no SSH, AL2023; and `Capacity`, the view of where pods run that add-ons and controllers wait for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.base.component import PlatformComponent
from components.base.context import StackContext
from components.cluster.component import Cluster
from components.network.component import Network
from components.nodes.settings import NodeGroupSettings


class NodeGroup(PlatformComponent):
    """A launch template and the managed node group that uses it, on the private subnets of
    every AZ, under the cluster's node role; created once that role's permissions and the
    networking and identity add-ons exist."""

    def __init__(
        self,
        name: str,
        settings: NodeGroupSettings,
        cluster: Cluster,
        network: Network,
        stack: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("NodeGroup", name, stack, opts)
        self.settings = settings
        # Both resources were children of the Cluster component, named after it, before node
        # groups became components of their own: the alias keeps deployed ones in place.
        moved = [pulumi.Alias(name=cluster.child_name(settings.name), parent=cluster)]
        node_tags = self._tags(f"{stack.cluster_name}-{settings.name}")
        template = aws.ec2.LaunchTemplate(
            name,
            description=f"Hardened nodes of {stack.cluster_name}/{settings.name}: IMDSv2, encrypted gp3, no SSH",
            update_default_version=True,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                # 1 keeps pods off the node role's credentials; 2 only when settings ask.
                http_put_response_hop_limit=settings.metadata_hop_limit,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=settings.disk_size_gib,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=node_tags)
                for kind in ("instance", "volume", "network-interface")
            ],
            tags=node_tags,
            opts=self._child(aliases=moved),
        )
        self.node_group = aws.eks.NodeGroup(
            name,
            cluster_name=cluster.cluster_name,
            node_role_arn=cluster.node_role.arn,
            subnet_ids=list(network.private_subnet_ids),
            version=cluster.node_version,
            force_update_version=cluster.force_upgrade,
            ami_type=settings.ami_type,
            capacity_type=settings.capacity_type,
            instance_types=list(settings.instance_types),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=settings.min_size,
                desired_size=settings.desired_size,
                max_size=settings.max_size,
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(
                max_unavailable_percentage=settings.max_unavailable_percentage
            ),
            node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            labels=dict(settings.labels) or None,
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value, effect=t.effect)
                for t in settings.taints
            ]
            or None,
            tags=node_tags,
            opts=self._child(
                aliases=moved,
                # When an autoscaler owns the desired size, don't revert its decisions; otherwise
                # the settings own it (min, desired and max go in one UpdateNodegroupConfig).
                ignore_changes=["scalingConfig.desiredSize"] if settings.autoscaled else None,
                # Nodes boot with their routes to the NAT (or the endpoints) in place.
                depends_on=[*cluster.node_prerequisites, *network.private_routing],
            ),
        )
        self._finish({"nodeGroupName": self.node_group.node_group_name})


@dataclass(frozen=True)
class Capacity:
    """Where the cluster's pods run: the view that add-ons, monitoring and controllers take."""

    ready: tuple[pulumi.Resource, ...]  # pods can be scheduled once these exist
    min_nodes: int  # nodes the groups keep at least (0 in Auto Mode, which scales to zero)

    @staticmethod
    def of(cluster: Cluster, node_groups: Sequence[NodeGroup]) -> Capacity:
        """The managed node groups; in Auto Mode the control plane, as EKS launches the nodes."""
        return Capacity(
            ready=tuple(g.node_group for g in node_groups) or (cluster.control_plane,),
            min_nodes=sum(g.settings.min_size for g in node_groups),
        )
