"""VPC and security-group policies, and the subnet lookups the EKS stack policies share."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._graph import Finding, StackGraph, StackResource
from ._policy import BaselineResourcePolicy, BaselineStackPolicy, Benchmarks, Config, setting
from ._props import (
    UNKNOWN,
    Props,
    Undecided,
    as_list,
    describe,
    fmt_number,
    get,
    is_open_cidr,
    tag_keys,
    to_bool,
    to_number,
    undecided,
)

PUBLIC_ELB_TAG = "kubernetes.io/role/elb"
ALL_PORTS = (0, 65535)


# ------------------------------------------------------------------ shared subnet lookups


def subnet_ids_path(owner: StackResource) -> tuple[str, ...]:
    return ("vpcConfig", "subnetIds") if owner.type == t.EKS_CLUSTER else ("subnetIds",)


def eks_subnet_sets(graph: StackGraph) -> Iterator[tuple[StackResource, str, list[StackResource]]]:
    """(cluster or node group, what the subnets are for, the subnets it is placed in)."""
    for owner in graph.of_type(t.EKS_CLUSTER, t.EKS_NODE_GROUP):
        purpose = "control plane" if owner.type == t.EKS_CLUSTER else "node"
        yield owner, purpose, graph.references(owner, subnet_ids_path(owner), (t.SUBNET,))


def _routes_to_internet_gateway(graph: StackGraph, route_table: StackResource) -> bool:
    for route in graph.referrers(route_table, (t.ROUTE,), ("routeTableId",)):
        if graph.references(route, ("gatewayId",), (t.INTERNET_GATEWAY,)):
            return True
        gateway = get(route.props, "gatewayId")
        if isinstance(gateway, str) and gateway.startswith("igw-"):
            return True
    # Inline routes of the route table itself.
    if graph.references(route_table, ("routes",), (t.INTERNET_GATEWAY,)):
        return True
    inline = get(route_table.props, "routes")
    return isinstance(inline, list) and any(
        isinstance(g := get(r, "gatewayId"), str) and g.startswith("igw-") for r in inline
    )


def public_subnet_reasons(graph: StackGraph, subnet: StackResource) -> list[str]:
    """Why a subnet is public (empty when it is private)."""
    reasons = []
    if to_bool(get(subnet.props, "mapPublicIpOnLaunch"), default=False) is True:
        reasons.append("it maps public IPs on launch")
    if PUBLIC_ELB_TAG in tag_keys(get(subnet.props, "tags")):
        reasons.append(f"it is tagged {PUBLIC_ELB_TAG} (internet-facing load balancers)")
    for association in graph.referrers(subnet, (t.ROUTE_TABLE_ASSOCIATION,), ("subnetId",)):
        for table in graph.references(association, ("routeTableId",), (t.ROUTE_TABLE,)):
            if _routes_to_internet_gateway(graph, table):
                reasons.append(f"its route table {table.name} routes to an internet gateway")
    return reasons


# ------------------------------------------------------------------ vpc-flow-logs


def check_vpc_flow_logs(graph: StackGraph, config: Config) -> list[Finding]:
    findings = []
    for vpc in graph.of_type(t.VPC):
        flow_logs = graph.referrers(vpc, (t.FLOW_LOG,), ("vpcId",))
        if not flow_logs:
            findings.append(Finding(vpc.urn, f"VPC {vpc.name} has no flow log"))
            continue
        traffic = [get(f.props, "trafficType") for f in flow_logs]
        if UNKNOWN in traffic and "ALL" not in traffic:
            findings.append(Finding(vpc.urn, undecided(f"{vpc.name}.flowLogs.trafficType")))
            continue
        if "ALL" not in traffic:
            shown = ", ".join(describe(v) for v in traffic)
            findings.append(
                Finding(
                    vpc.urn, f"VPC {vpc.name} has no flow log with trafficType ALL (found {shown})"
                )
            )
    return findings


VPC_FLOW_LOGS = BaselineStackPolicy(
    name="vpc-flow-logs",
    summary="Every VPC has a flow log capturing ALL traffic",
    level=EnforcementLevel.MANDATORY,
    check=check_vpc_flow_logs,
    remediation='Add an aws.ec2.FlowLog with vpc_id=<the VPC\'s id> and traffic_type="ALL".',
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(checkov=("CKV2_AWS_11",)),
)


# ------------------------------------------------------------------ vpc-default-security-group


def _rule_count(value: Any) -> int | None:
    """Number of inline rules; None when it cannot be known."""
    if value is UNKNOWN:
        return None
    return len(as_list(value))


def check_default_security_group(graph: StackGraph, config: Config) -> list[Finding]:
    findings = []
    for vpc in graph.of_type(t.VPC):
        adopted = graph.referrers(vpc, (t.DEFAULT_SECURITY_GROUP,), ("vpcId",))
        if not adopted:
            findings.append(
                Finding(
                    vpc.urn,
                    f"VPC {vpc.name}: its default security group is not adopted, so it keeps "
                    "AWS's allow-all-within-the-group rules",
                )
            )
            continue
        for group in adopted:
            for direction in ("ingress", "egress"):
                count = _rule_count(get(group.props, direction))
                if count is None:
                    findings.append(Finding(group.urn, undecided(f"{group.name}.{direction}")))
                elif count:
                    findings.append(
                        Finding(
                            group.urn,
                            f"default security group {group.name} has {count} {direction} rule(s)",
                        )
                    )
    return findings


VPC_DEFAULT_SECURITY_GROUP = BaselineStackPolicy(
    name="vpc-default-security-group",
    summary="Every VPC adopts its default security group with no rules",
    level=EnforcementLevel.ADVISORY,
    check=check_default_security_group,
    remediation="Add an aws.ec2.DefaultSecurityGroup with vpc_id=<the VPC's id> and no ingress/egress.",
    severity=Severity.LOW,
    benchmarks=Benchmarks(checkov=("CKV2_AWS_12",)),
)


# ------------------------------------------------------------------ subnet-no-public-ip-on-launch


def check_subnet_public_ip(props: Props, config: Config) -> list[str]:
    value = get(props, "mapPublicIpOnLaunch")
    mapped = to_bool(value, default=False)
    if mapped is UNKNOWN:
        return [undecided("mapPublicIpOnLaunch")]
    if mapped is not False:
        return [f"mapPublicIpOnLaunch is {describe(value)}: instances launched here get public IPs"]
    return []


SUBNET_NO_PUBLIC_IP = BaselineResourcePolicy(
    name="subnet-no-public-ip-on-launch",
    summary="Subnets do not assign public IPs on launch",
    level=EnforcementLevel.ADVISORY,
    checks={t.SUBNET: check_subnet_public_ip},
    remediation="Set map_public_ip_on_launch=False; give internet-facing load balancers their own "
    "subnets instead of public instance IPs.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="5.4.3", checkov=("CKV_AWS_130",)),
)


# ------------------------------------------------------------------ eks-multi-az


def _zone(subnet: StackResource) -> Any:
    zone = get(subnet.props, "availabilityZone")
    return zone if zone is not None else get(subnet.props, "availabilityZoneId")


def _literal_subnet_ids(owner: StackResource) -> list[str] | None:
    """Distinct subnet ids written as literals; None when any id is unknown at preview."""
    ids, unknown = [], False
    for value in as_list(get(owner.props, *subnet_ids_path(owner))):
        if value is UNKNOWN:
            unknown = True
        elif isinstance(value, str) and value:
            ids.append(value)
    return None if unknown else list(dict.fromkeys(ids))


def _multi_az_problem(
    owner: StackResource, subnets: list[StackResource], minimum: int
) -> str | None:
    if not subnets:
        # Subnets outside this stack: their AZs cannot be read, but fewer subnets than AZs
        # can never span them.
        ids = _literal_subnet_ids(owner)
        if ids is None or len(ids) >= minimum:
            return None
        return f"{len(ids)} subnet id(s) ({', '.join(ids) or 'none'}), so fewer than {minimum} AZs"
    zones = [_zone(s) for s in subnets]
    known = {z for z in zones if isinstance(z, str)}
    ours = {i for s in subnets for i in s.identifiers()}
    outside = [i for i in _literal_subnet_ids(owner) or () if i not in ours]
    unknown = sum(1 for z in zones if z is UNKNOWN) + len(outside)
    if len(known) + unknown >= minimum:
        return None  # enough zones, or enough subnets whose zone cannot be read here
    return f"{len(known)} AZ(s) ({', '.join(sorted(known)) or 'none'})"


def check_multi_az(graph: StackGraph, config: Config) -> list[Finding]:
    minimum = int(to_number(config["minAvailabilityZones"]) or 2)
    findings = []
    for owner, purpose, subnets in eks_subnet_sets(graph):
        if problem := _multi_az_problem(owner, subnets, minimum):
            findings.append(
                Finding(
                    owner.urn,
                    f"{owner.name}: {purpose} subnets span {problem}; at least {minimum} AZs "
                    "are required",
                )
            )
    return findings


EKS_MULTI_AZ = BaselineStackPolicy(
    name="eks-multi-az",
    summary="Cluster and node group subnets span enough availability zones",
    level=EnforcementLevel.MANDATORY,
    check=check_multi_az,
    remediation="Place the cluster and every node group in subnets of at least minAvailabilityZones AZs.",
    severity=Severity.HIGH,
    settings={
        "minAvailabilityZones": setting(
            "integer", 2, "Fewest distinct availability zones the subnets must span.", minimum=1
        )
    },
)


# ------------------------------------------------------------------ security-group-no-open-ingress


def _port_range(rule: Any, protocol_key: str) -> tuple[int, int] | Any | None:
    """Ports the rule opens; ALL_PORTS for "all protocols", None for port-less protocols."""
    protocol = get(rule, protocol_key)
    if protocol is UNKNOWN:
        return UNKNOWN
    protocol = str(fmt_number(protocol) if isinstance(protocol, float) else protocol).lower()
    if protocol in ("-1", "all"):
        return ALL_PORTS
    if protocol not in ("tcp", "udp", "6", "17"):
        return None  # ICMP and other protocols have no ports
    low, high = to_number(get(rule, "fromPort")), to_number(get(rule, "toPort"))
    if low is UNKNOWN or high is UNKNOWN:
        return UNKNOWN
    if low is None and high is None:
        return ALL_PORTS
    low = low if low is not None else high
    high = high if high is not None else low
    return int(low), int(high)  # type: ignore[arg-type]


def _open_ingress_problem(
    rule: Any, cidrs: list[Any], protocol_key: str, ports: list[int]
) -> str | None:
    open_cidrs = [c for c in cidrs if is_open_cidr(c)]
    if not open_cidrs:
        return None  # CIDRs unknown at preview come from other resources (a VPC), never 0.0.0.0/0
    span = _port_range(rule, protocol_key)
    source = " and ".join(open_cidrs)
    if span is UNKNOWN:
        return undecided("ports")
    if span is None:
        return None
    low, high = span
    if (low, high) == ALL_PORTS or (low <= 0 and high >= 65535):
        return f"ingress from {source} on all ports"
    hit = [p for p in ports if low <= p <= high]
    if hit:
        return f"ingress from {source} on port(s) {', '.join(map(str, hit))}"
    return None


def _restricted_ports(config: Config) -> list[int]:
    return [int(p) for p in config["restrictedPorts"]]


def check_inline_ingress(props: Props, config: Config) -> list[str]:
    """`ingress` blocks of aws.ec2.SecurityGroup / DefaultSecurityGroup."""
    rules = get(props, "ingress")
    if rules is UNKNOWN:
        return [undecided("ingress")]
    problems = []
    for index, rule in enumerate(as_list(rules)):
        if rule is UNKNOWN:
            problems.append(undecided(f"ingress[{index}]"))
            continue
        cidrs = as_list(get(rule, "cidrBlocks")) + as_list(get(rule, "ipv6CidrBlocks"))
        if problem := _open_ingress_problem(rule, cidrs, "protocol", _restricted_ports(config)):
            problems.append(
                undecided(f"ingress[{index}].ports")
                if isinstance(problem, Undecided)
                else f"ingress[{index}]: {problem}"
            )
    return problems


def check_legacy_rule(props: Props, config: Config) -> list[str]:
    """aws.ec2.SecurityGroupRule: `type` ingress or egress, CIDR lists."""
    kind = get(props, "type")
    if kind is UNKNOWN:
        return [undecided("type")]
    if kind != "ingress":
        return []
    cidrs = as_list(get(props, "cidrBlocks")) + as_list(get(props, "ipv6CidrBlocks"))
    problem = _open_ingress_problem(props, cidrs, "protocol", _restricted_ports(config))
    return [problem] if problem else []


def check_ingress_rule(props: Props, config: Config) -> list[str]:
    """aws.vpc.SecurityGroupIngressRule: one CIDR per rule."""
    cidrs = [get(props, "cidrIpv4"), get(props, "cidrIpv6")]
    problem = _open_ingress_problem(props, cidrs, "ipProtocol", _restricted_ports(config))
    return [problem] if problem else []


SECURITY_GROUP_NO_OPEN_INGRESS = BaselineResourcePolicy(
    name="security-group-no-open-ingress",
    summary="No security group allows ingress from 0.0.0.0/0 or ::/0 to all ports, SSH or RDP",
    level=EnforcementLevel.MANDATORY,
    checks={
        t.SECURITY_GROUP: check_inline_ingress,
        t.DEFAULT_SECURITY_GROUP: check_inline_ingress,
        t.SECURITY_GROUP_RULE: check_legacy_rule,
        t.SECURITY_GROUP_INGRESS_RULE: check_ingress_rule,
    },
    remediation="Allow ingress only from known CIDRs, security groups or prefix lists; reach nodes "
    "with SSM Session Manager instead of SSH/RDP.",
    severity=Severity.CRITICAL,
    benchmarks=Benchmarks(checkov=("CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_277")),
    settings={
        "restrictedPorts": setting(
            "array",
            [22, 3389],
            "Ports that must not be open to the internet (all ports always are restricted).",
            items={"type": "integer", "minimum": 0, "maximum": 65535},
        )
    },
)


POLICIES = [
    VPC_FLOW_LOGS,
    VPC_DEFAULT_SECURITY_GROUP,
    SUBNET_NO_PUBLIC_IP,
    EKS_MULTI_AZ,
    SECURITY_GROUP_NO_OPEN_INGRESS,
]
