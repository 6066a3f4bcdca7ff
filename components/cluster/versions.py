"""The Kubernetes versions EKS supports, read from the one table the policy pack reads too."""

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


@dataclass(frozen=True)
class SupportWindow:
    released: dt.date
    end_of_standard_support: dt.date


def _load() -> tuple[str, dict[str, SupportWindow]]:
    data = json.loads(VERSIONS_FILE.read_text())
    windows = {
        version: SupportWindow(
            dt.date.fromisoformat(dates["released"]),
            dt.date.fromisoformat(dates["end_of_standard_support"]),
        )
        for version, dates in data["standard_support"].items()
    }
    return data["default"], windows


DEFAULT_VERSION, STANDARD_SUPPORT = _load()


def version_problem(version: str) -> str | None:
    """Why `version` cannot be used, or None when it is a standard-support EKS version."""
    supported = ", ".join(sorted(STANDARD_SUPPORT, key=minor))
    if not VERSION_FORMAT.match(version):
        return f"must look like '1.<minor>' (for example {DEFAULT_VERSION}); allowed: {supported}"
    if version not in STANDARD_SUPPORT:
        return f"is not an EKS version in standard support; allowed: {supported}"
    return None


def support_warning(version: str, today: dt.date) -> str | None:
    """A warning when standard support of `version` ends within 60 days or has ended."""
    window = STANDARD_SUPPORT.get(version)
    if window is None:
        return None
    days_left = (window.end_of_standard_support - today).days
    if days_left < 0:
        return (
            f"Kubernetes {version} left EKS standard support on {window.end_of_standard_support}; "
            "with upgradePolicy STANDARD, EKS will auto-upgrade the cluster. Upgrade it."
        )
    if days_left <= 60:
        return (
            f"Kubernetes {version} leaves EKS standard support on "
            f"{window.end_of_standard_support} ({days_left} days); plan the upgrade."
        )
    return None


def minor(version: str) -> int:
    return int(version.split(".")[1])
