"""The program run against the mocked cloud once per distinct (stack, overrides): runs are
deterministic and tests only read them, so tests share them instead of running them again."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from preflight.offline.runner import ProgramRun, run_program

# prod with every option on that adds resources (controllers, Prometheus, alarm e-mails, access
# entries): one of the stacks whose deployed URNs tests/offline/deployed_urns.json records.
DEPLOYED = json.loads(
    (Path(__file__).parent / "preflight" / "offline" / "deployed_urns.json").read_text()
)
EVERY_OPTION = DEPLOYED["stacks"]["prod-every-option"]["overrides"]
# The cluster setting that lets a deploy runner reach the private endpoint: required whenever
# the in-cluster controllers are on (their `pulumi up` talks to the Kubernetes API).
RUNNER = {"endpointAccess": {"securityGroupIds": ["sg-0123456789abcdef0"]}}


def program(stack: str, overrides: dict[str, Any] | None = None, **options: Any) -> ProgramRun:
    """The run of `stack` with `overrides`; `options` are run_program's keywords (`deployed`,
    `zone_states`)."""
    return _run(
        stack, json.dumps(overrides or {}, sort_keys=True), json.dumps(options, sort_keys=True)
    )


@cache
def _run(stack: str, overrides: str, options: str) -> ProgramRun:
    return run_program(stack, json.loads(overrides), **json.loads(options))


def region(run: ProgramRun) -> str:
    """The region the run's stack deploys to (its `aws:region`)."""
    return run.config["aws:region"]


def keeps_logs(run: ProgramRun) -> bool:
    """Whether the run's stack keeps its log groups (and their keys) after a destroy: the
    default, unless the stack sets retainLogsOnDestroy to false (dev)."""
    return str(run.config.get("eks-platform:retainLogsOnDestroy", True)).lower() != "false"
