"""The stack's settings: the stack-wide keys and every concern's section, read and validated in
one pass before any resource is registered.

`load_settings(raw, stack)` turns the project's config (keys without the `eks-platform:` prefix)
into frozen dataclasses, or raises SettingsError listing every problem at once, each naming the
key, the value given and what is allowed. `read_settings()` does the same for the running
Pulumi program. Each key is declared once, in the section that owns it:

    network.*      network/settings.py       cluster.*      cluster/settings.py
    compute.*      nodes/settings.py         addons.*       addons/settings.py
    monitoring.*   monitoring/settings.py    controllers.*  controllers/settings.py
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.addons.catalog import ADDONS, subnet_discovery_problem
from components.addons.settings import AddonSettings
from components.addons.versions import missing_versions, table_version
from components.base.config import (
    PROJECT,
    Check,
    ReadContext,
    SettingsError,
    read_document,
    section,
    setting,
)
from components.base.config.kinds import (
    TAG_CHARACTERS,
    TAG_VALUE,
    Boolean,
    OneOf,
    Strings,
    Tags,
    Text,
)
from components.base.config.pulumi_config import (
    current_config,
    namespace_problems,
    project_config,
)
from components.base.context import AwsContext, StackContext
from components.cluster import versions
from components.cluster.settings import ClusterSettings
from components.controllers.settings import (
    ControllerSettings,
    refuse_what_auto_mode_runs,
    refuse_without_egress,
    with_versions,
)
from components.monitoring.settings import MonitoringSettings
from components.network.ipam import with_pool_range
from components.network.settings import NetworkSettings
from components.nodes.settings import ComputeSettings

__all__ = ["Settings", "SettingsError", "load_settings", "read_settings"]

# Values CloudWatch Logs accepts for retentionInDays (0, "never expire", is deliberately left out).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
# Changes AWS accepts but that delete things on purpose; each needs `allowDisruptiveChanges`
# (day2/rules.py says what each one deletes).
DISRUPTIVE_CHANGES = (
    "compute.mode",
    "kubernetesVersion",
    "controllers.deployerPrincipalArn",
)
CLUSTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


# Tag keys the stack sets itself on (nearly) every resource.
STACK_TAG_KEYS = ("project", "stack", "owner", "Name")


def tag_key_clashes(tags: Mapping[str, str]) -> list[str]:
    """User tag keys that equal another key, the stack's own included, ignoring case."""
    seen = {k.lower() for k in STACK_TAG_KEYS}
    clashes = []
    for key in tags:
        if key.lower() in seen:
            clashes.append(key)
        seen.add(key.lower())
    return clashes


def unquoted_version_hint(version: str) -> str:
    """A version like 1.3 is what YAML makes of an unquoted 1.30 (a number)."""
    if re.fullmatch(r"1\.\d", version):
        return (
            f' (YAML reads an unquoted {version}0 as the number {version}: quote it, "{version}0")'
        )
    return ""


def default_cluster_name(stack: str) -> str:
    return f"{PROJECT}-{stack}"


@dataclass(frozen=True)
class Settings:
    """Every `eks-platform:*` key of one stack."""

    owner: str = setting(
        "owner",
        Text(
            pattern=TAG_VALUE,
            allowed=f"a tag value AWS accepts: 1-256 {TAG_CHARACTERS}, not starting with 'aws:'",
        ),
        default="",
        required="set: the team that owns this stack (tagged on every resource)",
        doc="Team that owns the stack; tagged `owner` on every resource.",
    )
    cluster_name: str = setting(
        "clusterName",
        Text(
            pattern=CLUSTER_NAME,
            allowed="1-100 letters, digits, '-' or '_', starting with a letter or digit",
        ),
        default="",  # unset: default_cluster_name(stack)
        default_doc=f"`{default_cluster_name('<stack>')}`",
        doc="EKS cluster name (1-100 letters, digits, `-`, `_`); also names log groups, aliases, "
        "alarms. Changing it replaces the cluster.",
    )
    kubernetes_version: str = setting(
        "kubernetesVersion",
        Text(),
        default=versions.DEFAULT_VERSION,
        doc="The one version for control plane, node groups and add-on versions "
        "(`components/addons/versions.json`). A new stack starts on a version in EKS standard "
        "support (`policy/eks_policies/eks_versions.json`); warns 60 days before support ends. "
        "Once deployed: up one minor at a time; down one minor (a rollback, within 7 days of "
        "the upgrade) only with `allowDisruptiveChanges`.",
    )
    log_retention_days: int = setting(
        "logRetentionDays",
        OneOf(LOG_RETENTION_DAYS, "a CloudWatch Logs retention"),
        default=365,  # CIS asks a year of audit and flow logs; dev sets 30 on purpose
        doc="Retention of every log group the stack creates (control plane, flow logs, "
        "Container Insights); one of CloudWatch's values "
        f"({', '.join(map(str, LOG_RETENTION_DAYS))}).",
    )
    retain_logs_on_destroy: bool = setting(
        "retainLogsOnDestroy",
        Boolean(),
        default=True,
        doc="`pulumi destroy` leaves the stack's log groups (control plane, flow logs, Container "
        "Insights) and the KMS keys in the account, as an audit trail. Their names stay taken: "
        "delete the groups before deploying the same stack again "
        "([Destroy](day2.md#destroy-and-protected-resources)). `false` (dev): the groups are "
        "deleted with the stack and the keys scheduled for deletion (30 days).",
    )
    tags: Mapping[str, str] = setting(
        "tags",
        # AWS allows 50 tags per resource; the stack sets up to 10 itself (Name, project, stack,
        # owner, tier, the Kubernetes and Karpenter discovery tags, ...).
        Tags(limit=40),
        default_factory=dict,
        doc="Extra tags on every taggable resource (`project`, `stack`, `owner` are always set): "
        "at most 40; keys 1-128 and values up to 256 letters, digits, spaces and `_.:/=+-@`; "
        "no `aws:` prefix; keys distinct ignoring case, also from `project`, `stack`, `owner` "
        "and `Name` (AWS's rules).",
    )
    allow_disruptive_changes: tuple[str, ...] = setting(
        "allowDisruptiveChanges",
        Strings(),
        default=(),
        doc="Day-2 changes to let through for one deliberate migration (any of "
        f"{', '.join(f'`{c}`' for c in DISRUPTIVE_CHANGES)}); see [Day-2 operations](day2.md). "
        "Remove it after that `pulumi up`.",
    )
    network: NetworkSettings = section("network", NetworkSettings)
    cluster: ClusterSettings = section("cluster", ClusterSettings)
    compute: ComputeSettings = section("compute", ComputeSettings)
    addons: AddonSettings = section("addons", AddonSettings)
    monitoring: MonitoringSettings = section("monitoring", MonitoringSettings)
    controllers: ControllerSettings = section("controllers", ControllerSettings)
    stack: str = ""  # the Pulumi stack these settings belong to (not a key)
    warnings: tuple[str, ...] = ()  # worth a look, not worth refusing the settings

    def checked(self, check: Check) -> Settings:
        stack = check.context.stack
        if problem := versions.version_problem(self.kubernetes_version, check.context.today):
            check.problem(
                "kubernetesVersion",
                self.kubernetes_version,
                problem + unquoted_version_hint(self.kubernetes_version),
            )
        elif unknown := missing_versions(
            [n for n in ADDONS if self.addons.enabled(n) and not self.addons.pinned_version(n)],
            self.kubernetes_version,
        ):
            check.problem(
                "kubernetesVersion",
                self.kubernetes_version,
                f"components/addons/versions.json has no version of {unknown} that a source "
                "confirms for it (see its `unconfirmed`): run `python -m components.addons.refresh "
                "--region <region>`, or pin them in addons.overrides.<name>.version",
            )
        elif warning := versions.support_warning(self.kubernetes_version, check.context.today):
            check.warn(warning)
        if unknown := [c for c in self.allow_disruptive_changes if c not in DISRUPTIVE_CHANGES]:
            check.fail(
                "allowDisruptiveChanges",
                list(self.allow_disruptive_changes),
                f"a list of {', '.join(DISRUPTIVE_CHANGES)} (not {unknown})",
            )
        if clashes := tag_key_clashes(self.tags):
            check.fail(
                "tags",
                dict(self.tags),
                f"tags whose keys differ from each other and from the stack's own "
                f"({', '.join(STACK_TAG_KEYS)}) ignoring case: IAM treats tag keys "
                f"case-insensitively and refuses duplicates ({clashes})",
            )
        controllers = with_versions(
            self.controllers, self.kubernetes_version, check.nested("controllers")
        )
        refuse_without_egress(self.controllers, self.network.nat_mode, check.nested("controllers"))
        if self.compute.auto_mode:
            refuse_what_auto_mode_runs(self.controllers, check.nested("controllers"))
        if not self.cluster.admin_principal_arns and not self.controllers.enabled:
            check.warn(
                "nobody will have cluster admin: the cluster grants no admin to its creator "
                "(access entries only), and cluster.adminPrincipalArns is empty. Set it to the "
                "role your team assumes to run kubectl (docs/connect.md)"
            )
        if self.controllers.enabled and not (
            self.cluster.public_access_cidrs or self.cluster.endpoint_access.any
        ):
            check.problem(
                "controllers.enabled",
                True,
                "`pulumi up` then talks to the Kubernetes API, and the private endpoint admits "
                "only the cluster itself: set cluster.endpointAccess.securityGroupIds (the deploy "
                "runner's security group) or cluster.endpointAccess.cidrs (a connected network), "
                "or cluster.publicAccessCidrs (docs/controllers.md)",
            )
        return dataclasses.replace(
            self,
            stack=stack,
            cluster_name=self.cluster_name or default_cluster_name(stack),
            controllers=controllers,
            network=self._network_for_compute(check.nested("network")),
        )

    def _network_for_compute(self, check: Check) -> NetworkSettings:
        """The network as the compute and the add-ons need it: pods in the pod range only where
        the VPC CNI places them (not in Auto Mode, whose pod subnets are a NodeClass, a Kubernetes
        object), and how many nodes the node subnets must hold at least."""
        network = self.network
        if network.pod_cidr and self.compute.auto_mode:
            check.problem(
                "podCidr",
                network.pod_cidr,
                "not in Auto Mode: Auto Mode runs its own pod networking (no vpc-cni add-on) and "
                "takes pod subnets from a NodeClass, a Kubernetes object (docs/network.md)",
            )
        elif (
            network.pod_cidr
            and (cni := self._vpc_cni_version())
            and (problem := subnet_discovery_problem(cni, self.addons.configuration("vpc-cni")))
        ):
            check.problem(
                "podCidr",
                network.pod_cidr,
                f"pods would not take their IPs there: {problem}; see addons.overrides.vpc-cni",
            )
        elif network.pod_cidr and (self._vpc_cni_version() or "").startswith(CNI_SG_DISCOVERY):
            # amazon-vpc-cni-k8s CHANGELOG (b5218838, read 2026-12-06): v1.22.1 "tag security
            # groups with kubernetes.io/role/cni=1 to apply them to ENIs in discovered subnets";
            # v1.22.2 "Reverting Security Group Discovery feature".
            check.problem(
                "podCidr",
                network.pod_cidr,
                f"not with vpc-cni {self._vpc_cni_version()}: v1.22.1 alone gives pods' network "
                "interfaces in the pod subnets any security group of the VPC tagged "
                "kubernetes.io/role/cni=1 instead of the cluster's (reverted in v1.22.2); pin "
                "another version in addons.overrides.vpc-cni",
            )
        return dataclasses.replace(
            network, nodes_at_most=sum(g.max_size for g in self.compute.node_groups)
        )

    def _vpc_cni_version(self) -> str | None:
        """The vpc-cni version this stack runs (None when the version table has none: the
        Kubernetes version's own check says so)."""
        if pinned := self.addons.pinned_version("vpc-cni"):
            return pinned
        if missing_versions(["vpc-cni"], self.kubernetes_version):
            return None
        return table_version("vpc-cni", self.kubernetes_version)

    @property
    def common_tags(self) -> dict[str, str]:
        """Tags every taggable resource carries."""
        return {**self.tags, "project": PROJECT, "stack": self.stack, "owner": self.owner}

    def context(self, aws: AwsContext) -> StackContext:
        """What every component shares: built once from these settings and the AWS answer."""
        return StackContext(
            stack=self.stack,
            cluster_name=self.cluster_name,
            tags=self.common_tags,
            log_retention_days=self.log_retention_days,
            aws=aws,
            retain_logs_on_destroy=self.retain_logs_on_destroy,
        )


CNI_SG_DISCOVERY = "v1.22.1-"  # the one vpc-cni release with security-group discovery


def load_settings(raw: Mapping[str, Any], stack: str, today: dt.date | None = None) -> Settings:
    """Parse and validate the project config; raise SettingsError with every problem found."""
    return read_document(Settings, raw, ReadContext(stack, today or dt.date.today()))


def read_settings() -> Settings:
    """The validated settings of the running stack; warnings go to the Pulumi log. Keys nothing
    reads (a misspelt namespace or AWS provider setting) are problems too, reported with the
    others."""
    config = current_config()
    unread = namespace_problems(config)
    try:
        settings = load_settings(project_config(config), pulumi.get_stack())
    except SettingsError as error:
        raise SettingsError(unread + error.problems) from None
    if unread:
        raise SettingsError(unread)
    for warning in settings.warnings:
        pulumi.log.warn(warning)
    # A range from an IPAM pool is known once the last deployment recorded it, or the pool says.
    return dataclasses.replace(settings, network=with_pool_range(settings.network, settings.stack))
