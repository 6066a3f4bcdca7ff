"""Running __main__.py for a stack against the mocked cloud, as `pulumi preview` would run it."""

from __future__ import annotations

import json
import logging
import os
import runpy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks

from components.base.config import PROJECT, SettingsError
from components.base.config.merge import deep_merge
from components.base.config.pulumi_config import (
    DEPLOYED_ENVIRONMENT,
    DEPLOYMENT_OUTPUT,
    namespace_problems,
)
from preflight.offline.mocked_aws import MockedCloud, region_problem
from preflight.offline.recorder import RecordingMonitor, Registration, ancestors

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class ProgramRun:
    stack: str
    config: dict[str, Any]
    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    infos: list[str] = field(default_factory=list)  # pulumi.log.info: what a preview says
    invokes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def one(self, typ: str) -> Registration:
        found = self.of_type(typ)
        if len(found) != 1:
            raise AssertionError(f"expected one {typ}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)

    def waits_for(self, resource: Registration, other: Registration) -> bool:
        """True when `resource` is created only after `other`, directly or through other resources."""
        return other.urn in ancestors(resource, {r.urn: r for r in self.registrations})


def stack_config(stack: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """The `config:` block of Pulumi.<stack>.yaml (full keys, values as written)."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(
            f"no stack file {path.name}; stacks: {', '.join(stacks(project_dir))}"
        )
    return dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})


def stacks(project_dir: Path = ROOT) -> list[str]:
    return sorted(p.name.split(".")[1] for p in project_dir.glob("Pulumi.*.yaml"))


class RegionError(SettingsError):
    """A stack whose region the offline tools cannot run (exit status 2), said in one line."""

    def __init__(self, problem: str) -> None:
        self.problems = [problem]
        ValueError.__init__(self, problem)


class _LogCollector(logging.Handler):
    """The program's messages as `pulumi preview` would show them: warnings, and what it says."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.warnings: list[str] = []
        self.infos: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        kept = self.warnings if record.levelno >= logging.WARNING else self.infos
        kept.append(record.getMessage())


def _as_engine_string(value: Any) -> str:
    """The CLI passes every config value as a string; structured ones as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _drop_nones(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_nones(v) for k, v in value.items() if v is not None}
    return value


def run_program(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    preview: bool = False,
    *,
    deployed: Mapping[str, Any] | None = None,
    zone_states: Mapping[str, str] | None = None,
    project_dir: Path = ROOT,
    last_outputs: Mapping[str, Any] | None = None,
) -> ProgramRun:
    """Run `project_dir`/__main__.py for `stack` against the mocked cloud.

    `overrides` are project config values keyed without the "eks-platform:" prefix (or full
    "namespace:key" keys); objects are merged into the stack file's objects (a None value
    removes the key). `deployed` is the last deployment's `deployment` output, which the program
    reads from its own stack (None: a stack never deployed); `zone_states` changes AWS's AZ
    answer; `last_outputs`, all the stack's outputs of its last update, when a test needs more
    than the record. Exceptions the program raises (such as a SettingsError) propagate; a missing
    `aws:region`, or one outside the commercial partition, is a RegionError.
    """
    config = stack_config(stack, project_dir)
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        merged = deep_merge(config.get(full), value)
        if merged is None:
            config.pop(full, None)
        else:
            config[full] = _drop_nones(merged)
    if problem := region_problem(config.get("aws:region")):
        # A misspelt key (`aws:regoin`) is the likely reason: every problem at once.
        unread = namespace_problems(config)
        raise SettingsError([*unread, problem]) if unread else RegionError(problem)
    cloud = MockedCloud(config["aws:region"], zone_states=zone_states)
    outputs = dict(last_outputs or {})
    if deployed is not None:
        outputs[DEPLOYMENT_OUTPUT] = dict(deployed)
    monitor = RecordingMonitor(cloud, stack, PROJECT, outputs)
    log = _LogCollector()
    logger = logging.getLogger(f"offline.{stack}")
    logger.handlers = [log]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    pulumi.runtime.set_all_config({k: _as_engine_string(v) for k, v in config.items()})
    # A root stack of this run's own: set_mocks makes one only when none is set, and the last
    # run's (a context variable) would lend this one its name and the outputs it exported.
    pulumi.runtime.reset_options(project=PROJECT, stack=stack, preview=preview)
    pulumi_mocks.set_mocks(
        cloud, project=PROJECT, stack=stack, preview=preview, monitor=monitor, logger=logger
    )
    run = ProgramRun(stack=stack, config=config)

    def program() -> pulumi.Output:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        exported = pulumi.runtime.settings.get_root_resource().outputs  # type: ignore[union-attr]
        return pulumi.Output.all(**exported).apply(run.outputs.update)

    # A record handed in by the caller would win over the stack's own: this run reads its own.
    handed_in = os.environ.pop(DEPLOYED_ENVIRONMENT, None)
    try:
        pulumi.runtime.test(program)()
    finally:
        if handed_in is not None:
            os.environ[DEPLOYED_ENVIRONMENT] = handed_in
    run.registrations = list(monitor.registrations)
    run.warnings, run.infos = log.warnings, log.infos
    run.invokes = list(cloud.invokes)
    return run
