"""The program run against the mocked cloud once per distinct (stack, overrides): runs are
deterministic and tests only read them, so tests share them instead of running them again."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from offline.runner import ProgramRun, run_program

# prod with every option on that adds resources: controllers, Prometheus, alarm e-mails, access
# entries (also one of the stacks tests/offline/deployed_urns.json records).
EVERY_OPTION = {
    "controllers": {"enabled": True},
    "monitoring": {"prometheus": True, "alarmEmails": ["oncall@example.com", "b@example.org"]},
    "cluster": {
        "adminPrincipalArns": ["arn:aws:iam::111122223333:role/platform-admins"],
        "viewerPrincipalArns": ["arn:aws:iam::111122223333:user/auditor"],
    },
}


def program(stack: str, overrides: dict[str, Any] | None = None) -> ProgramRun:
    return _run(stack, json.dumps(overrides or {}, sort_keys=True))


@cache
def _run(stack: str, overrides: str) -> ProgramRun:
    return run_program(stack, json.loads(overrides))
