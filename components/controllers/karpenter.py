"""What Karpenter is told, as plain data: the events it acts on, its Helm values, and the
default EC2NodeClass and NodePool it launches nodes from."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from components.base.tags import KARPENTER_DISCOVERY

SERVICE_ACCOUNT = "karpenter"
CHART_REPOSITORY = "oci://public.ecr.aws/karpenter"
QUEUE_NAME_LENGTH = 80  # SQS: 1-80 letters, digits, hyphens and underscores
# EventBridge events Karpenter acts on before AWS takes an instance away (the rules of its
# v1.14.1 CloudFormation template).
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
    "capacity-reservation-interruption": {
        "source": ["aws.ec2"],
        "detail-type": ["EC2 Capacity Reservation Instance Interruption Warning"],
    },
}
NODE_CLASS = "default"


def release_values(cluster_name: str, interruption_queue: Any) -> dict[str, Any]:
    """The chart's values: two replicas that never run on the nodes Karpenter manages."""
    return {
        "settings": {"clusterName": cluster_name, "interruptionQueue": interruption_queue},
        "replicas": 2,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT},
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
    }


def interruption_queue_name(cluster_name: str) -> str:
    """`<cluster>-karpenter`, shortened with a stable hash when a long cluster name (up to 100
    characters) would pass SQS's 80."""
    name = f"{cluster_name}-karpenter"
    if len(name) <= QUEUE_NAME_LENGTH:
        return name
    digest = hashlib.sha256(cluster_name.encode()).hexdigest()[:8]
    return f"{cluster_name[: QUEUE_NAME_LENGTH - len('-karpenter') - 9]}-{digest}-karpenter"


def node_class_spec(
    cluster_name: str,
    node_role: Any,
    ami_alias: str,
    tags: Mapping[str, str],
    subnet_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """The default EC2NodeClass: the pinned AL2023 release (never `@latest`, which replaces
    nodes whenever AWS publishes an AMI), the cluster's private subnets (by discovery tag, or
    `subnet_ids` by id: Karpenter "discovers subnets ... using ids or tags", nodeclasses.md,
    aws/karpenter-provider-aws 1d927085, read 2026-12-06) and security group (by tag), IMDSv2
    with hop limit 1, encrypted gp3."""
    subnets = [{"id": i} for i in subnet_ids] or [{"tags": {KARPENTER_DISCOVERY: cluster_name}}]
    return {
        "role": node_role,
        "amiSelectorTerms": [{"alias": ami_alias}],
        "subnetSelectorTerms": subnets,
        "securityGroupSelectorTerms": [{"tags": {KARPENTER_DISCOVERY: cluster_name}}],
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
        "tags": dict(tags),
    }


def node_pool_spec(cpu_limit: int, memory_limit_gib: int) -> dict[str, Any]:
    """The default NodePool: current c/m/r generations, spot or on-demand, within the limits,
    consolidated when empty or underused."""
    return {
        "template": {
            "spec": {
                "nodeClassRef": {
                    "group": "karpenter.k8s.aws",
                    "kind": "EC2NodeClass",
                    "name": NODE_CLASS,
                },
                "requirements": [
                    {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]},
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
        "limits": {"cpu": cpu_limit, "memory": f"{memory_limit_gib}Gi"},
        "disruption": {"consolidationPolicy": "WhenEmptyOrUnderutilized", "consolidateAfter": "1m"},
    }
