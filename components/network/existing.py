"""An existing VPC (`network.mode: existing`, for example subnets shared through AWS RAM): what
AWS says of the VPC, the subnets and the node subnets' routes, read through read-only lookups
before any resource is registered, and what a cluster needs of them, every problem at once.
What EKS needs, and where it says so: eks-network-requirements.json beside this file.

`look` asks AWS; `judge` is pure (the lookups' answers in, problems, warnings and the AZs out)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pulumi_aws as aws

from components.base.config.problems import problem_text
from components.network.settings import NetworkSettings

REQUIREMENTS = json.loads(Path(__file__).with_name("eks-network-requirements.json").read_text())
CONTROL_PLANE = REQUIREMENTS["controlPlaneSubnets"]
LOAD_BALANCER_TAGS = REQUIREMENTS["loadBalancerTags"]
EGRESS_TARGETS = tuple(REQUIREMENTS["privateSubnetsWithoutNat"]["egressTargets"])
DEFAULT_ROUTE = "0.0.0.0/0"
SEVERAL = "several"  # more than one endpoint matched a lookup
# A Region's own AZ names: the region and one letter (eu-west-1a); Local Zones
# (us-east-1-bos-1a) and Wavelength Zones (us-east-1-wl1-bos-wlz-1) have longer names.
REGULAR_ZONE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
SUBNET_KEYS = ("controlPlaneSubnetIds", "nodeSubnetIds", "publicSubnetIds")


@dataclass(frozen=True)
class Subnet:
    """A subnet as getSubnet answers it (the fields the checks read)."""

    id: str
    vpc_id: str
    zone: str
    zone_id: str
    free: int  # availableIpAddressCount
    tags: Mapping[str, str] = field(default_factory=dict)  # as this account sees them
    maps_public_ips: bool = False
    owner: str = ""  # the owning account: another one's tags are invisible here
    outpost: str = ""  # the Outpost's ARN, for a subnet on an Outpost


@dataclass(frozen=True)
class Route:
    destination: str
    target: str  # the getRouteTable route field that holds the target, e.g. natGatewayId
    target_id: str


@dataclass(frozen=True)
class Seen:
    """What the lookups found; an id they could not find maps to why."""

    vpc: Mapping[str, object] | None
    subnets: Mapping[str, Subnet]
    routes: Mapping[str, tuple[Route, ...]]  # node subnet id -> its route table's routes
    gateway_endpoint_tables: Mapping[str, tuple[str, ...]]  # service -> route table ids
    interface_endpoints: tuple[str, ...]  # services with an interface endpoint in the VPC
    route_tables: Mapping[str, str] = field(default_factory=dict)  # node subnet -> table id
    missing: Mapping[str, str] = field(default_factory=dict)
    account: str = ""  # the deploying account
    several: tuple[str, ...] = ()  # services with more than one endpoint of the kind looked up

    def own(self, subnets: Sequence[Subnet]) -> list[Subnet]:
        """The subnets this account owns: the stack tags the others itself (Network)."""
        return [s for s in subnets if s.owner == self.account]


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)  # as SettingsError words them
    warnings: list[str] = field(default_factory=list)
    zones: tuple[str, ...] = ()


def egress(routes: Sequence[Route]) -> Route | None:
    """The node subnet's way out to the internet: a default route to a NAT device, directly or
    through central egress (transit gateway, Cloud WAN, an appliance)."""
    return next(
        (r for r in routes if r.destination == DEFAULT_ROUTE and r.target in EGRESS_TARGETS), None
    )


def judge(settings: NetworkSettings, seen: Seen, unsupported_zone_ids: Sequence[str]) -> Verdict:
    verdict = Verdict()
    problem = verdict.problems.append

    def fail(key: str, value: object, text: str) -> None:
        problem(problem_text(f"network.{key}", value, text))

    if seen.vpc is None:
        fail("vpcId", settings.vpc_id, seen.missing.get(settings.vpc_id, "not found"))
        return verdict
    if not (seen.vpc.get("enable_dns_support") and seen.vpc.get("enable_dns_hostnames")):
        fail(
            "vpcId",
            settings.vpc_id,
            "DNS resolution and DNS hostnames must both be on: "
            "without them nodes cannot register with the cluster (EKS network requirements)",
        )
    groups = {
        "controlPlaneSubnetIds": settings.control_plane_subnet_ids,
        "nodeSubnetIds": settings.node_subnet_ids,
        "publicSubnetIds": settings.public_subnet_ids,
    }
    found: dict[str, list[Subnet]] = {}
    for key, ids in groups.items():
        found[key] = []
        for subnet_id in ids:
            subnet = seen.subnets.get(subnet_id)
            if subnet is None:
                why = seen.missing.get(subnet_id, "not found")
                fail(key, list(ids), f"{subnet_id}: {why} (is it shared with this account?)")
            elif subnet.vpc_id != settings.vpc_id:
                fail(key, list(ids), f"{subnet_id} is in {subnet.vpc_id}, not {settings.vpc_id}")
            else:
                found[key].append(subnet)
    _control_plane(found["controlPlaneSubnetIds"], unsupported_zone_ids, fail)
    verdict.zones = _nodes(settings, found["nodeSubnetIds"], fail, verdict)
    _tags(seen.own(found["nodeSubnetIds"]), "private", "nodeSubnetIds", fail)
    _tags(seen.own(found["publicSubnetIds"]), "public", "publicSubnetIds", fail)
    for subnet in found["nodeSubnetIds"]:
        _routes(settings, seen, subnet, fail, verdict)
    return verdict


def _control_plane(subnets: list[Subnet], unsupported: Sequence[str], fail) -> None:
    key = "controlPlaneSubnetIds"
    if len({s.zone for s in subnets}) < CONTROL_PLANE["zones"] and subnets:
        fail(
            key,
            [s.id for s in subnets],
            f"EKS needs them in {CONTROL_PLANE['zones']} or more "
            f"AZs, they are in {sorted({s.zone for s in subnets})}",
        )
    for s in subnets:
        if s.free < CONTROL_PLANE["freeAddresses"]:
            fail(
                key,
                s.id,
                f"{s.free} free addresses; EKS needs {CONTROL_PLANE['freeAddresses']} "
                "in each control-plane subnet for its network interfaces",
            )
        if s.zone_id in unsupported:
            fail(key, s.id, f"in {s.zone} ({s.zone_id}), where EKS places no control plane")
        if s.outpost or not REGULAR_ZONE.match(s.zone):
            where = f"on an Outpost ({s.outpost})" if s.outpost else f"in {s.zone}"
            fail(
                key,
                s.id,
                f"{where}, not a Region's AZ: EKS's subnets \"can't reside in AWS Outposts or AWS "
                'Wavelength" (EKS network requirements), nor in a Local Zone',
            )


def _nodes(settings: NetworkSettings, subnets: list[Subnet], fail, verdict: Verdict):
    key = "nodeSubnetIds"
    zones = tuple(sorted({s.zone for s in subnets}))
    if subnets and len(zones) < settings.az_count:
        fail(
            "azCount",
            settings.az_count,
            f"the node subnets span {len(zones)} AZs {list(zones)}: "
            "name node subnets in more AZs, or lower azCount",
        )
    if settings.availability_zones and subnets and tuple(settings.availability_zones) != zones:
        fail(
            "availabilityZones",
            list(settings.availability_zones),
            f"the AZs of the node subnets, {list(zones)}",
        )
    per_zone = math.ceil(settings.nodes_at_most / len(zones)) if zones else 0
    for zone in zones:
        free = sum(s.free for s in subnets if s.zone == zone)
        if free < per_zone:
            fail(
                key,
                [s.id for s in subnets if s.zone == zone],
                f"{free} free addresses in "
                f"{zone}; the node groups at their maximum size put {per_zone} nodes there, each "
                "with at least one address (`python -m preflight --online` counts a full node's)",
            )
    for s in subnets:
        if s.maps_public_ips:
            verdict.warnings.append(f"network.nodeSubnetIds: {s.id} maps public IPs on launch")
    return zones


def _tags(subnets: list[Subnet], kind: str, key: str, fail) -> None:
    for tag, value in LOAD_BALANCER_TAGS[kind].items():
        if untagged := [s.id for s in subnets if s.tags.get(tag) != value]:
            fail(
                key,
                untagged,
                f"must be tagged {tag}={value}: the AWS Load Balancer Controller "
                f"and Kubernetes find {kind} load balancer subnets by it",
            )


def _routes(settings: NetworkSettings, seen: Seen, subnet: Subnet, fail, verdict: Verdict) -> None:
    key = "nodeSubnetIds"
    routes = seen.routes.get(subnet.id)
    if routes is None:
        fail(key, subnet.id, f"its route table cannot be read: {seen.missing.get(subnet.id, '')}")
        return
    if any(r.destination == DEFAULT_ROUTE and r.target_id.startswith("igw-") for r in routes):
        fail(key, subnet.id, "routes to an internet gateway: node subnets must be private")
        return
    if egress(routes):
        return
    if any(r.destination == DEFAULT_ROUTE and r.target_id.startswith("vgw-") for r in routes):
        verdict.warnings.append(
            f"network.nodeSubnetIds: {subnet.id} sends its default route to a virtual private "
            "gateway (on-premises egress): nodes pull images and reach EKS and STS only if that "
            "network carries them on (not checked)"
        )
        return
    table = seen.route_tables.get(subnet.id, "")
    lacking = [s for s in settings.interface_endpoint_services if s not in seen.interface_endpoints]
    if table not in seen.gateway_endpoint_tables.get("s3", ()):
        lacking.append("s3 (a gateway endpoint on its route table)")
    if "s3" in seen.several and not lacking:
        verdict.warnings.append(
            f"network.nodeSubnetIds: {subnet.id}: the VPC has several S3 gateway endpoints; "
            "check that one is on its route table"
        )
    if lacking:
        fail(
            key,
            subnet.id,
            "no default route to a NAT device (directly or through a transit "
            f"gateway) and no VPC endpoint for {lacking}: nodes there cannot pull images or "
            "join the cluster (EKS network requirements)",
        )


def look(settings: NetworkSettings, region: str, account: str) -> Seen:
    """Everything `judge` reads, through read-only lookups (DescribeVpcs, DescribeSubnets,
    DescribeRouteTables, DescribeVpcEndpoints); a lookup that fails is kept as why."""
    missing: dict[str, str] = {}
    vpc = _ask(lambda: aws.ec2.get_vpc(id=settings.vpc_id), settings.vpc_id, missing)
    subnets: dict[str, Subnet] = {}
    for subnet_id in dict.fromkeys(i for k in SUBNET_KEYS for i in _ids(settings, k)):
        answer = _ask(lambda i=subnet_id: aws.ec2.get_subnet(id=i), subnet_id, missing)
        if answer is not None:
            subnets[subnet_id] = Subnet(
                subnet_id,
                answer.vpc_id,
                answer.availability_zone,
                answer.availability_zone_id,
                answer.available_ip_address_count,
                dict(answer.tags or {}),
                bool(answer.map_public_ip_on_launch),
                answer.owner_id,
                answer.outpost_arn or "",
            )
    routes: dict[str, tuple[Route, ...]] = {}
    tables: dict[str, str] = {}
    for subnet_id in settings.node_subnet_ids:
        table = _route_table(settings.vpc_id, subnet_id, missing)
        if table is not None:
            tables[subnet_id] = table.route_table_id
            routes[subnet_id] = tuple(_route(r) for r in table.routes)
    facts = vpc and {
        "cidr_block": vpc.cidr_block,
        "enable_dns_support": vpc.enable_dns_support,
        "enable_dns_hostnames": vpc.enable_dns_hostnames,
    }
    seen = Seen(facts, subnets, routes, {}, (), tables, missing, account)
    if vpc is None or all(egress(r) for r in routes.values()):
        return seen
    s3 = _endpoint(settings.vpc_id, region, "s3", "Gateway", "route_table_ids")
    return Seen(
        seen.vpc,
        subnets,
        routes,
        # Several S3 gateway endpoints (one per set of route tables): each table may have one.
        {"s3": tuple(tables.values()) if s3 == SEVERAL else tuple(s3 or ())},
        tuple(
            s
            for s in settings.interface_endpoint_services
            if _endpoint(settings.vpc_id, region, s, "Interface", "subnet_ids") is not None
        ),
        tables,
        missing,
        account,
        several=("s3",) if s3 == SEVERAL else (),
    )


def control_plane_zones(settings: NetworkSettings) -> tuple[str, ...]:
    """The AZs of an existing VPC's control-plane subnets (found already: `look` checked them),
    which the record keeps: EKS takes later subnets only in the cluster's first AZs."""
    return tuple(
        sorted(
            {aws.ec2.get_subnet(id=i).availability_zone for i in settings.control_plane_subnet_ids}
        )
    )


def _ids(settings: NetworkSettings, key: str) -> tuple[str, ...]:
    attribute = {
        "controlPlaneSubnetIds": "control_plane_subnet_ids",
        "nodeSubnetIds": "node_subnet_ids",
        "publicSubnetIds": "public_subnet_ids",
    }[key]
    return getattr(settings, attribute)


def _ask(lookup, key: str, missing: dict[str, str]):
    """The lookup's answer, or None with why (the provider's error) kept under `key`."""
    try:
        return lookup()
    except Exception as error:  # an invoke that finds nothing fails with the provider's text
        missing[key] = str(error).split(" failed: ", 1)[-1]
        return None


def _route_table(vpc_id: str, subnet_id: str, missing: dict[str, str]):
    """The subnet's route table: its explicit association, else the VPC's main table (which a
    subnet without one uses; getRouteTable by subnet finds only explicit associations)."""
    explicit = _ask(lambda: aws.ec2.get_route_table(subnet_id=subnet_id), subnet_id, {})
    if explicit is not None:
        return explicit
    main = aws.ec2.GetRouteTableFilterArgs(name="association.main", values=["true"])
    return _ask(lambda: aws.ec2.get_route_table(vpc_id=vpc_id, filters=[main]), subnet_id, missing)


def _route(route) -> Route:
    target = next((t for t in EGRESS_TARGETS if getattr(route, _snake(t), "")), "gatewayId")
    return Route(route.cidr_block or "", target, getattr(route, _snake(target), "") or "")


def _endpoint(vpc_id: str, region: str, service: str, kind: str, where: str):
    """The endpoint's `where` field; None when there is none; SEVERAL when more than one matches
    (getVpcEndpoint answers one only: "multiple ... matched", terraform-provider-aws
    SingularDataSourceFindError)."""
    kind_filter = aws.ec2.GetVpcEndpointFilterArgs(name="vpc-endpoint-type", values=[kind])
    why: dict[str, str] = {}
    answer = _ask(
        lambda: aws.ec2.get_vpc_endpoint(
            vpc_id=vpc_id, service_name=f"com.amazonaws.{region}.{service}", filters=[kind_filter]
        ),
        service,
        why,
    )
    if answer is None:
        return SEVERAL if "multiple" in why.get(service, "") else None
    return getattr(answer, where)


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
