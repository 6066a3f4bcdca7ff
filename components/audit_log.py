"""An encrypted, retained CloudWatch log group with its own rotating KMS key.

Shared by the Network (flow logs) and Cluster (control-plane logs) components. Not a component:
the resources are children of the caller. Both are audit data: the key and the group are
protected (a replace or destroy fails instead of deleting them) and retained on delete.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from baseline import iam_documents as docs
from baseline.iam_documents import AwsContext


def encrypted_log_group(
    parent: pulumi.Resource,
    label: str,
    *,
    group_name: str,
    key_description: str,
    key_alias: str,
    retention_days: int,
    aws_context: AwsContext,
    tags: Mapping[str, str],
) -> tuple[aws.kms.Key, aws.cloudwatch.LogGroup]:
    keep = pulumi.ResourceOptions(parent=parent, protect=True, retain_on_delete=True)
    key = aws.kms.Key(
        label,
        description=key_description,
        enable_key_rotation=True,
        deletion_window_in_days=30,
        policy=docs.to_json(docs.kms_key_policy(aws_context, [group_name])),
        tags={**tags, "Name": key_alias.removeprefix("alias/")},
        opts=keep,
    )
    aws.kms.Alias(
        label, name=key_alias, target_key_id=key.key_id, opts=pulumi.ResourceOptions(parent=parent)
    )
    group = aws.cloudwatch.LogGroup(
        label,
        name=group_name,
        retention_in_days=retention_days,
        kms_key_id=key.arn,
        tags={**tags, "Name": group_name},
        opts=keep,
    )
    return key, group
