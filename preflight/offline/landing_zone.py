"""What the mocked account sees of a landing zone's network: a VPC its network team owns in another
account and shares with this one through AWS RAM (the stacks of `network.mode: existing` go
there), a second VPC, and the organisation's IPAM pool. Answered as pulumi-aws 7
reads them (getVpc, getSubnet, getRouteTable, getVpcEndpoint, getIpamPreviewNextCidr), filters
honoured, and a failure, as the provider reports it, for what does not exist.

The shared VPC has two S3 gateway endpoints (the isolated and the node route tables'). In each
of the region's first three AZs (by name) the shared VPC has a node subnet (/19, tagged
by its owner for internal load balancers, default route to a transit gateway), a control-plane
subnet (/28) and a public subnet (/24, tagged by its owner for internet-facing load balancers,
default route to the internet gateway); the deploying account, a participant, sees none of the
owner's tags (`as_seen`); in the first AZ also an isolated node subnet (no default route, reaching AWS
through the VPC's interface endpoints and its S3 gateway endpoint), an untagged node subnet, and
a nearly full control-plane subnet. The second VPC has a node and a control-plane subnet in each
of the first two AZs. Subnet ids are `subnet-` and 17 hex digits of the region and
the subnet's name (`shared_subnet_id`)."""

from __future__ import annotations

import hashlib
import ipaddress
from typing import Any, Protocol

NETWORK_ACCOUNT = "444455556666"  # the network team's account, owner of the shared VPC
VPC_CIDR = "10.60.0.0/16"
OTHER_VPC_CIDR = "10.61.0.0/16"
# Interface endpoints of the shared VPC (the baseline's list for nodes without NAT), in the
# isolated subnet, and its S3 gateway endpoint on the isolated route table.
ENDPOINT_SERVICES = (
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
# The organisation's IPAM pools for VPC ranges: each one's range and what it has allocated.
IPAM_POOL = "ipam-pool-0d9e8f7a6b5c4d3e2"
IPAM_POOLS = {
    IPAM_POOL: ("10.128.0.0/10", ("10.128.0.0/16", "10.129.0.0/17")),
    "ipam-pool-0a1b2c3d4e5f60718": ("10.192.0.0/10", ()),
}


# VPCs of the deploying account itself that a stack's first update created before it failed
# (id -> range, tags): none in the mocked account; a test adds one.
LEFT_BEHIND: dict[str, tuple[str, dict[str, str]]] = {}


class Cloud(Protocol):
    region: str
    account_id: str
    zones: tuple[Any, ...]


def _hex(seed: str, length: int = 17) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def shared_subnet_id(region: str, name: str) -> str:
    return f"subnet-{_hex(f'{region}:{name}')}"


def _ids(region: str) -> dict[str, str]:
    return {
        "vpc": f"vpc-{_hex(f'{region}:shared-vpc')}",
        "other": f"vpc-{_hex(f'{region}:other-vpc')}",
        "tgw": f"tgw-{_hex(f'{region}:tgw')}",
        "igw": f"igw-{_hex(f'{region}:igw')}",
    }


def _subnet(
    cloud: Cloud, name: str, zone: Any, cidr: str, tags: dict[str, str], used: int, vpc: str
) -> dict[str, Any]:
    subnet_id = shared_subnet_id(cloud.region, name)
    return {
        "id": subnet_id,
        "arn": f"arn:aws:ec2:{cloud.region}:{NETWORK_ACCOUNT}:subnet/{subnet_id}",
        "availabilityZone": zone.name,
        "availabilityZoneId": zone.zone_id,
        "availableIpAddressCount": ipaddress.ip_network(cidr).num_addresses - 5 - used,
        "cidrBlock": cidr,
        "defaultForAz": False,
        "mapPublicIpOnLaunch": False,
        "ownerId": NETWORK_ACCOUNT,
        "state": "available",
        "tags": {"Name": f"landing-zone-{name}", **tags},
        "vpcId": vpc,
    }


def subnets(cloud: Cloud) -> dict[str, dict[str, Any]]:
    """Every subnet the account sees in the landing zone, by id."""
    ids = _ids(cloud.region)
    azs = [z for z in cloud.zones if z.zone_type == "availability-zone"][:3]
    internal, public = {"kubernetes.io/role/internal-elb": "1"}, {"kubernetes.io/role/elb": "1"}
    found = []
    for i, zone in enumerate(azs):
        found += [
            _subnet(cloud, f"node-{i}", zone, f"10.60.{32 * i}.0/19", internal, 212, ids["vpc"]),
            _subnet(cloud, f"control-{i}", zone, f"10.60.255.{240 - 16 * i}/28", {}, 0, ids["vpc"]),
            _subnet(cloud, f"public-{i}", zone, f"10.60.{224 + i}.0/24", public, 3, ids["vpc"]),
        ]
    first = azs[0]
    found += [
        _subnet(cloud, "isolated-0", first, "10.60.96.0/19", internal, 40, ids["vpc"]),
        _subnet(cloud, "untagged-0", first, "10.60.128.0/20", {}, 0, ids["vpc"]),
        _subnet(cloud, "full-control-0", first, "10.60.254.0/28", {}, 8, ids["vpc"]),
    ]
    # The second VPC: a control-plane and a node subnet in each of the first two AZs.
    for i, zone in enumerate(azs[:2]):
        found += [
            _subnet(
                cloud, f"elsewhere-{i}", zone, f"10.61.{16 * i}.0/20", internal, 0, ids["other"]
            ),
            _subnet(
                cloud,
                f"elsewhere-control-{i}",
                zone,
                f"10.61.255.{240 - 16 * i}/28",
                {},
                0,
                ids["other"],
            ),
        ]
    return {s["id"]: s for s in found}


def _route(**target: str) -> dict[str, str]:
    fields = [
        "carrierGatewayId",
        "cidrBlock",
        "coreNetworkArn",
        "destinationPrefixListId",
        "egressOnlyGatewayId",
        "gatewayId",
        "instanceId",
        "ipv6CidrBlock",
        "localGatewayId",
        "natGatewayId",
        "networkInterfaceId",
        "odbNetworkArn",
        "transitGatewayId",
        "vpcEndpointId",
        "vpcPeeringConnectionId",
    ]
    return {f: target.get(f, "") for f in fields}


def route_tables(cloud: Cloud) -> list[dict[str, Any]]:
    """The VPCs' route tables: each with its routes as getRouteTable lists them (the local
    route left out) and its associations, the main table's without a subnet."""
    ids, region = _ids(cloud.region), cloud.region
    by_name = {
        s["tags"]["Name"].removeprefix("landing-zone-"): s["id"] for s in subnets(cloud).values()
    }
    default = "0.0.0.0/0"
    tables = [
        ("main", ids["vpc"], [], None),
        ("nodes", ids["vpc"], [_route(cidrBlock=default, transitGatewayId=ids["tgw"])], "node-"),
        ("public", ids["vpc"], [_route(cidrBlock=default, gatewayId=ids["igw"])], "public-"),
        ("isolated", ids["vpc"], [], "isolated-"),
        (
            "untagged",
            ids["vpc"],
            [_route(cidrBlock=default, transitGatewayId=ids["tgw"])],
            "untagged-",
        ),
        ("other-main", ids["other"], [], None),
        (
            "elsewhere",
            ids["other"],
            [_route(cidrBlock=default, transitGatewayId=ids["tgw"])],
            "elsewhere-",
        ),
    ]
    found = []
    for name, vpc, routes, members in tables:
        table_id = f"rtb-{_hex(f'{region}:{name}')}"
        associations = [
            {
                "routeTableId": table_id,
                "routeTableAssociationId": f"rtbassoc-{_hex(f'{region}:{name}:{subnet}')}",
                "subnetId": subnet_id,
                "gatewayId": "",
                "main": False,
            }
            for subnet, subnet_id in by_name.items()
            if members and subnet.startswith(members)
        ] or [
            {
                "routeTableId": table_id,
                "routeTableAssociationId": f"rtbassoc-{_hex(f'{region}:{name}')}",
                "subnetId": "",
                "gatewayId": "",
                "main": True,
            }
        ]
        found.append(
            {
                "id": table_id,
                "routeTableId": table_id,
                "arn": f"arn:aws:ec2:{region}:{NETWORK_ACCOUNT}:route-table/{table_id}",
                "ownerId": NETWORK_ACCOUNT,
                "vpcId": vpc,
                "routes": routes,
                "associations": associations,
                "tags": {"Name": f"landing-zone-{name}"},
            }
        )
    return found


def endpoints(cloud: Cloud) -> list[dict[str, Any]]:
    ids, region = _ids(cloud.region), cloud.region
    isolated = shared_subnet_id(region, "isolated-0")
    table = f"rtb-{_hex(f'{region}:isolated')}"
    found = [
        {
            "serviceName": f"com.amazonaws.{region}.{s}",
            "vpcEndpointType": "Interface",
            "subnetIds": [isolated],
            "routeTableIds": [],
            "privateDnsEnabled": True,
        }
        for s in ENDPOINT_SERVICES
    ] + [
        {
            "serviceName": f"com.amazonaws.{region}.s3",
            "vpcEndpointType": "Gateway",
            "subnetIds": [],
            "routeTableIds": [tables],
            "privateDnsEnabled": False,
        }
        # Two S3 gateway endpoints, one per set of route tables, as shared VPCs often have.
        for tables in (table, f"rtb-{_hex(f'{region}:nodes')}")
    ]
    return [
        {
            **e,
            "id": f"vpce-{_hex(region + e['serviceName'] + ''.join(e['routeTableIds']))}",
            "vpcId": ids["vpc"],
            "state": "available",
            "ownerId": NETWORK_ACCOUNT,
        }
        for e in found
    ]


def _filters(args: dict[str, Any]) -> dict[str, list[str]]:
    return {f["name"]: list(f["values"]) for f in args.get("filters") or []}


def _no_match(what: str) -> tuple[dict, list]:
    return {}, [("id", f"no matching {what} found")]


def _vpcs(cloud: Cloud) -> dict[str, tuple[str, str, dict[str, str], str]]:
    """id -> (range, the name of its main route table, its tags, its owner)."""
    ids = _ids(cloud.region)
    return {
        ids["vpc"]: (VPC_CIDR, "main", {"Name": "landing-zone-shared"}, NETWORK_ACCOUNT),
        ids["other"]: (
            OTHER_VPC_CIDR,
            "other-main",
            {"Name": "landing-zone-other"},
            NETWORK_ACCOUNT,
        ),
        **{
            vpc_id: (cidr, f"{vpc_id}-main", tags, cloud.account_id)
            for vpc_id, (cidr, tags) in LEFT_BEHIND.items()
        },
    }


def get_vpcs(cloud: Cloud, args: dict[str, Any]) -> Any:
    """The ids of the VPCs whose tags, as this account sees them, match `tags` (DescribeVpcs
    with tag filters; none found is an empty list, terraform-provider-aws vpc_vpcs_data_source)."""
    if _filters(args):
        raise NotImplementedError("the mocked cloud finds VPCs by tags only")
    wanted = args.get("tags") or {}
    found = [
        vpc_id
        for vpc_id in _vpcs(cloud)
        if wanted.items() <= get_vpc(cloud, {"id": vpc_id})["tags"].items()
    ]
    return {"id": cloud.region, "ids": found, "tags": wanted, "region": cloud.region}


def get_vpc(cloud: Cloud, args: dict[str, Any]) -> Any:
    if _filters(args) or args.get("tags") or args.get("cidrBlock"):
        raise NotImplementedError("the mocked cloud finds landing-zone VPCs by id only")
    vpcs = _vpcs(cloud)
    if args.get("id") not in vpcs:
        return _no_match("EC2 VPC")
    vpc_id = args["id"]
    cidr, main, tags, owner = vpcs[vpc_id]
    vpc = {
        "id": vpc_id,
        "arn": f"arn:aws:ec2:{cloud.region}:{owner}:vpc/{vpc_id}",
        "cidrBlock": cidr,
        "cidrBlockAssociations": [
            {
                "associationId": f"vpc-cidr-assoc-{_hex(vpc_id)}",
                "cidrBlock": cidr,
                "state": "associated",
            }
        ],
        "default": False,
        "dhcpOptionsId": f"dopt-{_hex(vpc_id + ':dopt')}",
        "enableDnsHostnames": True,
        "enableDnsSupport": True,
        "enableNetworkAddressUsageMetrics": False,
        "instanceTenancy": "default",
        "ipv6AssociationId": "",
        "ipv6CidrBlock": "",
        "ipv6CidrBlockAssociations": [],
        "mainRouteTableId": f"rtb-{_hex(f'{cloud.region}:{main}')}",
        "ownerId": owner,
        "state": "available",
        "tags": tags,
    }
    return as_seen(cloud, vpc)


def as_seen(cloud: Cloud, resource: dict[str, Any]) -> dict[str, Any]:
    """`resource` as the calling account sees it: a participant sees none of the owner's tags
    ("VPC tags and tags for the resources within the shared VPC are not shared with the
    participants", VPC user guide, vpc-sharing.md, awsdocs/amazon-vpc-user-guide 06e98d97,
    read 2026-12-06)."""
    owned = resource["ownerId"] == cloud.account_id
    return {**resource, "tags": resource["tags"] if owned else {}, "region": cloud.region}


def get_subnet(cloud: Cloud, args: dict[str, Any]) -> Any:
    if _filters(args) or not args.get("id"):
        raise NotImplementedError("the mocked cloud finds landing-zone subnets by id only")
    found = subnets(cloud).get(args["id"])
    return as_seen(cloud, found) if found else _no_match("EC2 Subnet")


def get_route_table(cloud: Cloud, args: dict[str, Any]) -> Any:
    """By `subnetId` (the filter association.subnet-id: a subnet on its VPC's main table has no
    association to find) or by `vpcId` with the filter association.main."""
    filters = _filters(args)
    if set(filters) - {"association.main"}:
        raise NotImplementedError(f"the mocked cloud does not filter route tables on {filters}")

    def matches(table: dict[str, Any]) -> bool:
        links = table["associations"]
        return (
            (not args.get("subnetId") or any(a["subnetId"] == args["subnetId"] for a in links))
            and (not args.get("vpcId") or table["vpcId"] == args["vpcId"])
            and all(
                any(str(a["main"]).lower() in values for a in links)
                for name, values in filters.items()
            )
        )

    found = [t for t in route_tables(cloud) if matches(t)]
    if len(found) != 1:
        return {}, [("subnetId", "query returned no results. Please change your search criteria")]
    return {**as_seen(cloud, found[0]), "subnetId": args.get("subnetId") or ""}


def get_vpc_endpoint(cloud: Cloud, args: dict[str, Any]) -> Any:
    filters = _filters(args)
    if set(filters) - {"vpc-endpoint-type"}:
        raise NotImplementedError(f"the mocked cloud does not filter endpoints on {filters}")
    found = [
        e
        for e in endpoints(cloud)
        if e["vpcId"] == args.get("vpcId")
        and e["serviceName"] == args.get("serviceName")
        and e["vpcEndpointType"] in filters.get("vpc-endpoint-type", [e["vpcEndpointType"]])
    ]
    if len(found) > 1:  # terraform-provider-aws tfresource.SingularDataSourceFindError
        text = "use additional constraints to reduce matches to a single EC2 VPC Endpoint"
        return {}, [("id", f"multiple EC2 VPC Endpoints matched; {text}")]
    if not found:
        return _no_match("EC2 VPC Endpoint")
    return {**found[0], "region": cloud.region}


def preview_next_cidr(cloud: Cloud, args: dict[str, Any]) -> Any:
    """The pool's first free range of the netmask length asked (AllocateIpamPoolCidr with
    PreviewNextCidr), or the failure for an unknown pool."""
    pool, netmask = args.get("ipamPoolId"), int(args.get("netmaskLength") or 0)
    if pool not in IPAM_POOLS:
        return {}, [
            ("ipamPoolId", f"InvalidIpamPoolId.NotFound: The pool ID '{pool}' does not exist")
        ]
    pool_cidr, allocated = IPAM_POOLS[pool]
    taken = [ipaddress.ip_network(c) for c in (*allocated, *(args.get("disallowedCidrs") or ()))]
    cidr = next(
        str(n)
        for n in ipaddress.ip_network(pool_cidr).subnets(new_prefix=netmask)
        if not any(n.overlaps(t) for t in taken)
    )
    return {
        "id": f"{cidr}_{pool}",
        "cidr": cidr,
        "ipamPoolId": pool,
        "netmaskLength": netmask,
        "disallowedCidrs": args.get("disallowedCidrs"),
        "region": cloud.region,
    }


INVOKES = {
    "aws:ec2/getVpc:getVpc": get_vpc,
    "aws:ec2/getVpcs:getVpcs": get_vpcs,
    "aws:ec2/getSubnet:getSubnet": get_subnet,
    "aws:ec2/getRouteTable:getRouteTable": get_route_table,
    "aws:ec2/getVpcEndpoint:getVpcEndpoint": get_vpc_endpoint,
    "aws:ec2/getIpamPreviewNextCidr:getIpamPreviewNextCidr": preview_next_cidr,
}
