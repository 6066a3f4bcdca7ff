"""The health gate after a stack's `pulumi up`: the cluster, its node groups and its add-ons
ACTIVE, and none of the stack's alarms in ALARM, for the wave's soak time. `observe` reads AWS
with read-only calls the deployer role already holds (eks:DescribeCluster,
eks:DescribeNodegroup, eks:DescribeAddon, cloudwatch:DescribeAlarms: docs/ci/iam/), for the node
groups and add-ons the stack's state holds (`stack_resources`); `verdict` and `Soak` decide, as
pure functions of what was seen and when."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

# The status values of EKS's API model (botocore 1.44.18, data/eks/2017-11-01/service-2.json:
# ClusterStatus, NodegroupStatus, AddonStatus) and CloudWatch's (data/cloudwatch/2010-08-01/
# service-2.json: StateValue), read 2026-12-06. Transitional: still settling, wait. An add-on
# is DEGRADED while the nodes it runs on roll, which terraform-provider-aws itself waits out
# (internal/service/eks/addon.go at 00a35305, waitAddonCreated: Pending CREATING and DEGRADED,
# read 2026-12-06). Anything else that is not ACTIVE (FAILED, *_FAILED, a node group DEGRADED,
# DELETING) is unhealthy at once.
ACTIVE = "ACTIVE"
SETTLING = {
    "cluster": ("CREATING", "UPDATING", "PENDING"),
    "nodegroup": ("CREATING", "UPDATING"),
    "addon": ("CREATING", "UPDATING", "DEGRADED"),
}
ALARM = "ALARM"  # OK and INSUFFICIENT_DATA (a metric not yet reported) do not stop the rollout
# How long a resource may stay transitional after `up` returned before the gate gives up.
SETTLE_MINUTES = 30
POLL_SECONDS = 30


@dataclass(frozen=True)
class Observation:
    cluster: str | None  # the cluster's status (None: not read, see `unread`)
    nodegroups: Mapping[str, str | None] = field(default_factory=dict)  # name -> status
    addons: Mapping[str, str | None] = field(default_factory=dict)  # name -> status
    alarms: Mapping[str, str] = field(default_factory=dict)  # alarm name -> state
    unread: tuple[str, ...] = ()  # what AWS did not answer, and why


@dataclass(frozen=True)
class Verdict:
    state: str  # healthy, settling, unhealthy
    reasons: tuple[str, ...] = ()


def verdict(seen: Observation) -> Verdict:
    """Healthy when everything is ACTIVE and no alarm is in ALARM; settling while something is
    still being created or updated; unhealthy as soon as anything failed, degraded, is being
    deleted, alarms, or could not be read (health not shown is not health)."""
    bad, settling = [f"could not read {what}" for what in seen.unread], []
    statuses = [("cluster", "cluster", seen.cluster)]
    statuses += [("nodegroup", f"node group {n}", s) for n, s in sorted(seen.nodegroups.items())]
    statuses += [("addon", f"add-on {n}", s) for n, s in sorted(seen.addons.items())]
    for kind, what, status in statuses:
        if status in (ACTIVE, None):  # None: not read, said in `unread`
            continue
        (settling if status in SETTLING[kind] else bad).append(f"{what} is {status}")
    bad += [f"alarm {name} is in ALARM" for name, s in sorted(seen.alarms.items()) if s == ALARM]
    if bad:
        return Verdict("unhealthy", tuple(bad + settling))
    return Verdict("settling", tuple(settling)) if settling else Verdict("healthy")


@dataclass
class Soak:
    """The gate over time: pass once everything was healthy for `minutes` without a break, fail
    at the first unhealthy observation or when something is still settling `settle` minutes
    after the gate started. `step` takes one verdict and the time (seconds) it was seen."""

    minutes: float
    started: float
    settle: float = SETTLE_MINUTES
    healthy_since: float | None = None

    def step(self, seen: Verdict, now: float) -> str | None:
        """`passed`, `failed` or None (look again)."""
        if seen.state == "unhealthy":
            return "failed"
        if seen.state == "settling":
            self.healthy_since = None
            return "failed" if now - self.started >= self.settle * 60 else None
        if self.healthy_since is None:
            self.healthy_since = now
        return "passed" if now - self.healthy_since >= self.minutes * 60 else None


NODE_GROUP, ADDON = "aws:eks/nodeGroup:NodeGroup", "aws:eks/addon:Addon"


def stack_resources(deployment: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(node group names, add-on names) of a stack's state (`pulumi stack export`'s
    `deployment`), without resources only waiting to be deleted."""
    found: dict[str, list[str]] = {NODE_GROUP: [], ADDON: []}
    for resource in deployment.get("resources") or []:
        outputs = resource.get("outputs") or {}
        if resource.get("delete") or resource.get("type") not in found:
            continue
        name = outputs.get("nodeGroupName" if resource["type"] == NODE_GROUP else "addonName")
        if name:
            found[resource["type"]].append(str(name))
    return sorted(found[NODE_GROUP]), sorted(found[ADDON])


def observe(
    eks: Any, cloudwatch: Any, cluster: str, nodegroups: Sequence[str], addons: Sequence[str]
) -> Observation:
    """What AWS says now about the cluster, these node groups and add-ons, and the stack's
    alarms. The stack names its alarms `<cluster>-<alarm>` with the dimension
    ClusterName=<cluster> (components/monitoring): both are required, so another cluster whose
    name starts the same is not read. A call AWS refuses or fails (after the client's retries)
    is recorded in `unread`, never raised: the gate then says what it could not read."""
    unread: list[str] = []

    def ask(what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except (ClientError, BotoCoreError) as error:
            code = getattr(error, "response", {}).get("Error", {}).get("Code")
            unread.append(f"{what}: {code or type(error).__name__}")
            return None

    found = ask("the cluster", lambda: eks.describe_cluster(name=cluster))
    status = found["cluster"]["status"] if found else None
    groups: dict[str, str | None] = {}
    installed: dict[str, str | None] = {}
    for name in nodegroups:
        group = ask(
            f"node group {name}",
            lambda n=name: eks.describe_nodegroup(clusterName=cluster, nodegroupName=n),
        )
        groups[name] = group["nodegroup"]["status"] if group else None
    for name in addons:
        addon = ask(
            f"add-on {name}", lambda n=name: eks.describe_addon(clusterName=cluster, addonName=n)
        )
        installed[name] = addon["addon"]["status"] if addon else None
    pages = cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{cluster}-", AlarmTypes=["MetricAlarm"]
    )
    listed = ask("the alarms", lambda: [a for page in pages for a in page["MetricAlarms"]])
    alarms = {
        alarm["AlarmName"]: alarm["StateValue"]
        for alarm in listed or []
        if {"Name": "ClusterName", "Value": cluster} in alarm.get("Dimensions", [])
    }
    return Observation(status, groups, installed, alarms, tuple(unread))


def gate(
    look: Callable[[], Observation],
    minutes: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = print,
    poll: float = POLL_SECONDS,
) -> tuple[bool, Verdict]:
    """Watch until the soak passes or fails; the last verdict says why."""
    soak = Soak(minutes, clock())
    while True:
        seen = verdict(look())
        now = clock()
        outcome = soak.step(seen, now)
        elapsed = (now - soak.started) / 60
        report(
            f"{elapsed:5.1f} min: {seen.state}"
            + (f" ({'; '.join(seen.reasons)})" if seen.reasons else "")
        )
        if outcome is not None:
            return outcome == "passed", seen
        sleep(poll)
