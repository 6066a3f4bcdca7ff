"""The alarm topic's KMS key policy, as plain data."""

from __future__ import annotations

from components.base.context import AwsContext
from components.base.iam import Document, account_administers_key, document


def alarm_topic_key_policy(ctx: AwsContext) -> Document:
    """The account administers the key (IAM policies decide who may use it) and CloudWatch alarms
    may use it to publish to the encrypted topic. Alarms cannot use the AWS managed alias/aws/sns
    key, whose policy cannot be changed to allow them (AWS re:Post "configure a CloudWatch alarm
    with an encrypted SNS topic")."""
    return document(
        account_administers_key(ctx),
        {
            "Sid": "CloudWatchAlarmsPublishToTheTopic",
            "Effect": "Allow",
            "Principal": {"Service": ctx.service_principal("cloudwatch")},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
        },
    )
