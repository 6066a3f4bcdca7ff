"""`network.*`: the VPC range, AZs, NAT, interface endpoints and subnet sizes."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass

from components.base.config import Check, setting
from components.base.config.kinds import Boolean, Integer, Strings, Text
from components.network.subnet_plan import (
    PRIVATE_PREFIX_STEP,
    SubnetPlan,
    SubnetPlanError,
    plan_subnets,
)

MAX_AZS = 6
NAT_MODES = ("per-az", "single", "none")
AZ_NAME = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$")
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
PRIVATE_RANGES = tuple(
    ipaddress.IPv4Network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


@dataclass(frozen=True)
class NetworkSettings:
    vpc_cidr: str = setting(
        "vpcCidr",
        Text(type_doc="IPv4 CIDR"),
        default="10.0.0.0/16",
        doc="VPC range: /16 to /24, inside 10/8, 172.16/12, 192.168/16 or 100.64/10. The subnet "
        "plan must fit (the error says by how much it does not). Fixed once deployed.",
    )
    az_count: int = setting(
        "azCount",
        Integer(2, MAX_AZS),
        default=3,
        doc="Number of AZs for a new stack: the first regular AZs (no Local or Wavelength Zones) "
        "the region offers to EKS. Once deployed the AZs are kept: EKS refuses adding or removing one.",
    )
    availability_zones: tuple[str, ...] = setting(
        "availabilityZones",
        Strings(),
        default=(),
        doc=f"The AZs, in order (2-{MAX_AZS} distinct names of the region's regular AZs); "
        "`./scripts/up` writes the chosen ones here after the first deploy.",
    )
    nat_mode: str = setting(
        "natMode",
        Text(NAT_MODES),
        default="per-az",
        doc="One NAT per AZ (zone-independent egress), one shared NAT (cheaper, one AZ's outage "
        "cuts all egress), or no internet egress (requires `interfaceEndpoints`).",
    )
    interface_endpoints: bool = setting(
        "interfaceEndpoints",
        Boolean(),
        default=False,
        doc="Create interface endpoints in the private subnets (443 from the VPC only, private DNS).",
    )
    interface_endpoint_services: tuple[str, ...] = setting(
        "interfaceEndpointServices",
        Strings(),
        default=DEFAULT_INTERFACE_ENDPOINTS,
        doc="Services to create interface endpoints for.",
    )
    private_subnet_prefix: int | None = setting(
        "privateSubnetPrefix",
        Integer(17, 22, note="private subnet size"),
        default=None,
        default_doc=f"VPC prefix + {PRIVATE_PREFIX_STEP} (`/{16 + PRIVATE_PREFIX_STEP}` in a `/16`)",
        doc="Size of each private (node and pod) subnet; at most /22. Fixed once deployed.",
    )
    public_subnet_prefix: int = setting(
        "publicSubnetPrefix",
        Integer(20, 27),
        default=24,
        doc="Size of each public subnet. Fixed once deployed.",
    )
    intra_subnet_prefix: int = setting(
        "intraSubnetPrefix",
        Integer(24, 28),
        default=28,
        doc="Size of each intra (control-plane) subnet. Fixed once deployed.",
    )
    plan: SubnetPlan | None = None  # derived: where each AZ's subnets go

    def checked(self, check: Check) -> NetworkSettings:
        zones, az_count = self.availability_zones, self.az_count
        if zones:
            if not 2 <= len(zones) <= MAX_AZS or len(set(zones)) != len(zones):
                check.fail("availabilityZones", list(zones), f"2 to {MAX_AZS} distinct AZ names")
            elif bad := [z for z in zones if not AZ_NAME.match(z)]:
                check.fail(
                    "availabilityZones", list(zones), f"AZ names such as us-east-1a (not {bad})"
                )
            if check.given("azCount") and az_count != len(zones):
                check.fail(
                    "azCount",
                    az_count,
                    f"omitted or equal to len(availabilityZones) = {len(zones)}",
                )
            az_count = len(zones)
        if self.nat_mode == "none" and not self.interface_endpoints:
            check.fail(
                "interfaceEndpoints",
                self.interface_endpoints,
                "true when natMode is 'none': without NAT, nodes reach ECR, STS, EC2 and EKS only "
                "through interface endpoints",
            )
        plan = None
        if _vpc_cidr_ok(self.vpc_cidr, check):
            try:
                plan = plan_subnets(
                    self.vpc_cidr,
                    az_count,
                    private_prefix=self.private_subnet_prefix,
                    public_prefix=self.public_subnet_prefix,
                    intra_prefix=self.intra_subnet_prefix,
                )
            except SubnetPlanError as error:
                check.problem("vpcCidr", self.vpc_cidr, f"subnet plan does not fit: {error}")
        return dataclasses.replace(self, az_count=az_count, plan=plan)


def _vpc_cidr_ok(cidr: str, check: Check) -> bool:
    try:
        network = ipaddress.IPv4Network(cidr)
    except ValueError:
        check.fail(
            "vpcCidr",
            cidr,
            "an IPv4 network in CIDR notation with no host bits set, e.g. 10.0.0.0/16",
        )
        return False
    if not 16 <= network.prefixlen <= 24:
        check.fail("vpcCidr", cidr, "between /16 and /24 in size (AWS VPC limits)")
        return False
    if not any(network.subnet_of(r) for r in PRIVATE_RANGES):
        check.fail(
            "vpcCidr",
            cidr,
            "inside a private range: 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10",
        )
        return False
    return True
