"""EKS control plane: private, fully logged, secrets encrypted, API-mode access entries; the
node role its compute uses, and the add-ons that must run before any node boots."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Protocol

import pulumi
import pulumi_aws as aws

from components.addons.addon import AddonTarget, create_addon, enabled_addons
from components.addons.settings import AddonSettings
from components.base.component import PlatformComponent
from components.base.context import StackContext
from components.base.iam import (
    ASSUME_AND_TAG,
    CLUSTER_ADMIN_POLICY,
    NODE_POLICIES,
    access_policy_arn,
    key_use,
    service_trust,
    to_json,
)
from components.cluster import iam
from components.cluster.kubeconfig import kubeconfig
from components.cluster.settings import ClusterSettings, EndpointAccessSettings
from components.cluster.versions import past_standard_support, utc_today
from components.network.component import Network


class KubernetesVersions(Protocol):
    """What this update sends to EKS (components.stack.upgrade.Versions): they differ from the
    setting during a rollback, which moves the node groups first."""

    @property
    def control_plane(self) -> str: ...

    @property
    def nodes(self) -> str: ...

    @property
    def rolls_back(self) -> bool: ...  # the control plane goes down a minor in this update


class ComputeMode(Protocol):
    """What the control plane needs to know of `compute.*` (nodes.settings.ComputeSettings)."""

    @property
    def auto_mode(self) -> bool: ...

    @property
    def auto_mode_node_pools(self) -> tuple[str, ...]: ...


class Cluster(PlatformComponent):
    """The EKS cluster, its identity and access, and what its nodes need before they boot.

    Created in the order a first `pulumi up` needs: KMS key and log group, control plane, OIDC
    provider and access entries, then the networking and identity add-ons (node groups wait for
    them, so nodes come up with a working CNI).
    """

    def __init__(
        self,
        name: str,
        settings: ClusterSettings,
        network: Network,
        stack: StackContext,
        *,
        kubernetes_version: str,
        versions: KubernetesVersions,
        compute: ComputeMode,
        addons: AddonSettings,
        node_role: str = "node",
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("Cluster", name, stack, opts)
        self.node_version = versions.nodes
        # Overrides EKS's upgrade readiness checks (and PDBs, for node groups) in this update.
        self.force_upgrade = True if settings.force_upgrade else None
        auto = compute.auto_mode
        cluster_name = stack.cluster_name
        log_group_name = f"/aws/eks/{cluster_name}/cluster"

        # Created before the cluster so EKS never makes its own never-expiring, unencrypted group.
        key, log_group = self.encrypted_log_group(
            "control-plane",
            log_group_name,
            "Kubernetes secrets and control-plane logs",
            "eks",
        )
        role, role_policies = self._role(
            "cluster",
            service_trust(stack.aws, "eks", actions=ASSUME_AND_TAG),
            iam.CLUSTER_POLICIES + (iam.AUTO_MODE_CLUSTER_POLICIES if auto else ()),
        )
        key_grant = aws.iam.RolePolicy(
            self.child_name("cluster-secrets-key"),
            role=role.name,
            policy=key.arn.apply(lambda arn: to_json(key_use(arn, iam.SECRETS_KEY_ACTIONS))),
            opts=self._child(),
        )
        # The role nodes run as: the one node role, or Auto Mode's own after a move from managed
        # node groups (components.stack.record.node_role_label).
        self.node_role, node_role_policies = self._role(
            node_role,
            service_trust(stack.aws, "ec2"),
            iam.AUTO_MODE_NODE_POLICIES if auto else NODE_POLICIES,
        )

        # Auto Mode's built-in node class launches nodes into the cluster's subnets: in Auto Mode
        # those are the private ones (NAT, room for nodes), never the /28 intra subnets.
        subnets = network.private_subnet_ids if auto else network.intra_subnet_ids
        cluster = aws.eks.Cluster(
            self.child_name("cluster"),
            name=cluster_name,
            version=versions.control_plane,
            force_update_version=self.force_upgrade,
            role_arn=role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(subnets),
                endpoint_private_access=True,
                endpoint_public_access=settings.public_endpoint,
                public_access_cidrs=list(settings.public_access_cidrs) or None,
            ),
            enabled_cluster_log_types=list(settings.log_types),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key.arn),
                resources=["secrets"],
            ),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode="API", bootstrap_cluster_creator_admin_permissions=False
            ),
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            deletion_protection=settings.deletion_protection,
            zonal_shift_config=aws.eks.ClusterZonalShiftConfigArgs(enabled=settings.zonal_shift),
            bootstrap_self_managed_addons=False,
            # Built-in node pools (validation requires one): EKS then creates the node role's EC2
            # access entry itself; one of ours would fail with ResourceInUseException
            # (terraform-aws-eks #3241).
            compute_config=aws.eks.ClusterComputeConfigArgs(
                enabled=True,
                node_pools=list(compute.auto_mode_node_pools),
                node_role_arn=self.node_role.arn,
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
            tags=self._tags(cluster_name),
            opts=self._child(
                protect=settings.protect,
                depends_on=[log_group, key_grant, *role_policies],
                # Past the end of standard support EKS upgrades a STANDARD-policy cluster itself
                # (kubernetes-versions.html, read 2026-12-06); a refresh then reads the newer
                # version, and asking EKS to go back would fail every `pulumi up` (a rollback
                # after such an upgrade needs the EXTENDED policy). The version is left alone
                # until the setting moves on (the settings warn with the version to set).
                ignore_changes=["version"]
                if past_standard_support(versions.control_plane, utc_today())
                else None,
                # EKS rolls Auto Mode's nodes back before the control plane, honouring their
                # disruption budgets: up to 12 hours by default, where the provider waits 60
                # minutes for a cluster update (rollback-automode.html, "IaC timeout conflicts").
                custom_timeouts=pulumi.CustomTimeouts(update="12h")
                if auto and versions.rolls_back
                else None,
            ),
        )
        self.control_plane = cluster
        self.cluster_name = cluster.name  # an output: what refers to it waits for the cluster
        issuer_url = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)
        oidc = aws.iam.OpenIdConnectProvider(
            self.child_name("oidc"),
            url=issuer_url,
            client_id_lists=["sts.amazonaws.com"],
            tags=self._tags(f"{cluster_name}-irsa"),
            opts=self._child(),
        )
        grants = [(arn, CLUSTER_ADMIN_POLICY) for arn in settings.admin_principal_arns]
        grants += [(arn, "AmazonEKSViewPolicy") for arn in settings.viewer_principal_arns]
        # Cluster admins by principal ARN (the controllers' deployer may be one of them).
        self.admins: dict[str, aws.eks.AccessPolicyAssociation] = {}
        for principal, policy in grants:
            association = self.add_access(
                f"access-{iam.principal_label(principal)}",
                cluster.name,
                principal,
                "STANDARD",
                access_policy_arn(stack.aws, policy),
            )
            if policy == CLUSTER_ADMIN_POLICY:
                self.admins[principal] = association
        if self.admins:  # said in every preview (nobody: the settings warn)
            pulumi.log.info(f"cluster admins of {cluster_name}: {', '.join(self.admins)}")

        self.addon_target = AddonTarget(
            cluster_name=cluster.name,
            kubernetes_version=kubernetes_version,
            auto_mode=auto,
            oidc_provider_arn=oidc.arn,
            oidc_issuer_url=issuer_url,
            settings=addons,
            installed={},
        )
        # Networking and credentials must exist before any node boots.
        bootstrap = {
            spec.name: create_addon(self, spec, self.addon_target)
            for spec in enabled_addons(self.addon_target, before_compute=True)
        }
        installed = {n: addon.addon_version for n, addon in bootstrap.items()}
        self.addon_target = dataclasses.replace(self.addon_target, installed=installed)
        # What a node group waits for: its role's permissions and the bootstrap add-ons.
        self.node_prerequisites: list[pulumi.Resource] = [
            *node_role_policies,
            *bootstrap.values(),
        ]

        self.arn = cluster.arn
        self.security_group_id = cluster.vpc_config.apply(lambda v: v.cluster_security_group_id)
        self._endpoint_access(settings.endpoint_access)
        self.control_plane_log_group = log_group_name
        certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data)
        self.kubeconfig = pulumi.Output.secret(
            pulumi.Output.all(cluster.name, cluster.endpoint, certificate_authority).apply(
                lambda v: kubeconfig(v[0], v[1], v[2], stack.aws.region)
            )
        )
        self._finish(
            {
                "clusterName": cluster.name,
                "clusterEndpoint": cluster.endpoint,
                "clusterCertificateAuthority": certificate_authority,
                "clusterSecurityGroupId": self.security_group_id,
                "oidcProviderArn": oidc.arn,
                "oidcIssuerUrl": issuer_url,
                "nodeRoleArn": self.node_role.arn,
                "kubeconfig": self.kubeconfig,
            }
        )

    def _endpoint_access(self, access: EndpointAccessSettings) -> None:
        """TCP 443 to the private endpoint from a runner's or bastion's security group, or a
        connected network: the cluster security group, which the endpoint's ENIs carry, admits
        only itself otherwise (EKS user guide, cluster-endpoint.html, read 2026-12-06)."""
        sources = [
            ("group", g, {"referenced_security_group_id": g}) for g in access.security_group_ids
        ]
        sources += [("cidr", c, {"cidr_ipv4": c}) for c in access.cidrs]
        for kind, source, peer in sources:
            label = source.replace("/", "-").replace(".", "-")
            aws.vpc.SecurityGroupIngressRule(
                self.child_name(f"api-from-{label}"),
                security_group_id=self.security_group_id,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description=f"Kubernetes API from {kind} {source} (cluster.endpointAccess)",
                tags=self._tags(f"{self.stack.cluster_name}-api-from-{label}"),
                opts=self._child(),
                **peer,
            )

    def _role(
        self, label: str, trust: dict, policies: Sequence[str]
    ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        stack = self.stack
        return self.add_role(
            label,
            f"EKS {label} role of {stack.cluster_name} ({stack.stack})",
            to_json(trust),
            [stack.aws.managed_policy_arn(policy) for policy in policies],
            tags=self._tags(f"{stack.cluster_name}-{label}"),
        )
