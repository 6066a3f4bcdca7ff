"""docs/architecture.md points at every file of the network's concern and of the offline
machinery, so that a reader finds where each network mode and the mocked landing zone live."""

from __future__ import annotations

from preflight.offline.runner import ROOT


def test_the_architecture_names_every_network_and_offline_file() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    files = [
        *(ROOT / "components" / "network").glob("*.py"),
        *(ROOT / "components" / "network").glob("*.json"),
        *(ROOT / "preflight" / "offline").glob("*.py"),
    ]
    unnamed = sorted(
        str(f.relative_to(ROOT))
        for f in files
        if f.name not in ("__init__.py", "settings.py", "component.py")
        and f"`{f.name}`" not in text
    )
    assert unnamed == []


def test_where_to_change_a_network_mode_names_its_files() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text()
    rows = text.split("## Where to change what", 1)[1]
    for path in (
        "components/network/existing.py",
        "components/network/eks-network-requirements.json",
        "components/network/ipam.py",
        "preflight/offline/landing_zone.py",
    ):
        assert f"`{path}`" in rows, path
