"""EKS control plane (private, fully logged, secrets encrypted) and its hardened compute."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from baseline import iam_documents as docs
from baseline.iam_documents import AwsContext
from baseline.settings import AddonSettings, ClusterSettings, ComputeSettings, NodeGroupSettings
from components.audit_log import encrypted_log_group
from components.base import PlatformComponent
from components.eks_addon import AddonTarget, create_addon, enabled_addons

CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
AUTO_MODE_CLUSTER_POLICIES = (
    "AmazonEKSComputePolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingPolicy",
)
# No AmazonEKS_CNI_Policy: the VPC CNI gets its own role, so pods can't borrow ENI permissions.
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
)
AUTO_MODE_NODE_POLICIES = ("AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly")
ACCESS_POLICY = "arn:{partition}:eks::aws:cluster-access-policy/{name}"


@dataclass(frozen=True)
class ClusterArgs:
    cluster_name: str
    kubernetes_version: str
    stack: str
    settings: ClusterSettings
    compute: ComputeSettings
    addons: AddonSettings
    control_plane_subnet_ids: Sequence[pulumi.Input[str]]
    node_subnet_ids: Sequence[pulumi.Input[str]]
    log_retention_days: int
    aws: AwsContext
    tags: Mapping[str, str]


class Cluster(PlatformComponent):
    """The EKS cluster, its identity and access, and its nodes.

    Created in the order a first `pulumi up` needs: KMS key and log group, control plane, OIDC
    provider and access entries, the networking and identity add-ons, then the node groups
    (which wait for those add-ons, so nodes come up with a working CNI).
    """

    def __init__(
        self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("eks-platform:index:Cluster", name, args.tags, opts)
        self._args = args
        a, s = args, args.settings
        auto = a.compute.auto_mode
        log_group_name = f"/aws/eks/{a.cluster_name}/cluster"

        # Created before the cluster so EKS never makes its own never-expiring, unencrypted group.
        key, log_group = encrypted_log_group(
            self,
            f"{name}-control-plane",
            group_name=log_group_name,
            key_description=f"Encrypts Kubernetes secrets and control-plane logs of {a.cluster_name} ({a.stack})",
            key_alias=f"alias/eks-platform/{a.stack}/{a.cluster_name}/eks",
            retention_days=a.log_retention_days,
            aws_context=a.aws,
            tags=a.tags,
        )

        role, role_policies = self._role(
            "cluster",
            docs.service_trust(a.aws, "eks", actions=("sts:AssumeRole", "sts:TagSession")),
            CLUSTER_POLICIES + (AUTO_MODE_CLUSTER_POLICIES if auto else ()),
        )
        key_use = aws.iam.RolePolicy(
            f"{name}-cluster-secrets-key",
            role=role.name,
            policy=key.arn.apply(
                lambda arn: docs.to_json(
                    docs.key_use(
                        arn, ("kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey")
                    )
                )
            ),
            opts=self._child(),
        )
        node_role, node_role_policies = self._role(
            "node",
            docs.service_trust(a.aws, "ec2"),
            AUTO_MODE_NODE_POLICIES if auto else NODE_POLICIES,
        )

        cluster = aws.eks.Cluster(
            f"{name}-cluster",
            name=a.cluster_name,
            version=a.kubernetes_version,
            role_arn=role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(a.control_plane_subnet_ids),
                endpoint_private_access=True,
                endpoint_public_access=s.public_endpoint,
                public_access_cidrs=list(s.public_access_cidrs) or None,
            ),
            enabled_cluster_log_types=list(s.log_types),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key.arn),
                resources=["secrets"],
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
            ),
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            deletion_protection=s.deletion_protection,
            zonal_shift_config=aws.eks.ClusterZonalShiftConfigArgs(enabled=s.zonal_shift),
            bootstrap_self_managed_addons=False,
            compute_config=aws.eks.ClusterComputeConfigArgs(
                enabled=True,
                node_pools=list(a.compute.auto_mode_node_pools),
                node_role_arn=node_role.arn,
            )
            if auto
            else None,
            storage_config=aws.eks.ClusterStorageConfigArgs(
                block_storage=aws.eks.ClusterStorageConfigBlockStorageArgs(enabled=True)
            )
            if auto
            else None,
            kubernetes_network_config=aws.eks.ClusterKubernetesNetworkConfigArgs(
                elastic_load_balancing=aws.eks.ClusterKubernetesNetworkConfigElasticLoadBalancingArgs(
                    enabled=True
                )
            )
            if auto
            else None,
            tags=self._tags(a.cluster_name),
            opts=self._child(
                protect=s.protect,
                depends_on=[log_group, key_use, *role_policies],
            ),
        )
        issuer_url = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc",
            url=issuer_url,
            client_id_lists=["sts.amazonaws.com"],
            tags=self._tags(f"{a.cluster_name}-irsa"),
            opts=self._child(),
        )
        self._access_entries(cluster)
        if auto:
            # Auto Mode nodes running under our own node role need an EC2 access entry to join.
            self._grant(cluster, "auto-mode-nodes", node_role.arn, "EC2", "AmazonEKSAutoNodePolicy")

        self.addon_target = AddonTarget(
            cluster_name=cluster.name,
            kubernetes_version=a.kubernetes_version,
            oidc_provider_arn=oidc.arn,
            oidc_issuer_url=issuer_url,
            settings=a.addons,
            aws=a.aws,
            tags=a.tags,
        )
        # Networking and credentials must exist before any node boots.
        self.bootstrap_addons = {
            spec.name: create_addon(self, spec, self.addon_target)
            for spec in enabled_addons(a.addons, auto, before_compute=True)
        }
        node_prerequisites = [*node_role_policies, *self.bootstrap_addons.values()]
        self.node_groups = [
            self._node_group(cluster, node_role, group, node_prerequisites)
            for group in a.compute.node_groups
        ]

        self.cluster_name = cluster.name
        self.addon_versions = {n: addon.addon_version for n, addon in self.bootstrap_addons.items()}
        self.cluster_arn = cluster.arn
        # What workloads wait for before their pods can be scheduled.
        self.compute: list[pulumi.Resource] = [*self.node_groups] or [cluster]
        self.endpoint = cluster.endpoint
        self.certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data)
        self.cluster_security_group_id = cluster.vpc_config.apply(
            lambda v: v.cluster_security_group_id
        )
        self.oidc_provider_arn = oidc.arn
        self.oidc_issuer_url = issuer_url
        self.node_role_arn = node_role.arn
        self.control_plane_log_group = log_group_name
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(cluster.name, cluster.endpoint, self.certificate_authority).apply(
                lambda v: kubeconfig(v[0], v[1], v[2], a.aws.region)
            )
        )
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "endpoint": self.endpoint,
                "certificateAuthority": self.certificate_authority,
                "clusterSecurityGroupId": self.cluster_security_group_id,
                "oidcProviderArn": self.oidc_provider_arn,
                "oidcIssuerUrl": self.oidc_issuer_url,
                "nodeRoleArn": self.node_role_arn,
                "kubeconfig": self.kubeconfig,
            }
        )

    # ------------------------------------------------------------------ helpers

    def _role(
        self, label: str, trust: docs.Document, policies: Sequence[str]
    ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        a = self._args
        return self.add_role(
            label,
            f"EKS {label} role of {a.cluster_name} ({a.stack})",
            docs.to_json(trust),
            [a.aws.managed_policy_arn(policy) for policy in policies],
            tags=self._tags(f"{a.cluster_name}-{label}"),
        )

    def _access_entries(self, cluster: aws.eks.Cluster) -> None:
        a = self._args
        grants = [
            (arn, "AmazonEKSClusterAdminPolicy") for arn in a.settings.admin_principal_arns
        ] + [(arn, "AmazonEKSViewPolicy") for arn in a.settings.viewer_principal_arns]
        for principal, policy in grants:
            self._grant(
                cluster, f"access-{docs.principal_label(principal)}", principal, "STANDARD", policy
            )

    def _grant(
        self,
        cluster: aws.eks.Cluster,
        label: str,
        principal: pulumi.Input[str],
        kind: str,
        policy: str,
    ) -> None:
        """An access entry with one cluster-scoped access policy."""
        name = f"{self._name}-{label}"
        entry = aws.eks.AccessEntry(
            name,
            cluster_name=cluster.name,
            principal_arn=principal,
            type=kind,
            tags=self._tags(name),
            opts=self._child(),
        )
        aws.eks.AccessPolicyAssociation(
            name,
            cluster_name=cluster.name,
            principal_arn=entry.principal_arn,
            policy_arn=ACCESS_POLICY.format(partition=self._args.aws.partition, name=policy),
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=self._child(),
        )

    def _node_group(
        self,
        cluster: aws.eks.Cluster,
        node_role: aws.iam.Role,
        group: NodeGroupSettings,
        prerequisites: Sequence[pulumi.Resource],
    ) -> aws.eks.NodeGroup:
        a = self._args
        label = f"{self._name}-{group.name}"
        node_tags = self._tags(f"{a.cluster_name}-{group.name}")
        template = aws.ec2.LaunchTemplate(
            label,
            description=f"Hardened nodes of {a.cluster_name}/{group.name}: IMDSv2, encrypted gp3, no SSH",
            update_default_version=True,
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled",
                http_tokens="required",
                # 1 keeps pods off the node role's credentials; 2 only when settings ask.
                http_put_response_hop_limit=group.metadata_hop_limit,
                instance_metadata_tags="disabled",
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=group.disk_size_gib,
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
            opts=self._child(),
        )
        return aws.eks.NodeGroup(
            label,
            cluster_name=cluster.name,
            node_role_arn=node_role.arn,
            subnet_ids=list(a.node_subnet_ids),
            version=a.kubernetes_version,
            ami_type=group.ami_type,
            capacity_type=group.capacity_type,
            instance_types=list(group.instance_types),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=group.min_size, desired_size=group.desired_size, max_size=group.max_size
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(
                max_unavailable_percentage=group.max_unavailable_percentage
            ),
            node_repair_config=aws.eks.NodeGroupNodeRepairConfigArgs(enabled=True),
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=template.id, version=template.latest_version.apply(str)
            ),
            labels=dict(group.labels) or None,
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t.key, value=t.value, effect=t.effect)
                for t in group.taints
            ]
            or None,
            tags=node_tags,
            opts=self._child(
                # An autoscaler owns the desired size after creation; don't revert its decisions.
                ignore_changes=["scalingConfig.desiredSize"],
                depends_on=list(prerequisites),
            ),
        )


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token`: no static credentials."""
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
            "args": [
                "--region",
                region,
                "eks",
                "get-token",
                "--cluster-name",
                cluster_name,
                "--output",
                "json",
            ],
            "interactiveMode": "Never",
        }
    }
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": cluster_name,
                    "cluster": {
                        "server": endpoint,
                        "certificate-authority-data": certificate_authority,
                    },
                }
            ],
            "contexts": [
                {"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}
            ],
            "current-context": cluster_name,
            "users": [{"name": cluster_name, "user": user}],
        },
        indent=2,
    )
