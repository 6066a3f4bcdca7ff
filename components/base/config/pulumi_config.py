"""The project's keys as the Pulumi CLI hands them to the program."""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import pulumi_aws
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


# The namespaces a stack file may use: the project's, the AWS provider's, and the engine's own
# (`pulumi:tags`, `pulumi:disable-default-providers`, ...). The Kubernetes provider is built from
# the cluster, so `kubernetes:*` keys would be read by nothing.
NAMESPACES = (PROJECT, "aws", "pulumi")


@cache
def aws_provider_keys() -> frozenset[str]:
    """The AWS provider's configuration variables, as its own SDK declares them
    (pulumi_aws/config/vars.py: each `__config__.get...('<key>')`)."""
    source = Path(pulumi_aws.__file__).parent / "config" / "vars.py"
    return frozenset(
        node.args[0].value
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr.startswith("get")
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "__config__"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    )


def _did_you_mean(word: str, choices: list[str], spelled: str) -> str:
    """` (did you mean <spelled with the nearest choice>?)`, or nothing when none is near."""
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean {spelled.format(found[0])}?)" if found else ""


def namespace_problems(config: Mapping[str, Any]) -> list[str]:
    """A problem for each key of the stack's config that nothing reads: a namespace other than
    NAMESPACES (a typo such as `eks-platfrom:network` would silently give the defaults), or an
    `aws:` key the AWS provider does not have (`aws:regoin`)."""
    problems = []
    for key in sorted(config):
        namespace, _, name = key.partition(":")
        if namespace not in NAMESPACES:
            fix = _did_you_mean(namespace, list(NAMESPACES), f"{{}}:{name}")
            problems.append(
                f"{key}: no such namespace; the stack file's keys are "
                f"{PROJECT}:<key>, aws:<provider setting> or pulumi:<engine setting>{fix}"
            )
        elif namespace == "aws" and name not in aws_provider_keys():
            fix = _did_you_mean(name, sorted(aws_provider_keys()), "aws:{}")
            problems.append(f"{key}: not a setting of the AWS provider{fix}")
    return problems
