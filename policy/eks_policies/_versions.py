"""The Kubernetes versions the pack accepts, read from the one table the program reads too.

The table keeps versions past EKS standard support (`extended_support`) so that a deployed stack on
one still parses and can be upgraded; the pack does not accept them: `eks-supported-version`
reports a cluster on one (the cluster is billed for extended support, or EKS upgrades it itself).
The pack takes the split as recorded on the table's `read` date, so the same commit judges the same
way on every run; the program decides by today's date (components/cluster/versions.py)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

VERSIONS_FILE = Path(__file__).with_name("eks_versions.json")


@cache
def supported_versions() -> tuple[str, ...]:
    """Versions in EKS standard support on the table's `read` date, oldest first."""
    data = json.loads(VERSIONS_FILE.read_text(encoding="utf-8"))
    return tuple(sorted(data["standard_support"], key=lambda v: tuple(map(int, v.split(".")))))
