"""Capacity: each node group's instance types exist in the region, suit its AMI's architecture
and are offered in each of the stack's AZs; EKS publishes an AMI for the group's version and AMI
type in the region (the public SSM parameter); and each private subnet holds the addresses of
the node groups at their maximum size plus the nodes an update adds, each node counted at every
address its ENIs can take (secondary-IP mode; see facts.json for the sources)."""

from __future__ import annotations

import math
from collections import defaultdict

from preflight.online.aws import Answers
from preflight.online.facts import (
    AMI,
    FACTS,
    addresses_per_node,
    ami_parameter,
    max_pods,
    update_surge,
    usable_addresses,
)
from preflight.online.findings import Finding, blocker, note, warning
from preflight.online.stack import NodeGroupPlan, StackPlan

CHECK = "capacity"


def addresses_needed(
    groups: tuple[NodeGroupPlan, ...], types: dict[str, dict], zones: int
) -> dict[str, int]:
    """Per node group, the addresses it takes in one AZ at most: its maximum size plus an
    update's extra nodes, spread over the AZs, each node at its largest type's addresses."""
    needed = {}
    for group in groups:
        known = [types[t] for t in group.instance_types if t in types]
        if not known:
            continue
        nodes = group.max_size + update_surge(
            zones, group.max_size, group.max_unavailable_percentage
        )
        needed[group.name] = math.ceil(nodes / zones) * max(addresses_per_node(t) for t in known)
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
    needed = addresses_needed(plan.node_groups, types, len(plan.zones))
    total = sum(needed.values())
    existing = {s["AvailabilityZone"]: s for s in answers.subnets}
    for zone in plan.zones:
        usable = usable_addresses(plan.private_subnets[zone])
        if total > usable:
            findings.append(
                blocker(
                    CHECK,
                    f"private subnet {plan.private_subnets[zone]} in {zone} has {usable} usable "
                    f"addresses; the node groups may take {total} there at maximum size during "
                    "an update",
                    "compute.nodeGroups[].maxSize (a larger private subnet needs a new stack)",
                )
            )
        elif zone in existing and total > existing[zone]["AvailableIpAddressCount"]:
            findings.append(
                warning(
                    CHECK,
                    f"private subnet in {zone}: {existing[zone]['AvailableIpAddressCount']} "
                    f"addresses free now, up to {total} taken at maximum size during an update "
                    "(the running nodes already hold some of them)",
                )
            )
    pods = {t: max_pods(types[t]) for g in plan.node_groups for t in g.instance_types if t in types}
    return findings, (
        f"capacity: {len(plan.node_groups)} node groups, max pods "
        + ", ".join(f"{t} {n}" for t, n in sorted(pods.items()))
        + f"; up to {total} addresses per AZ of "
        + "/".join(str(usable_addresses(plan.private_subnets[z])) for z in plan.zones)
    )
