"""The add-on versions the program installs, per Kubernetes minor, kept in git
(`versions.json` here, refreshed by `python -m components.addons.refresh` for review in a pull
request), each with the source that confirms it for that minor.

Never a live lookup: EKS moving its default build must not upgrade add-ons on an unrelated deploy.
A pair no source confirms is not in the table (`unconfirmed` says why): validation refuses that
minor unless the stack pins the add-on."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

VERSIONS_FILE = Path(__file__).resolve().parent / "versions.json"


def load_table(path: Path = VERSIONS_FILE, part: str = "kubernetes") -> dict[str, dict]:
    """Kubernetes minor -> add-on name (or, for part `controllers`, chart and AMI) -> version;
    part `provenance` (`controllersProvenance`): the same keys -> the ids of their `sources`."""
    return json.loads(path.read_text())[part]


ADDON_VERSIONS = load_table()
PROVENANCE = load_table(part="provenance")
CONTROLLER_VERSIONS = load_table(part="controllers")


def table_version(name: str, kubernetes_version: str) -> str:
    """The reviewed version of add-on `name` for `kubernetes_version`; KeyError when the table
    lacks it (settings validation refuses such a stack first: `missing_versions`)."""
    return ADDON_VERSIONS[kubernetes_version][name]


def controller_versions(kubernetes_version: str) -> dict[str, str] | None:
    """The opt-in controllers' chart versions and node AMI alias for `kubernetes_version`."""
    return CONTROLLER_VERSIONS.get(kubernetes_version)


def missing_versions(names: Iterable[str], kubernetes_version: str) -> list[str]:
    """The add-ons of `names` with no confirmed version for `kubernetes_version`: none in the
    table, or one whose source is not recorded."""
    known = ADDON_VERSIONS.get(kubernetes_version, {})
    sourced = PROVENANCE.get(kubernetes_version, {})
    return [n for n in names if n not in known or not sourced.get(n)]
