"""python -m components.addons.refresh --region R [--kubernetes 1.37 ...]

Rewrites components/addons/versions.json with EKS's current default version of every add-on in
the catalog, for every Kubernetes minor the table holds (plus any given with --kubernetes), from
`aws eks describe-addon-versions`, and records that call (region, date) as the source of every
version it wrote. A pair with no default version goes to `unconfirmed` with the reason. Prints what
changed, for a person to review in a pull request: nothing upgrades on a deploy until that change
is merged."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from components.addons.catalog import ADDONS
from components.addons.versions import VERSIONS_FILE

Describe = Callable[[str, str], Mapping[str, Any]]


def default_version(answer: Mapping[str, Any], kubernetes_version: str) -> str:
    """The version DescribeAddonVersions marks `defaultVersion` for `kubernetes_version`."""
    for addon in answer.get("addons", []):
        for version in addon.get("addonVersions", []):
            for compatibility in version.get("compatibilities", []):
                if compatibility.get("clusterVersion") == kubernetes_version and compatibility.get(
                    "defaultVersion"
                ):
                    return version["addonVersion"]
    raise LookupError(f"no default version for Kubernetes {kubernetes_version}")


def aws_cli(region: str) -> Describe:
    def describe(name: str, kubernetes_version: str) -> Mapping[str, Any]:
        command = ["aws", "eks", "describe-addon-versions", "--addon-name", name]
        command += ["--kubernetes-version", kubernetes_version, "--region", region]
        command += ["--output", "json"]
        return json.loads(
            subprocess.run(command, check=True, capture_output=True, text=True).stdout
        )

    return describe


def api_source(region: str, today: dt.date) -> tuple[str, dict[str, str]]:
    """The id and record of one refresh's source: the API call, where and when it was made."""
    return f"describe-addon-versions-{region}-{today.isoformat()}", {
        "kind": "describe-addon-versions",
        "what": "aws eks describe-addon-versions --addon-name <add-on> --kubernetes-version "
        "<minor>: the addonVersion whose compatibilities[] mark defaultVersion for that minor",
        "region": region,
        "read": today.isoformat(),
    }


def refreshed(
    document: Mapping[str, Any],
    describe: Describe,
    minors: list[str],
    region: str,
    today: dt.date,
) -> tuple[dict[str, Any], list[str]]:
    """The document with every add-on's default version for each minor, sourced to this call,
    and the changes made."""
    source_id, source = api_source(region, today)
    table: dict[str, dict[str, str]] = {}
    provenance: dict[str, dict[str, list[str]]] = {}
    unconfirmed: dict[str, dict[str, str]] = {}
    changes = []
    for minor in sorted({*document["kubernetes"], *minors}, key=lambda v: int(v.split(".")[1])):
        old = document["kubernetes"].get(minor, {})
        for name in sorted(ADDONS):
            try:
                new = default_version(describe(name, minor), minor)
            except LookupError:
                unconfirmed.setdefault(minor, {})[name] = (
                    f"describe-addon-versions in {region} on {today} marked no default version "
                    f"for Kubernetes {minor}"
                )
                changes.append(f"{minor} {name}: {old.get(name, '(none)')} -> (unconfirmed)")
                continue
            table.setdefault(minor, {})[name] = new
            provenance.setdefault(minor, {})[name] = [source_id]
            if old.get(name) != new:
                changes.append(f"{minor} {name}: {old.get(name, '(none)')} -> {new}")
    cited = {s for names in provenance.values() for ids in names.values() for s in ids}
    sources = {k: v for k, v in document["sources"].items() if k in cited}
    return {
        **document,
        "sources": {**sources, source_id: source},
        "kubernetes": table,
        "provenance": provenance,
        "unconfirmed": unconfirmed,
    }, changes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m components.addons.refresh", description=__doc__
    )
    parser.add_argument("--region", required=True, help="AWS region to ask, e.g. eu-west-1")
    parser.add_argument("--kubernetes", action="append", default=[], help="add a minor, e.g. 1.37")
    parser.add_argument("--file", type=Path, default=VERSIONS_FILE)
    args = parser.parse_args(argv)
    document = json.loads(args.file.read_text())
    updated, changes = refreshed(
        document, aws_cli(args.region), args.kubernetes, args.region, dt.date.today()
    )
    args.file.write_text(json.dumps(updated, indent=2) + "\n")
    print("\n".join(changes) if changes else "no add-on version changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
