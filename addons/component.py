"""The EKS managed add-ons whose pods need nodes: CoreDNS, EBS CSI, metrics-server, node
monitoring and CloudWatch observability, each with its own role where it needs AWS access."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from addons.addon import AddonTarget, create_addon, enabled_addons, missing_default_storage_class
from stack.component import PlatformComponent
from stack.context import StackContext

CONTAINER_INSIGHTS = "amazon-cloudwatch-observability"


class Addons(PlatformComponent):
    """The add-ons of `target` that run pods, created once `capacity` exists (the node groups,
    or the control plane in Auto Mode) so they never wait for nodes that do not exist yet."""

    def __init__(
        self,
        name: str,
        target: AddonTarget,
        capacity: Sequence[pulumi.Resource],
        stack: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("Addons", name, stack, opts)
        self.addons = {
            spec.name: create_addon(self, spec, target, depends_on=capacity)
            for spec in enabled_addons(target, before_compute=False)
        }
        # Node, pod and restart metrics come from this add-on; without it they do not exist.
        self.container_insights = CONTAINER_INSIGHTS in self.addons
        self.default_storage_class_provisioner = missing_default_storage_class(target)
        versions = {**target.installed, **{n: a.addon_version for n, a in self.addons.items()}}
        self._finish({"addonVersions": versions})
