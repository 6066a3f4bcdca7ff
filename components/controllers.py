"""In-cluster controllers through the Kubernetes API (opt-in): AWS Load Balancer Controller,
Karpenter with its default EC2NodeClass and NodePool, and a gp3 default StorageClass when no
add-on provides one.

Unlike everything else in this baseline these resources talk to the Kubernetes API server, so
`pulumi up` must run where the cluster's endpoint is reachable: inside the VPC (a self-hosted
CI runner or a bastion reached through SSM) or, if the stack allows it, from a CIDR in
`cluster.publicAccessCidrs`.

Destroy order is encoded as dependencies: the NodePool and NodeClass depend on Karpenter's
release and every release depends on the node groups and add-ons, so `pulumi destroy` deletes
the NodePool (Karpenter drains and terminates its nodes) while the controllers still run, then
the controllers, then the node groups, the cluster and the network.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from baseline import iam_documents as docs
from baseline.iam_documents import AwsContext
from baseline.settings import ControllerSettings
from components.base import PlatformComponent
from components.cluster import NODE_POLICIES
from components.network import DISCOVERY_TAG

LBC_SERVICE_ACCOUNT = "aws-load-balancer-controller"
KARPENTER_SERVICE_ACCOUNT = "karpenter"
NAMESPACE = "kube-system"
# EventBridge events Karpenter acts on before AWS takes an instance away.
INTERRUPTION_EVENTS = {
    "spot-interruption": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Spot Instance Interruption Warning"],
    },
    "rebalance": {"source": ["aws.ec2"], "detail-type": ["EC2 Instance Rebalance Recommendation"]},
    "instance-state-change": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
    },
    "scheduled-change": {"source": ["aws.health"], "detail-type": ["AWS Health Event"]},
}


@dataclass(frozen=True)
class ControllersArgs:
    settings: ControllerSettings
    cluster_name: str  # for names and values
    # The cluster resource's name output: what EKS resources refer to, so they wait for the cluster.
    eks_cluster_name: pulumi.Input[str]
    kubeconfig: pulumi.Input[str]
    vpc_id: pulumi.Input[str]
    cluster_security_group_id: pulumi.Input[str]
    # None when an add-on already provides a default StorageClass; else the CSI provisioner to use.
    default_storage_class_provisioner: str | None
    # The node groups and add-ons: controllers run on them, and must go before them on destroy.
    runs_on: Sequence[pulumi.Resource]
    aws: AwsContext
    tags: Mapping[str, str]


class Controllers(PlatformComponent):
    def __init__(
        self, name: str, args: ControllersArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("eks-platform:index:Controllers", name, args.tags, opts)
        self._args = args
        # Credentials come from the kubeconfig's `aws eks get-token` exec: nothing static.
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=args.kubeconfig,
            # A destroy after the cluster is already gone must not hang on an unreachable API.
            delete_unreachable=True,
            opts=self._child(),
        )
        self.releases: dict[str, k8s.helm.v3.Release] = {}
        if args.settings.load_balancer_controller:
            self.releases["aws-load-balancer-controller"] = self._load_balancer_controller()
        if args.settings.karpenter:
            self.releases["karpenter"] = self._karpenter()
        if args.default_storage_class_provisioner:
            self._default_storage_class(args.default_storage_class_provisioner)
        self.register_outputs({"releases": {n: r.status for n, r in self.releases.items()}})

    def _k8s(self, *depends_on: pulumi.Resource) -> pulumi.ResourceOptions:
        """Options of every Kubernetes resource: the explicit provider, and what it must outlive."""
        return self._child(provider=self.provider, depends_on=[*self._args.runs_on, *depends_on])

    def _pod_identity_role(
        self, label: str, service_account: str, policy: pulumi.Input[str]
    ) -> aws.eks.PodIdentityAssociation:
        a = self._args
        role, _ = self.add_role(
            label,
            f"{label} of {a.cluster_name} ({NAMESPACE}/{service_account})",
            docs.to_json(docs.pod_identity_trust(a.aws)),
            tags=self._tags(f"{a.cluster_name}-{label}"),
        )
        aws.iam.RolePolicy(
            f"{self._name}-{label}", role=role.name, policy=policy, opts=self._child()
        )
        return aws.eks.PodIdentityAssociation(
            f"{self._name}-{label}",
            cluster_name=a.eks_cluster_name,
            namespace=NAMESPACE,
            service_account=service_account,
            role_arn=role.arn,
            tags=self._tags(f"{a.cluster_name}-{label}"),
            opts=self._child(),
        )

    def _load_balancer_controller(self) -> k8s.helm.v3.Release:
        a = self._args
        association = self._pod_identity_role(
            "load-balancer-controller",
            LBC_SERVICE_ACCOUNT,
            docs.to_json(docs.load_balancer_controller_policy(a.aws)),
        )
        return k8s.helm.v3.Release(
            f"{self._name}-load-balancer-controller",
            name="aws-load-balancer-controller",
            chart="aws-load-balancer-controller",
            version=a.settings.load_balancer_controller_chart,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo="https://aws.github.io/eks-charts"),
            namespace=NAMESPACE,
            values={
                "clusterName": a.cluster_name,
                # Nodes keep IMDS hop limit 1, so the controller must not need instance metadata.
                "region": a.aws.region,
                "vpcId": a.vpc_id,
                "replicaCount": 2,
                "podDisruptionBudget": {"maxUnavailable": 1},
                "serviceAccount": {"create": True, "name": LBC_SERVICE_ACCOUNT},
            },
            atomic=True,
            opts=self._k8s(association),
        )

    def _karpenter(self) -> k8s.helm.v3.Release:
        a = self._args
        node_role, node_policies = self.add_role(
            "karpenter-node",
            f"Nodes Karpenter launches for {a.cluster_name}",
            docs.to_json(docs.service_trust(a.aws, "ec2")),
            [a.aws.managed_policy_arn(policy) for policy in NODE_POLICIES],
            tags=self._tags(f"{a.cluster_name}-karpenter-node"),
        )
        node_access = aws.eks.AccessEntry(
            f"{self._name}-karpenter-node",
            cluster_name=a.eks_cluster_name,
            principal_arn=node_role.arn,
            type="EC2_LINUX",
            tags=self._tags(f"{a.cluster_name}-karpenter-node"),
            opts=self._child(),
        )
        queue = aws.sqs.Queue(
            f"{self._name}-karpenter-interruptions",
            name=f"{a.cluster_name}-karpenter",
            message_retention_seconds=300,
            sqs_managed_sse_enabled=True,
            tags=self._tags(f"{a.cluster_name}-karpenter"),
            opts=self._child(),
        )
        queue_policy = aws.sqs.QueuePolicy(
            f"{self._name}-karpenter-interruptions",
            queue_url=queue.url,
            policy=queue.arn.apply(lambda arn: docs.to_json(docs.events_to_queue(a.aws, arn))),
            opts=self._child(),
        )
        targets = []
        for event, pattern in INTERRUPTION_EVENTS.items():
            rule = aws.cloudwatch.EventRule(
                f"{self._name}-karpenter-{event}",
                description=f"{event} events for Karpenter of {a.cluster_name}",
                event_pattern=json.dumps(pattern),
                tags=self._tags(f"{a.cluster_name}-karpenter-{event}"),
                opts=self._child(),
            )
            targets.append(
                aws.cloudwatch.EventTarget(
                    f"{self._name}-karpenter-{event}",
                    rule=rule.name,
                    arn=queue.arn,
                    target_id="karpenter-interruption-queue",
                    opts=self._child(depends_on=[queue_policy]),
                )
            )
        association = self._pod_identity_role(
            "karpenter",
            KARPENTER_SERVICE_ACCOUNT,
            pulumi.Output.all(node_role.arn, queue.arn).apply(
                lambda v: docs.to_json(
                    docs.karpenter_controller_policy(a.aws, a.cluster_name, v[0], v[1])
                )
            ),
        )
        # The private subnets carry the discovery tag from the network; the cluster security group
        # is created by EKS, so it gets the tag here (never tag our own resources this way: a
        # second owner of their tags would be reverted on the next update).
        discovery = aws.ec2.Tag(
            f"{self._name}-karpenter-discovery-cluster-sg",
            resource_id=a.cluster_security_group_id,
            key=DISCOVERY_TAG,
            value=a.cluster_name,
            opts=self._child(),
        )
        release = k8s.helm.v3.Release(
            f"{self._name}-karpenter",
            name="karpenter",
            chart="oci://public.ecr.aws/karpenter/karpenter",
            version=a.settings.karpenter_chart,
            namespace=NAMESPACE,
            values={
                "settings": {"clusterName": a.cluster_name, "interruptionQueue": queue.name},
                "replicas": 2,
                "serviceAccount": {"create": True, "name": KARPENTER_SERVICE_ACCOUNT},
                # Karpenter must never run on nodes it manages: only on the managed node groups.
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {"key": "karpenter.sh/nodepool", "operator": "DoesNotExist"}
                                    ]
                                }
                            ]
                        }
                    }
                },
                "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}],
                "controller": {"resources": {"requests": {"cpu": "500m", "memory": "512Mi"}}},
            },
            atomic=True,
            opts=self._k8s(association, node_access, discovery, *node_policies, *targets),
        )
        node_class = k8s.apiextensions.CustomResource(
            f"{self._name}-karpenter-node-class",
            api_version="karpenter.k8s.aws/v1",
            kind="EC2NodeClass",
            metadata={"name": "default"},
            spec={
                "role": node_role.name,
                "amiSelectorTerms": [{"alias": "al2023@latest"}],
                "subnetSelectorTerms": [{"tags": {DISCOVERY_TAG: a.cluster_name}}],
                "securityGroupSelectorTerms": [{"tags": {DISCOVERY_TAG: a.cluster_name}}],
                "metadataOptions": {
                    "httpEndpoint": "enabled",
                    "httpProtocolIPv6": "disabled",
                    "httpPutResponseHopLimit": 1,
                    "httpTokens": "required",
                },
                "blockDeviceMappings": [
                    {
                        "deviceName": "/dev/xvda",
                        "ebs": {
                            "volumeSize": "50Gi",
                            "volumeType": "gp3",
                            "encrypted": True,
                            "deleteOnTermination": True,
                        },
                    }
                ],
                "tags": dict(a.tags),
            },
            opts=self._k8s(release),
        )
        k8s.apiextensions.CustomResource(
            f"{self._name}-karpenter-node-pool",
            api_version="karpenter.sh/v1",
            kind="NodePool",
            metadata={"name": "default"},
            spec={
                "template": {
                    "spec": {
                        "nodeClassRef": {
                            "group": "karpenter.k8s.aws",
                            "kind": "EC2NodeClass",
                            "name": "default",
                        },
                        "requirements": [
                            {
                                "key": "kubernetes.io/arch",
                                "operator": "In",
                                "values": ["amd64", "arm64"],
                            },
                            {
                                "key": "karpenter.sh/capacity-type",
                                "operator": "In",
                                "values": ["on-demand", "spot"],
                            },
                            {
                                "key": "karpenter.k8s.aws/instance-category",
                                "operator": "In",
                                "values": ["c", "m", "r"],
                            },
                            {
                                "key": "karpenter.k8s.aws/instance-generation",
                                "operator": "Gt",
                                "values": ["5"],
                            },
                        ],
                        "expireAfter": "720h",
                    }
                },
                "limits": {
                    "cpu": a.settings.karpenter_cpu_limit,
                    "memory": f"{a.settings.karpenter_memory_limit_gib}Gi",
                },
                "disruption": {
                    "consolidationPolicy": "WhenEmptyOrUnderutilized",
                    "consolidateAfter": "1m",
                },
            },
            opts=self._k8s(release, node_class),
        )
        return release

    def _default_storage_class(self, provisioner: str) -> None:
        k8s.storage.v1.StorageClass(
            f"{self._name}-gp3",
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
