"""Zones and identity: the stack's AZs are still offered (a new stack's must be available and
supported by EKS; a deployed stack keeps an impaired one, docs/day2.md), and the caller may do
what the stack needs (iam:SimulatePrincipalPolicy on the caller's own role or user, against the
actions preflight/ci_roles.json maps the program's resources to; where the caller may not
simulate, a note says so: not a failure)."""

from __future__ import annotations

from collections import defaultdict

from components.network.zones import EKS_UNSUPPORTED_ZONE_IDS
from preflight.online.aws import Answers
from preflight.online.findings import Finding, blocker, note, warning
from preflight.online.stack import StackPlan

ZONES, IDENTITY = "zones", "identity"


def check_zones(plan: StackPlan, answers: Answers) -> tuple[list[Finding], str]:
    assert answers.zones is not None and answers.subnets is not None
    by_name = {z["ZoneName"]: z for z in answers.zones}
    deployed = {s["AvailabilityZone"] for s in answers.subnets}
    findings: list[Finding] = []
    for zone in plan.zones:
        found = by_name.get(zone)
        if found is None:
            findings.append(
                blocker(
                    ZONES,
                    f"{zone} is not an AZ of {plan.region} (it has {', '.join(sorted(by_name))})",
                    "network.availabilityZones",
                )
            )
        elif found["State"] != "available":
            if zone in deployed:
                findings.append(
                    warning(ZONES, f"{zone} is {found['State']}: the stack keeps it (docs/day2.md)")
                )
            else:
                findings.append(
                    blocker(
                        ZONES,
                        f"{zone} is {found['State']}: a new subnet there may fail",
                        "network.availabilityZones",
                    )
                )
        elif zone not in deployed and found["ZoneId"] in EKS_UNSUPPORTED_ZONE_IDS:
            findings.append(
                blocker(
                    ZONES,
                    f"{zone} is {found['ZoneId']}, where EKS places no cluster subnets",
                    "network.availabilityZones",
                )
            )
    states = ", ".join(f"{z} {by_name.get(z, {}).get('State', 'absent')}" for z in plan.zones)
    return findings, f"zones: {states}"


def check_identity(
    plan: StackPlan, answers: Answers, purpose: str = "deploy"
) -> tuple[list[Finding], str]:
    assert answers.caller is not None
    findings = [note(IDENTITY, n) for n in answers.notes]
    if answers.simulation is None:
        return findings, f"identity: {answers.caller['Arn']}, permissions not simulated"
    refused: dict[str, set[str]] = defaultdict(set)
    for result in answers.simulation:
        if result["EvalDecision"] != "allowed":
            refused[result["EvalDecision"]].add(result["EvalActionName"])
    command = "`pulumi up`" if purpose == "deploy" else "`pulumi preview`"
    for decision, actions in sorted(refused.items()):
        findings.append(
            blocker(
                IDENTITY,
                f"{answers.caller['Arn']} may not ({decision}) {len(actions)} action(s) "
                f"{command} needs for this stack: {', '.join(sorted(actions))}",
                f"attach docs/ci/iam/{plan.stack}-{purpose}-policy-*.json to the role "
                "(docs/ci.md step 3)"
                + (", and lift the explicit deny" if decision == "explicitDeny" else ""),
            )
        )
    actions = {r["EvalActionName"] for r in answers.simulation}
    return findings, (
        f"identity: {answers.caller['Arn']}: {len(actions)} actions {command} needs simulated, "
        f"{sum(len(a) for a in refused.values())} refused"
    )
