"""`compute.*`: managed node groups (each hardened: IMDSv2, encrypted gp3, no SSH) or EKS Auto
Mode with its built-in node pools."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from components.base.config import Check, sections, setting
from components.base.config.kinds import Integer, StringMap, Strings, Text

COMPUTE_MODES = ("managed", "auto")
AUTO_MODE_NODE_POOLS = ("system", "general-purpose")
CAPACITY_TYPES = ("ON_DEMAND", "SPOT")
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")
AMI_TYPES = (
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
    "AL2023_x86_64_NEURON",
)
NODE_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
# EC2 instance type names, `<family>.<size>`: a family of lower-case letters and digits with a
# generation digit, optionally dash-joined parts (m7g, c6in, u-6tb1, mac2-m2, c7i-flex), and a
# size (nano ... xlarge, <n>xlarge, metal, metal-<n>xl). E.g. m7g.large, u-6tb1.112xlarge.
INSTANCE_TYPE = re.compile(
    r"^(?=[a-z0-9-]*\d)[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
    r"\.(?:nano|micro|small|medium|large|\d*xlarge|metal(?:-\d+xl)?)$"
)
# Graviton (arm64) families: a1, and a generation digit followed by `g` (t4g, m7g, c7gn, x2gd,
# g5g, im4gn, hpc7g, r8g). Every other family EKS runs is x86_64.
# Graviton families: a1, and a generation digit then `g` (m7g, c7gn, r8gd), with an optional
# suffix after a dash (p6e-gb200 runs on Grace).
ARM_FAMILY = re.compile(r"^(?:a1|[a-z]+\d+g[a-z0-9]*|[a-z]+\d+[a-z]*-g[a-z0-9]*)$")


def is_arm(instance_type: str) -> bool:
    return bool(ARM_FAMILY.match(instance_type.split(".")[0]))


# What EKS accepts for node labels and taints (CreateNodegroup: keys 1-63 characters, label
# values 1-63, taint values 0-63), in Kubernetes' syntax: an optional DNS-subdomain prefix and `/`,
# then letters, digits, '-', '_' and '.', starting and ending with a letter or digit.
K8S_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
LABEL_KEY = re.compile(rf"^(?=.{{1,63}}$)(?:[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?/)?{K8S_NAME}$")
LABEL_VALUE = re.compile(rf"^(?=.{{1,63}}$){K8S_NAME}$")
TAINT_VALUE = re.compile(rf"^(?:(?=.{{1,63}}$){K8S_NAME})?$")
KEY_SYNTAX = (
    "1-63 characters: an optional DNS prefix and '/', then letters, digits, '-', '_' or '.', "
    "starting and ending with a letter or digit"
)


@dataclass(frozen=True)
class Taint:
    key: str = setting(
        "key", Text(), default="", required="a non-empty taint key", doc="Taint key."
    )
    value: str = setting("value", Text(), default="", doc="Taint value.")
    effect: str = setting("effect", Text(TAINT_EFFECTS), default="NO_SCHEDULE", doc="Taint effect.")

    def checked(self, check: Check) -> Taint:
        if self.key and not LABEL_KEY.match(self.key):
            check.fail("key", self.key, f"a taint key EKS accepts, {KEY_SYNTAX}")
        if not TAINT_VALUE.match(self.value):
            check.fail(
                "value",
                self.value,
                "a taint value of 0-63 letters, digits, '-', '_' or "
                "'.', starting and ending with a letter or digit",
            )
        return self


@dataclass(frozen=True)
class NodeGroupSettings:
    name: str = setting(
        "name",
        Text(
            pattern=NODE_GROUP_NAME,
            allowed="1-63 letters, digits, '-' or '_', starting with a letter or digit",
        ),
        default="",
        required="1-63 letters, digits, '-' or '_', starting with a letter or digit",
        doc="Group name (1-63 letters, digits, `-`, `_`), unique.",
    )
    instance_types: tuple[str, ...] = setting(
        "instanceTypes",
        Strings(allowed="a non-empty list of EC2 instance types"),
        default=("m7i.large", "m6i.large"),
        doc="Instance types, non-empty: EC2 names (`<family>.<size>`, e.g. `m7g.large`), all of "
        "the `amiType`'s architecture (Graviton families such as `t4g`, `m7g` for ARM).",
    )
    capacity_type: str = setting(
        "capacityType", Text(CAPACITY_TYPES), default="ON_DEMAND", doc="Capacity type."
    )
    min_size: int = setting("minSize", Integer(0, 1000), default=2, doc="Minimum nodes.")
    desired_size: int = setting(
        "desiredSize",
        Integer(0, 1000),
        default=3,
        default_note="within min and max",
        doc="Nodes in the group, min ≤ desired ≤ max; every `pulumi up` sets it, unless "
        "`compute.autoscaler` is `external` (then only at creation, so the autoscaler's decisions "
        "stand).",
    )
    max_size: int = setting(
        "maxSize",
        Integer(1, 1000),
        default=6,
        default_note="at least min",
        doc="Maximum nodes.",
    )
    disk_size_gib: int = setting(
        "diskSizeGib", Integer(20, 16384), default=50, doc="Encrypted gp3 root volume size."
    )
    ami_type: str = setting(
        "amiType",
        Text(AMI_TYPES),
        default="AL2023_x86_64_STANDARD",
        doc="AL2023 x86/ARM/NVIDIA/Neuron.",
    )
    labels: Mapping[str, str] = setting(
        "labels",
        StringMap(),
        default_factory=dict,
        doc="Kubernetes node labels (keys and values of 1-63 characters, as EKS accepts).",
    )
    taints: tuple[Taint, ...] = sections("taints", Taint, doc="Kubernetes node taints.")
    max_unavailable_percentage: int = setting(
        "maxUnavailablePercentage",
        Integer(1, 100),
        default=33,
        doc="Nodes replaced at once during updates.",
    )
    metadata_hop_limit: int = setting(
        "metadataHopLimit",
        Integer(1, 2),
        default=1,
        doc="IMDSv2 hop limit. 1 keeps pods away from the node role; 2 only if a workload needs "
        "IMDS (warns).",
    )
    autoscaled: bool = False  # derived from compute.autoscaler: the desired size is not ours

    def _check_architecture(self, check: Check) -> None:
        """EKS refuses a node group whose instance types do not run its AMI's architecture. Only
        about what was written: a refused key is reported once, under its own name."""
        refused = [k for k in ("instanceTypes", "amiType") if k in check.raw and not check.given(k)]
        if refused:
            return
        arm = "ARM_64" in self.ami_type
        if not check.given("instanceTypes"):
            if arm:
                check.fail(
                    "instanceTypes",
                    list(self.instance_types),
                    f"set for amiType {self.ami_type}: the default types are x86_64; give "
                    "Graviton types such as [m7g.large]",
                )
            return
        wrong = [t for t in self.instance_types if INSTANCE_TYPE.match(t) and is_arm(t) != arm]
        if not wrong:
            return
        fix = (
            "use Graviton types (such as m7g.large) or amiType AL2023_x86_64_STANDARD"
            if arm
            else "for Graviton types set amiType: AL2023_ARM_64_STANDARD"
            if all(is_arm(t) for t in wrong)
            else "use x86_64 types"
        )
        check.fail(
            "instanceTypes",
            list(self.instance_types),
            f"{'arm64 (Graviton)' if arm else 'x86_64'} instance types for amiType "
            f"{self.ami_type} (not {wrong}): {fix}",
        )

    def checked(self, check: Check) -> NodeGroupSettings:
        if check.given("instanceTypes") and not self.instance_types:
            check.fail("instanceTypes", [], "a non-empty list of EC2 instance types")
        if malformed := [t for t in self.instance_types if not INSTANCE_TYPE.match(t)]:
            check.fail(
                "instanceTypes",
                list(self.instance_types),
                f"EC2 instance type names, <family>.<size> in lower case like m7g.large or "
                f"c6in.24xlarge (not {malformed})",
            )
        if bad := sorted(
            k for k, v in self.labels.items() if not (LABEL_KEY.match(k) and LABEL_VALUE.match(v))
        ):
            check.fail(
                "labels",
                dict(self.labels),
                f"Kubernetes labels EKS accepts: keys of {KEY_SYNTAX}; values of 1-63 such "
                f"characters (not {bad})",
            )
        self._check_architecture(check)
        # Unset sizes follow the ones set: minSize 8 alone means 8 nodes, not an error.
        max_size = self.max_size if check.given("maxSize") else max(self.max_size, self.min_size)
        desired = (
            self.desired_size
            if check.given("desiredSize")
            else min(max(self.desired_size, self.min_size), max_size)
        )
        if not self.min_size <= desired <= max_size:
            check.fail(
                "desiredSize",
                desired,
                f"between minSize ({self.min_size}) and maxSize ({max_size}): EKS refuses a "
                "group whose minimum is above its desired size or whose desired size is above its "
                "maximum (min <= desired <= max); raise desiredSize together with minSize",
            )
        if self.metadata_hop_limit == 2:
            check.warn(
                f"{check.key('metadataHopLimit')} = 2 lets pods reach the node's instance metadata "
                "and its IAM role; use Pod Identity for AWS access and keep 1 unless a workload "
                "needs IMDS."
            )
        return dataclasses.replace(self, max_size=max_size, desired_size=desired)


DEFAULT_NODE_GROUP = NodeGroupSettings(name="system", labels={"role": "system"})


AUTOSCALERS = ("none", "external")


@dataclass(frozen=True)
class ComputeSettings:
    mode: str = setting(
        "mode",
        Text(COMPUTE_MODES),
        default="managed",
        doc="Managed node groups, or EKS Auto Mode (no node groups; compute, block storage and "
        "load balancing run by EKS).",
    )
    auto_mode_node_pools: tuple[str, ...] = setting(
        "autoModeNodePools",
        Strings(),
        default=AUTO_MODE_NODE_POOLS,
        doc="Auto Mode built-in node pools.",
    )
    autoscaler: str = setting(
        "autoscaler",
        Text(AUTOSCALERS),
        default="none",
        doc="Who scales the managed node groups: `none` (each `pulumi up` sets `desiredSize`), "
        "or `external` (a Cluster Autoscaler you run owns it after creation). Karpenter "
        "(`controllers`) launches its own nodes and never resizes node groups.",
    )
    node_groups: tuple[NodeGroupSettings, ...] = sections(
        "nodeGroups",
        NodeGroupSettings,
        default=(DEFAULT_NODE_GROUP,),
        default_doc="one `system` group",
        doc="Managed node groups (mode `managed`); fields below.",
    )

    @property
    def auto_mode(self) -> bool:
        return self.mode == "auto"

    def checked(self, check: Check) -> ComputeSettings:
        if self.auto_mode and check.given("nodeGroups") and self.node_groups:
            check.fail(
                "nodeGroups",
                check.raw["nodeGroups"],
                "unset when compute.mode is 'auto' (Auto Mode runs the nodes)",
            )
        if not self.auto_mode and not self.node_groups:
            check.fail("nodeGroups", [], "at least one node group when compute.mode is 'managed'")
        names = [g.name for g in self.node_groups]
        if dupes := sorted({n for n in names if names.count(n) > 1}):
            check.fail("nodeGroups", names, f"node groups with distinct names ({dupes} repeat)")
        if bad := sorted(set(self.auto_mode_node_pools) - set(AUTO_MODE_NODE_POOLS)):
            check.fail(
                "autoModeNodePools",
                list(self.auto_mode_node_pools),
                f"a subset of {', '.join(AUTO_MODE_NODE_POOLS)} (not {bad})",
            )
        elif self.auto_mode and not self.auto_mode_node_pools:
            # Without built-in pools nothing launches nodes (this baseline creates no custom
            # NodePool), the add-ons that need nodes never become active, and moving between
            # no pools and some changes the cluster's node role, which replaces the cluster.
            check.fail(
                "autoModeNodePools",
                [],
                f"at least one of {', '.join(AUTO_MODE_NODE_POOLS)} in Auto Mode: this baseline "
                "creates no custom node pool",
            )
        groups = tuple(
            dataclasses.replace(g, autoscaled=self.autoscaler == "external")
            for g in self.node_groups
        )
        return dataclasses.replace(self, node_groups=() if self.auto_mode else groups)
