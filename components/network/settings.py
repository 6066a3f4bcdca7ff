"""`network.*`: the network's mode (a VPC of its own, or an existing one), the VPC range (literal
or from an IPAM pool), an optional pod range, AZs, NAT, interface endpoints and subnet sizes."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass

from components.base.config import Check, SettingsError, setting
from components.base.config.kinds import Boolean, Integer, Strings, Text
from components.base.config.problems import problem_text
from components.network.subnet_plan import (
    PRIVATE_PREFIX_STEP,
    SubnetPlan,
    SubnetPlanError,
    plan_subnets,
    with_pod_subnets,
)

MAX_AZS = 6
MODES = ("create", "existing")
NAT_MODES = ("per-az", "single", "none")
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
IPAM_POOL_ID = re.compile(r"^ipam-pool-[0-9a-f]{8,17}$")
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
RFC1918_RANGES = tuple(
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
)
SHARED_ADDRESS_SPACE = ipaddress.IPv4Network("100.64.0.0/10")  # RFC 6598
PRIVATE_RANGES = (*RFC1918_RANGES, SHARED_ADDRESS_SPACE)
# AWS's restrictions inside one block (VPC range within, range refused; None: any VPC range),
# from the table pod_cidr_problem names.
SAME_BLOCK_RESTRICTIONS = (
    (ipaddress.IPv4Network("10.0.0.0/15"), ipaddress.IPv4Network("10.0.0.0/16")),
    (None, ipaddress.IPv4Network("172.31.0.0/16")),
)
# Keys that describe a network the stack builds: refused in `existing` mode, whose network is
# someone else's (the AZs may be pinned in both: ./scripts/up writes them after a deploy).
CREATE_ONLY = (
    "vpcCidr",
    "ipamPoolId",
    "ipamNetmaskLength",
    "natMode",
    "interfaceEndpoints",
    "privateSubnetPrefix",
    "publicSubnetPrefix",
    "intraSubnetPrefix",
    "podCidr",
    "podSubnetPrefix",
)
EXISTING_ONLY = ("vpcId", "controlPlaneSubnetIds", "nodeSubnetIds", "publicSubnetIds")


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
    ipam_pool_id: str = setting(
        "ipamPoolId",
        Text(pattern=IPAM_POOL_ID, allowed="an IPAM pool id such as ipam-pool-0123456789abcdef0"),
        default="",
        default_doc="none: the range is `vpcCidr`",
        doc="Take the VPC range from this IPv4 IPAM pool (with `ipamNetmaskLength`) instead of "
        "`vpcCidr`: the pool's next free range on the first deploy, kept from then on (the "
        "deployment record holds it). Fixed once deployed.",
    )
    ipam_netmask_length: int | None = setting(
        "ipamNetmaskLength",
        Integer(16, 24, note="the VPC range's prefix"),
        default=None,
        default_doc="none",
        doc="With `ipamPoolId`: the size of the VPC range to allocate (/16 to /24).",
    )
    pod_cidr: str = setting(
        "podCidr",
        Text(type_doc="IPv4 CIDR"),
        default="",
        default_doc="none: pods take node subnet addresses",
        doc="A second VPC range for pod IPs, e.g. `100.64.0.0/16`: one pod subnet per AZ, routed "
        "like the private subnets and tagged for the VPC CNI's subnet discovery. Inside "
        "100.64/10 or the VPC range's RFC 1918 block, /16 to /20. Adding one is an update; "
        "once deployed it is fixed.",
    )
    pod_subnet_prefix: int | None = setting(
        "podSubnetPrefix",
        Integer(16, 22, note="pod subnet size"),
        default=None,
        default_doc="pod range prefix + 2 (+ 3 beyond four AZs)",
        doc="Size of each pod subnet. Fixed once deployed.",
    )
    mode: str = setting(
        "mode",
        Text(MODES),
        default="create",
        doc="`create`: the stack builds its VPC. `existing`: the cluster goes into a VPC and "
        "subnets someone else owns (`vpcId`, `controlPlaneSubnetIds`, `nodeSubnetIds`; for "
        "example shared through AWS RAM), checked before anything is created; the stack then "
        "creates no network resource ([Network](network.md)). Fixed once deployed.",
    )
    vpc_id: str = setting(
        "vpcId",
        Text(pattern=VPC_ID, allowed="a VPC id such as vpc-0123456789abcdef0"),
        default="",
        default_doc="none",
        doc="`existing` mode: the VPC. Fixed once deployed.",
    )
    control_plane_subnet_ids: tuple[str, ...] = setting(
        "controlPlaneSubnetIds",
        Strings(),
        default=(),
        doc="`existing` mode: subnets for the EKS control-plane ENIs (2+ AZs, 6+ free addresses each).",
    )
    node_subnet_ids: tuple[str, ...] = setting(
        "nodeSubnetIds",
        Strings(),
        default=(),
        doc="`existing` mode: private subnets for nodes and pods, tagged "
        "`kubernetes.io/role/internal-elb` (by the stack when another account owns the VPC); "
        "their AZs are the stack's.",
    )
    public_subnet_ids: tuple[str, ...] = setting(
        "publicSubnetIds",
        Strings(),
        default=(),
        doc="`existing` mode: public subnets for internet-facing load balancers, tagged "
        "`kubernetes.io/role/elb` (by the stack when another account owns the VPC; none: no "
        "internet-facing load balancers).",
    )
    plan: SubnetPlan | None = None  # derived: where each AZ's subnets go (none in existing mode)
    nodes_at_most: int = 0  # derived by the stack: the node groups' maximum sizes (no update surge)

    @property
    def existing(self) -> bool:
        return self.mode == "existing"

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
        settings = dataclasses.replace(self, az_count=az_count)
        if self.existing:
            _existing_keys(check)
            return settings
        if given := [k for k in EXISTING_ONLY if check.given(k)]:
            check.problem(
                "mode",
                "create",
                f"{given} name an existing network: set mode 'existing' with "
                "them, or remove them (the stack's own network is planned from its range)",
            )
        if self.nat_mode == "none" and not self.interface_endpoints:
            check.fail(
                "interfaceEndpoints",
                self.interface_endpoints,
                "true when natMode is 'none': without NAT, nodes reach ECR, STS, EC2 and EKS only "
                "through interface endpoints",
            )
        if self.ipam_pool_id:
            return settings._checked_pool(check)
        if check.given("ipamNetmaskLength"):
            check.fail("ipamNetmaskLength", self.ipam_netmask_length, "set only with ipamPoolId")
        if _vpc_cidr_ok(self.vpc_cidr, check):
            return settings.planned(self.vpc_cidr, check)
        return settings

    @property
    def from_pool(self) -> bool:
        """The VPC range comes from an IPAM pool, and is known once the record or the pool says."""
        return bool(self.ipam_pool_id)

    def planned(self, vpc_cidr: str, check: Check | None = None) -> NetworkSettings:
        """These settings with the VPC range `vpc_cidr` and every subnet planned in it (and in the
        pod range). What does not fit is a problem on `check`, or without one a SettingsError."""
        key, value = ("vpcCidr", vpc_cidr)
        if self.from_pool:
            key, value = "ipamNetmaskLength", self.ipam_netmask_length
        try:
            plan = plan_subnets(
                vpc_cidr,
                self.az_count,
                private_prefix=self.private_subnet_prefix,
                public_prefix=self.public_subnet_prefix,
                intra_prefix=self.intra_subnet_prefix,
            )
        except SubnetPlanError as error:
            return _refused(self, check, key, value, f"subnet plan does not fit: {error}")
        if self.pod_cidr:
            if problem := pod_cidr_problem(vpc_cidr, self.pod_cidr):
                return _refused(self, check, "podCidr", self.pod_cidr, problem)
            try:
                plan = with_pod_subnets(plan, self.pod_cidr, self.pod_subnet_prefix)
            except SubnetPlanError as error:
                text = f"pod subnets do not fit: {error}"
                return _refused(self, check, "podCidr", self.pod_cidr, text)
            pods, private = (
                ipaddress.IPv4Network(c) for c in (plan.azs[0].pod, plan.azs[0].private)
            )
            if check and pods.num_addresses <= private.num_addresses:
                # amazon-vpc-cni-k8s pkg/awsutils/awsutils.go (b5218838, l.1250, read
                # 2026-12-06): candidate subnets sorted by AvailableIpAddressCount, most first.
                check.warn(
                    f"network.podSubnetPrefix: the pod subnets (/{pods.prefixlen}) are no larger "
                    f"than the private ones (/{private.prefixlen}): the VPC CNI puts each new "
                    "network interface in the subnet with the most free addresses, so pods take "
                    "private-subnet addresses until the two are level"
                )
        return dataclasses.replace(self, vpc_cidr=vpc_cidr, plan=plan)

    def _checked_pool(self, check: Check) -> NetworkSettings:
        """The VPC range is the pool's to give (components.network.ipam): the plan is checked
        on a sample range of the same size, which it fits exactly when it fits the real one."""
        if check.given("vpcCidr"):
            check.fail(
                "vpcCidr", self.vpc_cidr, "omitted with ipamPoolId (the pool gives the range)"
            )
        if self.ipam_netmask_length is None:
            check.fail("ipamNetmaskLength", None, "the VPC range's prefix (16-24) with ipamPoolId")
            return self
        probe = self
        if self.pod_cidr and not _inside(self.pod_cidr, SHARED_ADDRESS_SPACE):
            check.fail(
                "podCidr",
                self.pod_cidr,
                "inside 100.64.0.0/10 with ipamPoolId: which RFC 1918 block the pool's range is "
                "in is known only once allocated, and AWS refuses other blocks",
            )
            probe = dataclasses.replace(self, pod_cidr="")
        probe.planned(f"10.0.0.0/{self.ipam_netmask_length}", check)
        return dataclasses.replace(self, vpc_cidr="")


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


def pod_cidr_problem(vpc_cidr: str, pod_cidr: str) -> str | None:
    """Why `pod_cidr` cannot be the pod range of a VPC of range `vpc_cidr` (None: it can).
    AWS's "IPv4 CIDR block association restrictions" (VPC user guide, vpc-cidr-blocks.html, read
    2026-12-06 through a stored copy of that page, code-index id 62615846302): a VPC of an RFC
    1918 range adds ranges of the same block or from 100.64/10, never another RFC 1918 block nor
    198.19.0.0/16; a VPC outside RFC 1918 adds no RFC 1918 range; and inside one block, no range
    from 10.0.0.0/16 beside one from 10.0.0.0/15, none from 172.31.0.0/16. AWS also permits
    publicly routable ranges, which this baseline does not take for pods."""
    try:
        pods = ipaddress.IPv4Network(pod_cidr)
    except ValueError:
        return "must be an IPv4 network in CIDR notation with no host bits set, e.g. 100.64.0.0/16"
    if not 16 <= pods.prefixlen <= 20:
        return "must be between /16 and /20 (one pod subnet of at least /22 per AZ)"
    vpc = ipaddress.IPv4Network(vpc_cidr)
    if pods.overlaps(vpc):
        return f"must not overlap the VPC range {vpc}"
    same_block = [r for r in RFC1918_RANGES if vpc.subnet_of(r) and pods.subnet_of(r)]
    if not (pods.subnet_of(SHARED_ADDRESS_SPACE) or same_block):
        home = next((str(r) for r in RFC1918_RANGES if vpc.subnet_of(r)), None)
        also = f" or {home} (the VPC range's block)" if home else ""
        return (
            f"must be inside 100.64.0.0/10{also}: AWS refuses another RFC 1918 block and "
            "198.19.0.0/16 (publicly routable ranges are not taken for pods here)"
        )
    for vpc_within, refused in SAME_BLOCK_RESTRICTIONS:
        if (vpc_within is None or vpc.subnet_of(vpc_within)) and pods.overlaps(refused):
            beside = f" beside a VPC range from {vpc_within}" if vpc_within else ""
            return f"must not overlap {refused}{beside}: AWS refuses that association"
    return None


def _existing_keys(check: Check) -> None:
    if given := [k for k in CREATE_ONLY if check.given(k)]:
        check.problem(
            "mode",
            "existing",
            f"{given} describe a network the stack builds: remove them "
            "(the existing VPC's owner decides its ranges, NAT and endpoints)",
        )
    if not check.given("vpcId"):
        check.fail("vpcId", None, "the existing VPC's id with mode 'existing'")
    for key, fewest in (("controlPlaneSubnetIds", 2), ("nodeSubnetIds", 1), ("publicSubnetIds", 0)):
        ids = check.raw.get(key) or []
        if not isinstance(ids, list):
            continue
        if len(ids) < fewest or len(set(ids)) != len(ids):
            check.fail(key, ids, f"{fewest} or more distinct subnet ids with mode 'existing'")
        elif bad := [i for i in ids if not isinstance(i, str) or not SUBNET_ID.match(i)]:
            check.fail(key, ids, f"subnet ids such as subnet-0123456789abcdef0 (not {bad})")


def _refused(
    settings: NetworkSettings, check: Check | None, key: str, value: object, text: str
) -> NetworkSettings:
    if check is None:
        raise SettingsError([problem_text(f"network.{key}", value, text)])
    check.problem(key, value, text)
    return settings


def _inside(cidr: str, network: ipaddress.IPv4Network) -> bool:
    try:
        return ipaddress.IPv4Network(cidr).subnet_of(network)
    except ValueError:
        return False
