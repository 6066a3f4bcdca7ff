"""The controllers' IAM: the AWS Load Balancer Controller's and Karpenter's controller policies
(both kept as data as upstream ships them, rendered for this cluster), and the interruption
queue's policy."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from components.base.context import AwsContext
from components.base.iam import Document, document, from_this_account

DATA = Path(__file__).resolve().parent / "data"
LOAD_BALANCER_CONTROLLER_POLICY = DATA / "aws-load-balancer-controller-policy.json"
KARPENTER_CONTROLLER_POLICY = DATA / "karpenter-controller-policy.json"


def load_balancer_controller_policy(ctx: AwsContext) -> Document:
    """The AWS Load Balancer Controller's permissions (kept as data: controllers/data/), for this partition."""
    return json.loads(
        LOAD_BALANCER_CONTROLLER_POLICY.read_text().replace("${Partition}", ctx.partition)
    )


LAUNCH_STATEMENT = "AllowScopedEC2InstanceAccessActions"  # upstream's RunInstances/CreateFleet


def karpenter_controller_policy(
    ctx: AwsContext,
    cluster_name: str,
    node_role_arn: str,
    queue_arn: str,
    shared_subnet_ids: Sequence[str] = (),
) -> Document:
    """Karpenter's upstream controller policy (kept as data: controllers/data/) for this cluster,
    with one tightening: EC2 ARNs name this account instead of any (`:*:`), so a launch, tag or
    terminate can only touch this account's instances, subnets, security groups and templates.
    Images and snapshots keep an empty account field: public AMIs belong to no account here.
    `shared_subnet_ids`: an existing VPC's node subnets, which may be another account's (shared
    through AWS RAM: their ARNs name the owner), so launches into them are allowed by id in any
    account."""
    text = KARPENTER_CONTROLLER_POLICY.read_text()
    for placeholder, value in {
        "${AWS::Partition}": ctx.partition,
        "${AWS::Region}": ctx.region,
        "${AWS::AccountId}": ctx.account_id,
        "${ClusterName}": cluster_name,
        "${KarpenterNodeRole.Arn}": node_role_arn,
        "${KarpenterInterruptionQueue.Arn}": queue_arn,
    }.items():
        text = text.replace(placeholder, value)
    ec2_any_account = f":ec2:{ctx.region}:*:"
    text = text.replace(ec2_any_account, f":ec2:{ctx.region}:{ctx.account_id}:")
    statements = json.loads(text)["Statement"]
    for statement in statements:
        if statement["Sid"] == LAUNCH_STATEMENT:
            statement["Resource"] += [
                f"arn:{ctx.partition}:ec2:{ctx.region}:*:subnet/{subnet}"
                for subnet in shared_subnet_ids
            ]
    return document(*statements)


def caller_principal(arn: str) -> tuple[str, str]:
    """(kind, name) of a caller identity ARN: ("assumed-role", role name) for a role session,
    ("role" | "user", name) for an IAM principal, ("root" | "federated-user" | ..., "") else."""
    resource = arn.split(":", 5)[5] if arn.count(":") >= 5 else ""
    kind, _, rest = resource.partition("/")
    if kind == "assumed-role":
        return kind, rest.split("/")[0]
    return kind, rest if kind in ("role", "user") else ""


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
            "Condition": from_this_account(ctx),
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
