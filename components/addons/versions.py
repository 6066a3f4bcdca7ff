"""The add-on versions the program installs, per Kubernetes minor, kept in git
(`versions.json` here, refreshed by `python -m components.addons.refresh` for review in a pull request).

Never a live lookup: EKS moving its default build must not upgrade add-ons on an unrelated deploy."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

VERSIONS_FILE = Path(__file__).resolve().parent / "versions.json"


def load_table(path: Path = VERSIONS_FILE, part: str = "kubernetes") -> dict[str, dict[str, str]]:
    """Kubernetes minor -> add-on name (or, for part `controllers`, chart and AMI) -> version."""
    return json.loads(path.read_text())[part]


ADDON_VERSIONS = load_table()
CONTROLLER_VERSIONS = load_table(part="controllers")


def table_version(name: str, kubernetes_version: str) -> str:
    """The reviewed version of add-on `name` for `kubernetes_version`; KeyError when the table
    lacks it (settings validation refuses such a stack first: `missing_versions`)."""
    return ADDON_VERSIONS[kubernetes_version][name]


def controller_versions(kubernetes_version: str) -> dict[str, str] | None:
    """The opt-in controllers' chart versions and node AMI alias for `kubernetes_version`."""
    return CONTROLLER_VERSIONS.get(kubernetes_version)


def missing_versions(names: Iterable[str], kubernetes_version: str) -> list[str]:
    """The add-ons of `names` the table has no version of for `kubernetes_version`."""
    known = ADDON_VERSIONS.get(kubernetes_version, {})
    return [n for n in names if n not in known]
