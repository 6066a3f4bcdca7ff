"""The last deployment's record, handed to `pulumi up` by whoever runs it (`./scripts/up` and the
deploy workflow read the stack output `deployment` into EKS_PLATFORM_DEPLOYED), and the guard
that refuses unsafe changes before any resource is registered."""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Mapping

from components.base.config import SettingsError
from components.base.config.pulumi_config import DEPLOYED_ENVIRONMENT
from components.stack.record import Deployment
from components.stack.rules import refusals


def last_deployment(environ: Mapping[str, str] = os.environ) -> Deployment | None:
    """The record of the last `pulumi up` of this stack, or None for a stack never deployed
    (unset or empty: `pulumi stack output deployment` found nothing)."""
    text = environ.get(DEPLOYED_ENVIRONMENT, "").strip()
    if not text:
        return None
    try:
        return Deployment.from_output(json.loads(text))
    except ValueError as error:
        raise SettingsError(
            [
                f"{DEPLOYED_ENVIRONMENT}: {error}; it must hold the JSON of "
                "`pulumi stack output deployment --json` (unset it for a stack never deployed)"
            ]
        ) from None


def refuse_unsafe_changes(
    previous: Deployment | None, current: Deployment, allowed: Collection[str]
) -> None:
    """Raise a SettingsError listing every refused change; nothing when the stack is new."""
    if previous is not None and (found := refusals(previous, current, allowed)):
        raise SettingsError(found, title="refused changes to the deployed stack")
