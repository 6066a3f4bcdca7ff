"""An existing VPC (`network.mode: existing`), beyond what the program checks before any resource:
its owner's flow logs (the pack's vpc-flow-logs judges only VPCs the stack creates), its interface
endpoints answering under the services' own names (private DNS: without it nodes without a NAT
route resolve the public endpoints they cannot reach), and the node subnets all found. A VPC of
the stack's own has nothing to check here."""

from __future__ import annotations

from preflight.online.aws import Answers
from preflight.online.findings import Finding, blocker, warning
from preflight.online.stack import StackPlan

CHECK = "network"


def check_network(plan: StackPlan, answers: Answers) -> tuple[list[Finding], str]:
    assert answers.flow_logs is not None and answers.subnets is not None
    assert answers.endpoints is not None
    if not plan.existing_vpc:
        return [], "network: the stack's own VPC"
    findings: list[Finding] = []
    found = {s["SubnetId"] for s in answers.subnets}
    if missing := [i for i in plan.node_subnet_ids if i not in found]:
        findings.append(
            blocker(
                CHECK,
                f"node subnets {', '.join(missing)} are not visible to this account (not "
                "shared, or deleted)",
                "network.nodeSubnetIds",
            )
        )
    active = [f for f in answers.flow_logs if f.get("FlowLogStatus") == "ACTIVE"]
    if not active:
        findings.append(
            warning(
                CHECK,
                f"{plan.existing_vpc} has no active flow log this account can see: ask its "
                "owner for one (an owner's flow logs of a shared VPC may not be listed to other "
                "accounts: unconfirmed; the pack checks flow logs only on VPCs the stack creates)",
            )
        )
    without_dns = sorted(
        e["ServiceName"] for e in answers.endpoints if not e.get("PrivateDnsEnabled")
    )
    if without_dns:
        findings.append(
            warning(
                CHECK,
                f"interface endpoints without private DNS in {plan.existing_vpc}: "
                f"{', '.join(without_dns)}; nodes resolve those services' public names",
            )
        )
    return findings, (
        f"network: existing {plan.existing_vpc}, {len(found)} of {len(plan.node_subnet_ids)} "
        f"node subnets found, {len(active)} active flow log(s), {len(answers.endpoints)} "
        "interface endpoint(s)"
    )
