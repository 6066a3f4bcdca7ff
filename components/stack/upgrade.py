"""How a change of `kubernetesVersion` reaches a deployed cluster: what the control plane and the
managed node groups are set to in this `pulumi up`, and what EKS would refuse. Add-ons and the
controllers' charts always take the setting's row of the version table. Pure: the last record
and the settings in, a plan out.

EKS's rules (Amazon EKS User Guide, read 2026-12-06):
- Up: "Update one minor version at a time" ("Update existing cluster to new Kubernetes version",
  https://docs.aws.amazon.com/eks/latest/userguide/update-cluster.html); node groups follow the
  control plane (a node group's version may not be newer than the cluster's).
- Down (rollback, https://docs.aws.amazon.com/eks/latest/userguide/rollback-cluster.html):
  "You can only rollback by one minor version (N to N-1)", "The rollback must be initiated
  within 7 days of the upgrade completing", only a cluster that "must have been upgraded" in
  place; "Managed Node Groups. You must roll back these separately using the
  UpdateNodegroupVersion API", before the control plane (its readiness insights check the
  kubelet skew); EKS leaves add-ons as they are, so "If you have add-ons running versions
  incompatible with the previous Kubernetes version, downgrade them" first (kube-proxy must not
  be newer than the API server: Kubernetes version-skew policy); a target version in extended
  support needs the EXTENDED upgrade policy first; EKS Auto Mode rolls its own nodes back before
  the control plane (https://docs.aws.amazon.com/eks/latest/userguide/rollback-automode.html).

A rollback therefore takes two `pulumi up`s with managed node groups (Pulumi updates the
cluster before what depends on it, so one update cannot put the node groups first): the first
rolls the node groups and the add-ons back with the control plane kept, the second rolls the
control plane back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from components.base.config import PROJECT
from components.cluster.versions import minor, past_standard_support

ROLLBACK_WINDOW = dt.timedelta(days=7)  # rollback-cluster.html, "7-day window"
KEY = "kubernetesVersion"


@dataclass(frozen=True)
class Upgrade:
    """The last in-place change of the control plane's version: from which version, on which day
    (the day of the `pulumi up` that made it; EKS counts its rollback window from completion)."""

    from_version: str
    on: dt.date


@dataclass(frozen=True)
class Versions:
    """What one deployment sends to EKS."""

    control_plane: str
    nodes: str  # the managed node groups'
    upgrade: Upgrade | None = None  # None: none known (a new cluster, or after a rollback)
    upgrade_known: bool = True  # False for records written before upgrades were recorded
    rolls_back: bool = False  # this update sends the control plane down a minor (not recorded)


@dataclass(frozen=True)
class Plan:
    versions: Versions
    refusals: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # worth saying in this update (a rollback step)


def _refuse(before: str, after: str, why: str) -> Plan:
    return Plan(
        Versions(before, before, before), refusals=(f"{PROJECT}:{KEY}: {before} -> {after}: {why}",)
    )


def plan_versions(
    previous: Versions | None,
    desired: str,
    allowed: Collection[str],
    today: dt.date,
    *,
    managed_nodes: bool = True,
) -> Plan:
    """The versions of this update, going from `previous` (None: a new stack) to `desired`."""
    if previous is None:
        return Plan(Versions(desired, desired))
    current, nodes = previous.control_plane, previous.nodes
    step = minor(desired) - minor(current)
    if step == 0:
        # Settled, or a rollback abandoned after its first step: the node groups catch up.
        return Plan(
            Versions(current, desired, previous.upgrade, previous.upgrade_known),
            notes=(f"node groups back to {desired} with the control plane",)
            if nodes != desired
            else (),
        )
    if step == 1:
        if nodes != current:
            return _refuse(
                current,
                desired,
                f"the node groups run {nodes} (a rollback half done): finish it first (set "
                f"{current} again, or go on to {nodes}), then upgrade",
            )
        return Plan(Versions(desired, desired, Upgrade(current, today)))
    if step > 1:
        return _refuse(
            current,
            desired,
            f"EKS upgrades one minor version at a time: deploy 1.{minor(current) + 1} first, then "
            "each next minor (docs/day2.md, upgrade runbook)",
        )
    if step < -1:
        return _refuse(
            current,
            desired,
            "EKS rolls a cluster back by one minor version only (N to N-1, within 7 days of the "
            f"upgrade). Keep {current}, or roll back to 1.{minor(current) - 1} first",
        )
    return _rollback(previous, desired, allowed, today, managed_nodes)


def _rollback(
    previous: Versions, desired: str, allowed: Collection[str], today: dt.date, managed: bool
) -> Plan:
    current, upgrade = previous.control_plane, previous.upgrade
    if KEY not in allowed:
        return _refuse(
            current,
            desired,
            "a rollback: EKS allows it within 7 days of the upgrade, node groups first (two "
            f'`pulumi up`s, docs/day2.md "Rolling back"). Add "{KEY}" to '
            f"{PROJECT}:allowDisruptiveChanges to roll back, or keep {current}",
        )
    if previous.upgrade_known and (upgrade is None or upgrade.from_version != desired):
        return _refuse(
            current,
            desired,
            f"EKS rolls back only an in-place upgrade, and this cluster was not upgraded from "
            f"{desired} (it was created at {current}, or already rolled back). Keep {current}",
        )
    if past_standard_support(desired, today):
        return _refuse(
            current,
            desired,
            f"{desired} is past the end of EKS standard support, and EKS rolls back to such a "
            "version only under the EXTENDED upgrade policy (this baseline's is STANDARD). Keep "
            f"{current}",
        )
    if upgrade is not None and today - upgrade.on >= ROLLBACK_WINDOW:
        return _refuse(
            current,
            desired,
            f"the upgrade from {desired} was deployed on {upgrade.on}; EKS allows a rollback "
            f"only within 7 days of the upgrade. Keep {current} and fix forward",
        )
    unknown = (
        ()
        if previous.upgrade_known
        else (
            "the deployment record predates upgrade tracking: EKS refuses the rollback if the "
            "upgrade completed more than 7 days ago or the cluster was created at "
            f"{current}",
        )
    )
    if managed and previous.nodes == current:
        return Plan(
            Versions(current, desired, upgrade, previous.upgrade_known),
            notes=(
                f"rollback step 1 of 2: the node groups and the add-ons go back to {desired}, "
                f"the control plane stays at {current} (EKS wants them first). Run `pulumi up` "
                "again with the same settings to roll the control plane back",
                *unknown,
            ),
        )
    return Plan(
        Versions(desired, desired, None, True, rolls_back=True),
        notes=(
            f"rollback{' step 2 of 2' if managed else ''}: the control plane goes back to "
            f"{desired}"
            + ("" if managed else ", EKS's Auto Mode nodes and the add-ons with it")
            + f'. Remove "{KEY}" from {PROJECT}:allowDisruptiveChanges afterwards',
            *unknown,
        ),
    )
