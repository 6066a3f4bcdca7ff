"""Monthly cost and first-deploy time of a stack, estimated from what the program registers.

Pure functions over registrations (`preflight.offline.recorder.Registration`, or anything with its urn,
id, type, name, custom, inputs and dependencies) and two data files kept beside this module:
`prices.json` (list prices with their region, date and source) and `durations.json` (typical
create times per resource type).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from preflight.offline.recorder import Registration, ancestors

HERE = Path(__file__).resolve().parent


@cache
def load_data(name: str) -> dict[str, Any]:
    return json.loads((HERE / name).read_text())


# ---------------------------------------------------------------------------- cost


@dataclass(frozen=True)
class CostItem:
    item: str
    quantity: float
    unit: str
    unit_usd: float
    monthly_usd: float
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v != ""}


@dataclass(frozen=True)
class CostEstimate:
    items: tuple[CostItem, ...]
    region: str
    as_of: str
    not_included: str

    @property
    def monthly_usd(self) -> float:
        return round(sum(i.monthly_usd for i in self.items), 2)


def _of(resources: Sequence[Registration], typ: str) -> list[Registration]:
    return [r for r in resources if r.type == typ]


def estimate_cost(
    resources: Iterable[Registration], prices: Mapping[str, Any] | None = None
) -> CostEstimate:
    """Monthly list-price estimate; node groups are priced at their desired size (min in the note)."""
    p = prices or load_data("prices.json")
    hours = p["hours_per_month"]
    resources = list(resources)
    items: list[CostItem] = []

    def hourly(item: str, count: float, rate: float, unit: str, note: str = "") -> None:
        if count:
            items.append(CostItem(item, count, unit, rate, round(count * rate * hours, 2), note))

    def monthly(item: str, count: float, rate: float, unit: str, note: str = "") -> None:
        if count:
            items.append(CostItem(item, count, unit, rate, round(count * rate, 2), note))

    hourly(
        "EKS control plane (standard support)",
        len(_of(resources, "aws:eks/cluster:Cluster")),
        p["eks_cluster_hour"],
        "cluster-hour",
    )
    hourly(
        "NAT gateways",
        len(_of(resources, "aws:ec2/natGateway:NatGateway")),
        p["nat_gateway_hour"],
        "gateway-hour",
        "plus data processing per GB",
    )
    hourly(
        "Public IPv4 addresses (NAT Elastic IPs)",
        len(_of(resources, "aws:ec2/eip:Eip")),
        p["public_ipv4_hour"],
        "address-hour",
    )
    endpoint_azs = sum(
        len(r.inputs.get("subnetIds") or [])
        for r in _of(resources, "aws:ec2/vpcEndpoint:VpcEndpoint")
        if r.inputs.get("vpcEndpointType") == "Interface"
    )
    hourly(
        "Interface VPC endpoints",
        endpoint_azs,
        p["interface_endpoint_az_hour"],
        "endpoint-AZ-hour",
        "plus data processing per GB",
    )

    volume_gb = _launch_template_volumes(resources)
    for group in sorted(_of(resources, "aws:eks/nodeGroup:NodeGroup"), key=lambda g: g.name):
        scaling = group.inputs.get("scalingConfig") or {}
        desired, minimum = float(scaling.get("desiredSize", 0)), float(scaling.get("minSize", 0))
        instance = (group.inputs.get("instanceTypes") or ["?"])[0]
        rate = p["ec2_linux_hour"].get(instance)
        if rate is None:
            items.append(
                CostItem(
                    f"Nodes {group.name} ({instance})",
                    desired,
                    "instance-hour",
                    0.0,
                    0.0,
                    "no price in prices.json",
                )
            )
            continue
        spot = group.inputs.get("capacityType") == "SPOT"
        rate = rate * (1 - p["spot_discount"]) if spot else rate
        note = f"at desired size; {round(minimum * rate * hours, 2)} USD at min size {minimum:g}"
        hourly(
            f"Nodes {group.name} ({instance}{', spot' if spot else ''})",
            desired,
            round(rate, 4),
            "instance-hour",
            note,
        )
        gb = volume_gb.get(group.inputs.get("launchTemplate", {}).get("id"), 20.0)
        monthly(
            f"Node volumes {group.name} (gp3 {gb:g} GiB each)",
            desired * gb,
            p["ebs_gp3_gb_month"],
            "GB-month",
        )

    monthly(
        "KMS keys",
        len(_of(resources, "aws:kms/key:Key")),
        p["kms_key_month"],
        "key-month",
        "plus API requests",
    )
    assumed = p["assumptions"]
    groups = [g.inputs.get("name", "") for g in _of(resources, "aws:cloudwatch/logGroup:LogGroup")]
    control_plane = sum(1 for g in groups if g.startswith("/aws/eks/"))
    flow = sum(1 for g in groups if "flow-logs" in g)
    monthly(
        "Control-plane log ingestion",
        control_plane * assumed["control_plane_log_gb_month"],
        p["cloudwatch_log_ingest_gb"],
        "GB",
        f"assumes {assumed['control_plane_log_gb_month']} GB/month per cluster (audit-heavy clusters log far more)",
    )
    monthly(
        "Flow log ingestion",
        flow * assumed["flow_log_gb_month"],
        p["cloudwatch_log_ingest_gb"],
        "GB",
        f"assumes {assumed['flow_log_gb_month']} GB/month per VPC",
    )
    monthly(
        "CloudWatch alarms",
        len(_of(resources, "aws:cloudwatch/metricAlarm:MetricAlarm")),
        p["cloudwatch_alarm_month"],
        "alarm-month",
    )
    monthly(
        "CloudWatch dashboards",
        len(_of(resources, "aws:cloudwatch/dashboard:Dashboard")),
        p["cloudwatch_dashboard_month"],
        "dashboard-month",
        "first 3 per account are free",
    )
    return CostEstimate(
        tuple(items), p["region"], p["as_of"], assumed["usage_dependent_not_included"]
    )


def _launch_template_volumes(resources: Sequence[Registration]) -> dict[str, float]:
    """Root volume GiB per launch template id (ids as node groups refer to them)."""
    sizes = {}
    for template in _of(resources, "aws:ec2/launchTemplate:LaunchTemplate"):
        mappings = template.inputs.get("blockDeviceMappings") or [{}]
        sizes[template.id] = float((mappings[0].get("ebs") or {}).get("volumeSize", 20))
    return sizes


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
    finish: dict[
        str, tuple[float, str | None]
    ] = {}  # urn -> (finish minute, previous urn on the path)

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
