"""The VPC range of a stack whose range comes from an IPAM pool (`network.ipamPoolId`): the range
its last deployment recorded, else the pool's next free one.

The pool is asked only before the first deploy: AllocateIpamPoolCidr with PreviewNextCidr
allocates nothing (terraform-provider-aws ipam_preview_next_cidr_data_source.go), and once the
VPC holds the range the preview moves on to the next one ("the next refresh will find a new
CIDR", pulumi-aws 7.51.1 getIpamPreviewNextCidr). The VPC is then created with that very range
from the pool (CreateVpc takes Ipv4IpamPoolId with CidrBlock), so the subnet plan is plain
arithmetic on a known range, never an Output, and the record keeps it.

The program reads the settings before the guard reads the record, and the plan must exist
before any resource, so the range is read here, from the same record: EKS_PLATFORM_DEPLOYED when
set, else the stack's own `deployment` output through a StackReference of its own. Without a
record (a first update that failed after creating the VPC, or EKS_PLATFORM_DEPLOYED=new), the
VPC the stack already holds, found by its tags, gives the range before the pool is asked."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
import pulumi_aws as aws
from pulumi.runtime.sync_await import _sync_await

from components.base.config import SettingsError
from components.base.config.problems import PROJECT, problem_text
from components.base.config.pulumi_config import DEPLOYED_ENVIRONMENT, DEPLOYMENT_OUTPUT
from components.network.settings import NetworkSettings

REFERENCE = "network-vpc-range"  # the StackReference's logical name (only in IPAM mode)


def own_record() -> Any:
    """The stack's own `deployment` output from its last update (None for a new stack)."""
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference(REFERENCE, stack_name=stack)
    details = _sync_await(reference.get_output_details(DEPLOYMENT_OUTPUT))
    return details.value if details.value is not None else details.secret_value


def recorded_range(
    environ: Mapping[str, str] = os.environ, read_own: Callable[[], Any] = own_record
) -> str | None:
    """The VPC range the last deployment recorded; None for a stack never deployed (a record
    the guard cannot read is the guard's to report)."""
    text = environ.get(DEPLOYED_ENVIRONMENT, "").strip()
    try:
        record = json.loads(text) if text else read_own()
    except ValueError:
        return None
    found = record.get("vpcCidr") if isinstance(record, Mapping) else None
    return str(found) if found else None


def pool_range(settings: NetworkSettings) -> str:
    """The range the pool would allocate next, at the settings' netmask length."""
    return aws.ec2.get_ipam_preview_next_cidr(
        ipam_pool_id=settings.ipam_pool_id, netmask_length=settings.ipam_netmask_length
    ).cidr


def own_vpc_range(stack: str) -> str | None:
    """The range of the VPC this stack already holds though no record says so: a first update
    that failed after the VPC was created keeps the VPC in the state but writes no output ("Stack
    outputs are populated only if the stack creation succeeded entirely", pulumi/pulumi#16289,
    open; #14752: "stack outputs are determined entirely by the last successful run"; read
    2026-12-06), and the pool's preview has moved on past it. Found by the tags every resource
    of the stack carries; None when there is none."""
    ids = aws.ec2.get_vpcs(tags={"project": PROJECT, "stack": stack}).ids or []
    if len(ids) > 1:
        text = f"this account holds {len(ids)} VPCs tagged project={PROJECT}, stack={stack}"
        raise SettingsError([problem_text("network.ipamPoolId", None, f"{text}: {ids}")])
    if not ids:
        return None
    found = aws.ec2.get_vpc(id=ids[0]).cidr_block
    # Said in every preview: a VPC of another project's stack of the same name, or one a
    # `pulumi stack rm --force` left behind, carries the same tags.
    pulumi.log.warn(
        f"network.ipamPoolId: no deployment record; planning in {found}, the range of {ids[0]}, "
        f"the VPC tagged project={PROJECT}, stack={stack} in this account (the VPC an earlier "
        "update of this stack created): if it is not this stack's, delete or retag it first"
    )
    return found


def with_pool_range(
    settings: NetworkSettings,
    stack: str,
    read_recorded: Callable[[], str | None] = recorded_range,
    find_own: Callable[[str], str | None] = own_vpc_range,
    ask_pool: Callable[[NetworkSettings], str] = pool_range,
) -> NetworkSettings:
    """`settings` planned in the recorded range, else in the range of the VPC the stack already
    holds, else in the pool's next one for a new stack; a SettingsError when the plan does not
    fit it (a pod range overlapping it, say). Neither is read without a pool: other stacks
    register no read of their own output or of their VPCs for it."""
    if not settings.from_pool:
        return settings
    if found := read_recorded() or find_own(stack):
        return settings.planned(found)
    try:
        return settings.planned(ask_pool(settings))
    except SettingsError:
        raise
    except Exception as error:  # the lookup failed: the provider's text says why
        why = str(error).split(" failed: ", 1)[-1]
        text = f"the pool has no /{settings.ipam_netmask_length} range to give: {why}"
        raise SettingsError(
            [problem_text("network.ipamPoolId", settings.ipam_pool_id, text)]
        ) from None
