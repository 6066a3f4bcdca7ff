"""Reading IAM and KMS policy documents (parsed JSON) defensively."""

from __future__ import annotations

from typing import Any

from ._props import as_list


def statements(document: Any) -> list[dict[str, Any]]:
    """The document's statements as a list of dicts; anything malformed is skipped."""
    if not isinstance(document, dict):
        return []
    return [s for s in as_list(document.get("Statement")) if isinstance(s, dict)]


def allows(statement: dict[str, Any]) -> bool:
    return statement.get("Effect") == "Allow"


def label(statement: dict[str, Any], index: int) -> str:
    sid = statement.get("Sid")
    return f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement #{index + 1}"


def principal_is_anyone(statement: dict[str, Any]) -> bool:
    """Principal "*", {"AWS": "*"} (or a list holding "*"), or an Allow with NotPrincipal."""
    if "NotPrincipal" in statement:
        return True
    principal = statement.get("Principal")
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in as_list(principal.get(kind)) for kind in ("AWS", "Federated", "Service"))
    return False


def values(statement: dict[str, Any], key: str) -> list[str]:
    """A "string or list of strings" field (Action, Resource) as a list of strings."""
    return [v for v in as_list(statement.get(key)) if isinstance(v, str)]


def condition_keys(statement: dict[str, Any]) -> dict[str, set[str]]:
    """Condition operator -> the condition keys it tests."""
    condition = statement.get("Condition")
    if not isinstance(condition, dict):
        return {}
    return {op: set(tests) for op, tests in condition.items() if isinstance(tests, dict)}


def condition_value(statement: dict[str, Any], operator: str, key: str) -> list[Any]:
    tests = condition_keys(statement) and statement["Condition"].get(operator)
    return as_list(tests.get(key)) if isinstance(tests, dict) else []
