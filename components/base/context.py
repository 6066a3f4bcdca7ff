"""Where the stack deploys, resolved once, and the names and tags every component uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi_aws as aws

from components.base.config import PROJECT


@dataclass(frozen=True)
class AwsContext:
    """The account, partition and region the AWS provider deploys to."""

    account_id: str
    partition: str
    region: str
    dns_suffix: str = "amazonaws.com"
    caller_arn: str = ""  # who runs `pulumi up` (an assumed-role session ARN, typically)

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


def aws_context() -> AwsContext:
    """Asks the provider once where it deploys (caller identity, partition, region)."""
    identity = aws.get_caller_identity()
    partition = aws.get_partition()
    region = aws.get_region()
    return AwsContext(
        identity.account_id,
        partition.partition,
        region.region,
        partition.dns_suffix,
        caller_arn=identity.arn,
    )


@dataclass(frozen=True)
class StackContext:
    """What every component needs to know of the stack: built once, passed to each."""

    stack: str
    cluster_name: str  # the EKS cluster's name; also names log groups, key aliases, alarms
    tags: Mapping[str, str]  # on every taggable resource
    log_retention_days: int  # of every log group the stack creates
    aws: AwsContext
    # Log groups outlive `pulumi destroy` (prod's audit trail), or go with the stack (dev).
    retain_logs_on_destroy: bool = True

    def key_alias(self, purpose: str) -> str:
        """A KMS alias unique to this stack and cluster: `alias/eks-platform/<stack>/<cluster>/<purpose>`."""
        return f"alias/{PROJECT}/{self.stack}/{self.cluster_name}/{purpose}"
