"""Capacity: each node group's instance types exist in the region, suit its AMI's architecture
and are offered in each of the stack's AZs; EKS publishes an AMI for the group's version and AMI
type in the region (the public SSM parameter); and each private subnet holds the addresses of
the node groups at their maximum size plus the nodes an update adds, each node counted at every
address its ENIs can take (secondary-IP mode; see facts.json for the sources)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

from preflight.online.aws import Answers
from preflight.online.facts import (
    AMI,
    FACTS,
    addresses_per_node,
    ami_parameter,
    max_pods,
    pod_eni_addresses,
    primary_eni_addresses,
    update_surge,
    usable_addresses,
)
from preflight.online.findings import Finding, blocker, note, warning
from preflight.online.stack import NodeGroupPlan, StackPlan

CHECK = "capacity"


def addresses_needed(
    groups: tuple[NodeGroupPlan, ...],
    types: dict[str, dict],
    zones: int,
    per_node: Callable[[dict], int] = addresses_per_node,
) -> dict[str, int]:
    """Per node group, the addresses it takes in one AZ at most: its maximum size plus an
    update's extra nodes, spread over the AZs, each node at its largest type's `per_node`."""
    needed = {}
    for group in groups:
        known = [types[t] for t in group.instance_types if t in types]
        if not known:
            continue
        nodes = group.max_size + update_surge(
            zones, group.max_size, group.max_unavailable_percentage
        )
        needed[group.name] = math.ceil(nodes / zones) * max(per_node(t) for t in known)
    return needed


def _group_findings(
    group: NodeGroupPlan, plan: StackPlan, types: dict[str, dict], offered: dict[str, set[str]]
):
    missing = [t for t in group.instance_types if t not in types]
    if missing:
        yield blocker(
            CHECK,
            f"{', '.join(missing)}: no such instance type in {plan.region}",
            group.key("instanceTypes"),
        )
    architecture = AMI["architectures"][group.ami_type]
    wrong = [
        t
        for t in group.instance_types
        if t in types and architecture not in types[t]["ProcessorInfo"]["SupportedArchitectures"]
    ]
    if wrong:
        yield blocker(
            CHECK,
            f"{', '.join(wrong)} cannot run {group.ami_type} ({architecture}) nodes",
            f"{group.key('instanceTypes')} or {group.key('amiType')}",
        )
    for zone in plan.zones:
        here = [t for t in group.instance_types if zone in offered.get(t, set())]
        absent = [t for t in group.instance_types if t in types and t not in here]
        if not here:
            yield blocker(
                CHECK,
                f"node group {group.name}: none of {', '.join(group.instance_types)} is offered "
                f"in {zone}",
                group.key("instanceTypes"),
            )
        elif absent:
            yield warning(
                CHECK,
                f"node group {group.name}: {', '.join(absent)} not offered in {zone} (its other "
                "types are)",
            )


def check_capacity(plan: StackPlan, answers: Answers) -> tuple[list[Finding], str]:
    assert answers.instance_types is not None and answers.offerings is not None
    assert answers.ami is not None and answers.subnets is not None
    if plan.auto_mode:
        return [note(CHECK, "EKS Auto Mode launches the nodes: node capacity not checked")], (
            "capacity: EKS Auto Mode"
        )
    types = {t["InstanceType"]: t for t in answers.instance_types}
    offered: dict[str, set[str]] = defaultdict(set)
    for offering in answers.offerings:
        offered[offering["InstanceType"]].add(offering["Location"])
    findings: list[Finding] = []
    for group in plan.node_groups:
        findings += _group_findings(group, plan, types, offered)
        parameter = ami_parameter(group.version, group.ami_type)
        if answers.ami.get(parameter) is None:
            findings.append(
                blocker(
                    CHECK,
                    f"EKS publishes no {group.ami_type} AMI for Kubernetes {group.version} in "
                    f"{plan.region} ({parameter})",
                    f"kubernetesVersion or {group.key('amiType')}",
                )
            )
    if plan.prefix_delegation:
        findings.append(
            note(CHECK, f"prefix delegation: {FACTS['prefixDelegation']['unconfirmed']}")
        )
        return findings, f"capacity: {len(plan.node_groups)} node groups; subnets not counted"
    zones = len(plan.zones)
    if plan.pod_subnets:  # nodes' primary ENIs in the private subnets, the others in the pods'
        total = sum(
            addresses_needed(plan.node_groups, types, zones, primary_eni_addresses).values()
        )
        pods = sum(addresses_needed(plan.node_groups, types, zones, pod_eni_addresses).values())
        findings += _too_small(plan.pod_subnets, pods, "pod", "podSubnetPrefix")
    else:
        total = sum(addresses_needed(plan.node_groups, types, zones).values())
    free = defaultdict(int)
    for subnet in answers.subnets:
        free[subnet["AvailabilityZone"]] += subnet["AvailableIpAddressCount"]
    findings += _too_small(plan.private_subnets, total, "private", "privateSubnetPrefix")
    for zone in plan.zones:
        if zone in free and total > free[zone] and not _blocked(findings, zone):
            where = "node subnets" if plan.existing_vpc else "private subnet"
            findings.append(
                warning(
                    CHECK,
                    f"{where} in {zone}: {free[zone]} addresses free now, up to {total} taken at "
                    "maximum size during an update (the running nodes already hold some of them)",
                )
            )
    per_type = {
        t: max_pods(types[t]) for g in plan.node_groups for t in g.instance_types if t in types
    }
    sizes = "/".join(str(usable_addresses(c)) for c in plan.private_subnets.values()) or "shared"
    return findings, (
        f"capacity: {len(plan.node_groups)} node groups, max pods "
        + ", ".join(f"{t} {n}" for t, n in sorted(per_type.items()))
        + f"; up to {total} addresses per AZ of {sizes}"
        + (f"; up to {pods} per pod subnet" if plan.pod_subnets else "")
    )


def _too_small(subnets: dict[str, str], needed: int, tier: str, key: str) -> list[Finding]:
    """Blockers for the subnets (AZ -> CIDR) with fewer usable addresses than `needed`."""
    return [
        blocker(
            CHECK,
            f"{tier} subnet {cidr} in {zone} has {usable_addresses(cidr)} usable addresses; the "
            f"node groups may take {needed} there at maximum size during an update",
            f"compute.nodeGroups[].maxSize (a larger {tier} subnet, network.{key}, needs a new "
            "stack)",
        )
        for zone, cidr in subnets.items()
        if needed > usable_addresses(cidr)
    ]


def _blocked(findings: list[Finding], zone: str) -> bool:
    return any(f.level == "blocker" and f" in {zone} " in f.message for f in findings)
