"""In-cluster controllers through the Kubernetes API (opt-in): AWS Load Balancer Controller,
Karpenter with its default EC2NodeClass and NodePool, and a gp3 default StorageClass when no
add-on provides one.

Unlike everything else in this stack these resources talk to the Kubernetes API server, so
`pulumi up` must run where the cluster's endpoint is reachable: inside the VPC (a self-hosted
CI runner or a bastion reached through SSM) or, if the stack allows it, from a CIDR in
`cluster.publicAccessCidrs`.

The deployer (the identity running `pulumi up`) gets cluster admin through an access entry of
this stack, and every Kubernetes resource waits for it.

Destroy order is encoded as dependencies: the NodePool and NodeClass depend on Karpenter's
release, every release on its controller's IAM policy and Pod Identity association, on the
deployer's access and on the node groups and add-ons, so `pulumi destroy` deletes the NodePool
(Karpenter drains and terminates its nodes) while the controllers still run with their
permissions, then the controllers, their policies, the node groups, the cluster and the network.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.addons.component import Addons
from components.addons.iam import pod_identity_trust
from components.base.component import PlatformComponent
from components.base.config import SettingsError
from components.base.config.problems import problem_text
from components.base.context import AwsContext, StackContext
from components.base.iam import (
    CLUSTER_ADMIN_POLICY,
    NODE_POLICIES,
    access_policy_arn,
    service_trust,
    to_json,
)
from components.base.tags import KARPENTER_DISCOVERY
from components.cluster.component import Cluster
from components.controllers import iam, karpenter
from components.controllers.settings import ControllerSettings
from components.network.component import Network
from components.nodes.component import Capacity

LBC_SERVICE_ACCOUNT = "aws-load-balancer-controller"
NAMESPACE = "kube-system"


def deployer_principal(
    settings: ControllerSettings, ctx: AwsContext, viewers: Sequence[str] = ()
) -> str:
    """Who installs the controllers, as an access entry needs it ("" when they are off): the
    setting, else the caller's IAM role (an assumed-role session names the role without its
    path; IAM gives the full ARN) or IAM user. The deployment record keeps it: day2.rules refuses a
    different deployer next time (CI and people would take the entry from each other). A
    SettingsError, before any resource, when it cannot hold a cluster-admin entry."""
    if not settings.enabled:
        return ""
    kind, role_name = iam.caller_principal(ctx.caller_arn)
    if settings.deployer_principal_arn:
        deployer = settings.deployer_principal_arn
    elif kind == "assumed-role":
        deployer = aws.iam.get_role(name=role_name).arn
    elif kind == "user":  # a role calls as an assumed-role session, never as the role
        deployer = ctx.caller_arn
    else:
        raise _deployer_error(
            "controllers.deployerPrincipalArn",
            "",
            f"set to an IAM role or user ARN: {ctx.caller_arn} runs `pulumi up` and cannot hold "
            "an access entry",
        )
    if deployer in viewers:
        raise _deployer_error(
            "cluster.viewerPrincipalArns",
            list(viewers),
            f"must not list the controllers' deployer {deployer}: it needs cluster admin, and EKS "
            "takes one access entry per principal (list it in adminPrincipalArns)",
        )
    return deployer


def _deployer_error(key: str, value: object, text: str) -> SettingsError:
    return SettingsError([problem_text(key, value, text)])


class Controllers(PlatformComponent):
    def __init__(
        self,
        name: str,
        settings: ControllerSettings,
        cluster: Cluster,
        network: Network,
        capacity: Capacity,
        addons: Addons,
        stack: StackContext,
        *,
        deployer: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`deployer`: the principal `deployer_principal` resolved, given cluster admin here
        unless it already is one of the cluster's admins."""
        super().__init__("Controllers", name, stack, opts)
        self.settings = settings
        self._cluster = cluster
        pulumi.log.info(f"the controllers' deployer has cluster admin: {deployer}")
        access = cluster.admins.get(deployer) or self.add_access(
            "deployer",
            cluster.cluster_name,
            deployer,
            "STANDARD",
            access_policy_arn(stack.aws, CLUSTER_ADMIN_POLICY),
        )
        # What every Kubernetes resource waits for, and outlives on destroy: the deployer's access
        # to the API, and the node groups and add-ons the controllers run on.
        self._runs_on = [access, *capacity.ready, *addons.addons.values()]
        # Credentials come from the kubeconfig's `aws eks get-token` exec: nothing static. No
        # deleteUnreachable: a refresh that cannot reach a private API must fail, not forget the
        # releases and the nodes they manage (pulumi-kubernetes #1522, #2489).
        self.provider = k8s.Provider(
            self.child_name("k8s"), kubeconfig=cluster.kubeconfig, opts=self._child()
        )
        releases: dict[str, k8s.helm.v3.Release] = {}
        if settings.load_balancer_controller:
            releases["aws-load-balancer-controller"] = self._load_balancer_controller(network)
        if settings.karpenter:
            releases["karpenter"] = self._karpenter(network)
        if addons.default_storage_class_provisioner:
            self._default_storage_class(addons.default_storage_class_provisioner)
        self._finish({"releases": {n: r.status for n, r in releases.items()}})

    def _k8s(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        """Options of every Kubernetes resource: the explicit provider, and what it must outlive."""
        return self._child(provider=self.provider, depends_on=[*self._runs_on, *depends_on])

    def _pod_identity_role(
        self, label: str, service_account: str, policy: pulumi.Input[str]
    ) -> list[pulumi.Resource]:
        """The controller's role, its permissions and its Pod Identity association: what its
        release waits for on create and keeps until it is gone on destroy."""
        cluster_name = self.stack.cluster_name
        role, _ = self.add_role(
            label,
            f"{label} of {cluster_name} ({NAMESPACE}/{service_account})",
            to_json(pod_identity_trust(self.stack.aws)),
            tags=self._tags(f"{cluster_name}-{label}"),
        )
        permissions = aws.iam.RolePolicy(
            self.child_name(label), role=role.name, policy=policy, opts=self._child()
        )
        association = aws.eks.PodIdentityAssociation(
            self.child_name(label),
            cluster_name=self._cluster.cluster_name,
            namespace=NAMESPACE,
            service_account=service_account,
            role_arn=role.arn,
            tags=self._tags(f"{cluster_name}-{label}"),
            opts=self._child(),
        )
        return [permissions, association]

    def _load_balancer_controller(self, network: Network) -> k8s.helm.v3.Release:
        identity = self._pod_identity_role(
            "load-balancer-controller",
            LBC_SERVICE_ACCOUNT,
            to_json(iam.load_balancer_controller_policy(self.stack.aws)),
        )
        return k8s.helm.v3.Release(
            self.child_name("load-balancer-controller"),
            name="aws-load-balancer-controller",
            chart="aws-load-balancer-controller",
            version=self.settings.load_balancer_controller_chart,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://aws.github.io/eks-charts"),
            namespace=NAMESPACE,
            values={
                "clusterName": self.stack.cluster_name,
                # Nodes keep IMDS hop limit 1, so the controller must not need instance metadata.
                "region": self.stack.aws.region,
                "vpcId": network.vpc_id,
                "replicaCount": 2,
                "podDisruptionBudget": {"maxUnavailable": 1},
                "serviceAccount": {"create": True, "name": LBC_SERVICE_ACCOUNT},
            },
            atomic=True,
            opts=self._k8s(*identity),
        )

    def _karpenter(self, network: Network) -> k8s.helm.v3.Release:
        stack, cluster_name = self.stack, self.stack.cluster_name
        node_role, node_policies = self.add_role(
            "karpenter-node",
            f"Nodes Karpenter launches for {cluster_name}",
            to_json(service_trust(stack.aws, "ec2")),
            [stack.aws.managed_policy_arn(policy) for policy in NODE_POLICIES],
            tags=self._tags(f"{cluster_name}-karpenter-node"),
        )
        node_access = aws.eks.AccessEntry(
            self.child_name("karpenter-node"),
            cluster_name=self._cluster.cluster_name,
            principal_arn=node_role.arn,
            type="EC2_LINUX",
            tags=self._tags(f"{cluster_name}-karpenter-node"),
            opts=self._child(),
        )
        queue = aws.sqs.Queue(
            self.child_name("karpenter-interruptions"),
            name=karpenter.interruption_queue_name(cluster_name),
            message_retention_seconds=300,
            sqs_managed_sse_enabled=True,
            tags=self._tags(f"{cluster_name}-karpenter"),
            opts=self._child(),
        )
        queue_policy = aws.sqs.QueuePolicy(
            self.child_name("karpenter-interruptions"),
            queue_url=queue.url,
            policy=queue.arn.apply(lambda arn: to_json(iam.events_to_queue(stack.aws, arn))),
            opts=self._child(),
        )
        targets = []
        for event, pattern in karpenter.INTERRUPTION_EVENTS.items():
            rule = aws.cloudwatch.EventRule(
                self.child_name(f"karpenter-{event}"),
                description=f"{event} events for Karpenter of {cluster_name}",
                event_pattern=json.dumps(pattern),
                tags=self._tags(f"{cluster_name}-karpenter-{event}"),
                opts=self._child(),
            )
            targets.append(
                aws.cloudwatch.EventTarget(
                    self.child_name(f"karpenter-{event}"),
                    rule=rule.name,
                    arn=queue.arn,
                    target_id="karpenter-interruption-queue",
                    opts=self._child(depends_on=[queue_policy]),
                )
            )
        # An existing VPC's node subnets are someone else's: named by id, not by a tag.
        existing_node_subnets = (
            network.settings.node_subnet_ids if network.settings.existing else ()
        )
        identity = self._pod_identity_role(
            "karpenter",
            karpenter.SERVICE_ACCOUNT,
            pulumi.Output.all(node_role.arn, queue.arn).apply(
                lambda v: to_json(
                    iam.karpenter_controller_policy(
                        stack.aws, cluster_name, v[0], v[1], existing_node_subnets
                    )
                )
            ),
        )
        # The stack's own private subnets carry the discovery tag; the cluster security group
        # is created by EKS, so it gets the tag here (never tag our own resources this way: a
        # second owner of their tags would be reverted on the next update).
        discovery = aws.ec2.Tag(
            self.child_name("karpenter-discovery-cluster-sg"),
            resource_id=self._cluster.security_group_id,
            key=KARPENTER_DISCOVERY,
            value=cluster_name,
            opts=self._child(),
        )
        # Helm installs a chart's CRDs once and never upgrades them: the karpenter-crd chart
        # owns them, so a chart upgrade upgrades them too (Karpenter's upgrade guide).
        crds = self._karpenter_chart("karpenter-crd")
        release = self._karpenter_chart(
            "karpenter",
            crds,
            *identity,
            node_access,
            discovery,
            *node_policies,
            *targets,
            values=karpenter.release_values(cluster_name, queue.name),
            skip_crds=True,
        )
        node_class = k8s.apiextensions.CustomResource(
            self.child_name("karpenter-node-class"),
            api_version="karpenter.k8s.aws/v1",
            kind="EC2NodeClass",
            metadata={"name": karpenter.NODE_CLASS},
            spec=karpenter.node_class_spec(
                cluster_name,
                node_role.name,
                self.settings.karpenter_ami_alias,
                stack.tags,
                subnet_ids=existing_node_subnets,
            ),
            opts=self._k8s(release),
        )
        k8s.apiextensions.CustomResource(
            self.child_name("karpenter-node-pool"),
            api_version="karpenter.sh/v1",
            kind="NodePool",
            metadata={"name": "default"},
            spec=karpenter.node_pool_spec(
                self.settings.karpenter_cpu_limit, self.settings.karpenter_memory_limit_gib
            ),
            opts=self._k8s(release, node_class),
        )
        return release

    def _karpenter_chart(
        self, chart: str, *depends_on: pulumi.Resource, **inputs: Any
    ) -> k8s.helm.v3.Release:
        """A release of one of Karpenter's charts, at the pinned version both share."""
        return k8s.helm.v3.Release(
            self.child_name(chart),
            name=chart,
            chart=f"{karpenter.CHART_REPOSITORY}/{chart}",
            version=self.settings.karpenter_chart,
            namespace=NAMESPACE,
            atomic=True,
            opts=self._k8s(*depends_on),
            **inputs,
        )

    def _default_storage_class(self, provisioner: str) -> None:
        k8s.storage.v1.StorageClass(
            self.child_name("gp3"),
            metadata={
                "name": "gp3",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            provisioner=provisioner,
            parameters={"type": "gp3", "encrypted": "true"},
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            reclaim_policy="Delete",
            opts=self._k8s(),
        )
