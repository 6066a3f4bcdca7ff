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
from components.cluster.versions import refuse_for_new_stack
from components.stack.record import OUTPUT, Deployment, node_role_label
from components.stack.rules import refusals
from components.stack.settings import Settings
from components.stack.upgrade import plan_versions

SELF_REFERENCE = "last-deployment"  # the StackReference's logical name


class RefusedChanges(SettingsError):
    """Changes to the deployed stack that the day-2 rules refuse."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems, title="refused changes to the deployed stack")


def own_record() -> Any:
    """The stack's own `deployment` output from its last update (None for a new stack), read
    through a StackReference to itself, synchronously: the guard must decide before any resource
    is registered (the SDK's own synchronous invokes wait the same way)."""
    stack = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    reference = pulumi.StackReference(SELF_REFERENCE, stack_name=stack)
    details = _sync_await(reference.get_output_details(OUTPUT))
    return details.value if details.value is not None else details.secret_value


def last_deployment(
    environ: Mapping[str, str] = os.environ, read_own: Callable[[], Any] = own_record
) -> Deployment | None:
    """The record of the last `pulumi up` of this stack, or None for a stack never deployed."""
    text = environ.get(DEPLOYED_ENVIRONMENT, "").strip()
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
    today = today or dt.date.today()
    allowed = settings.allow_disruptive_changes
    plan = plan_versions(
        previous.running if previous else None,
        settings.kubernetes_version,
        allowed,
        today,
        managed_nodes=not settings.compute.auto_mode,
    )
    node_role = node_role_label(previous, settings.compute.mode)
    deployment = Deployment.of(settings, zones, deployer, plan.versions, node_role)
    if previous is None:
        # A deployed stack past the end of standard support is warned (by the settings); a new
        # one must not start there.
        if problem := refuse_for_new_stack(settings.kubernetes_version, today):
            raise SettingsError([f"{PROJECT}:{problem}"])
    elif found := refusals(previous, deployment, allowed, today):
        raise RefusedChanges(found)
    for note in plan.notes:
        pulumi.log.warn(note)
    return deployment
