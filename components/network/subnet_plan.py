"""The VPC's CIDR plan: pure `ipaddress` arithmetic, independent of AWS.

Layout of a VPC of prefix /p with private subnets of prefix /q (default q = p + 3):
the VPC is cut into 2**(q - p) blocks of size /q. Block i (i = 0, 1, ...) is the private
subnet of AZ i. The LAST block is shared by the small tiers: public subnets are carved
from its start (AZ i takes the i-th /public block), intra subnets from its end (AZ i takes
the i-th /intra block counted from the end). A subnet's CIDR depends only on its AZ index,
never on the AZ count, so adding an AZ never moves an existing subnet, and the blocks
between the last used private block and the shared one stay free for growth.

Pod subnets (opt-in) come from a second range, the pod CIDR associated with the VPC: AZ i takes
its i-th block, a quarter of the range (an eighth beyond four AZs) unless the settings say.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass

PRIVATE_PREFIX_STEP = 3  # private subnets are 1/8 of the VPC unless the settings say otherwise
MIN_PRIVATE_PREFIX = 22  # 1,019 usable addresses per AZ: the smallest subnet we accept for pods
MIN_INTRA_PREFIX = 28  # EKS needs at least /28 for the control-plane ENIs
# The pod range's default split: four blocks hold up to four AZs, eight up to the six allowed.
POD_BLOCKS_FOR = ((4, 2), (8, 3))  # (AZs it holds, prefix step)


class SubnetPlanError(ValueError):
    """The requested subnets do not fit the VPC."""


@dataclass(frozen=True)
class AzSubnets:
    public: str
    private: str
    intra: str
    pod: str = ""  # from the pod CIDR, when there is one


@dataclass(frozen=True)
class SubnetPlan:
    vpc_cidr: str
    private_prefix: int
    public_prefix: int
    intra_prefix: int
    azs: tuple[AzSubnets, ...]
    pod_cidr: str = ""
    pod_prefix: int | None = None

    @property
    def free_private_blocks(self) -> int:
        """Private-sized blocks left unused, for more AZs or secondary node subnets."""
        network = ipaddress.IPv4Network(self.vpc_cidr)
        return 2 ** (self.private_prefix - network.prefixlen) - 1 - len(self.azs)


def default_private_prefix(vpc_cidr: str) -> int:
    return ipaddress.IPv4Network(vpc_cidr).prefixlen + PRIVATE_PREFIX_STEP


def plan_subnets(
    vpc_cidr: str,
    az_count: int,
    *,
    private_prefix: int | None,
    public_prefix: int,
    intra_prefix: int,
) -> SubnetPlan:
    """Plan public, private and intra subnets for `az_count` AZs; raise SubnetPlanError if they do not fit."""
    vpc = ipaddress.IPv4Network(vpc_cidr)
    private_prefix = default_private_prefix(vpc_cidr) if private_prefix is None else private_prefix
    if az_count < 1:
        raise SubnetPlanError(f"need at least one AZ, got {az_count}")
    if private_prefix > MIN_PRIVATE_PREFIX:
        raise SubnetPlanError(
            f"private subnets would be /{private_prefix} ({2 ** (32 - private_prefix)} addresses); "
            f"pods need at least /{MIN_PRIVATE_PREFIX} per AZ: use a larger VPC or a smaller "
            "privateSubnetPrefix"
        )
    if intra_prefix > MIN_INTRA_PREFIX:
        raise SubnetPlanError(
            f"intra subnets must be /{MIN_INTRA_PREFIX} or larger, got /{intra_prefix}"
        )
    if not (vpc.prefixlen < private_prefix <= public_prefix and private_prefix <= intra_prefix):
        raise SubnetPlanError(
            f"prefixes must satisfy VPC /{vpc.prefixlen} < private /{private_prefix} <= public "
            f"/{public_prefix} and intra /{intra_prefix}"
        )

    blocks = list(vpc.subnets(new_prefix=private_prefix))
    private_size = blocks[0].num_addresses
    if az_count > len(blocks) - 1:
        needed = (az_count + 1) * private_size
        raise SubnetPlanError(
            f"{az_count} AZs need {az_count} private /{private_prefix} blocks plus one shared "
            f"block for the public and intra subnets: {needed} addresses, but VPC {vpc} has "
            f"{vpc.num_addresses}; short by {needed - vpc.num_addresses} addresses. Use a larger "
            "VPC, fewer AZs or a smaller privateSubnetPrefix"
        )
    small_tiers = az_count * (2 ** (32 - public_prefix) + 2 ** (32 - intra_prefix))
    if small_tiers > private_size:
        raise SubnetPlanError(
            f"{az_count} public /{public_prefix} and intra /{intra_prefix} subnets need "
            f"{small_tiers} addresses but their shared /{private_prefix} block has {private_size}; "
            f"short by {small_tiers - private_size}. Use smaller public or intra subnets"
        )

    shared = blocks[-1]
    public = list(shared.subnets(new_prefix=public_prefix))
    intra = list(shared.subnets(new_prefix=intra_prefix))
    azs = tuple(
        AzSubnets(public=str(public[i]), private=str(blocks[i]), intra=str(intra[-1 - i]))
        for i in range(az_count)
    )
    return SubnetPlan(str(vpc), private_prefix, public_prefix, intra_prefix, azs)


def default_pod_prefix(pod_cidr: str, az_count: int) -> int:
    network = ipaddress.IPv4Network(pod_cidr)
    step = next((s for azs, s in POD_BLOCKS_FOR if az_count <= azs), POD_BLOCKS_FOR[-1][1])
    return network.prefixlen + step


def with_pod_subnets(plan: SubnetPlan, pod_cidr: str, pod_prefix: int | None) -> SubnetPlan:
    """`plan` with one pod subnet per AZ, AZ i in the i-th block of `pod_cidr`; SubnetPlanError
    if they do not fit or are smaller than pods need."""
    pods = ipaddress.IPv4Network(pod_cidr)
    prefix = default_pod_prefix(pod_cidr, len(plan.azs)) if pod_prefix is None else pod_prefix
    if prefix > MIN_PRIVATE_PREFIX:
        raise SubnetPlanError(
            f"pod subnets would be /{prefix} ({2 ** (32 - prefix)} addresses); pods need at "
            f"least /{MIN_PRIVATE_PREFIX} per AZ: use a larger pod range or podSubnetPrefix"
        )
    if prefix < pods.prefixlen:
        raise SubnetPlanError(f"pod subnets /{prefix} are larger than the pod range {pods}")
    blocks = list(pods.subnets(new_prefix=prefix))
    if len(plan.azs) > len(blocks):
        raise SubnetPlanError(
            f"{len(plan.azs)} AZs need {len(plan.azs)} pod /{prefix} subnets, but {pods} holds "
            f"{len(blocks)}: use a larger pod range or a smaller podSubnetPrefix"
        )
    azs = tuple(
        dataclasses.replace(az, pod=str(block)) for az, block in zip(plan.azs, blocks, strict=False)
    )
    return dataclasses.replace(plan, azs=azs, pod_cidr=str(pods), pod_prefix=prefix)
