"""IAM and KMS policy documents as plain dicts: pure functions, serialised with json.dumps.

Built here rather than with aws.iam.get_policy_document so they are testable offline and
never hide behind an invoke (which returns nothing under mocks).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Document = dict[str, Any]


@dataclass(frozen=True)
class AwsContext:
    """Where the stack deploys: resolved once from the provider, passed to every component."""

    account_id: str
    partition: str
    region: str
    dns_suffix: str = "amazonaws.com"

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return ":".join(
            (
                "arn",
                self.partition,
                service,
                self.region if region else "",
                self.account_id if account else "",
                resource,
            )
        )

    def managed_policy_arn(self, path: str) -> str:
        return f"arn:{self.partition}:iam::aws:policy/{path}"

    def log_group_arn(self, name: str) -> str:
        return self.arn("logs", f"log-group:{name}")

    def service_principal(self, service: str) -> str:
        return f"{service}.{self.dns_suffix}"


def to_json(document: Document) -> str:
    return json.dumps(document, sort_keys=True)


def _document(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def service_trust(
    ctx: AwsContext, *services: str, actions: tuple[str, ...] = ("sts:AssumeRole",)
) -> Document:
    """Trust policy letting AWS services assume a role, only on behalf of this account."""
    principals = [ctx.service_principal(s) for s in services]
    return _document(
        {
            "Effect": "Allow",
            "Principal": {"Service": principals[0] if len(principals) == 1 else principals},
            "Action": list(actions) if len(actions) > 1 else actions[0],
        }
    )


def flow_logs_trust(ctx: AwsContext) -> Document:
    document = service_trust(ctx, "vpc-flow-logs")
    # Confused-deputy guard: only flow logs of this account may assume the role.
    document["Statement"][0]["Condition"] = {
        "StringEquals": {"aws:SourceAccount": ctx.account_id},
        "ArnLike": {"aws:SourceArn": ctx.arn("ec2", "vpc-flow-log/*")},
    }
    return document


def pod_identity_trust(ctx: AwsContext) -> Document:
    """EKS Pod Identity: the agent assumes the role and tags the session with the pod's identity."""
    return service_trust(ctx, "pods.eks", actions=("sts:AssumeRole", "sts:TagSession"))


def irsa_trust(oidc_provider_arn: str, issuer_host: str, service_account: str) -> Document:
    """IRSA trust scoped to one service account ("namespace/name") and the STS audience."""
    namespace, name = service_account.split("/")
    return _document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer_host}:sub": f"system:serviceaccount:{namespace}:{name}",
                    f"{issuer_host}:aud": "sts.amazonaws.com",
                }
            },
        }
    )


def flow_logs_write(log_group_arn: str) -> Document:
    """Write access to exactly one log group (the VPC's flow logs)."""
    return _document(
        {
            "Sid": "WriteFlowLogs",
            "Effect": "Allow",
            "Action": [
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
            ],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        }
    )


def kms_key_policy(ctx: AwsContext, log_group_names: list[str]) -> Document:
    """Key policy: the account administers the key (IAM policies decide who may use it) and
    CloudWatch Logs may use it only for the named log groups."""
    return _document(
        {
            "Sid": "AccountAdministersKey",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{ctx.partition}:iam::{ctx.account_id}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "CloudWatchLogsEncryptsTheseGroups",
            "Effect": "Allow",
            "Principal": {"Service": f"logs.{ctx.region}.{ctx.dns_suffix}"},
            "Action": [
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            "Resource": "*",
            "Condition": {
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": [
                        ctx.log_group_arn(n) for n in log_group_names
                    ]
                }
            },
        },
    )


def key_use(key_arn: str, actions: tuple[str, ...]) -> Document:
    """Use of one KMS key (e.g. the cluster role encrypting Kubernetes secrets)."""
    return _document(
        {"Sid": "UseKey", "Effect": "Allow", "Action": list(actions), "Resource": key_arn}
    )


def principal_label(arn: str) -> str:
    """A stable, readable resource-name fragment for an IAM principal ARN: role-Admins, user-alice."""
    kind, _, path = arn.split(":", 5)[5].partition("/")
    return f"{kind}-{path.replace('/', '-')}"


LOAD_BALANCER_CONTROLLER_POLICY = (
    Path(__file__).resolve().parent / "data" / "aws-load-balancer-controller-policy.json"
)


def load_balancer_controller_policy(ctx: AwsContext) -> Document:
    """The AWS Load Balancer Controller's permissions (kept as data: baseline/data/), for this partition."""
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
    return _document(
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
    return _document(
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
