"""The EKS managed add-ons whose pods need nodes: CoreDNS, EBS CSI, metrics-server, node
monitoring and CloudWatch observability, each with its own role where it needs AWS access."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.addons.addon import (
    AddonTarget,
    create_addon,
    enabled_addons,
    missing_default_storage_class,
)
from components.base.component import PlatformComponent
from components.base.context import StackContext

CONTAINER_INSIGHTS = "amazon-cloudwatch-observability"
EBS_CSI = "aws-ebs-csi-driver"
# The log groups the CloudWatch agent (performance) and its Fluent Bit (the rest) write to,
# `/aws/containerinsights/<cluster>/<kind>`. Left to the add-on they would never expire and be
# unencrypted: created here first, the add-on writes into them (Fluent Bit's auto_create_group
# only creates a group that is missing).
CONTAINER_INSIGHTS_LOGS = ("application", "dataplane", "host", "performance")


def container_insights_log_groups(cluster_name: str) -> list[str]:
    return [f"/aws/containerinsights/{cluster_name}/{kind}" for kind in CONTAINER_INSIGHTS_LOGS]


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
        specs = enabled_addons(target, before_compute=False)
        log_groups: list[pulumi.Resource] = []
        if any(spec.name == CONTAINER_INSIGHTS for spec in specs):
            # CloudWatch Logs encrypts with the key (its key policy names these groups); the
            # agent and Fluent Bit only call PutLogEvents and need no KMS permission.
            _, groups = self.encrypted_log_groups(
                "container-insights",
                container_insights_log_groups(stack.cluster_name),
                "Container Insights logs",
                "container-insights",
                group_labels=CONTAINER_INSIGHTS_LOGS,
            )
            log_groups = list(groups)
        waits_for: dict[str, list[pulumi.Resource]] = {CONTAINER_INSIGHTS: log_groups}
        if any(spec.name == EBS_CSI for spec in specs):
            # Every EBS volume of the region is encrypted, whatever a StorageClass says: the
            # add-on's default class has no parameters. An account setting: kept on destroy
            # (deleting the resource would switch it off for the whole account and region).
            waits_for[EBS_CSI] = [
                aws.ebs.EncryptionByDefault(
                    self.child_name("ebs-encryption-by-default"),
                    enabled=True,
                    opts=self._child(retain_on_delete=True),
                )
            ]
        self.addons = {
            spec.name: create_addon(
                self, spec, target, depends_on=[*capacity, *waits_for.get(spec.name, ())]
            )
            for spec in specs
        }
        # Node, pod and restart metrics come from this add-on; without it they do not exist.
        self.container_insights = CONTAINER_INSIGHTS in self.addons
        self.default_storage_class_provisioner = missing_default_storage_class(target)
        versions = {**target.installed, **{n: a.addon_version for n, a in self.addons.items()}}
        self._finish({"addonVersions": versions})
