"""The alarm topic's KMS key policy and the pod-address function's permissions, as plain data."""

from __future__ import annotations

from components.base.context import AwsContext
from components.base.iam import Document, account_administers_key, document, from_this_account


def alarm_topic_key_policy(ctx: AwsContext, alarm_prefix: str) -> Document:
    """The account administers the key (IAM policies decide who may use it) and this stack's
    CloudWatch alarms (named `<alarm_prefix>...`) may use it to publish to the encrypted topic.
    Alarms cannot use the AWS managed alias/aws/sns key, whose policy cannot be changed to allow
    them (AWS re:Post "configure a CloudWatch alarm with an encrypted SNS topic"). The
    aws:SourceAccount / aws:SourceArn conditions keep CloudWatch from using the key for anyone
    else's alarms; CloudWatch's requests carry them (AWS MDAA `grantCloudWatchAlarmsTopicAccess`,
    read 2026-12-06, after the SNS guide's "compatibility between event sources from AWS services
    and encrypted topics"; EventBridge's do not, so never copy this onto an EventBridge grant)."""
    return document(
        account_administers_key(ctx),
        {
            "Sid": "CloudWatchAlarmsPublishToTheTopic",
            "Effect": "Allow",
            "Principal": {"Service": ctx.service_principal("cloudwatch")},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": from_this_account(ctx, ctx.arn("cloudwatch", f"alarm:{alarm_prefix}*")),
        },
    )


def subnet_publisher(log_group_arn: str, namespace: str) -> Document:
    """The pod-address function: write to its log group, read subnets (DescribeSubnets takes
    only `Resource: *`), publish metrics in its one namespace (the `cloudwatch:namespace`
    condition, "Using condition keys to limit access to CloudWatch namespaces", CloudWatch
    user guide, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/iam-cw-condition-keys-namespace.html,
    read 2026-12-06)."""
    return document(
        {
            "Sid": "WriteItsLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        {
            "Sid": "ReadSubnets",
            "Effect": "Allow",
            "Action": "ec2:DescribeSubnets",
            "Resource": "*",
        },
        {
            "Sid": "PublishInItsNamespace",
            "Effect": "Allow",
            "Action": "cloudwatch:PutMetricData",
            "Resource": "*",
            "Condition": {"StringEquals": {"cloudwatch:namespace": namespace}},
        },
    )
