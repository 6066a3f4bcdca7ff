"""The controllers' IAM: the AWS Load Balancer Controller's policy (kept as data), Karpenter's
controller policy scoped to this cluster, and the interruption queue's policy."""

from __future__ import annotations

import json
from pathlib import Path

from stack.context import AwsContext
from stack.iam import Document, document

LOAD_BALANCER_CONTROLLER_POLICY = (
    Path(__file__).resolve().parent / "data" / "aws-load-balancer-controller-policy.json"
)


def load_balancer_controller_policy(ctx: AwsContext) -> Document:
    """The AWS Load Balancer Controller's permissions (kept as data: controllers/data/), for this partition."""
    return json.loads(
        LOAD_BALANCER_CONTROLLER_POLICY.read_text().replace("${Partition}", ctx.partition)
    )


def karpenter_controller_policy(
    ctx: AwsContext, cluster_name: str, node_role_arn: str, queue_arn: str
) -> Document:
    """What Karpenter needs to launch and retire nodes of this cluster only: everything it
    creates carries the cluster's tags, and it may change or delete only what carries them."""
    region, cluster_tag = ctx.region, f"aws:ResourceTag/kubernetes.io/cluster/{cluster_name}"
    owned_request = {
        f"aws:RequestTag/kubernetes.io/cluster/{cluster_name}": "owned",
        "aws:RequestTag/eks:eks-cluster-name": cluster_name,
    }
    created = [
        ctx.arn("ec2", f"{kind}/*", account=False)
        for kind in (
            "fleet",
            "instance",
            "volume",
            "network-interface",
            "launch-template",
            "spot-instances-request",
        )
    ]
    return document(
        {
            "Sid": "LaunchFromSharedResources",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": [
                ctx.arn("ec2", f"{kind}/*", account=False)
                for kind in (
                    "image",
                    "snapshot",
                    "security-group",
                    "subnet",
                    "capacity-reservation",
                )
            ],
        },
        {
            "Sid": "LaunchFromItsLaunchTemplates",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet"],
            "Resource": ctx.arn("ec2", "launch-template/*", account=False),
            "Condition": {
                "StringEquals": {cluster_tag: "owned"},
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "CreateOnlyClusterTaggedResources",
            "Effect": "Allow",
            "Action": ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"],
            "Resource": created,
            "Condition": {
                "StringEquals": owned_request,
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "TagOnCreate",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": created,
            "Condition": {
                "StringEquals": {
                    **owned_request,
                    "ec2:CreateAction": ["RunInstances", "CreateFleet", "CreateLaunchTemplate"],
                },
                "StringLike": {"aws:RequestTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "TagItsInstances",
            "Effect": "Allow",
            "Action": "ec2:CreateTags",
            "Resource": ctx.arn("ec2", "instance/*", account=False),
            "Condition": {
                "StringEquals": {cluster_tag: "owned"},
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
                "ForAllValues:StringEquals": {
                    "aws:TagKeys": ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
                },
            },
        },
        {
            "Sid": "DeleteOnlyItsInstancesAndTemplates",
            "Effect": "Allow",
            "Action": ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"],
            "Resource": [
                ctx.arn("ec2", "instance/*", account=False),
                ctx.arn("ec2", "launch-template/*", account=False),
            ],
            "Condition": {
                "StringEquals": {cluster_tag: "owned"},
                "StringLike": {"aws:ResourceTag/karpenter.sh/nodepool": "*"},
            },
        },
        {
            "Sid": "ReadEc2InThisRegion",
            "Effect": "Allow",
            "Action": [
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeCapacityReservations",
                "ec2:DescribeImages",
                "ec2:DescribeInstances",
                "ec2:DescribeInstanceTypeOfferings",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplates",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSpotPriceHistory",
                "ec2:DescribeSubnets",
            ],
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": region}},
        },
        {
            "Sid": "ReadAmiParameters",
            "Effect": "Allow",
            "Action": "ssm:GetParameter",
            "Resource": f"arn:{ctx.partition}:ssm:{region}::parameter/aws/service/*",
        },
        {"Sid": "ReadPrices", "Effect": "Allow", "Action": "pricing:GetProducts", "Resource": "*"},
        {
            "Sid": "ConsumeInterruptionQueue",
            "Effect": "Allow",
            "Action": ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"],
            "Resource": queue_arn,
        },
        {
            "Sid": "PassOnlyTheNodeRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": node_role_arn,
            "Condition": {"StringEquals": {"iam:PassedToService": ctx.service_principal("ec2")}},
        },
        {
            "Sid": "ManageItsInstanceProfiles",
            "Effect": "Allow",
            "Action": [
                "iam:CreateInstanceProfile",
                "iam:TagInstanceProfile",
                "iam:AddRoleToInstanceProfile",
                "iam:RemoveRoleFromInstanceProfile",
                "iam:DeleteInstanceProfile",
            ],
            "Resource": f"arn:{ctx.partition}:iam::{ctx.account_id}:instance-profile/*",
            "Condition": {
                "StringEquals": {
                    cluster_tag: "owned",
                    "aws:ResourceTag/topology.kubernetes.io/region": region,
                },
                "StringLike": {"aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "CreateClusterTaggedInstanceProfiles",
            "Effect": "Allow",
            "Action": ["iam:CreateInstanceProfile", "iam:TagInstanceProfile"],
            "Resource": f"arn:{ctx.partition}:iam::{ctx.account_id}:instance-profile/*",
            "Condition": {
                "StringEquals": {
                    **owned_request,
                    "aws:RequestTag/topology.kubernetes.io/region": region,
                },
                "StringLike": {"aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "*"},
            },
        },
        {
            "Sid": "ReadInstanceProfiles",
            "Effect": "Allow",
            "Action": ["iam:GetInstanceProfile", "iam:ListInstanceProfiles"],
            "Resource": "*",
        },
        {
            "Sid": "FindTheApiServer",
            "Effect": "Allow",
            "Action": "eks:DescribeCluster",
            "Resource": ctx.arn("eks", f"cluster/{cluster_name}"),
        },
    )


def events_to_queue(ctx: AwsContext, queue_arn: str) -> Document:
    """Queue policy: EventBridge (and SQS itself) may deliver interruption events, over TLS only."""
    return document(
        {
            "Sid": "EventBridgeDelivers",
            "Effect": "Allow",
            "Principal": {
                "Service": [ctx.service_principal("events"), ctx.service_principal("sqs")]
            },
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
            "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account_id}},
        },
        {
            "Sid": "DenyPlainHttp",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": queue_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    )
