"""The project's keys as the Pulumi CLI hands them to the program."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.runtime import config as runtime_config

from components.base.config.kinds import decode_json
from components.base.config.problems import PROJECT

# The last deployment's record (the stack output `deployment`, as JSON), which `./scripts/up` and
# the deploy workflow hand to `pulumi up`: the program's one input besides the stack's config.
DEPLOYED_ENVIRONMENT = "EKS_PLATFORM_DEPLOYED"
# The stack output that holds that record (components/stack/record.py writes it).
DEPLOYMENT_OUTPUT = "deployment"


def current_config() -> dict[str, object]:
    """Every config value of this run (full key -> value). Read from the runtime rather than
    through `pulumi.Config`, which answers only for keys asked by name: a typo must be found,
    so every key the stack sets has to be listed."""
    merged = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def project_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """The project-namespace keys of a config map, without the prefix, JSON values decoded
    (the CLI passes every value as a string, structured ones as JSON)."""
    prefix = f"{PROJECT}:"
    return {
        key.removeprefix(prefix): decode_json(value)
        for key, value in config.items()
        if key.startswith(prefix)
    }
