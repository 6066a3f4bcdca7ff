"""Add-on versions live in git: the table covers every add-on for every supported Kubernetes
version, a stack on a version the table lacks is refused before any resource, and the refresh
tool reads EKS's default version out of DescribeAddonVersions."""

import datetime as dt
import json

import pytest

from components.addons import versions
from components.addons.catalog import ADDONS
from components.addons.refresh import default_version, refreshed
from components.base.config import SettingsError
from components.cluster.versions import STANDARD_SUPPORT
from components.stack.settings import load_settings
from tests.components.addons.test_settings import BASE


@pytest.mark.parametrize("kubernetes", sorted(STANDARD_SUPPORT))
def test_the_table_has_every_add_on_for_every_supported_version(kubernetes):
    assert versions.missing_versions(ADDONS, kubernetes) == []
    assert all(
        v.startswith("v") and "-eksbuild." in v
        for v in versions.ADDON_VERSIONS[kubernetes].values()
    )


def test_a_version_the_table_lacks_is_refused_unless_every_add_on_is_pinned(monkeypatch):
    monkeypatch.setitem(versions.ADDON_VERSIONS, "1.36", {"vpc-cni": "v1.21.1-eksbuild.1"})
    with pytest.raises(
        SettingsError,
        match=r"kubernetesVersion = \"1.36\": components/addons/versions.json has no version of \['kube-proxy'",
    ):
        load_settings({**BASE, "kubernetesVersion": "1.36"}, "dev")
    pins = {n: {"version": "v1.0.0-eksbuild.1"} for n in ADDONS if n != "vpc-cni"}
    load_settings({**BASE, "kubernetesVersion": "1.36", "addons": {"overrides": pins}}, "dev")


def describe(defaults: dict[str, str]) -> dict:
    """A DescribeAddonVersions answer: two versions, the default flagged per cluster version."""
    return {
        "addons": [
            {
                "addonName": "coredns",
                "addonVersions": [
                    {
                        "addonVersion": version,
                        "compatibilities": [
                            {
                                "clusterVersion": k,
                                "platformVersions": ["*"],
                                "defaultVersion": d == version,
                            }
                            for k, d in defaults.items()
                        ],
                    }
                    for version in ("v1.13.1-eksbuild.1", "v1.13.2-eksbuild.1")
                ],
            }
        ]
    }


def test_the_default_version_is_the_one_flagged_for_the_cluster_version():
    answer = describe({"1.35": "v1.13.1-eksbuild.1", "1.36": "v1.13.2-eksbuild.1"})
    assert default_version(answer, "1.35") == "v1.13.1-eksbuild.1"
    assert default_version(answer, "1.36") == "v1.13.2-eksbuild.1"
    with pytest.raises(LookupError, match=r"no default version for Kubernetes 1\.37"):
        default_version(answer, "1.37")


def test_a_refresh_lists_what_moved_and_adds_a_minor():
    document = json.loads(versions.VERSIONS_FILE.read_text())
    current = document["kubernetes"]

    def aws(name: str, kubernetes: str) -> dict:
        moved = "v9.9.9-eksbuild.1" if (name, kubernetes) == ("coredns", "1.35") else None
        version = moved or current.get(kubernetes, current["1.36"])[name]
        return describe({kubernetes: version}) | {
            "addons": [
                {
                    "addonVersions": [
                        {
                            "addonVersion": version,
                            "compatibilities": [
                                {"clusterVersion": kubernetes, "defaultVersion": True}
                            ],
                        }
                    ]
                }
            ]
        }

    updated, changes = refreshed(document, aws, ["1.37"], dt.date(2026, 12, 1))
    assert updated["refreshed"] == "2026-12-01"
    assert list(updated["kubernetes"]) == ["1.34", "1.35", "1.36", "1.37"]
    assert changes[0] == f"1.35 coredns: {current['1.35']['coredns']} -> v9.9.9-eksbuild.1"
    assert all(c.startswith("1.37 ") for c in changes[1:]) and len(changes) == 1 + len(ADDONS)
