"""IAM and KMS policy documents as plain dicts: pure functions, serialised with `to_json`.

Built here rather than with aws.iam.get_policy_document so they are testable offline and never
hide behind an invoke. Each concern keeps its own documents beside it (`network/iam.py`,
`cluster/iam.py`, ...); these are the shapes they share."""

from __future__ import annotations

import json
from typing import Any

from components.base.context import AwsContext

Document = dict[str, Any]

# What the role of a worker node needs: managed node groups' and Karpenter's nodes alike. No
# AmazonEKS_CNI_Policy: the VPC CNI gets its own role, so pods can't borrow ENI permissions.
NODE_POLICIES = (
    "AmazonEKSWorkerNodePolicy",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonSSMManagedInstanceCore",
)

# The EKS access policy that makes a principal cluster admin (the cluster's admins, the
# controllers' deployer).
CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"


def access_policy_arn(ctx: AwsContext, name: str) -> str:
    """An EKS access policy, e.g. AmazonEKSClusterAdminPolicy."""
    return f"arn:{ctx.partition}:eks::aws:cluster-access-policy/{name}"


# Actions the Service Authorization Reference (SAR) lists with no resource type: they only accept
# `"Resource": "*"`, and a statement naming an ARN grants them nothing. Kept to what documents
# here could use; a test checks no ARN-scoped statement names one. Each with where that was read
# (2026-12-06); `unconfirmed` says why a row could not be checked (the stored SAR pages end
# before their tables), in which case treating the action as wildcard-only stays the safe side.
SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/"
WILDCARD_ONLY_SOURCES: dict[str, dict[str, str]] = {
    "logs:DescribeLogGroups": {  # a list call (VPC flow logs need it)
        "url": SAR + "list_amazoncloudwatchlogs.html",
        "read": "2026-12-06",
        "unconfirmed": "the stored SAR copy ends before the actions table",
    },
    "logs:DescribeQueryDefinitions": {
        "url": "https://www.repost.aws/questions/QULInT7WNvRYafkTh1hi8SdQ/"
        "limit-access-to-cloudwatch-logs-insights-query-results",
        "read": "2026-12-06",
        "what": "AWS re:Post answer citing the SAR: DescribeQueryDefinitions 'currently doesn't "
        "support any Resource ARN restriction'",
    },
    "kms:CreateKey": {  # the key does not exist yet
        "url": SAR + "list_awskeymanagementservice.html",
        "read": "2026-12-06",
        "unconfirmed": "the stored SAR copy ends before the actions table",
    },
    "kms:ListAliases": {
        "url": SAR + "list_awskeymanagementservice.html",
        "read": "2026-12-06",
        "unconfirmed": "the stored SAR copy ends before the actions table",
    },
    "kms:ListKeys": {
        "url": "https://docs.aws.amazon.com/kms/latest/APIReference/API_ListKeys.html",
        "read": "2026-12-06",
        "what": "KMS API reference: ListKeys 'doesn't take a KMS key parameter' (IAM policy only)",
    },
    "ec2:Describe*": {  # every ec2:Describe action, by the wildcard_only rule below
        "url": SAR + "list_amazonec2.html",
        "read": "2026-12-06",
        "unconfirmed": "the stored SAR copy ends before the actions table; not every newer "
        "Describe action was checked",
    },
    "eks:ListClusters": {
        "url": SAR + "list_amazonelastickubernetesservice.html",
        "read": "2026-12-06",
        "unconfirmed": "the stored SAR copy ends before the actions table",
    },
    "iam:ListRoles": {
        "url": SAR + "list_awsidentityandaccessmanagementiam.html",
        "read": "2026-12-06",
        "unconfirmed": "the stored SAR copy ends before the actions table",
    },
    "sts:GetCallerIdentity": {
        "url": SAR + "list_awssecuritytokenservice.html",
        "read": "2026-12-06",
        "unconfirmed": "the stored SAR copy ends before the actions table",
    },
}
WILDCARD_ONLY_ACTIONS = frozenset(WILDCARD_ONLY_SOURCES)


def wildcard_only(action: str) -> bool:
    """Whether `action` only accepts `Resource: *` (see WILDCARD_ONLY_ACTIONS)."""
    return action in WILDCARD_ONLY_ACTIONS or action.startswith("ec2:Describe")


def to_json(document: Document) -> str:
    return json.dumps(document, sort_keys=True)


def document(*statements: Document) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# Services that tag the role session they assume (EKS Pod Identity, an Auto Mode cluster) need both.
ASSUME_AND_TAG = ("sts:AssumeRole", "sts:TagSession")


def from_this_account(ctx: AwsContext, source_arn: str = "") -> Document:
    """Confused-deputy guard for a service principal: only requests made for this account (and,
    when given, for resources matching `source_arn`) count."""
    condition: Document = {"StringEquals": {"aws:SourceAccount": ctx.account_id}}
    if source_arn:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    return condition


def service_trust(
    ctx: AwsContext, *services: str, actions: tuple[str, ...] = ("sts:AssumeRole",)
) -> Document:
    """Trust policy letting AWS services assume a role."""
    principals = [ctx.service_principal(s) for s in services]
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Service": principals[0] if len(principals) == 1 else principals},
            "Action": list(actions) if len(actions) > 1 else actions[0],
        }
    )


def key_use(key_arn: str, actions: tuple[str, ...]) -> Document:
    """Use of one KMS key (e.g. the cluster role encrypting Kubernetes secrets)."""
    return document(
        {"Sid": "UseKey", "Effect": "Allow", "Action": list(actions), "Resource": key_arn}
    )


def account_administers_key(ctx: AwsContext) -> Document:
    """The key policy statement that leaves who may use a key to IAM policies of the account."""
    return {
        "Sid": "AccountAdministersKey",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:{ctx.partition}:iam::{ctx.account_id}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }


def log_key_policy(ctx: AwsContext, log_group_names: list[str]) -> Document:
    """Key policy: the account administers the key (IAM policies decide who may use it) and
    CloudWatch Logs may use it only for the named log groups."""
    return document(
        account_administers_key(ctx),
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
