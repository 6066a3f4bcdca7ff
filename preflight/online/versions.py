"""Kubernetes version and upgrade readiness.

- The target minor as EKS lists it (DescribeClusterVersions): offered, in which support phase,
  until when; what the cluster's upgrade policy then does or costs; the version table this
  baseline keeps (policy/eks_policies/eks_versions.json) compared with EKS's dates.
- When the target minor differs from the running cluster's: EKS's upgrade insights for the
  target (an ERROR blocks, with its recommendation; a WARNING is shown), node groups that do not
  run the control plane's minor (EKS wants them there before the control plane moves), and
  add-ons installed outside this stack that do not list the target minor."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from components.cluster.versions import (
    EXTENDED_EXTRA_MONTHLY_USD,
    STANDARD_SUPPORT,
    WARN_DAYS,
    minor,
)
from preflight.online.addons import listed_minors
from preflight.online.aws import Answers
from preflight.online.facts import INSIGHTS, VERSION_STATUS
from preflight.online.findings import Finding, blocker, note, warning
from preflight.online.stack import StackPlan

KUBERNETES, UPGRADE = "kubernetes", "upgrade"


def _day(value: Any) -> dt.date | None:
    """A timestamp of an answer (botocore gives datetimes) as a date."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _after_standard(policy: str, extended_end: dt.date | None) -> str:
    """What the upgrade policy does once standard support has ended."""
    if policy == "STANDARD":
        return "EKS upgrades the control plane itself (upgradePolicy STANDARD)"
    return (
        f"it stays, at {EXTENDED_EXTRA_MONTHLY_USD:.2f} USD a month more per cluster until "
        f"{extended_end}"
    )


def _version_findings(
    version: str, info: dict, policy: str, label: str, today: dt.date
) -> list[Finding]:
    status = info.get("versionStatus", "")
    end = _day(info.get("endOfStandardSupportDate"))
    extended_end = _day(info.get("endOfExtendedSupportDate"))
    findings: list[Finding] = []
    if status == VERSION_STATUS["unsupported"]:
        findings.append(
            blocker(
                KUBERNETES,
                f"Kubernetes {version} ({label}) is no longer supported by EKS",
                f"kubernetesVersion: 1.{minor(version) + 1} (one minor at a time)",
            )
        )
    elif status == VERSION_STATUS["extended"]:
        findings.append(
            warning(
                KUBERNETES,
                f"Kubernetes {version} ({label}) left EKS standard support on {end}: "
                + _after_standard(policy, extended_end),
                f"kubernetesVersion: 1.{minor(version) + 1}",
            )
        )
    elif end and 0 < (end - today).days <= WARN_DAYS:
        findings.append(
            warning(
                KUBERNETES,
                f"Kubernetes {version} ({label}) leaves EKS standard support on {end} "
                f"({(end - today).days} days); then " + _after_standard(policy, extended_end),
                f"kubernetesVersion: 1.{minor(version) + 1} before then",
            )
        )
    window = STANDARD_SUPPORT.get(version)
    if window and end and end != window.end_of_standard_support:
        findings.append(
            warning(
                KUBERNETES,
                f"EKS ends standard support of {version} on {end}; this baseline's table says "
                f"{window.end_of_standard_support}",
                "refresh policy/eks_policies/eks_versions.json (docs/facts.md)",
            )
        )
    return findings


def check_kubernetes(
    plan: StackPlan, answers: Answers, today: dt.date | None = None
) -> tuple[list[Finding], str]:
    assert answers.cluster_versions is not None and answers.cluster is not None
    today = today or dt.date.today()
    listed = {v["clusterVersion"]: v for v in answers.cluster_versions}
    offered = sorted(
        (v for v, i in listed.items() if i.get("versionStatus") != VERSION_STATUS["unsupported"]),
        key=minor,
    )
    cluster = answers.cluster
    policy = (cluster.get("upgradePolicy") or {}).get("supportType") or plan.upgrade_policy
    findings: list[Finding] = []
    if plan.version not in listed:
        findings.append(
            blocker(
                KUBERNETES,
                f"EKS does not offer Kubernetes {plan.version} in {plan.region} (it offers "
                f"{', '.join(offered) or 'none'})",
                "kubernetesVersion",
            )
        )
    else:
        findings += _version_findings(
            plan.version, listed[plan.version], policy, "the target", today
        )
    current = cluster.get("version")
    if current and current != plan.version and current in listed:
        findings += _version_findings(current, listed[current], policy, "running now", today)
    if cluster and cluster.get("status") != "ACTIVE":
        findings.append(
            warning(
                KUBERNETES,
                f"cluster {plan.cluster_name} is {cluster.get('status')}, not ACTIVE: `pulumi up` "
                "waits for it or fails",
            )
        )
    if cluster and policy != plan.upgrade_policy:
        findings.append(
            note(KUBERNETES, f"upgrade policy {policy} now; this update sets {plan.upgrade_policy}")
        )
    info = listed.get(plan.version, {})
    until = f" until {_day(info.get('endOfStandardSupportDate'))}" if info else ""
    return findings, (
        f"kubernetes: {plan.version} is {info.get('versionStatus', 'not listed')}{until}; "
        f"cluster {plan.cluster_name}: "
        + (f"{cluster.get('status')} at {current}, upgrade policy {policy}" if cluster else "new")
    )


def check_upgrade(plan: StackPlan, answers: Answers) -> tuple[list[Finding], str]:
    assert answers.cluster is not None and answers.insights is not None
    assert answers.nodegroups is not None and answers.installed_addons is not None
    cluster = answers.cluster
    if not cluster:
        return [], "upgrade: no cluster yet (a new stack)"
    current = cluster["version"]
    if minor(current) == minor(plan.version):
        return [], f"upgrade: none ({current} stays)"
    findings: list[Finding] = []
    for insight in answers.insights:
        status = insight["insightStatus"]["status"]
        text = (
            f"EKS upgrade insight '{insight['name']}' for {plan.version}: {status}"
            f" ({insight['insightStatus'].get('reason', '')})"
        )
        if status in INSIGHTS["blocking"]:
            findings.append(
                blocker(
                    UPGRADE,
                    f"{text}. {insight.get('recommendation', '')}".strip(),
                    f"fix what it names (aws eks describe-insight --cluster-name "
                    f"{plan.cluster_name} --id {insight['id']}); having decided to go on anyway, "
                    "cluster.forceUpgrade: true for this one `pulumi up` (docs/day2.md)",
                )
            )
        elif status in INSIGHTS["shown"]:
            findings.append(
                warning(UPGRADE, f"{text}. {insight.get('recommendation', '')}".strip())
            )
        elif status in INSIGHTS["unknown"]:
            findings.append(note(UPGRADE, text))
    if minor(plan.version) > minor(current):
        for group in answers.nodegroups:
            if group.get("version") and group["version"] != current:
                findings.append(
                    blocker(
                        UPGRADE,
                        f"node group {group['nodegroupName']} runs {group['version']}, the control "
                        f"plane {current}: EKS wants the managed nodes on the control plane's "
                        f"minor before it moves to {plan.version}",
                        f"kubernetesVersion: {current} until the node groups run it",
                    )
                )
    managed = {a.name for a in plan.addons}
    for addon in answers.installed_addons:
        if addon["addonName"] in managed:
            continue
        minors = listed_minors(
            answers.installed_versions.get(addon["addonName"], []), addon["addonVersion"]
        )
        if minors is not None and plan.version not in minors:
            findings.append(
                warning(
                    UPGRADE,
                    f"add-on {addon['addonName']} {addon['addonVersion']}, installed outside this "
                    f"stack, does not list Kubernetes {plan.version}",
                    f"aws eks update-addon --cluster-name {plan.cluster_name} --addon-name "
                    f"{addon['addonName']} --addon-version <one listing {plan.version}>",
                )
            )
    counts = Counter(i["insightStatus"]["status"] for i in answers.insights)
    return findings, (
        f"upgrade: {current} -> {plan.version}: {len(answers.insights)} insights ("
        + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        + f"); {len(answers.nodegroups)} node groups, {len(answers.installed_addons)} add-ons installed"
    )
