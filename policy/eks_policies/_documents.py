"""Reading IAM and KMS policy documents (parsed JSON) defensively, the way IAM evaluates them.

IAM matches action names and condition keys case-insensitively, `Action`/`Resource`/`Principal`
values may be a string or a list, and a condition operator may carry a set qualifier
(`ForAnyValue:`/`ForAllValues:`) and an `IfExists` suffix
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Any

from ._props import as_list

WILDCARD_CHARACTERS = ("*", "?")
# "*" itself, or an ARN pattern whose every part is a wildcard ("arn:aws:*:*:*:*", "arn:*").
_EVERY_RESOURCE = re.compile(r"\*|arn:\*|arn:[\w*-]+(:\*)+", re.IGNORECASE)
# Exact-match operators: with them a condition pins a key to the listed values.
_PINNING_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike"})


def statements(document: Any) -> list[dict[str, Any]]:
    """The document's statements as a list of dicts; anything malformed is skipped."""
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def allows(statement: dict[str, Any]) -> bool:
    effect = statement.get("Effect")
    return isinstance(effect, str) and effect.strip().lower() == "allow"


def label(statement: dict[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement #{index + 1}"


def has_wildcard(value: str) -> bool:
    return any(c in value for c in WILDCARD_CHARACTERS)


def principal_values(statement: dict[str, Any], kind: str) -> list[str]:
    principal = statement.get("Principal")
    if not isinstance(principal, dict):
        return []
    return values({kind: principal.get(kind)}, kind)


def principal_is_anyone(statement: dict[str, Any]) -> bool:
    """Principal "*" (as a string, a list or under any kind, e.g. {"AWS": "*"}), any wildcard
    principal, or an Allow with NotPrincipal (everyone but the listed ones)."""
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        named = [v for kind in principal for v in values(principal, kind)]
    else:
        named = [v for v in as_list(principal) if isinstance(v, str)]
    return any(has_wildcard(v) for v in named)


def values(statement: dict[str, Any], key: str) -> list[str]:
    """A "string or list of strings" field (Action, Resource) as a list of strings."""
    return [v.strip() for v in as_list(statement.get(key)) if isinstance(v, str)]


def grants_action(statement: dict[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) covers `action`, case-insensitively."""
    wanted = action.lower()
    if "NotAction" in statement:
        return not any(
            fnmatch.fnmatchcase(wanted, a.lower()) for a in values(statement, "NotAction")
        )
    return any(fnmatch.fnmatchcase(wanted, a.lower()) for a in values(statement, "Action"))


# Actions of unrelated services: a pattern that matches them all matches every action ("*",
# "*:*", "*:*Object*" does not). IAM writes: a pattern covering them all lets the principal grant
# itself anything ("iam:*", "iam:*Role*" does not cover CreateUser).
_UNRELATED_ACTIONS = ("s3:getobject", "ec2:runinstances", "iam:createuser", "kms:decrypt")
_IAM_ESCALATION = ("iam:attachrolepolicy", "iam:putrolepolicy", "iam:createuser", "iam:passrole")


def _covering(statement: dict[str, Any], actions: tuple[str, ...]) -> list[str]:
    return [
        a
        for a in values(statement, "Action")
        if all(fnmatch.fnmatchcase(wanted, a.lower()) for wanted in actions)
    ]


def every_action(statement: dict[str, Any]) -> list[str]:
    """The statement's Action patterns that match every action ("*", "*:*", "*:?*")."""
    return _covering(statement, _UNRELATED_ACTIONS)


def all_of_iam(statement: dict[str, Any]) -> list[str]:
    """Action patterns that grant every IAM write ("iam:*", "IAM:*"): admin by another name."""
    return _covering(statement, _IAM_ESCALATION)


def whole_service_actions(statement: dict[str, Any]) -> list[str]:
    """Actions that grant a whole service or more ("*", "iam:*", "s3:*Object*" is not one)."""
    return [a for a in values(statement, "Action") if a == "*" or a.split(":", 1)[-1] == "*"]


def every_resource(statement: dict[str, Any]) -> bool:
    """Resource "*" (or an all-wildcard ARN), or NotResource (everything but the listed ones)."""
    if "NotResource" in statement:
        return True
    return any(_EVERY_RESOURCE.fullmatch(r) for r in values(statement, "Resource"))


@dataclass(frozen=True)
class ConditionTest:
    """One key test of a Condition block, its operator split into its parts."""

    operator: str  # the base operator, lower case, e.g. "stringlike"
    qualifier: str  # "", "forallvalues" or "foranyvalue"
    if_exists: bool
    key: str  # lower case
    values: tuple[Any, ...]

    @property
    def pins(self) -> bool:
        """Whether the test limits the key to the listed literal values.

        ForAllValues is true when the key is absent (vacuously), negated operators match
        everything else, and a wildcard ("*", "?") under any operator matches more than one value.
        """
        return (
            self.operator in _PINNING_OPERATORS
            and self.qualifier != "forallvalues"
            and bool(self.values)
            and all(isinstance(v, str) and v and not has_wildcard(v) for v in self.values)
        )


def condition_tests(statement: dict[str, Any]) -> list[ConditionTest]:
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return []
    tests = []
    for raw_operator, keys in condition.items():
        if not isinstance(raw_operator, str) or not isinstance(keys, dict):
            continue
        qualifier, _, operator = raw_operator.strip().lower().rpartition(":")
        if_exists = operator.endswith("ifexists")
        operator = operator.removesuffix("ifexists")
        for key, tested in keys.items():
            if isinstance(key, str):
                tests.append(
                    ConditionTest(
                        operator, qualifier, if_exists, key.strip().lower(), tuple(as_list(tested))
                    )
                )
    return tests
