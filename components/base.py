"""What every component of this baseline shares: children parented to it, tagged the same way."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi


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
