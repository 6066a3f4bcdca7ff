"""The stack's settings: every `eks-platform:*` config key, parsed and validated in one pass.

`load_settings(raw)` turns the project's config (key without the project prefix -> value,
as `raw_project_config()` reads it) into frozen dataclasses, or raises SettingsError listing
every problem at once, each naming the key, the value given and what is allowed. Nothing
here touches AWS or registers a resource.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from baseline import eks_versions
from baseline.subnet_plan import SubnetPlan, SubnetPlanError, plan_subnets

PROJECT = "eks-platform"

# Values CloudWatch Logs accepts for retentionInDays (0, "never expire", is deliberately left out).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
NAT_MODES = ("per-az", "single", "none")
CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
COMPUTE_MODES = ("managed", "auto")
CAPACITY_TYPES = ("ON_DEMAND", "SPOT")
TAINT_EFFECTS = ("NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE")
AMI_TYPES = (
    "AL2023_x86_64_STANDARD",
    "AL2023_ARM_64_STANDARD",
    "AL2023_x86_64_NVIDIA",
    "AL2023_ARM_64_NVIDIA",
    "AL2023_x86_64_NEURON",
)
POD_IDENTITY_MODES = ("pod-identity", "irsa")
AUTO_MODE_NODE_POOLS = ("system", "general-purpose")
# Interface endpoints a private node group needs to pull images, join, log and scale without NAT.
DEFAULT_INTERFACE_ENDPOINTS = (
    "ecr.api",
    "ecr.dkr",
    "sts",
    "ec2",
    "logs",
    "eks",
    "eks-auth",
    "elasticloadbalancing",
    "autoscaling",
)
MAX_AZS = 6
CLUSTER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")
NODE_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")
PRINCIPAL_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$")
AZ_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
TAG_KEY = re.compile(r"^[\w.:/=+\-@ ]{1,128}$")
ADDON_VERSION = re.compile(r"^v\d+\.\d+\.\d+-eksbuild\.\d+$")


class SettingsError(ValueError):
    """The stack's config is invalid; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid stack settings ({len(problems)} problem(s)):\n{lines}")


# ---------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class NetworkSettings:
    vpc_cidr: str = "10.0.0.0/16"
    az_count: int = 3
    availability_zones: tuple[str, ...] = ()
    nat_mode: str = "per-az"
    interface_endpoints: bool = False
    interface_endpoint_services: tuple[str, ...] = DEFAULT_INTERFACE_ENDPOINTS
    private_subnet_prefix: int | None = None
    public_subnet_prefix: int = 24
    intra_subnet_prefix: int = 28
    plan: SubnetPlan | None = None


@dataclass(frozen=True)
class ClusterSettings:
    public_access_cidrs: tuple[str, ...] = ()
    log_types: tuple[str, ...] = CONTROL_PLANE_LOG_TYPES
    deletion_protection: bool = False
    zonal_shift: bool = False
    protect: bool = False
    admin_principal_arns: tuple[str, ...] = ()
    viewer_principal_arns: tuple[str, ...] = ()

    @property
    def public_endpoint(self) -> bool:
        return bool(self.public_access_cidrs)


@dataclass(frozen=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True)
class NodeGroupSettings:
    name: str
    instance_types: tuple[str, ...]
    capacity_type: str = "ON_DEMAND"
    min_size: int = 2
    desired_size: int = 3
    max_size: int = 6
    disk_size_gib: int = 50
    ami_type: str = "AL2023_x86_64_STANDARD"
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    max_unavailable_percentage: int = 33
    metadata_hop_limit: int = 1


DEFAULT_NODE_GROUP = NodeGroupSettings(
    name="system", instance_types=("m7i.large", "m6i.large"), labels={"role": "system"}
)


@dataclass(frozen=True)
class ComputeSettings:
    mode: str = "managed"
    node_groups: tuple[NodeGroupSettings, ...] = (DEFAULT_NODE_GROUP,)
    auto_mode_node_pools: tuple[str, ...] = AUTO_MODE_NODE_POOLS

    @property
    def auto_mode(self) -> bool:
        return self.mode == "auto"


@dataclass(frozen=True)
class AddonOverride:
    version: str | None = None
    configuration_values: Mapping[str, Any] | None = None
    enabled: bool = True


@dataclass(frozen=True)
class AddonSettings:
    identity: str = "pod-identity"
    prefix_delegation: bool = False
    warm_prefix_target: int = 1
    overrides: Mapping[str, AddonOverride] = field(default_factory=dict)


@dataclass(frozen=True)
class ControllerSettings:
    """In-cluster controllers installed through the Kubernetes API (opt-in: see README)."""

    enabled: bool = False
    load_balancer_controller: bool = True
    load_balancer_controller_chart: str = "1.14.0"
    karpenter: bool = True
    karpenter_chart: str = "1.8.1"
    karpenter_cpu_limit: int = 200
    karpenter_memory_limit_gib: int = 800

    @property
    def run_load_balancer_controller(self) -> bool:
        return self.enabled and self.load_balancer_controller

    @property
    def run_karpenter(self) -> bool:
        return self.enabled and self.karpenter


@dataclass(frozen=True)
class MonitoringSettings:
    alarm_emails: tuple[str, ...] = ()
    prometheus: bool = False
    node_cpu_alarm_percent: int = 80


@dataclass(frozen=True)
class Settings:
    stack: str
    owner: str
    cluster_name: str
    kubernetes_version: str
    log_retention_days: int
    tags: Mapping[str, str]
    network: NetworkSettings
    cluster: ClusterSettings
    compute: ComputeSettings
    addons: AddonSettings
    monitoring: MonitoringSettings
    controllers: ControllerSettings = ControllerSettings()
    warnings: tuple[str, ...] = ()

    @property
    def common_tags(self) -> dict[str, str]:
        """Tags every taggable resource carries."""
        return {**self.tags, "project": PROJECT, "stack": self.stack, "owner": self.owner}


# ---------------------------------------------------------------------------- reader


def _int_in(low: int, high: int) -> Callable[[Any], int | None]:
    """A converter accepting integers (or their CLI strings) from low to high."""

    def convert(v: Any) -> int | None:
        if isinstance(v, bool):
            return None
        try:
            number = int(str(v))
        except ValueError:
            return None
        return number if low <= number <= high else None

    return convert


T = TypeVar("T")
_MISSING = object()


class _Section:
    """Reads typed values from one config object, recording problems instead of raising."""

    def __init__(self, raw: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        if raw is not None and not isinstance(raw, Mapping):
            self.fail("", raw, "an object (a YAML mapping)")
            raw = {}
        self.raw: Mapping[str, Any] = raw or {}
        self.read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, value: Any, allowed: str) -> None:
        key = self.key(name) if name else self.path
        self.problems.append(f"{PROJECT}:{key} = {json.dumps(value)}: must be {allowed}")

    def has(self, name: str) -> bool:
        return name in self.raw

    def get(self, name: str, default: T, convert: Callable[[Any], T | None], allowed: str) -> T:
        self.read.add(name)
        value = self.raw.get(name, _MISSING)
        if value is _MISSING or value is None:
            return default
        converted = convert(value)
        if converted is None:
            self.fail(name, value, allowed)
            return default
        return converted

    def string(self, name: str, default: str, choices: tuple[str, ...] = ()) -> str:
        allowed = f"one of {', '.join(choices)}" if choices else "a non-empty string"

        def convert(v: Any) -> str | None:
            s = str(v) if isinstance(v, str | int | float) and not isinstance(v, bool) else None
            return s if s and (not choices or s in choices) else None

        return self.get(name, default, convert, allowed)

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        return self.get(name, default, _int_in(low, high), f"an integer from {low} to {high}")

    def boolean(self, name: str, default: bool) -> bool:
        def convert(v: Any) -> bool | None:
            if isinstance(v, bool):
                return v
            return {"true": True, "false": False}.get(str(v).lower())

        return self.get(name, default, convert, "true or false")

    def strings(
        self, name: str, default: tuple[str, ...], allowed: str = "a list of strings"
    ) -> tuple[str, ...]:
        def convert(v: Any) -> tuple[str, ...] | None:
            if isinstance(v, str):
                try:
                    v = json.loads(v)
                except ValueError:
                    return None
            if isinstance(v, list) and all(isinstance(i, str) and i for i in v):
                return tuple(v)
            return None

        return self.get(name, default, convert, allowed)

    def string_map(self, name: str) -> dict[str, str]:
        def convert(v: Any) -> dict[str, str] | None:
            valid = isinstance(v, Mapping) and all(
                isinstance(k, str) and TAG_KEY.match(k) and isinstance(x, str | int | float)
                for k, x in v.items()
            )
            return {k: str(x) for k, x in v.items()} if valid else None

        return self.get(name, {}, convert, "an object of string keys to string values")

    def section(self, name: str) -> _Section:
        self.read.add(name)
        return _Section(self.raw.get(name), self.key(name), self.problems)

    def list_of_sections(self, name: str) -> list[_Section] | None:
        """None when the key is absent."""
        self.read.add(name)
        value = self.raw.get(name)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(name, value, "a list of objects")
            return []
        return [
            _Section(item, f"{self.key(name)}[{i}]", self.problems) for i, item in enumerate(value)
        ]

    def finish(self) -> None:
        """Report keys nobody read: a typo must not silently fall back to a default."""
        for name in sorted(set(self.raw) - self.read):
            known = ", ".join(sorted(self.read))
            self.problems.append(
                f"{PROJECT}:{self.key(name)} is not a known setting; known keys here: {known}"
            )


# ---------------------------------------------------------------------------- parsing


def _network(s: _Section) -> NetworkSettings:
    defaults = NetworkSettings()
    vpc_cidr = s.string("vpcCidr", defaults.vpc_cidr)
    vpc_ok = _check_vpc_cidr(s, vpc_cidr)
    az_count = s.integer("azCount", defaults.az_count, 2, MAX_AZS)
    zones = s.strings("availabilityZones", ())
    if zones:
        if len(zones) < 2 or len(zones) > MAX_AZS or len(set(zones)) != len(zones):
            s.fail("availabilityZones", list(zones), f"2 to {MAX_AZS} distinct AZ names")
        elif bad := [z for z in zones if not AZ_NAME.match(z)]:
            s.fail("availabilityZones", list(zones), f"AZ names such as us-east-1a (not {bad})")
        if s.has("azCount") and az_count != len(zones):
            s.fail(
                "azCount", az_count, f"omitted or equal to len(availabilityZones) = {len(zones)}"
            )
        az_count = len(zones)
    nat_mode = s.string("natMode", defaults.nat_mode, NAT_MODES)
    endpoints = s.boolean("interfaceEndpoints", defaults.interface_endpoints)
    services = s.strings("interfaceEndpointServices", DEFAULT_INTERFACE_ENDPOINTS)
    if nat_mode == "none" and not endpoints:
        s.fail(
            "interfaceEndpoints",
            endpoints,
            "true when natMode is 'none': without NAT, nodes reach ECR, STS, EC2 and EKS only "
            "through interface endpoints",
        )
    private_prefix = s.get(
        "privateSubnetPrefix",
        None,
        _int_in(17, 22),
        "an integer from 17 to 22 (private subnet size)",
    )
    public_prefix = s.integer("publicSubnetPrefix", defaults.public_subnet_prefix, 20, 27)
    intra_prefix = s.integer("intraSubnetPrefix", defaults.intra_subnet_prefix, 24, 28)
    s.finish()

    plan = None
    if vpc_ok:
        try:
            plan = plan_subnets(vpc_cidr, az_count, private_prefix, public_prefix, intra_prefix)
        except SubnetPlanError as error:
            s.problems.append(
                f"{PROJECT}:network.vpcCidr = {json.dumps(vpc_cidr)}: subnet plan does not fit: {error}"
            )
    return NetworkSettings(
        vpc_cidr, az_count, zones, nat_mode, endpoints, services,
        private_prefix, public_prefix, intra_prefix, plan,
    )  # fmt: skip


_PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def _check_vpc_cidr(s: _Section, cidr: str) -> bool:
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError:
        s.fail(
            "vpcCidr",
            cidr,
            "an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16",
        )
        return False
    if not 16 <= network.prefixlen <= 24:
        s.fail("vpcCidr", cidr, "between /16 and /24 in size (AWS VPC limits)")
        return False
    if not any(network.subnet_of(r) for r in _PRIVATE_RANGES):
        s.fail(
            "vpcCidr",
            cidr,
            "inside a private range: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10",
        )
        return False
    return True


def _cluster(s: _Section) -> ClusterSettings:
    defaults = ClusterSettings()
    cidrs = s.strings("publicAccessCidrs", ())
    for cidr in cidrs:
        try:
            network = ipaddress.ip_network(cidr)
        except ValueError:
            s.fail("publicAccessCidrs", list(cidrs), f"valid CIDRs ({cidr!r} is not)")
            continue
        if network.prefixlen == 0:
            s.fail(
                "publicAccessCidrs",
                list(cidrs),
                f"an allow-list of your own networks; {cidr} opens the API endpoint to the internet",
            )
    log_types = s.strings("logTypes", CONTROL_PLANE_LOG_TYPES)
    if unknown := sorted(set(log_types) - set(CONTROL_PLANE_LOG_TYPES)):
        s.fail(
            "logTypes",
            list(log_types),
            f"a subset of {', '.join(CONTROL_PLANE_LOG_TYPES)} (not {unknown})",
        )
    admins = s.strings("adminPrincipalArns", ())
    viewers = s.strings("viewerPrincipalArns", ())
    for key, arns in (("adminPrincipalArns", admins), ("viewerPrincipalArns", viewers)):
        if bad := [a for a in arns if not PRINCIPAL_ARN.match(a)]:
            s.fail(
                key,
                list(arns),
                f"IAM role or user ARNs like arn:aws:iam::123456789012:role/name (not {bad})",
            )
    if both := sorted(set(admins) & set(viewers)):
        s.fail(
            "viewerPrincipalArns",
            list(viewers),
            f"disjoint from adminPrincipalArns (both list {both})",
        )
    cluster = ClusterSettings(
        public_access_cidrs=cidrs,
        log_types=tuple(t for t in CONTROL_PLANE_LOG_TYPES if t in log_types),
        deletion_protection=s.boolean("deletionProtection", defaults.deletion_protection),
        zonal_shift=s.boolean("zonalShift", defaults.zonal_shift),
        protect=s.boolean("protect", defaults.protect),
        admin_principal_arns=admins,
        viewer_principal_arns=viewers,
    )
    s.finish()
    return cluster


def _node_group(s: _Section, warnings: list[str]) -> NodeGroupSettings:
    d = DEFAULT_NODE_GROUP
    name = s.string("name", "")
    if not NODE_GROUP_NAME.match(name):
        s.fail(
            "name",
            name or None,
            "1-63 letters, digits, '-' or '_', starting with a letter or digit",
        )
    instance_types = s.strings(
        "instanceTypes", d.instance_types, "a non-empty list of EC2 instance types"
    )
    if s.has("instanceTypes") and not instance_types:
        s.fail("instanceTypes", [], "a non-empty list of EC2 instance types")
    min_size = s.integer("minSize", d.min_size, 0, 1000)
    max_size = s.integer("maxSize", max(d.max_size, min_size), 1, 1000)
    desired = s.integer("desiredSize", min(max(d.desired_size, min_size), max_size), 0, 1000)
    if not min_size <= desired <= max_size:
        s.fail(
            "desiredSize",
            desired,
            f"between minSize ({min_size}) and maxSize ({max_size}): min <= desired <= max",
        )
    hop_limit = s.integer("metadataHopLimit", d.metadata_hop_limit, 1, 2)
    if hop_limit == 2:
        warnings.append(
            f"{s.key('metadataHopLimit')} = 2 lets pods reach the node's instance metadata and "
            "its IAM role; use Pod Identity for AWS access and keep 1 unless a workload needs IMDS."
        )
    taints = []
    for t in s.list_of_sections("taints") or []:
        taints.append(
            Taint(
                t.string("key", ""),
                t.string("value", ""),
                t.string("effect", "NO_SCHEDULE", TAINT_EFFECTS),
            )
        )
        if not t.raw.get("key"):
            t.fail("key", t.raw.get("key"), "a non-empty taint key")
        t.finish()
    group = NodeGroupSettings(
        name=name,
        instance_types=instance_types,
        capacity_type=s.string("capacityType", d.capacity_type, CAPACITY_TYPES),
        min_size=min_size,
        desired_size=desired,
        max_size=max_size,
        disk_size_gib=s.integer("diskSizeGib", d.disk_size_gib, 20, 16384),
        ami_type=s.string("amiType", d.ami_type, AMI_TYPES),
        labels=s.string_map("labels"),
        taints=tuple(taints),
        max_unavailable_percentage=s.integer(
            "maxUnavailablePercentage", d.max_unavailable_percentage, 1, 100
        ),
        metadata_hop_limit=hop_limit,
    )
    s.finish()
    return group


def _compute(s: _Section, warnings: list[str]) -> ComputeSettings:
    mode = s.string("mode", "managed", COMPUTE_MODES)
    sections = s.list_of_sections("nodeGroups")
    groups = (
        tuple(_node_group(g, warnings) for g in sections)
        if sections is not None
        else (DEFAULT_NODE_GROUP,)
    )
    if mode == "auto" and sections:
        s.fail(
            "nodeGroups",
            s.raw["nodeGroups"],
            "unset when compute.mode is 'auto' (Auto Mode runs the nodes)",
        )
    if mode == "managed" and not groups:
        s.fail("nodeGroups", [], "at least one node group when compute.mode is 'managed'")
    names = [g.name for g in groups]
    if dupes := sorted({n for n in names if names.count(n) > 1}):
        s.fail("nodeGroups", names, f"node groups with distinct names ({dupes} repeat)")
    pools = s.strings("autoModeNodePools", AUTO_MODE_NODE_POOLS)
    if bad := sorted(set(pools) - set(AUTO_MODE_NODE_POOLS)):
        s.fail(
            "autoModeNodePools",
            list(pools),
            f"a subset of {', '.join(AUTO_MODE_NODE_POOLS)} (not {bad})",
        )
    s.finish()
    return ComputeSettings(mode, () if mode == "auto" else groups, pools)


def _addons(s: _Section) -> AddonSettings:
    from baseline.addon_catalog import ADDONS  # the catalog knows which add-ons exist

    defaults = AddonSettings()
    identity = s.string("identity", defaults.identity, POD_IDENTITY_MODES)
    prefix_delegation = s.boolean("prefixDelegation", defaults.prefix_delegation)
    warm_prefix = s.integer("warmPrefixTarget", defaults.warm_prefix_target, 0, 16)
    overrides: dict[str, AddonOverride] = {}
    o = s.section("overrides")
    for name in o.raw:
        entry = o.section(name)
        if name not in ADDONS:
            o.fail(name, o.raw[name], f"keyed by a known add-on: {', '.join(ADDONS)}")
            continue
        version = entry.string("version", "") or None
        if version and not ADDON_VERSION.match(version):
            entry.fail("version", version, "an EKS add-on version such as v1.19.2-eksbuild.1")
        values = entry.get(
            "configurationValues",
            None,
            _json_object,
            "an object (the add-on's configuration values)",
        )
        enabled = entry.boolean("enabled", True)
        if not enabled and ADDONS[name].core:
            entry.fail(
                "enabled", False, f"true: {name} is a core add-on the cluster cannot run without"
            )
        entry.finish()
        overrides[name] = AddonOverride(version, values, enabled)
    o.finish()
    s.finish()
    return AddonSettings(identity, prefix_delegation, warm_prefix, overrides)


def _json_object(v: Any) -> Mapping[str, Any] | None:
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except ValueError:
            return None
    return v if isinstance(v, Mapping) else None


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _monitoring(s: _Section) -> MonitoringSettings:
    emails = s.strings("alarmEmails", ())
    if bad := [e for e in emails if not EMAIL.match(e)]:
        s.fail("alarmEmails", list(emails), f"e-mail addresses (not {bad})")
    monitoring = MonitoringSettings(
        alarm_emails=emails,
        prometheus=s.boolean("prometheus", False),
        node_cpu_alarm_percent=s.integer("nodeCpuAlarmPercent", 80, 10, 100),
    )
    s.finish()
    return monitoring


CHART_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


def _controllers(s: _Section, compute: ComputeSettings) -> ControllerSettings:
    d = ControllerSettings()
    enabled = s.boolean("enabled", d.enabled)
    lbc = s.boolean("loadBalancerController", d.load_balancer_controller)
    karpenter = s.boolean("karpenter", d.karpenter)
    charts = {}
    for key, default in (
        ("loadBalancerControllerChartVersion", d.load_balancer_controller_chart),
        ("karpenterChartVersion", d.karpenter_chart),
    ):
        charts[key] = s.string(key, default)
        if not CHART_VERSION.match(charts[key]):
            s.fail(key, charts[key], "an exact chart version such as 1.2.3 (pinned, never a range)")
    if enabled and compute.auto_mode:
        for key, on, runs in (
            ("loadBalancerController", lbc, "load balancing"),
            ("karpenter", karpenter, "Karpenter-based compute"),
        ):
            if on:
                s.fail(
                    key, True, f"false when compute.mode is 'auto': Auto Mode already runs {runs}"
                )
    controllers = ControllerSettings(
        enabled=enabled,
        load_balancer_controller=lbc,
        load_balancer_controller_chart=charts["loadBalancerControllerChartVersion"],
        karpenter=karpenter,
        karpenter_chart=charts["karpenterChartVersion"],
        karpenter_cpu_limit=s.integer("karpenterCpuLimit", d.karpenter_cpu_limit, 1, 100000),
        karpenter_memory_limit_gib=s.integer(
            "karpenterMemoryLimitGib", d.karpenter_memory_limit_gib, 1, 1000000
        ),
    )
    s.finish()
    return controllers


def load_settings(raw: Mapping[str, Any], stack: str, today: dt.date | None = None) -> Settings:
    """Parse and validate the project config; raise SettingsError with every problem found."""
    problems: list[str] = []
    warnings: list[str] = []
    root = _Section(dict(raw), "", problems)

    owner = root.string("owner", "")
    if not owner:
        root.fail(
            "owner",
            raw.get("owner"),
            "set: the team that owns this stack (tagged on every resource)",
        )
    cluster_name = root.string("clusterName", f"{PROJECT}-{stack}")
    if not CLUSTER_NAME.match(cluster_name):
        root.fail(
            "clusterName",
            cluster_name,
            "1-100 letters, digits, '-' or '_', starting with a letter or digit",
        )
    version = root.string("kubernetesVersion", eks_versions.DEFAULT_VERSION)
    if problem := eks_versions.version_problem(version):
        problems.append(f"{PROJECT}:kubernetesVersion = {json.dumps(version)}: {problem}")
    elif warning := eks_versions.support_warning(version, today or dt.date.today()):
        warnings.append(warning)
    retention = root.get(
        "logRetentionDays",
        90,
        lambda v: int(v) if str(v).isdigit() and int(v) in LOG_RETENTION_DAYS else None,
        f"a CloudWatch Logs retention: one of {', '.join(map(str, LOG_RETENTION_DAYS))}",
    )
    tags = root.string_map("tags")

    compute = _compute(root.section("compute"), warnings)
    settings = Settings(
        stack=stack,
        owner=owner,
        cluster_name=cluster_name,
        kubernetes_version=version,
        log_retention_days=retention,
        tags=tags,
        network=_network(root.section("network")),
        cluster=_cluster(root.section("cluster")),
        compute=compute,
        addons=_addons(root.section("addons")),
        monitoring=_monitoring(root.section("monitoring")),
        controllers=_controllers(root.section("controllers"), compute),
        warnings=tuple(warnings),
    )
    root.finish()
    if problems:
        raise SettingsError(problems)
    return settings


def raw_project_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """Project-namespace keys of a Pulumi config map (full key -> value), JSON values decoded.

    The CLI hands the program every value as a string; structured values are JSON.
    """
    prefix = f"{PROJECT}:"
    raw = {}
    for key, value in config.items():
        if key.startswith(prefix):
            raw[key[len(prefix) :]] = _decode(value)
    return raw


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
