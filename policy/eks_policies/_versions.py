"""The supported Kubernetes versions, read from the one list the program reads too."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

VERSIONS_FILE = Path(__file__).with_name("eks_versions.json")


@cache
def supported_versions() -> tuple[str, ...]:
    """Versions in EKS standard support, oldest first."""
    data = json.loads(VERSIONS_FILE.read_text(encoding="utf-8"))
    return tuple(sorted(data["standard_support"], key=lambda v: tuple(map(int, v.split(".")))))
