"""What every component of this baseline shares: children parented to it, tagged the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws


class PlatformComponent(pulumi.ComponentResource):
    def __init__(
        self, type_: str, name: str, tags: Mapping[str, str], opts: pulumi.ResourceOptions | None
    ) -> None:
        super().__init__(type_, name, None, opts)
        self._name = name
        self._common_tags = dict(tags)

    def _child(self, **kwargs: object) -> pulumi.ResourceOptions:
        """Options for a child resource: parented to this component, plus `kwargs`."""
        return pulumi.ResourceOptions(parent=self, **kwargs)  # type: ignore[arg-type]

    def _tags(self, name: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The common tags, a Name, and any resource-specific tags."""
        return {**self._common_tags, "Name": name, **(extra or {})}

    @property
    def child_prefix(self) -> str:
        """What every child's logical name starts with: the component's own name."""
        return self._name

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
        name = f"{self._name}-{label}"
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
