"""Monthly cost and first-deploy time of a stack, estimated from what the program registers.

Pure functions over registrations (`preflight.offline.recorder.Registration`, or anything with its urn,
id, type, name, custom, inputs and dependencies) and the data files kept beside this module:
`prices.json` (list prices per region, each with its date and source), `ec2_prices/<region>.json`
(on-demand instance prices) and `durations.json` (typical create times per resource type). What
has no price for the stack's region is listed as unpriced (the total is then a lower bound),
never counted as zero.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from ipaddress import ip_network
from pathlib import Path
from typing import Any

from preflight.offline.recorder import Registration, ancestors

HERE = Path(__file__).resolve().parent
EC2_PRICES = HERE / "ec2_prices"


@cache
def load_data(name: str) -> dict[str, Any]:
    return json.loads((HERE / name).read_text())


# ---------------------------------------------------------------------------- prices


@dataclass(frozen=True)
class PriceBook:
    """The prices known for one region: service rates by name (prices.json), on-demand Linux
    USD per instance-hour by type (ec2_prices/<region>.json), and whose they are."""

    region: str
    usd: Mapping[str, float]
    ec2_usd_per_hour: Mapping[str, float]
    sources: tuple[str, ...]
    as_of: str = ""
    hours_per_month: float = 730
    assumptions: Mapping[str, Any] = field(default_factory=dict)


def price_book(region: str) -> PriceBook:
    """What the data files know for `region` (rates they lack are simply absent)."""
    data = load_data("prices.json")
    known = data["regions"].get(region, {})
    usd = {k: v["usd"] for k, v in data["everywhere"].items()} | known.get("usd", {})
    ec2_file = EC2_PRICES / f"{region}.json"
    ec2 = json.loads(ec2_file.read_text()) if ec2_file.exists() else {}
    sources = [f"services: {known['source']}" if known else f"services: none for {region}"]
    sources.append(
        f"EC2: {ec2['source']} ({len(ec2['usd_per_hour'])} instance types)"
        if ec2
        else f"EC2: none for {region}"
    )
    sources += [f"{v['name']}: {v['source']}" for v in data["everywhere"].values()]
    as_of = f"services {known.get('as_of', 'none')}, EC2 {ec2.get('as_of', 'none')}"
    return PriceBook(
        region,
        usd,
        ec2.get("usd_per_hour", {}),
        tuple(sources),
        as_of,
        data["hours_per_month"],
        data["assumptions"],
    )


def priced_regions() -> list[str]:
    return sorted(load_data("prices.json")["regions"])


# ---------------------------------------------------------------------------- cost


@dataclass(frozen=True)
class CostItem:
    """One line of the estimate: quantity x (hours x) unit_usd per `per`. Unpriced when
    unit_usd is None (monthly_usd is then None too, and `note` says what price is missing)."""

    item: str
    quantity: float
    unit: str
    unit_usd: float | None
    monthly_usd: float | None
    note: str = ""
    hours: float = 0  # hours a month, for a rate per hour
    per: str = "month"

    @property
    def formula(self) -> str:
        amount = f"{self.quantity:g} {_plural(self.unit, self.quantity)}"
        hours = f" x {self.hours:g} h" if self.hours else ""
        rate = f" x {self.unit_usd:g} USD/{self.per}" if self.unit_usd is not None else ""
        return amount + hours + rate

    def as_dict(self) -> dict[str, Any]:
        fields = {k: v for k, v in self.__dict__.items() if v not in ("", 0) or k == "quantity"}
        return fields | {"formula": self.formula}


def _plural(unit: str, quantity: float) -> str:
    if quantity == 1 or unit.startswith("GB"):
        return unit
    return unit + ("es" if unit.endswith("s") else "s")


@dataclass(frozen=True)
class CostEstimate:
    """`monthly_usd` sums the priced items; with any item `unpriced` it is a lower bound
    (`at_least`). Two estimates compare (a change's cost delta) when their regions and their
    unpriced items match: both are then priced from the same book."""

    items: tuple[CostItem, ...]
    region: str
    as_of: str
    not_included: tuple[str, ...]
    unpriced: tuple[CostItem, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def monthly_usd(self) -> float:
        return round(sum(i.monthly_usd or 0 for i in self.items), 2)

    @property
    def at_least(self) -> bool:
        return bool(self.unpriced)


def _of(resources: Sequence[Registration], typ: str) -> list[Registration]:
    return [r for r in resources if r.type == typ]


def stack_region(resources: Iterable[Registration]) -> str | None:
    """The region the resources are in, read from what names it: a subnet's AZ (`<region><letter>`,
    the AZ naming AWS documents) or an endpoint's service name (`com.amazonaws.<region>.<service>`)."""
    resources = list(resources)
    for r in resources:
        if r.type == "aws:ec2/subnet:Subnet" and isinstance(
            az := r.inputs.get("availabilityZone"), str
        ):
            return az[:-1]
        if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint":
            return str(r.inputs.get("serviceName", "")).split(".")[2]
    # In an existing VPC the stack has neither: the region of a regional resource's ARN.
    for r in resources:
        if r.type == "aws:eks/cluster:Cluster" and isinstance(arn := r.outputs.get("arn"), str):
            return arn.split(":")[3] or None
    return None


def _counted(
    resources: Sequence[Registration], assumed: Mapping[str, Any]
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The lines counted from resources, before and after the node groups (report order):
    item, quantity, rate in prices.json, unit, the rate's unit ("h": per hour), note."""
    n = Counter(r.type for r in resources)
    endpoint_azs = sum(
        len(e.inputs.get("subnetIds") or [])
        for e in _of(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs.get("vpcEndpointType") == "Interface"
    )
    logs = [g.inputs.get("name", "") for g in _of(resources, "aws:cloudwatch/logGroup:LogGroup")]
    # Alarms on a metric the stack publishes itself (the pod and node subnets' free addresses): one each.
    custom = sum(
        not str(a.inputs.get("namespace", "")).startswith(("AWS/", "ContainerInsights"))
        for a in _of(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")
    )
    cp_gb, flow_gb = (
        assumed.get("control_plane_log_gb_month", 0),
        assumed.get("flow_log_gb_month", 0),
    )
    processing = "plus data processing per GB"
    # fmt: off
    return [
        ("EKS control plane (standard support)", n["aws:eks/cluster:Cluster"], "eks_cluster_hour", "cluster", "h", ""),
        ("NAT gateways", n["aws:ec2/natGateway:NatGateway"], "nat_gateway_hour", "gateway", "h", processing),
        ("Public IPv4 addresses (NAT Elastic IPs)", n["aws:ec2/eip:Eip"], "public_ipv4_hour", "address", "h", ""),
        ("Interface VPC endpoints", endpoint_azs, "interface_endpoint_az_hour", "endpoint-AZ", "h", processing),
    ], [
        ("KMS keys", n["aws:kms/key:Key"], "kms_key_month", "key", "month", "plus API requests"),
        ("Control-plane log ingestion", sum(g.startswith("/aws/eks/") for g in logs) * cp_gb, "cloudwatch_log_ingest_gb", "GB", "GB",
         f"assumes {cp_gb} GB/month per cluster (audit-heavy clusters log far more)"),
        ("Flow log ingestion", sum("flow-logs" in g for g in logs) * flow_gb, "cloudwatch_log_ingest_gb", "GB", "GB",
         f"assumes {flow_gb} GB/month per VPC"),
        ("CloudWatch alarms", n["aws:cloudwatch/metricAlarm:MetricAlarm"], "cloudwatch_alarm_month", "alarm", "month", ""),
        ("CloudWatch custom metrics", custom, "cloudwatch_custom_metric_month", "metric", "month",
         "the pod and node subnets' free addresses, published by the stack"),
        ("CloudWatch dashboards", n["aws:cloudwatch/dashboard:Dashboard"], "cloudwatch_dashboard_month", "dashboard", "month",
         "first 3 per account are free"),
    ]
    # fmt: on


def estimate_cost(resources: Iterable[Registration], book: PriceBook | None = None) -> CostEstimate:
    """Monthly list-price estimate in the stack's region (from `book`, else the data files);
    node groups are priced at their desired size (min in the note), on their first instance type."""
    resources = list(resources)
    region = book.region if book else stack_region(resources) or "unknown"
    book = book or price_book(region)
    hours = book.hours_per_month
    lines: list[CostItem] = []

    def add(item: str, count: float, rate: Any, unit: str, per: str, note: str = "") -> None:
        if not count:
            return
        rate = book.usd.get(rate) if isinstance(rate, str) else rate
        h = hours if per == "h" else 0
        if rate is None:
            data = "ec2_prices" if unit == "instance" else "prices.json"
            lines.append(
                CostItem(item, count, unit, None, None, f"no {region} price in {data}", h, per)
            )
        else:
            lines.append(
                CostItem(item, count, unit, rate, round(count * rate * (h or 1), 2), note, h, per)
            )

    before_nodes, after_nodes = _counted(resources, book.assumptions)
    for row in before_nodes:
        add(*row)
    volume_gb = _launch_template_volumes(resources)
    spot_discount = book.assumptions.get("spot_discount", 0)
    for group in sorted(_of(resources, "aws:eks/nodeGroup:NodeGroup"), key=lambda g: g.name):
        scaling = group.inputs.get("scalingConfig") or {}
        desired, minimum = float(scaling.get("desiredSize", 0)), float(scaling.get("minSize", 0))
        types = group.inputs.get("instanceTypes") or ["?"]
        instance = types[0]
        rate = book.ec2_usd_per_hour.get(instance)
        spot = group.inputs.get("capacityType") == "SPOT"
        notes = [f"spot assumed {spot_discount:.0%} below on-demand"] if spot else []
        if len(types) > 1:
            notes.append(f"priced as the first of its {len(types)} types")
        if rate is not None:
            rate = round(rate * (1 - spot_discount), 4) if spot else rate
            notes.insert(
                0,
                f"at desired size; {round(minimum * rate * hours, 2)} USD at min size {minimum:g}",
            )
        name = f"Nodes {group.name} ({instance}{', spot' if spot else ''})"
        add(name, desired, rate, "instance", "h", "; ".join(notes))
        gb = volume_gb.get(group.inputs.get("launchTemplate", {}).get("id"), 20.0)
        name = f"Node volumes {group.name} (gp3 {gb:g} GiB each)"
        add(name, desired * gb, "ebs_gp3_gb_month", "GB-month", "GB-month")
    for row in after_nodes:
        add(*row)
    return CostEstimate(
        tuple(i for i in lines if i.unit_usd is not None),
        region,
        book.as_of,
        tuple(book.assumptions.get("usage_dependent_not_included", ()))
        + _launched_by_aws(resources),
        tuple(i for i in lines if i.unit_usd is None),
        book.sources,
    )


# The region whose prices are the most complete (every EC2 type): what has no price in a stack's
# region is also shown at its prices, as a reference.
REFERENCE_REGION = "us-east-1"


def priced_elsewhere(
    resources: Iterable[Registration], unpriced: Iterable[CostItem], region: str = REFERENCE_REGION
) -> tuple[float, int]:
    """What the `unpriced` items would cost at `region`'s prices (the region with the most
    complete table), and how many of them that prices: a reference, never part of a total."""
    there = {i.item: i.monthly_usd or 0 for i in estimate_cost(resources, price_book(region)).items}
    found = [there[i.item] for i in unpriced if i.item in there]
    return round(sum(found), 2), len(found)


def _launched_by_aws(resources: Sequence[Registration]) -> tuple[str, ...]:
    """Capacity AWS launches that the program never registers, so no line can price it."""
    found = []
    for pool in (r for r in resources if r.type.endswith("karpenter.sh/v1:NodePool")):
        limits = (pool.inputs.get("spec") or {}).get("limits") or {}
        cpu = limits.get("cpu", "?")
        found.append(
            f"nodes Karpenter launches for NodePool {pool.name} (EC2 and their volumes, up to "
            f"{f'{cpu:g}' if isinstance(cpu, float | int) else cpu} vCPU and "
            f"{limits.get('memory', '?')} memory)"
        )
    found += [_function_runs(f) for f in _of(resources, "aws:lambda/function:Function")]
    for cluster in _of(resources, "aws:eks/cluster:Cluster"):
        if (cluster.inputs.get("computeConfig") or {}).get("enabled"):
            found.append(
                "EKS Auto Mode nodes (their EC2 instances, volumes and Auto Mode's "
                "per-instance management fee)"
            )
    return tuple(found)


def _function_runs(function: Registration) -> str:
    """Why a function's runs have no line: Lambda's monthly free tier covers many more of them
    (each as long as its timeout) than a small scheduled function makes."""
    free = load_data("prices.json")["lambda_free_tier"]
    memory, timeout = function.inputs.get("memorySize", 128), function.inputs.get("timeout", 3)
    each = float(memory) / 1024 * float(timeout)
    covered = min(free["requests"], free["gb_seconds"] / each)
    return (
        f"the function {function.name}'s runs: each at most {each:g} GB-seconds ({memory:g} MB for "
        f"its {timeout:g} s timeout), and Lambda's monthly free tier ({free['requests']:,} requests, "
        f"{free['gb_seconds']:,} GB-seconds, per account) covers {covered:,.0f} of them a month"
    )


def _launch_template_volumes(resources: Sequence[Registration]) -> dict[str, float]:
    """Root volume GiB per launch template id (ids as node groups refer to them)."""
    sizes = {}
    for template in _of(resources, "aws:ec2/launchTemplate:LaunchTemplate"):
        mappings = template.inputs.get("blockDeviceMappings") or [{}]
        sizes[template.id] = float((mappings[0].get("ebs") or {}).get("volumeSize", 20))
    return sizes


def subnet_plan(resources: Iterable[Registration]) -> dict[str, list[tuple[str, str]]]:
    """The subnets the estimate counted, per AZ: (kind, CIDR), the kind from the subnet's name
    (`network-<kind>-<az>`)."""
    plan: dict[str, list[tuple[str, str]]] = {}
    for subnet in sorted(
        (r for r in resources if r.type == "aws:ec2/subnet:Subnet"),
        key=lambda s: (str(s.inputs.get("availabilityZone")), ip_network(s.inputs["cidrBlock"])),
    ):
        az = str(subnet.inputs.get("availabilityZone"))
        kind = subnet.name.removesuffix(f"-{az}").rsplit("-", 1)[-1]
        plan.setdefault(az, []).append((kind, str(subnet.inputs.get("cidrBlock"))))
    return plan


# ---------------------------------------------------------------------------- deploy time


@dataclass(frozen=True)
class Step:
    name: str
    type: str
    minutes: float


@dataclass(frozen=True)
class DeployEstimate:
    path: tuple[Step, ...]
    floor_minutes: float

    @property
    def critical_path_minutes(self) -> float:
        return round(sum(s.minutes for s in self.path), 1)

    @property
    def ratio_to_floor(self) -> float:
        return (
            round(self.critical_path_minutes / self.floor_minutes, 2) if self.floor_minutes else 0.0
        )


def create_minutes(typ: str, custom: bool, durations: Mapping[str, Any] | None = None) -> float:
    d = durations or load_data("durations.json")
    if not custom:
        return 0.0  # a component is bookkeeping: it creates nothing in AWS
    return float(d["minutes"].get(typ, d["default_minutes"]))


def critical_path(
    resources: Iterable[Registration], durations: Mapping[str, Any] | None = None
) -> tuple[Step, ...]:
    """The longest chain of dependencies, weighting each resource by its typical create time.

    Pulumi creates a resource as soon as everything it depends on exists, so a first deploy
    takes at least as long as this chain."""
    by_urn = {r.urn: r for r in resources}
    finish: dict[str, tuple[float, str | None]] = {}  # urn -> (finish minute, previous on path)

    def visit(urn: str, active: frozenset[str]) -> float:
        if urn in finish:
            return finish[urn][0]
        if urn in active:
            raise ValueError(f"dependency cycle through {urn}")
        r = by_urn[urn]
        best, previous = 0.0, None
        for dep in sorted(r.dependencies):  # sorted: ties resolve the same way every run
            if dep in by_urn and (t := visit(dep, active | {urn})) > best:
                best, previous = t, dep
        finish[urn] = (best + create_minutes(r.type, r.custom, durations), previous)
        return finish[urn][0]

    if not by_urn:
        return ()
    end = max(sorted(by_urn), key=lambda u: visit(u, frozenset()))
    path: list[Step] = []
    urn: str | None = end
    while urn is not None:
        r = by_urn[urn]
        path.append(Step(r.name, r.type, create_minutes(r.type, r.custom, durations)))
        urn = finish[urn][1]
    return tuple(reversed(path))


def floor_minutes(
    resources: Iterable[Registration], durations: Mapping[str, Any] | None = None
) -> float:
    """The least any EKS deploy takes: the cluster, then a node group, then the slowest add-on
    that waits for nodes (in Auto Mode, the cluster then the slowest add-on)."""
    resources = list(resources)
    by_urn = {r.urn: r for r in resources}

    def minutes(rs: Iterable[Registration]) -> float:
        return max((create_minutes(r.type, r.custom, durations) for r in rs), default=0.0)

    clusters = [r for r in resources if r.type == "aws:eks/cluster:Cluster"]
    node_groups = {r.urn: r for r in resources if r.type == "aws:eks/nodeGroup:NodeGroup"}
    addons = [r for r in resources if r.type == "aws:eks/addon:Addon"]
    after_nodes = (
        [a for a in addons if node_groups.keys() & ancestors(a, by_urn)] if node_groups else addons
    )
    return minutes(clusters) + minutes(node_groups.values()) + minutes(after_nodes)


def estimate_deploy(
    resources: Iterable[Registration], durations: Mapping[str, Any] | None = None
) -> DeployEstimate:
    resources = list(resources)
    return DeployEstimate(critical_path(resources, durations), floor_minutes(resources, durations))
