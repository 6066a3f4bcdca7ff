"""Quotas the stack would exceed: each Service Quotas value (the account's applied value, else
AWS's default) against what exists in the region plus what the stack adds. What the stack
already has (found by its Name tags, its VPC, its cluster name) is not added twice."""

from __future__ import annotations

from collections import Counter

from preflight.online.aws import Answers
from preflight.online.facts import QUOTAS
from preflight.online.findings import Finding, blocker, warning
from preflight.online.stack import StackPlan

CHECK = "quotas"
# What the stack can change instead of raising the quota.
INSTEAD = {
    "vpcs": "or delete VPCs the region no longer needs",
    "elasticIps": "or network.natMode single (one NAT gateway, one address)",
    "natGatewaysPerZone": "or network.natMode single",
    "interfaceEndpointsPerVpc": "or fewer network.interfaceEndpointServices",
    "clusters": "or delete clusters the region no longer needs",
}


def _tag(resource: dict, key: str) -> str:
    return next((t["Value"] for t in resource.get("Tags") or [] if t["Key"] == key), "")


def _increase(key: str, wanted: int) -> str:
    q = QUOTAS[key]
    return (
        f"aws service-quotas request-service-quota-increase --service-code {q['serviceCode']} "
        f"--quota-code {q['quotaCode']} --desired-value {wanted}"
    )


def usage(plan: StackPlan, answers: Answers) -> dict[str, tuple[int, int, str]]:
    """Per quota (and AZ for NAT gateways): (in use, the stack adds, what it counts)."""
    # An existing VPC's stack creates none; the stack's own VPC is counted once it exists.
    own_vpc = bool(plan.existing_vpc) or any(
        _tag(v, "Name") == plan.vpc_name for v in answers.vpcs or []
    )
    eips = {_tag(a, "Name") for a in answers.addresses or []}
    nat_names = {_tag(g, "Name") for g in answers.nat_gateways or []}
    in_zone = Counter(g["Zone"] for g in answers.nat_gateways or [])
    have_endpoints = {e["ServiceName"] for e in answers.endpoints or []}
    found = {
        "vpcs": (len(answers.vpcs or []), 0 if own_vpc else 1, "VPCs in the region"),
        "elasticIps": (
            len(answers.addresses or []),
            len(set(plan.eip_names) - eips),
            "Elastic IPs in the region",
        ),
        "interfaceEndpointsPerVpc": (
            len(answers.endpoints or []),
            len(set(plan.interface_endpoints) - have_endpoints),
            "interface endpoints in the stack's VPC",
        ),
        "clusters": (
            len(answers.clusters or []),
            0 if plan.cluster_name in (answers.clusters or []) else 1,
            "EKS clusters in the region",
        ),
    }
    for zone, planned in plan.nat_zones.items():
        # A NAT gateway is tagged with the name of its Elastic IP (`<cluster>-nat-<AZ>`).
        own = sum(1 for n in plan.eip_names if n.endswith(zone) and n in nat_names)
        found[f"natGatewaysPerZone:{zone}"] = (
            in_zone[zone],
            max(planned - own, 0),
            f"NAT gateways in {zone}",
        )
    return found


def check_quotas(plan: StackPlan, answers: Answers) -> tuple[list[Finding], str]:
    assert answers.quotas is not None and answers.vpcs is not None
    assert answers.addresses is not None and answers.nat_gateways is not None
    assert answers.endpoints is not None and answers.clusters is not None
    findings: list[Finding] = []
    judged = []
    for key, (used, adds, what) in usage(plan, answers).items():
        quota_key = key.split(":")[0]
        quota, expected = answers.quotas[quota_key], QUOTAS[quota_key]
        if quota.get("QuotaName") != expected["name"]:
            findings.append(
                warning(
                    CHECK,
                    f"quota {expected['serviceCode']}/{expected['quotaCode']} is "
                    f"'{quota.get('QuotaName')}', not '{expected['name']}': not judged",
                    "correct preflight/online/facts.json",
                )
            )
            continue
        limit = int(quota["Value"])
        judged.append(f"{what} {used}+{adds}/{limit}")
        if used + adds > limit:
            findings.append(
                blocker(
                    CHECK,
                    f"{expected['name']}: {used} {what.split(' in ')[0]} exist, the stack adds "
                    f"{adds}, the quota is {limit}",
                    f"{_increase(quota_key, used + adds)} ({INSTEAD[quota_key]})",
                )
            )
    return findings, "quotas (in use + added / quota): " + ", ".join(judged)
