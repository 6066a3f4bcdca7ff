"""What the online check found, and the one verdict: 0 ready, 1 blocked (each blocker names the
setting or action to change), 2 could not check (no credentials, access denied, throttled after
retries, an answer the check cannot read). A blocker found while something else could not be
checked still blocks: what is known to fail is the more useful answer."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

READY, BLOCKED, COULD_NOT_CHECK = 0, 1, 2
VERDICTS = {READY: "READY", BLOCKED: "BLOCKED", COULD_NOT_CHECK: "COULD NOT CHECK"}


@dataclass(frozen=True)
class Finding:
    check: str  # the group: add-ons, kubernetes, upgrade, capacity, quotas, zones, identity
    level: str  # "blocker", "warning" or "note"
    message: str
    fix: str = ""  # the setting or action to change (every blocker has one)

    def as_dict(self) -> dict[str, str]:
        return {
            "check": self.check,
            "message": self.message,
            **({"fix": self.fix} if self.fix else {}),
        }


def blocker(check: str, message: str, fix: str) -> Finding:
    return Finding(check, "blocker", message, fix)


def warning(check: str, message: str, fix: str = "") -> Finding:
    return Finding(check, "warning", message, fix)


def note(check: str, message: str) -> Finding:
    return Finding(check, "note", message)


@dataclass
class Report:
    stack: str
    region: str
    caller: str = ""
    account: str = ""
    findings: list[Finding] = field(default_factory=list)
    could_not_check: list[str] = field(default_factory=list)  # one line per unanswered call
    checked: list[str] = field(default_factory=list)  # one line per check group: what it saw
    calls: int = 0
    seconds: float = 0.0

    def of(self, level: str) -> list[Finding]:
        return [f for f in self.findings if f.level == level]

    @property
    def status(self) -> int:
        if self.of("blocker"):
            return BLOCKED
        return COULD_NOT_CHECK if self.could_not_check else READY

    def as_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "region": self.region,
            "account": self.account,
            "caller": self.caller,
            "verdict": VERDICTS[self.status].lower().replace(" ", "-"),
            "exitStatus": self.status,
            "blockers": [f.as_dict() for f in self.of("blocker")],
            "warnings": [f.as_dict() for f in self.of("warning")],
            "notes": [f.as_dict() for f in self.of("note")],
            "couldNotCheck": list(self.could_not_check),
            "checked": list(self.checked),
            "calls": self.calls,
            "seconds": round(self.seconds, 2),
        }


def _lines(title: str, findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return []
    lines = ["", f"{title} ({len(findings)})"]
    for f in findings:
        lines.append(f"  - [{f.check}] {f.message}")
        if f.fix:
            lines.append(f"    fix: {f.fix}")
    return lines


def render(data: dict[str, Any]) -> str:
    """The report as text: the verdict first, then what blocks, what could not be checked, the
    warnings and notes, and what each check looked at."""
    who = f" as {data['caller']}" if data["caller"] else ""
    verdict = data["verdict"].upper().replace("-", " ")
    lines = [f"online: stack {data['stack']} in {data['region']}{who}: {verdict}"]
    as_findings = {
        level: [Finding(f["check"], level, f["message"], f.get("fix", "")) for f in data[key]]
        for level, key in (("blocker", "blockers"), ("warning", "warnings"), ("note", "notes"))
    }
    lines += _lines("Blockers", as_findings["blocker"])
    if data["couldNotCheck"]:
        lines += ["", f"Could not check ({len(data['couldNotCheck'])})"]
        lines += [f"  - {reason}" for reason in data["couldNotCheck"]]
    lines += _lines("Warnings", as_findings["warning"])
    lines += _lines("Notes", as_findings["note"])
    lines += ["", "Checked", *[f"  {line}" for line in data["checked"]]]
    lines.append(f"  ({data['calls']} AWS calls in {data['seconds']:.1f} s)")
    return "\n".join(lines)


def dedupe(items: Iterable[str]) -> list[str]:
    """In order, each once (the same refusal from several calls is said once)."""
    return list(dict.fromkeys(items))
