"""`fleet.yaml`, the inventory: which stacks make the fleet, in which AWS account (the deployer
role to assume) and region each one runs, in which wave it is rolled out, and the gates of each
wave. Declared with the settings kit (components.base.config), so a bad inventory is refused the
way bad settings are: every problem at once, each naming the key, the value and what is allowed,
before anything runs."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components.base.config import (
    PROJECT,
    ReadContext,
    SettingsError,
    read_document,
    sections,
    setting,
)
from components.base.config.declare import Check
from components.base.config.kinds import Integer, StringMap, Text, must_be

ROOT = Path(__file__).resolve().parents[1]
FILE = "fleet.yaml"
# The rollout job gives `pulumi up` 120 minutes (as deploy-stack.yml) and the health gate its own
# step timeout and AWS session, sized for 30 minutes of settling and the longest soak: so the
# soak has a ceiling (tests/fleet/test_workflow.py holds fleet.yml to it).
UP_MINUTES = 120
SOAK_LIMIT_MINUTES = 120
# Shapes from IAM's API model (botocore 1.44.18, data/iam/2010-05-08/service-2.json: accountIdType
# `\d{12}`; roleNameType 1-64 of `[\w+=,.@-]`; pathType `/` or `/.../` of printable ASCII),
# read 2026-12-06. A role ARN is arn:<partition>:iam::<account>:role/<path><name> (IAM User
# Guide, "IAM identifiers", ARNs), the partitions botocore's endpoints.json names for IAM.
ACCOUNT_ID = re.compile(r"^\d{12}$")
ROLE_ARN = re.compile(
    r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>\d{12}):role"
    r"(?P<path>/(?:[\x21-\x7e]*/)?)(?P<name>[\w+=,.@-]{1,64})$"
)
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
STACK_NAME = re.compile(r"^[\w.-]+$")


class InventoryError(SettingsError):
    """fleet.yaml is invalid; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems, title=f"invalid {FILE}")


@dataclass(frozen=True)
class AccountId:
    """A 12-digit AWS account id, as a string: YAML reads an unquoted one as a number, which
    loses leading zeros."""

    doc: str = "string"

    def read(self, value: Any) -> str:
        if isinstance(value, str) and ACCOUNT_ID.match(value):
            return value
        hint = " in quotes (YAML reads an unquoted number)" if isinstance(value, int) else ""
        raise must_be(f'a 12-digit AWS account id{hint}, e.g. "111122223333"')


@dataclass(frozen=True)
class WaveSettings:
    """The gates of one wave: how many of its stacks deploy at once, and how long each is
    watched after its update before the next wave may start."""

    wave: int = setting(
        "wave", Integer(1, 99), default=0, required="set: the wave number", doc="The wave."
    )
    max_parallel: int = setting(
        "maxParallel",
        Integer(1, 256, "GitHub runs at most 256 jobs of a matrix"),
        default=1,
        doc="Stacks of the wave updated at the same time.",
    )
    soak_minutes: int = setting(
        "soakMinutes",
        Integer(0, SOAK_LIMIT_MINUTES, "the health gate's timeout leaves that much after settling"),
        default=10,
        doc="After its update, each stack must stay healthy (cluster, node groups and add-ons "
        "ACTIVE, no alarm in ALARM) this long before the next wave starts.",
    )


@dataclass(frozen=True)
class StackEntry:
    stack: str = setting(
        "stack",
        Text(pattern=STACK_NAME, allowed="a stack name (Pulumi.<stack>.yaml)"),
        default="",
        required="set: the stack's name, as in Pulumi.<stack>.yaml",
        doc="The stack.",
    )
    account: str = setting(
        "account",
        AccountId(),
        default="",
        required='set: the 12-digit AWS account id the stack deploys to, e.g. "111122223333"',
        doc="The AWS account the stack deploys to.",
    )
    role: str = setting(
        "role",
        Text(
            pattern=ROLE_ARN,
            allowed="an IAM role ARN, arn:aws:iam::<account>:role/<name>",
        ),
        default="",
        required="set: the stack's deployer role (docs/ci.md, step 3)",
        doc="The deployer role the rollout job assumes; the same as the environment's "
        "AWS_DEPLOY_ROLE_ARN.",
    )
    region: str = setting(
        "region",
        Text(pattern=REGION, allowed="an AWS region name such as eu-west-1"),
        default="",
        required="set: the stack's region (its aws:region)",
        doc="The stack's AWS region, as its stack file's `aws:region`.",
    )
    wave: int = setting(
        "wave", Integer(1, 99), default=0, required="set: the wave number", doc="Its wave."
    )
    labels: Mapping[str, str] = setting(
        "labels", StringMap(), default_factory=dict, doc="Free labels (tier, business unit)."
    )

    def checked(self, check: Check) -> StackEntry:
        found = ROLE_ARN.match(self.role)
        if found and check.given("account") and found["account"] != self.account:
            check.fail("role", self.role, f"a role of the account {self.account}")
        return self


@dataclass(frozen=True)
class Inventory:
    stacks: tuple[StackEntry, ...] = sections(
        "stacks", StackEntry, doc="The fleet's stacks.", default_doc="(required)"
    )
    waves: tuple[WaveSettings, ...] = sections(
        "waves", WaveSettings, doc="Each wave's gates (a wave not listed gets the defaults)."
    )
    warnings: tuple[str, ...] = ()

    def checked(self, check: Check) -> Inventory:
        if not self.stacks:
            check.fail("stacks", check.raw.get("stacks"), "a list of at least one stack")
        names = [s.stack for s in self.stacks if s.stack]
        for name in sorted({n for n in names if names.count(n) > 1}):
            check.problem("stacks", name, "listed more than once")
        numbers = [w.wave for w in self.waves if w.wave]
        for number in sorted({n for n in numbers if numbers.count(n) > 1}):
            check.problem("waves", number, "a wave listed more than once")
        used = {s.wave for s in self.stacks}
        for index, wave in enumerate(self.waves):
            if wave.wave and wave.wave not in used:
                check.problem(f"waves[{index}].wave", wave.wave, "no stack is in this wave")
        return self

    def gates(self, wave: int) -> WaveSettings:
        """The gates of `wave`: its entry, else the defaults."""
        return next((w for w in self.waves if w.wave == wave), WaveSettings(wave=wave))

    def entry(self, stack: str) -> StackEntry:
        found = [s for s in self.stacks if s.stack == stack]
        if not found:
            raise InventoryError([f"{FILE}: no stack {stack!r} (stacks: {self.names})"])
        return found[0]

    @property
    def names(self) -> str:
        return ", ".join(s.stack for s in self.stacks)


def _renamed(problem: str) -> str:
    """The kit words a problem `eks-platform:<key> ...`; here the key lives in fleet.yaml."""
    return f"{FILE}: {problem.removeprefix(f'{PROJECT}:')}"


def stack_file_problems(raw: Mapping[str, Any], project_dir: Path) -> list[str]:
    """Each listed stack must have its Pulumi.<stack>.yaml in `project_dir`, and its region must
    be that file's aws:region (the file is what `pulumi up` deploys)."""
    problems = []
    entries = raw.get("stacks")
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        stack = entry.get("stack") if isinstance(entry, Mapping) else None
        if not isinstance(stack, str) or not STACK_NAME.match(stack):
            continue
        path = project_dir / f"Pulumi.{stack}.yaml"
        key = f"{FILE}: stacks[{index}]"
        if not path.is_file():
            problems.append(f"{key}.stack = {stack!r}: no stack file {path.name} in the repository")
            continue
        try:
            config = (yaml.safe_load(path.read_text()) or {}).get("config") or {}
        except yaml.YAMLError as error:
            problems.append(f"{key}.stack = {stack!r}: {path.name} does not parse: {error}")
            continue
        region = config.get("aws:region")
        if entry.get("region") != region:
            problems.append(
                f"{key}.region = {entry.get('region')!r}: must be {path.name}'s aws:region, "
                f"{region!r}"
            )
    return problems


def read_inventory(text: str, project_dir: Path = ROOT) -> Inventory:
    """The inventory in `text` (fleet.yaml's content); InventoryError lists every problem."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise InventoryError([f"{FILE} does not parse as YAML: {error}"]) from None
    if not isinstance(raw, Mapping):
        raise InventoryError([f"{FILE} must be a mapping with `stacks` (and `waves`)"])
    problems = stack_file_problems(raw, project_dir)
    try:
        inventory = read_document(Inventory, raw, ReadContext("fleet", dt.date.today()))
    except SettingsError as error:
        problems = [_renamed(p) for p in error.problems] + problems
        raise InventoryError(problems) from None
    if problems:
        raise InventoryError(problems)
    return inventory


def load_inventory(project_dir: Path = ROOT) -> Inventory:
    path = project_dir / FILE
    if not path.is_file():
        raise InventoryError([f"no {FILE} in {project_dir}: list the fleet's stacks there"])
    return read_inventory(path.read_text(), project_dir)
