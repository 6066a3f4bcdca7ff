"""What a `pulumi up` would do to a deployed stack, from two offline runs of the program (the
deployed ref and the working tree): resources created, updated (with the changed properties),
replaced (with the property that forces it) and deleted, and the changes to refuse.

Pure: registrations in, a `Review` out. The replacement rules are data
(`preflight/replacements.json`, from the provider sources), the refusals of settings transitions
are day2.rules, the same that guard `pulumi up`."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from pathlib import Path
from typing import Any

from preflight.offline.recorder import Registration

RULES = json.loads((Path(__file__).resolve().parent / "replacements.json").read_text())
REPLACE_ON: dict[str, tuple[str, ...]] = {
    typ: tuple(rule["replaceOn"]) for typ, rule in RULES["types"].items()
}
REPLACE_ONCE_SET: dict[str, tuple[str, ...]] = {
    typ: tuple(rule.get("replaceOnceSet", ())) for typ, rule in RULES["types"].items()
}
UPDATES_CHANGE_OUTPUTS = frozenset(RULES["updatesChangeOutputs"])
STATEFUL: dict[str, str] = RULES["stateful"]


@dataclass(frozen=True)
class Change:
    urn: str
    type: str
    name: str
    properties: tuple[str, ...] = ()  # changed input paths (update, replace)
    forced_by: tuple[str, ...] = ()  # the replacement-forcing ones, and why (replace)
    values: tuple[tuple[str, Any, Any], ...] = ()  # (path, old, new) of each changed property
    step: int = 0  # its place in the order `pulumi up` applies the changes (1 first)

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "step": self.step,
        }
        if self.properties:
            found["properties"] = list(self.properties)
        if self.forced_by:
            found["forcedBy"] = list(self.forced_by)
        if self.values:
            found["values"] = {path: {"old": old, "new": new} for path, old, new in self.values}
        return found


@dataclass
class Review:
    create: list[Change] = field(default_factory=list)
    update: list[Change] = field(default_factory=list)
    replace: list[Change] = field(default_factory=list)
    delete: list[Change] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            kind: [c.as_dict() for c in sorted(getattr(self, kind), key=lambda c: c.step)]
            for kind in ("create", "update", "replace", "delete")
        } | {"refused": list(self.refused)}


def changed_paths(before: Any, after: Any, path: str = "") -> list[str]:
    """Dotted paths (list items as `[i]`) where two input values differ. JSON documents held in
    strings (policies, add-on configuration) compare as JSON: the provider normalises them."""
    if isinstance(before, str) and isinstance(after, str) and before != after:
        try:
            if json.loads(before) == json.loads(after):
                return []
        except ValueError:
            pass
    if isinstance(before, Mapping) or isinstance(after, Mapping):
        # A block added or dropped changes each of its fields (the provider diffs them so).
        before, after = (v if isinstance(v, Mapping) else {} for v in (before, after))
        return [
            p
            for key in sorted(set(before) | set(after))
            for p in changed_paths(
                before.get(key), after.get(key), f"{path}.{key}" if path else key
            )
        ]
    if (
        isinstance(before, list)
        and isinstance(after, list)
        and len(before) == len(after)
        and before != after
    ):
        return [
            p
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for p in changed_paths(b, a, f"{path}[{i}]")
        ]
    return [] if before == after else [path]


def _covers(rule: str, path: str) -> bool:
    """True when `path` (list indexes aside) is `rule`, lies below it, or holds it (a whole block
    added or dropped)."""
    plain = re.sub(r"\[\d+\]", "", path)
    return plain == rule or plain.startswith(rule + ".") or rule.startswith(plain + ".")


def forcing(typ: str, paths: Iterable[str], replace_on_changes: Sequence[str] = ()) -> list[str]:
    """The paths among `paths` whose change replaces a resource of type `typ`."""
    rules = (*REPLACE_ON.get(typ, ()), *replace_on_changes)
    return [p for p in paths if any(_covers(rule, p) for rule in rules)]


def _ignored(path: str, ignore_changes: Sequence[str]) -> bool:
    return any(
        path == i or path.startswith(i + ".") or path.startswith(i + "[") for i in ignore_changes
    )


def review(before: Sequence[Registration], after: Sequence[Registration]) -> Review:
    """Classify every resource of `after` against `before` (matched by URN or alias), cascading
    replacements to what reads the replaced resources' outputs, and refuse replacing or deleting
    protected and stateful resources."""
    old = {r.urn: r for r in before if r.custom}
    new = {r.urn: r for r in after if r.custom}
    matched: dict[str, Registration] = {}  # new urn -> old registration
    for r in new.values():
        for candidate in (r.urn, *r.aliases):
            if candidate in old:
                matched[r.urn] = old[candidate]
                break
    claimed = {r.urn for r in matched.values()}
    result = Review()
    replaced: set[str] = set()
    rolled: set[str] = set()  # updated resources whose outputs change (launch template versions)
    graph = {u: {d for d in _inputs_from(r) if d in new} for u, r in new.items()}
    # The engine's order: what a resource reads or waits for goes first; deletions (of what is
    # gone, and of what was replaced) come last, dependents before what they depended on.
    order = list(TopologicalSorter(graph).static_order())
    old_graph = {u: {d for d in _inputs_from(r) if d in old} for u, r in old.items()}
    deletions = [u for u in TopologicalSorter(old_graph).static_order() if u not in claimed]
    steps = {u: i for i, u in enumerate([*order, *reversed(deletions)], start=1)}
    result.delete = [
        Change(u, old[u].type, old[u].name, step=steps[u]) for u in reversed(deletions)
    ]
    for u in order:
        r = new[u]
        if u not in matched:
            result.create.append(Change(u, r.type, r.name, step=steps[u]))
            continue
        was = matched[u]
        paths = [
            p for p in changed_paths(was.inputs, r.inputs) if not _ignored(p, r.ignore_changes)
        ]
        reasons = [f"{p} changes" for p in forcing(r.type, paths, r.replace_on_changes)]
        reasons += [
            f"{p} changes once set"
            for p in paths
            if any(_covers(rule, p) for rule in REPLACE_ONCE_SET.get(r.type, ()))
            and _value_at(was.inputs, p) is not None
        ]
        # Mocked ids come from logical names, so a replacement's new id/ARN is not in the inputs:
        # a property that reads a replaced resource changes (unknown until it exists).
        unknown: dict[str, str] = {}  # path -> the replaced resource it reads
        for prop, sources in r.property_dependencies.items():
            if from_replaced := [s for s in sources if s in replaced]:
                outputs = {v for s in from_replaced for v in _strings(new[s].outputs)}
                reading = _reading(r.inputs.get(prop), outputs, prop) or [prop]
                paths += reading
                unknown |= dict.fromkeys(reading, new[from_replaced[0]].name)
                if forcing(r.type, reading, r.replace_on_changes):
                    reasons.append(f"{prop} comes from replaced {new[from_replaced[0]].name}")
            elif rolled & set(sources):
                paths.append(prop)
        if _provider_urn(r) in replaced:
            reasons.append("its Kubernetes provider is replaced")
        paths = sorted(set(paths))
        values = tuple(
            (
                p,
                _value_at(was.inputs, p),
                f"(known once {unknown[p]} is replaced)"
                if p in unknown
                else _value_at(r.inputs, p),
            )
            for p in paths
        )
        change = Change(u, r.type, r.name, tuple(paths), tuple(reasons), values, steps[u])
        if reasons:
            replaced.add(u)
            result.replace.append(change)
        elif paths:
            result.update.append(change)
            if r.type in UPDATES_CHANGE_OUTPUTS:
                rolled.add(u)
    result.refused = _refused(result, old, matched)
    return result


def _value_at(inputs: Mapping[str, Any], path: str) -> Any:
    """The value at a dotted path (list indexes as `[i]`), None when absent."""
    value: Any = inputs
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _strings(value: Any) -> set[str]:
    """Every string in an output value (ids, ARNs, names), for finding where inputs read them."""
    if isinstance(value, Mapping):
        return {s for v in value.values() for s in _strings(v)}
    if isinstance(value, list):
        return {s for v in value for s in _strings(v)}
    return {value} if isinstance(value, str) and value else set()


def _reading(value: Any, outputs: set[str], path: str) -> list[str]:
    """The paths under `path` whose value is one of `outputs`: where a property reads a replaced
    resource (a launch template's id, not its version). Empty when none matches exactly (the
    value embeds it, as a policy document does): then the whole property counts."""
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in _reading(v, outputs, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _reading(v, outputs, f"{path}[{i}]")]
    return [path] if isinstance(value, str) and value in outputs else []


def _provider_urn(r: Registration) -> str:
    return r.provider.rsplit("::", 1)[0]  # a provider reference is "<urn>::<id>"


def _inputs_from(r: Registration) -> set[str]:
    """URNs whose outputs `r` reads or waits for (its provider included)."""
    found = set(r.dependencies) | {s for v in r.property_dependencies.values() for s in v}
    return found | {_provider_urn(r)}


def _refused(
    result: Review,
    old: Mapping[str, Registration],
    matched: Mapping[str, Registration],
) -> list[str]:
    """One message per (action, type) that destroys what must be kept: protected resources
    (`pulumi up` would stop there, after applying what came before) and stateful ones."""
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    protected: set[str] = set()
    for change in result.replace:
        was = matched[change.urn]
        if was.protect or change.type in STATEFUL:
            groups[("replaces", change.type)].append(change.name)
            protected |= {change.type} if was.protect else set()
    for change in result.delete:
        was = old[change.urn]
        if was.protect or change.type in STATEFUL:
            groups[("deletes", change.type)].append(change.name)
            protected |= {change.type} if was.protect else set()
    return [
        f"{action} {len(names)} {typ} ({_some(sorted(names))}): "
        f"{STATEFUL.get(typ, 'a protected resource')} would be lost"
        + (
            " (protected: pulumi up stops there, after what came before it)"
            if typ in protected
            else ""
        )
        for (action, typ), names in sorted(groups.items())
    ]


def _some(names: Sequence[str], shown: int = 3) -> str:
    """The first names and how many more: a refusal stays one readable line."""
    more = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {more} more" if more > 0 else "")
