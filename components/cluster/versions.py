"""The Kubernetes versions EKS supports and until when, read from the one table the policy pack
reads too, and what follows from today's date: which versions a new stack may start on, and what a
deployed stack is told as its version leaves EKS standard support.

EKS bills extended support from the start of the end-of-standard-support day (UTC): on that date
a version is already past standard support. With `upgradePolicy` STANDARD (this baseline's) EKS
upgrades such a control plane itself; with EXTENDED it stays, at the extended-support price."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

# The pack's copy: the CLI runs the pack from policy/ on its own, so the pack holds the table and
# the program reads it from there (never the other way round).
VERSIONS_FILE = (
    Path(__file__).resolve().parents[2] / "policy" / "eks_policies" / "eks_versions.json"
)
VERSION_FORMAT = re.compile(r"^1\.\d{2}$")
WARN_DAYS = 60  # how long before the end of standard support a deployed stack is warned


@dataclass(frozen=True)
class SupportWindow:
    released: dt.date
    end_of_standard_support: dt.date
    end_of_extended_support: dt.date
    estimated: str = ""  # why these dates are estimates, when they are


@dataclass(frozen=True)
class SupportStatus:
    version: str
    phase: str  # "standard", "ending-soon" (within WARN_DAYS), "extended" or "unsupported"
    end_of_standard_support: dt.date
    end_of_extended_support: dt.date
    days_left: int  # until the end of standard support (0 on that day, negative after it)
    extended_extra_monthly_usd: float  # what extended support adds to a cluster's month


def minor(version: str) -> int:
    return int(version.split(".")[1])


def _load() -> tuple[str, dict[str, SupportWindow], dict]:
    data = json.loads(VERSIONS_FILE.read_text())
    windows = {
        version: SupportWindow(
            dt.date.fromisoformat(entry["released"]),
            dt.date.fromisoformat(entry["end_of_standard_support"]),
            dt.date.fromisoformat(entry["end_of_extended_support"]),
            entry.get("estimated", ""),
        )
        for section in ("standard_support", "extended_support")
        for version, entry in data[section].items()
    }
    return (
        data["default"],
        dict(sorted(windows.items(), key=lambda i: minor(i[0]))),
        data["pricing"],
    )


# STANDARD_SUPPORT: every version the table knows -> its support window (a deployed stack may be
# on one already past standard support).
DEFAULT_VERSION, STANDARD_SUPPORT, PRICING = _load()
EXTENDED_EXTRA_MONTHLY_USD = round(
    (PRICING["extendedClusterHourUsd"] - PRICING["standardClusterHourUsd"])
    * PRICING["hoursPerMonth"],
    2,
)


def new_stack_versions(today: dt.date) -> list[str]:
    """The versions a new stack may start on: released and in EKS standard support on `today`."""
    return [
        v for v, w in STANDARD_SUPPORT.items() if w.released <= today < w.end_of_standard_support
    ]


def _allowed(today: dt.date) -> str:
    return ", ".join(new_stack_versions(today)) or (
        "none in the table: refresh policy/eks_policies/eks_versions.json"
    )


def version_problem(version: str, today: dt.date | None = None) -> str | None:
    """Why `version` cannot be used at all, or None: unknown to EKS's table, or past the end of
    extended support (EKS has upgraded such a cluster itself)."""
    today = today or dt.date.today()
    allowed = f"a new stack may start on {_allowed(today)}"
    if not VERSION_FORMAT.match(version):
        return f"must look like '1.<minor>' (for example {DEFAULT_VERSION}); {allowed}"
    window = STANDARD_SUPPORT.get(version)
    if window is None:
        return f"is not an EKS version in standard support this baseline knows; {allowed}"
    if today >= window.end_of_extended_support:
        return (
            f"left EKS extended support on {window.end_of_extended_support}: EKS no longer runs "
            f"it and upgrades such a cluster itself; {allowed}"
        )
    return None


def support_status(version: str, today: dt.date) -> SupportStatus:
    """Where `version` stands in EKS support on `today` (KeyError for a version not in the table)."""
    window = STANDARD_SUPPORT[version]
    days_left = (window.end_of_standard_support - today).days
    if today >= window.end_of_extended_support:
        phase = "unsupported"
    elif days_left <= 0:
        phase = "extended"
    elif days_left <= WARN_DAYS:
        phase = "ending-soon"
    else:
        phase = "standard"
    return SupportStatus(
        version,
        phase,
        window.end_of_standard_support,
        window.end_of_extended_support,
        days_left,
        EXTENDED_EXTRA_MONTHLY_USD,
    )


def utc_today() -> dt.date:
    """Today as EKS counts support dates (UTC), whatever the runner's time zone."""
    return dt.datetime.now(dt.UTC).date()


def past_standard_support(version: str, today: dt.date) -> bool:
    """Whether EKS standard support of `version` has ended on `today` (the end date included);
    False for a version the table does not know (validation refuses those)."""
    if version not in STANDARD_SUPPORT:
        return False
    return support_status(version, today).phase in ("extended", "unsupported")


def refuse_for_new_stack(version: str, today: dt.date) -> str | None:
    """Why a NEW stack may not start on `version` on `today`, or None when it may."""
    if version not in STANDARD_SUPPORT or not past_standard_support(version, today):
        return None  # an unknown version is version_problem's to refuse
    end = STANDARD_SUPPORT[version].end_of_standard_support
    return (
        f'kubernetesVersion = "{version}": Kubernetes {version} left EKS standard support on '
        f"{end}; a new stack must start on a version in standard support: {_allowed(today)}"
    )


def next_version(version: str) -> str | None:
    """The minor after `version` when the table knows it (EKS upgrades one minor at a time)."""
    following = f"1.{minor(version) + 1}"
    return following if following in STANDARD_SUPPORT else None


def deployed_stack_warning(version: str, today: dt.date) -> str | None:
    """What a deployed stack on `version` is told on `today` when its standard support ends
    within WARN_DAYS or has ended: the date, what staying costs and which version to set."""
    if version not in STANDARD_SUPPORT:
        return None
    status = support_status(version, today)
    upgrade = next_version(version)
    step = (
        f"set kubernetesVersion to {upgrade} and deploy"
        if upgrade
        else "refresh policy/eks_policies/eks_versions.json for the next version"
    )
    cost = (
        f"extended support costs {PRICING['extendedClusterHourUsd']:.2f} instead of "
        f"{PRICING['standardClusterHourUsd']:.2f} USD per cluster-hour, "
        f"{status.extended_extra_monthly_usd:.2f} USD a month more"
    )
    if status.phase == "ending-soon":
        return (
            f"Kubernetes {version} leaves EKS standard support on "
            f"{status.end_of_standard_support} ({status.days_left} days): {step} before then. "
            f"After it EKS upgrades the control plane itself (upgradePolicy STANDARD), or, with "
            f"EXTENDED, {cost}."
        )
    if status.phase == "extended":
        return (
            f"Kubernetes {version} left EKS standard support on {status.end_of_standard_support}: "
            f"{step}. With upgradePolicy STANDARD EKS upgrades the control plane itself; with "
            f"EXTENDED {cost}, until {status.end_of_extended_support}."
        )
    if status.phase == "unsupported":
        return (
            f"Kubernetes {version} left EKS extended support on "
            f"{status.end_of_extended_support}: EKS upgrades the control plane itself; {step}."
        )
    return None


# The settings' warning: the same as a deployed stack's (the settings cannot tell a new stack).
support_warning = deployed_stack_warning
