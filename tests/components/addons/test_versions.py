"""Add-on versions live in git, each confirmed for its Kubernetes minor by a recorded source: the
entries are the values read from those sources; a stack on a minor with an unconfirmed add-on is
refused before any resource unless it pins that add-on; the refresh tool reads EKS's default
version out of DescribeAddonVersions answers (shapes checked by botocore's Stubber) and records
the call as the source."""

import datetime as dt
import json

import botocore.session
import pytest
from botocore.stub import Stubber

from components.addons import refresh, versions
from components.addons.catalog import ADDONS
from components.addons.refresh import default_version, refreshed
from components.base.config import SettingsError
from components.cluster.versions import STANDARD_SUPPORT
from components.stack.settings import load_settings
from tests.components.addons.test_settings import BASE

# Written down from the sources named in versions.json (read 2026-12-06): the EKS user guide's
# CoreDNS and kube-proxy tables (1.34-1.36), a transcription of its VPC CNI table dated
# 2026-08-20, published describe-addon-versions answers and configurations of clusters on that
# minor. The records marked `unconfirmed` there could not be found again where a reader can open
# them (tests/test_facts.py lists the pairs resting only on those).
READ_FROM_SOURCES = {
    ("coredns", "1.34"): "v1.13.2-eksbuild.11",
    ("coredns", "1.35"): "v1.14.3-eksbuild.3",
    ("coredns", "1.36"): "v1.14.3-eksbuild.3",
    ("kube-proxy", "1.34"): "v1.34.6-eksbuild.13",
    ("kube-proxy", "1.35"): "v1.35.3-eksbuild.13",
    ("kube-proxy", "1.36"): "v1.36.0-eksbuild.14",
    ("vpc-cni", "1.34"): "v1.22.4-eksbuild.3",
    ("vpc-cni", "1.35"): "v1.22.4-eksbuild.3",
    ("vpc-cni", "1.36"): "v1.22.4-eksbuild.3",
    ("eks-pod-identity-agent", "1.34"): "v1.3.10-eksbuild.3",
    ("eks-pod-identity-agent", "1.35"): "v1.3.10-eksbuild.3",
    ("eks-pod-identity-agent", "1.36"): "v1.3.10-eksbuild.3",
    ("aws-ebs-csi-driver", "1.34"): "v1.58.0-eksbuild.1",
    ("aws-ebs-csi-driver", "1.35"): "v1.63.1-eksbuild.1",
    ("aws-ebs-csi-driver", "1.36"): "v1.63.1-eksbuild.1",
    ("metrics-server", "1.34"): "v0.9.0-eksbuild.5",
    ("metrics-server", "1.35"): "v0.9.0-eksbuild.5",
    ("metrics-server", "1.36"): "v0.9.0-eksbuild.11",
    ("eks-node-monitoring-agent", "1.34"): "v1.4.2-eksbuild.1",
    ("eks-node-monitoring-agent", "1.35"): "v1.7.0-eksbuild.1",
    ("eks-node-monitoring-agent", "1.36"): "v1.7.2-eksbuild.1",
    ("amazon-cloudwatch-observability", "1.34"): "v6.4.0-eksbuild.1",
    ("amazon-cloudwatch-observability", "1.35"): "v6.4.0-eksbuild.1",
    ("amazon-cloudwatch-observability", "1.36"): "v6.6.0-eksbuild.1",
}


@pytest.mark.parametrize(("name", "kubernetes"), sorted(READ_FROM_SOURCES))
def test_each_entry_is_the_version_its_source_gives(name, kubernetes):
    assert versions.table_version(name, kubernetes) == READ_FROM_SOURCES[name, kubernetes]


def test_the_table_holds_only_what_was_read():
    pairs = {(n, k) for k, row in versions.ADDON_VERSIONS.items() for n in row}
    assert pairs == set(READ_FROM_SOURCES)


@pytest.mark.parametrize("kubernetes", sorted(STANDARD_SUPPORT))
def test_every_add_on_is_confirmed_for_every_version_the_program_knows(kubernetes):
    assert versions.missing_versions(ADDONS, kubernetes) == []


def test_a_version_without_a_recorded_source_counts_as_missing(monkeypatch):
    monkeypatch.setitem(versions.ADDON_VERSIONS, "1.37", {"coredns": "v1.15.0-eksbuild.1"})
    assert versions.missing_versions(["coredns"], "1.37") == ["coredns"]
    monkeypatch.setitem(versions.PROVENANCE, "1.37", {"coredns": ["eks-ug-coredns"]})
    assert versions.missing_versions(["coredns"], "1.37") == []
    monkeypatch.setitem(versions.PROVENANCE, "1.37", {"coredns": []})
    assert versions.missing_versions(["coredns", "kube-proxy"], "1.37") == ["coredns", "kube-proxy"]


def test_a_minor_with_unconfirmed_add_ons_is_refused_unless_they_are_pinned(monkeypatch):
    row = {n: v for n, v in versions.ADDON_VERSIONS["1.36"].items() if n != "vpc-cni"}
    monkeypatch.setitem(versions.ADDON_VERSIONS, "1.36", row)
    with pytest.raises(
        SettingsError,
        match=r"kubernetesVersion = \"1.36\": components/addons/versions.json has no version of \['vpc-cni'\]",
    ):
        load_settings({**BASE, "kubernetesVersion": "1.36"}, "dev")
    pins = {"vpc-cni": {"version": "v1.22.4-eksbuild.3"}}
    load_settings({**BASE, "kubernetesVersion": "1.36", "addons": {"overrides": pins}}, "dev")


def eks_client():
    session = botocore.session.get_session()
    return session.create_client(
        "eks", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


def answer(name: str, defaults: dict[str, str], others: tuple[str, ...] = ()) -> dict:
    """A DescribeAddonVersions answer: per cluster version, its default build flagged."""
    builds = sorted({*defaults.values(), *others}, reverse=True)
    return {
        "addons": [
            {
                "addonName": name,
                "type": "networking",
                "addonVersions": [
                    {
                        "addonVersion": build,
                        "architecture": ["amd64", "arm64"],
                        "compatibilities": [
                            {
                                "clusterVersion": minor,
                                "platformVersions": ["*"],
                                "defaultVersion": default == build,
                            }
                            for minor, default in defaults.items()
                        ],
                    }
                    for build in builds
                ],
            }
        ]
    }


def stubbed(answers: dict[tuple[str, str], dict]):
    """A describe function backed by a botocore EKS client whose answers the Stubber checks
    against the DescribeAddonVersions output shape."""
    client = eks_client()
    stubber = Stubber(client)
    for (name, minor), response in answers.items():
        stubber.add_response(
            "describe_addon_versions",
            response,
            {"addonName": name, "kubernetesVersion": minor},
        )
    stubber.activate()

    def describe(name: str, kubernetes_version: str) -> dict:
        return client.describe_addon_versions(addonName=name, kubernetesVersion=kubernetes_version)

    return describe, stubber


def test_the_default_version_is_the_one_flagged_for_the_cluster_version():
    shape = answer(
        "coredns",
        {"1.35": "v1.13.2-eksbuild.11", "1.36": "v1.14.3-eksbuild.3"},
        ("v1.14.3-eksbuild.22",),
    )
    describe, stubber = stubbed({("coredns", "1.35"): shape, ("coredns", "1.36"): shape})
    assert default_version(describe("coredns", "1.35"), "1.35") == "v1.13.2-eksbuild.11"
    assert default_version(describe("coredns", "1.36"), "1.36") == "v1.14.3-eksbuild.3"
    stubber.assert_no_pending_responses()
    with pytest.raises(LookupError, match=r"no default version for Kubernetes 1\.37"):
        default_version(shape, "1.37")


def test_a_refresh_writes_each_default_with_the_call_as_its_source_and_says_what_moved():
    document = json.loads(versions.VERSIONS_FILE.read_text())
    current = document["kubernetes"]
    answers = {}
    for minor in ("1.34", "1.35", "1.36", "1.37"):
        for name in sorted(ADDONS):
            build = current.get(minor, {}).get(name, "v9.0.0-eksbuild.1")
            if (name, minor) == ("coredns", "1.35"):
                build = "v1.14.3-eksbuild.22"
            defaults = {} if (name, minor) == ("metrics-server", "1.37") else {minor: build}
            answers[name, minor] = answer(name, defaults, (build,))
    describe, stubber = stubbed(answers)

    updated, changes = refreshed(document, describe, ["1.37"], "eu-west-1", dt.date(2026, 12, 6))

    stubber.assert_no_pending_responses()
    source = "describe-addon-versions-eu-west-1-2026-12-06"
    assert updated["sources"] == {
        source: {
            "kind": "describe-addon-versions",
            "what": "aws eks describe-addon-versions --addon-name <add-on> --kubernetes-version "
            "<minor>: the addonVersion whose compatibilities[] mark defaultVersion for that minor",
            "region": "eu-west-1",
            "read": "2026-12-06",
        }
    }
    assert updated["kubernetes"]["1.35"]["coredns"] == "v1.14.3-eksbuild.22"
    assert updated["provenance"]["1.35"]["coredns"] == [source]
    assert "metrics-server" not in updated["kubernetes"]["1.37"]
    assert updated["unconfirmed"] == {
        "1.37": {
            "metrics-server": "describe-addon-versions in eu-west-1 on 2026-12-06 marked no "
            "default version for Kubernetes 1.37"
        }
    }
    assert changes[0] == "1.35 coredns: v1.14.3-eksbuild.3 -> v1.14.3-eksbuild.22"
    assert "1.37 metrics-server: (none) -> (unconfirmed)" in changes
    assert len(changes) == 1 + len(ADDONS)
    assert updated["controllers"] == document["controllers"]


def test_the_cli_asks_the_region_given_and_writes_the_file(tmp_path, monkeypatch, capsys):
    calls = []

    def run(command, **kwargs):
        calls.append(command)
        name, minor = command[4], command[6]
        version = versions.ADDON_VERSIONS[minor][name]
        out = json.dumps(answer(name, {minor: version}))
        return type("Done", (), {"stdout": out})()

    monkeypatch.setattr(refresh.subprocess, "run", run)
    table = tmp_path / "versions.json"
    table.write_text(versions.VERSIONS_FILE.read_text())
    assert refresh.main(["--region", "eu-west-1", "--file", str(table)]) == 0
    assert calls[0][:7] == [
        "aws",
        "eks",
        "describe-addon-versions",
        "--addon-name",
        "amazon-cloudwatch-observability",
        "--kubernetes-version",
        "1.34",
    ]
    assert calls[0][7:] == ["--region", "eu-west-1", "--output", "json"]
    written = json.loads(table.read_text())
    assert written["kubernetes"] == versions.ADDON_VERSIONS
    assert capsys.readouterr().out == "no add-on version changed\n"
    with pytest.raises(SystemExit):
        refresh.main(["--file", str(table)])  # the region is recorded: it must be given
