"""The flow-log role's documents: VPC flow logs of this account may assume it, and it writes
to one log group only."""

from __future__ import annotations

from components.base.context import AwsContext
from components.base.iam import Document, document, from_this_account, service_trust


def flow_logs_trust(ctx: AwsContext) -> Document:
    trust = service_trust(ctx, "vpc-flow-logs")
    # Confused-deputy guard: only flow logs of this account may assume the role.
    trust["Statement"][0]["Condition"] = from_this_account(ctx, ctx.arn("ec2", "vpc-flow-log/*"))
    return trust


def flow_logs_write(log_group_arn: str) -> Document:
    """Write access to exactly one log group (the VPC's flow logs); listing log groups, which
    the flow-logs service does before writing, cannot be scoped to one group (`Resource: *`)."""
    return document(
        {
            "Sid": "WriteFlowLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            "Resource": [log_group_arn, f"{log_group_arn}:*"],
        },
        {
            "Sid": "ListLogGroups",
            "Effect": "Allow",
            "Action": "logs:DescribeLogGroups",
            "Resource": "*",
        },
    )
