"""The guard in `pulumi up`: the last deployment's record, and the refusal of unsafe changes to it
before any resource is registered.

The record is the stack's own output `deployment` from its last update. The program reads it
itself, through a StackReference to its own stack (the engine reads the stack's last checkpoint,
in `pulumi preview` as in `pulumi up`), so a `pulumi up` run by hand is guarded too. Whoever runs
`pulumi up` may also hand it in as EKS_PLATFORM_DEPLOYED (the JSON of `pulumi stack output
deployment --json`, as `./scripts/up` and the workflows do); that wins when set."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await

from components.base.config import PROJECT, SettingsError
from components.base.config.pulumi_config import DEPLOYED_ENVIRONMENT
from components.cluster.versions import minor, refuse_for_new_stack, utc_today
from components.network.existing import control_plane_zones
from components.stack.record import OUTPUT, Deployment, node_role_label
from components.stack.rules import pod_range_notes, refusals
from components.stack.settings import Settings
from components.stack.upgrade import plan_versions

SELF_REFERENCE = "last-deployment"  # the StackReference's logical name
NO_RECORD = "new"  # EKS_PLATFORM_DEPLOYED's value that says: no record, on purpose


class RefusedChanges(SettingsError):
    """Changes to the deployed stack that the day-2 rules refuse."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems, title="refused changes to the deployed stack")


def own_outputs(*names: str) -> dict[str, Any]:
    """The stack's own outputs `names` from its last update (absent ones left out), read through
    a StackReference to itself, synchronously: the guard must decide before any resource is
    registered (the SDK's own synchronous invokes wait the same way)."""
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference(SELF_REFERENCE, stack_name=stack)
    found = {}
    for name in names:
        details = _sync_await(reference.get_output_details(name))
        value = details.value if details.value is not None else details.secret_value
        if value is not None:
            found[name] = value
    return found


def own_record() -> Any:
    """The stack's own record; None for a stack never deployed. A stack that was deployed (it has
    a cluster) but holds no record is refused: guessing would be unguarded, and would pick the
    node role of a new stack (an Auto Mode stack moved from node groups runs another)."""
    outputs = own_outputs(OUTPUT, "clusterName")
    if OUTPUT not in outputs and "clusterName" in outputs:
        raise SettingsError(
            [
                f"the stack has a cluster ({outputs['clusterName']}) but no `{OUTPUT}` output to "
                "guard this update with (deployed by a version of this program that wrote none, "
                "or its last update stopped before): check the change with `./scripts/preflight "
                f"<stack> --against <the commit deployed>`, then run `pulumi up` once with "
                f"{DEPLOYED_ENVIRONMENT}={NO_RECORD} (unguarded) to write it"
            ]
        )
    return outputs.get(OUTPUT)


def handed_in_record(environ: Mapping[str, str] = os.environ) -> dict[str, Any] | None:
    """The record whoever runs `pulumi up` hands in as EKS_PLATFORM_DEPLOYED, for tools that run
    beside it (the change review, the readiness check): None when unset or `new`; ValueError
    when it is not a JSON object."""
    text = environ.get(DEPLOYED_ENVIRONMENT, "").strip()
    if not text or text == NO_RECORD:
        return None
    try:
        record = json.loads(text)
    except ValueError:
        record = None
    if not isinstance(record, dict):
        raise ValueError(
            f"{DEPLOYED_ENVIRONMENT} is not a JSON object: it must hold `pulumi stack output "
            f"{OUTPUT} --json`, `{NO_RECORD}`, or be unset"
        )
    return record


def last_deployment(
    environ: Mapping[str, str] = os.environ, read_own: Callable[[], Any] = own_record
) -> Deployment | None:
    """The record of the last `pulumi up` of this stack, or None for a stack never deployed."""
    text = environ.get(DEPLOYED_ENVIRONMENT, "").strip()
    if text == NO_RECORD:
        return None
    if text:
        source = DEPLOYED_ENVIRONMENT
        try:
            data = json.loads(text)
        except ValueError:
            data = text
    else:
        source, data = f"the stack output `{OUTPUT}`", read_own()
        if data is None:
            return None
    try:
        return Deployment.from_output(data if isinstance(data, Mapping) else {})
    except ValueError as error:
        raise SettingsError(
            [
                f"{source}: {error}; it must hold the JSON of `pulumi stack output {OUTPUT} "
                "--json` (unset it for a stack never deployed)"
            ]
        ) from None


def guarded_deployment(
    settings: Settings,
    zones: tuple[str, ...],
    deployer: str,
    previous: Deployment | None,
    today: dt.date | None = None,
) -> Deployment:
    """This update's record; a SettingsError listing every refused change from `previous`, and
    the update's notes (a rollback step) in the Pulumi log."""
    today = today or utc_today()
    allowed = settings.allow_disruptive_changes
    plan = plan_versions(
        previous.running if previous else None,
        settings.kubernetes_version,
        allowed,
        today,
        managed_nodes=not settings.compute.auto_mode,
    )
    node_role = node_role_label(previous, settings.compute.mode)
    deployment = Deployment.of(
        settings,
        zones,
        deployer,
        plan.versions,
        node_role,
        control_plane_zones(settings.network) if settings.network.existing else (),
    )
    if previous is None:
        # A deployed stack past the end of standard support is warned (by the settings); a new
        # one must not start there.
        if problem := refuse_for_new_stack(settings.kubernetes_version, today):
            raise SettingsError([f"{PROJECT}:{problem}"])
    elif found := refusals(previous, deployment, allowed, today) + _karpenter_rollback(
        settings, previous
    ):
        raise RefusedChanges(found)
    for note in [*plan.notes, *(pod_range_notes(previous, deployment) if previous else [])]:
        pulumi.log.warn(note)
    return deployment


def _karpenter_rollback(settings: Settings, previous: Deployment) -> list[str]:
    """Karpenter's nodes follow the control plane's version (drift) and run its kubelet: during a
    rollback they stay on the newer one, which EKS's rollback readiness (kubelet version skew)
    blocks (rollback-cluster.html: self-managed nodes are "your responsibility")."""
    before, after = previous.running.control_plane, settings.kubernetes_version
    rollback = minor(after) < minor(before)
    if not (rollback and settings.controllers.enabled and settings.controllers.karpenter):
        return []
    return [
        f"{PROJECT}:kubernetesVersion: {before} -> {after}: Karpenter's nodes run the control "
        f"plane's kubelet ({before}) and would block the rollback (EKS rollback readiness: "
        "kubelet version skew). Take them off first: set controllers.karpenter to false for the "
        "rollback (its NodePool goes first and Karpenter drains its nodes), roll back, then turn "
        "it on again"
    ]
