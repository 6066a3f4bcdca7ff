"""What every component of the stack shares: children parented to it and named after it,
tagged the same way, IAM roles and audit log groups built one way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.base import iam
from components.base.config import PROJECT
from components.base.context import StackContext


class PlatformComponent(pulumi.ComponentResource):
    """A component of this program: type `eks-platform:index:<kind>`, children `<name>-<label>`."""

    outputs: dict[str, Any]  # what it registers as outputs; the stack exports the same names

    def __init__(
        self, kind: str, name: str, stack: StackContext, opts: pulumi.ResourceOptions | None
    ) -> None:
        super().__init__(f"{PROJECT}:index:{kind}", name, None, opts)
        self._name = name
        self.stack = stack

    def child_name(self, label: str) -> str:
        """The logical name of a child: the component's own name, then `label`."""
        return f"{self._name}-{label}"

    def _child(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options for a child resource: parented to this component, plus `kwargs`."""
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _tags(self, name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The stack's tags, a Name, and any resource-specific tags."""
        return {**self.stack.tags, "Name": name, **(extra or {})}

    def _finish(self, outputs: dict[str, Any]) -> None:
        self.outputs = outputs
        self.register_outputs(outputs)

    def add_role(
        self,
        label: str,
        description: str,
        trust: pulumi.Input[str],
        managed_policy_arns: Sequence[str] = (),
        tags: Mapping[str, str] | None = None,
    ) -> tuple[aws.iam.Role, list[aws.iam.RolePolicyAttachment]]:
        """An IAM role `<component>-<label>` and its managed-policy attachments (wait for those,
        not just the role, before anything uses its permissions)."""
        name = self.child_name(label)
        role = aws.iam.Role(
            name,
            description=description,
            assume_role_policy=trust,
            tags=dict(tags) if tags is not None else self._tags(name),
            opts=self._child(),
        )
        attachments = [
            aws.iam.RolePolicyAttachment(
                f"{name}-{arn.rsplit('/', 1)[-1]}",
                role=role.name,
                policy_arn=arn,
                opts=self._child(),
            )
            for arn in managed_policy_arns
        ]
        return role, attachments

    def add_access(
        self,
        label: str,
        cluster_name: pulumi.Input[str],
        principal: pulumi.Input[str],
        kind: str,
        policy_arn: str,
    ) -> aws.eks.AccessPolicyAssociation:
        """An EKS access entry `<component>-<label>` of `kind` for `principal`, with one access
        policy on the whole cluster (wait for the association, not just the entry)."""
        name = self.child_name(label)
        entry = aws.eks.AccessEntry(
            name,
            cluster_name=cluster_name,
            principal_arn=principal,
            type=kind,
            tags=self._tags(name),
            opts=self._child(),
        )
        return aws.eks.AccessPolicyAssociation(
            name,
            cluster_name=cluster_name,
            principal_arn=entry.principal_arn,
            policy_arn=policy_arn,
            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
            opts=self._child(),
        )

    def add_key(
        self, label: str, contents: str, alias_purpose: str, policy: iam.Document
    ) -> aws.kms.Key:
        """A rotating KMS key `<component>-<label>` for `contents`, with its stack alias. Keys are
        protected: a replacement would lose what they encrypt. On `pulumi destroy` a key stays
        exactly when the stack keeps its log groups (`retainLogsOnDestroy`): what else a key here
        encrypts (Kubernetes secrets, alarm messages) goes with the stack, so otherwise it is
        scheduled for deletion (30 days, cancellable) instead of piling up at 1 USD a month."""
        stack, name = self.stack, self.child_name(label)
        key = aws.kms.Key(
            name,
            description=f"Encrypts {contents} of {stack.cluster_name} ({stack.stack})",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            policy=iam.to_json(policy),
            tags={**stack.tags, "Name": stack.key_alias(alias_purpose).removeprefix("alias/")},
            opts=self._child(protect=True, retain_on_delete=stack.retain_logs_on_destroy),
        )
        # A kept key keeps its alias: that is how one finds it again.
        aws.kms.Alias(
            name,
            name=stack.key_alias(alias_purpose),
            target_key_id=key.key_id,
            opts=self._child(retain_on_delete=stack.retain_logs_on_destroy),
        )
        return key

    def encrypted_log_group(
        self, label: str, group_name: str, contents: str, alias_purpose: str
    ) -> tuple[aws.kms.Key, aws.cloudwatch.LogGroup]:
        """A CloudWatch log group `group_name` under a rotating KMS key of its own (see
        `encrypted_log_groups`)."""
        key, [group] = self.encrypted_log_groups(label, [group_name], contents, alias_purpose)
        return key, group

    def encrypted_log_groups(
        self,
        label: str,
        group_names: Sequence[str],
        contents: str,
        alias_purpose: str,
        group_labels: Sequence[str] | None = None,
    ) -> tuple[aws.kms.Key, list[aws.cloudwatch.LogGroup]]:
        """CloudWatch log groups `group_names` under one rotating KMS key of their own, with the
        stack's retention. Audit data: the key and the groups are protected (a replace fails
        instead of deleting them); both are retained on delete when the stack's
        `retainLogsOnDestroy` says so (a retained group's name stays taken, so the next
        `pulumi up` of the same stack fails until it is deleted: docs/day2.md 'Destroy')."""
        stack = self.stack
        key = self.add_key(
            label, contents, alias_purpose, iam.log_key_policy(stack.aws, list(group_names))
        )
        label = self.child_name(label)
        groups = [
            aws.cloudwatch.LogGroup(
                f"{label}-{suffix}" if suffix else label,
                name=group_name,
                retention_in_days=stack.log_retention_days,
                kms_key_id=key.arn,
                tags={**stack.tags, "Name": group_name},
                opts=self._child(protect=True, retain_on_delete=stack.retain_logs_on_destroy),
            )
            for suffix, group_name in zip(group_labels or [""], group_names, strict=True)
        ]
        return key, groups
