"""Reading IAM and KMS policy documents (parsed JSON) defensively, the way IAM evaluates them.

IAM matches action names and condition keys case-insensitively, `Action`/`Resource`/`Principal`
values may be a string or a list, and a condition operator may carry a set qualifier
(`ForAnyValue:`/`ForAllValues:`) and an `IfExists` suffix
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

from ._props import as_list

WILDCARD_CHARACTERS = ("*", "?")
# ARNs of unrelated services and accounts, per partition: a Resource pattern that matches all of
# one partition's matches every resource there ("*", "**", "arn:*", "arn:aws:*:*:*:*",
# "arn:aws*:*:*:*:*/*"), as IAM's globbing would.
_UNRELATED_ARNS = tuple(
    (
        f"arn:{partition}:s3:::some-bucket/some/key",
        f"arn:{partition}:iam::111122223333:role/some-role",
        f"arn:{partition}:ec2:{region}:444455556666:instance/i-0abc",
        f"arn:{partition}:kms:{region}:777788889999:key/1234",
    )
    for partition, region in (
        ("aws", "eu-west-1"),
        ("aws-cn", "cn-north-1"),
        ("aws-us-gov", "us-gov-west-1"),
    )
)
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
    return any(
        all(fnmatch.fnmatchcase(arn, r.lower()) for arn in arns)
        for r in values(statement, "Resource")
        for arns in _UNRELATED_ARNS
    )


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
        (IfExists is true when the key is absent too: callers that test keys a request may lack
        check `if_exists` themselves.)
        """
        return (
            self.operator in _PINNING_OPERATORS
            and self.qualifier != "forallvalues"
            and bool(self.values)
            and all(isinstance(v, str) and v and not has_wildcard(v) for v in self.values)
        )


# Condition keys that tie a request to known principals, accounts, organizations or networks.
_NARROWING_KEYS = frozenset(
    {
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:userid",
        "kms:calleraccount",
        "kms:viaservice",
    }
)
_ARN_OPERATORS = frozenset({"arnequals", "arnlike"})


def narrows_principal(statement: dict[str, Any]) -> bool:
    """Whether a Condition ties the statement to known principals: an exact test of a key such
    as aws:SourceAccount or aws:PrincipalOrgID (aws:SecureTransport or a wildcard do not). A
    value unknown at preview counts: it is checked again at `up`."""
    for test in condition_tests(statement):
        if test.key not in _NARROWING_KEYS:
            continue
        if any(v is not None and not isinstance(v, str) for v in test.values):
            return True  # unknown at preview
        arn_pin = (
            test.operator in _ARN_OPERATORS
            and test.qualifier != "forallvalues"
            and not test.if_exists
            and bool(test.values)
            and all(v and not has_wildcard(v) for v in test.values)
        )
        if (test.pins and not test.if_exists) or arn_pin:
            return True
    return False


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
