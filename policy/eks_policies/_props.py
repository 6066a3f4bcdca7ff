"""Defensive readers for resource properties as the policy engine sends them.

The analyzer hands a policy its properties wrapped in `unknown_checking_proxy`: reading a value
that is unknown at preview raises `UnknownValueError`, `in` on a mapping reads the value, and
the proxies are neither `dict` nor `list`. `to_plain` turns that into plain dicts and lists once,
with every unknown replaced by the `UNKNOWN` marker, so the checks below never raise and can
decide per property whether an unknown passes (a reference to another resource) or fails (a
setting that must be a literal).
"""

from __future__ import annotations

import ipaddress
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from pulumi_policy import proxy as _proxy
from pulumi_policy.proxy import (
    UNKNOWN_ARCHIVE_VALUE,
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_ASSET_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
    UnknownValueError,
)

Props = dict[str, Any]

_SENTINELS: Final = frozenset(
    {
        UNKNOWN_ARCHIVE_VALUE,
        UNKNOWN_ARRAY_VALUE,
        UNKNOWN_ASSET_VALUE,
        UNKNOWN_BOOLEAN_VALUE,
        UNKNOWN_NUMBER_VALUE,
        UNKNOWN_OBJECT_VALUE,
        UNKNOWN_STRING_VALUE,
    }
)


# The analyzer's unknown-checking proxies (private to pulumi_policy.proxy): `proxy["__target"]`
# is the wrapped container, so a copy need not pay a check per value read. Should a later SDK
# rename them, the generic Mapping/Sequence path below still copies correctly, only slower.
_PROXIES: Final = tuple(
    kind for name in ("_DictProxy", "_ListProxy") if (kind := getattr(_proxy, name, None))
)


class _Unknown:
    """A value the engine cannot know at preview (it depends on another resource's outputs)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unknown at preview>"


UNKNOWN: Final = _Unknown()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS)


def to_plain(value: Any) -> Any:
    """Copy proxied (or plain) properties into dicts/lists, unknowns replaced by UNKNOWN."""
    if isinstance(value, _PROXIES):
        value = value["__target"]  # the proxy's own container: reading it never raises
    if isinstance(value, str):
        return UNKNOWN if value in _SENTINELS else value
    if value is UNKNOWN or value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {key: to_plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _read(value, key) for key in value}  # iterating keys never reads a value
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return [_read(value, index) for index in range(len(value))]
    return value


def _read(container: Any, key: Any) -> Any:
    try:
        return to_plain(container[key])
    except UnknownValueError:
        return UNKNOWN


def get(props: Any, *path: str | int, default: Any = None) -> Any:
    """Value at `path`, `default` when any step is absent, UNKNOWN when a step is unknown."""
    current = props
    for step in path:
        if current is UNKNOWN:
            return UNKNOWN
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return default
            current = current[step]
        else:
            if not isinstance(current, dict) or step not in current:
                return default
            current = current[step]
        if current is None:
            return default
    return current


def has_value(props: Any, *path: str) -> bool:
    """The key is set to something other than null/empty; an unknown value counts as set.

    Use it for properties whose value comes from another resource (an ARN, an id): at preview
    only their presence can be checked.
    """
    value = get(props, *path)
    if value is UNKNOWN:
        return True
    return value not in (None, "", [], {})


def as_list(value: Any) -> list[Any]:
    """A list for a list, [] for absent, [value] for a scalar (IAM's "string or list" fields)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


_TRUE_STRINGS: Final = frozenset({"true", "1", "yes", "on"})
_FALSE_STRINGS: Final = frozenset({"false", "0", "no", "off", ""})


def to_bool(value: Any, default: bool | None = None) -> bool | _Unknown | None:
    """Booleans that may arrive as strings ("true"/"false", e.g. launch template fields).

    Returns `default` for absent, UNKNOWN for unknown and None for a value that is not a boolean.
    """
    if value is None:
        return default
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE_STRINGS:
            return True
        if lowered in _FALSE_STRINGS:
            return False
    return None


def to_number(value: Any) -> float | _Unknown | None:
    """Numbers arrive as floats (and config numbers as floats or strings)."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None  # "nan"/"inf" are not settings


def fmt_number(value: float | int) -> str:
    """1.0 -> "1": messages show numbers the way the user wrote them."""
    return str(int(value)) if float(value).is_integer() else str(value)


class JsonDocumentError(ValueError):
    """A JSON-string property (policy document, add-on configuration) is not valid JSON."""


def parse_json(value: Any, path: str) -> Any:
    """Parse a JSON-string property. Absent -> None.

    An unknown document (a string interpolating another resource's ARN is unknown as a whole)
    raises UnknownValueError so the analyzer reports the standard "can't be known during
    preview" advisory; at `pulumi up` the value is resolved and the check runs for real.
    """
    if value is None or value == "":
        return None
    if value is UNKNOWN:
        raise UnknownValueError(UNKNOWN_STRING_VALUE, path.split("."))
    if isinstance(value, dict | list):
        return value  # already structured (e.g. fed from program state)
    if not isinstance(value, str):
        raise JsonDocumentError(f"{path} is a {type(value).__name__}, not a JSON string")
    try:
        return json.loads(value)
    except ValueError as error:
        raise JsonDocumentError(f"{path} is not valid JSON: {error}") from None


def is_open_cidr(cidr: Any) -> bool:
    """0.0.0.0/0, ::/0 or any other spelling of "the whole internet"."""
    if not isinstance(cidr, str):
        return False
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False).prefixlen == 0
    except ValueError:
        return False


def cidr_within(cidr: str, allowed: Iterable[str]) -> bool:
    """`cidr` lies inside one of the `allowed` networks (same IP version)."""
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError:
        return False
    for entry in allowed:
        try:
            parent = ipaddress.ip_network(str(entry).strip(), strict=False)
        except ValueError:
            continue
        if parent.version == network.version and network.subnet_of(parent):  # type: ignore[arg-type]
            return True
    return False


def known_strings(values: Iterable[Any]) -> list[str]:
    return [v for v in values if isinstance(v, str) and not is_unknown(v)]


def describe(value: Any) -> str:
    """Short JSON-like rendering of a property value for a violation message."""
    if value is UNKNOWN:
        return "unknown at preview"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return fmt_number(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{json.dumps(str(k))}: {describe(v)}" for k, v in value.items()) + "}"
        )
    return repr(value)


class Undecided(str):
    """A check's verdict on a value unknown at preview: decided at `up`, never a violation now.

    Its text is the property path. The policy reports certain violations if there are any, and
    otherwise raises UnknownValueError, which the analyzer turns into its advisory
    "can't be known during preview" diagnostic.
    """

    __slots__ = ()


def undecided(path: str) -> Undecided:
    return Undecided(path)


def undecided_error(path: str) -> UnknownValueError:
    return UnknownValueError(UNKNOWN_STRING_VALUE, path.split("."))


def contains_unknown(value: Any) -> bool:
    """Whether `value` or anything nested in it is unknown at preview."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def tag_keys(tags: Any) -> set[str]:
    """Keys of a `tags` map (keys are known even when some values are not)."""
    return set(tags) if isinstance(tags, dict) else set()
