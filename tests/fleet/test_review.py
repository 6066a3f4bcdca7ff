"""The fleet review: versions before and after from the review's changes, the table, the exit
status, the pool of processes; and once for real: `fleet bump` of one wave in a copy of the
repository, then its review."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.fleet_review import fixture_fleet
from fleet.inventory import read_inventory
from fleet.review import exit_status, render, review_fleet, versions_before
from tests.fleet.conftest import FLEET

CLUSTER_URN = (
    "urn:pulumi:dev::eks-platform::eks-platform:index:Cluster$aws:eks/cluster:Cluster::eks-cluster"
)
COREDNS_URN = (
    "urn:pulumi:dev::eks-platform::eks-platform:index:Addons$aws:eks/addon:Addon::addons-coredns"
)
NEW_URN = (
    "urn:pulumi:dev::eks-platform::eks-platform:index:Addons$aws:eks/addon:Addon::addons-metrics"
)
KEYS = {
    CLUSTER_URN: ("kubernetes", "1.36"),
    COREDNS_URN: ("coredns", "v1.14.3-eksbuild.3"),
    NEW_URN: ("metrics-server", "v0.9.0-eksbuild.5"),
}


def review(stack: str, **changes) -> dict:
    return {
        "stack": stack,
        "against": {"ref": "HEAD", "commit": "0" * 40},
        "minutes": 0.0,
        "settings": [],
        "changes": {k: [] for k in ("create", "update", "replace", "delete", "refused")} | changes,
        "cost": {
            "monthly_usd_before": 100.0,
            "monthly_usd_after": 101.5,
            "monthly_usd_change": 1.5,
        },
        "warnings": [],
        "policy": {"mandatory": [], "advisory": []},
        "versions": {"before": {}, "after": {}},
    }


def test_versions_before_put_back_what_the_review_changes() -> None:
    changes = review(
        "dev",
        update=[
            {"urn": CLUSTER_URN, "type": "aws:eks/cluster:Cluster", "name": "eks-cluster",
             "values": {"version": {"old": "1.35", "new": "1.36"}}},
            {"urn": COREDNS_URN, "type": "aws:eks/addon:Addon", "name": "addons-coredns",
             "values": {"configurationValues": {"old": "{}", "new": "{\"a\": 1}"}}},
        ],
        create=[{"urn": NEW_URN, "type": "aws:eks/addon:Addon", "name": "addons-metrics"}],
    )  # fmt: skip
    assert versions_before(KEYS, changes) == {
        "kubernetes": "1.35",
        "coredns": "v1.14.3-eksbuild.3",  # its configuration changed, not its version
    }


def test_the_table_and_the_exit_status(project: Path) -> None:
    inventory = read_inventory(FLEET, project)
    ok = review("dev", update=[{"urn": "u"}] * 3)
    ok["versions"] = {
        "before": {"kubernetes": "1.35", "coredns": "v1"},
        "after": {"kubernetes": "1.36", "coredns": "v2"},
    }
    same = review("staging")
    same["cost"] |= {"change": "unknown", "monthly_usd_change": None, "monthly_usd_after": 90.0}
    same["versions"] = {
        "before": {"kubernetes": "1.35", "coredns": "v2"},
        "after": {"kubernetes": "1.35", "coredns": "v2"},
    }
    refused = review("prod", refused=["kubernetesVersion 1.35 -> 1.37 skips a minor"])
    refused["cost"] |= {"change": "at least"}
    refused["policy"]["mandatory"] = ["[mandatory] eks-private-endpoint (...): public"]
    text = render(
        inventory,
        "main",
        [ok, same, refused, {"stack": "prod-us", "error": "unknown git ref 'main'"}],
    )
    lines = text.splitlines()
    assert lines[0] == "fleet review against main: 4 stacks: REFUSED (1 stack(s)), 1 not reviewed"
    [dev] = [line for line in lines if line.startswith("dev ")]
    assert dev.split() == [
        "dev",
        "1",
        "eu-west-1",
        "0",
        "3",
        "0",
        "0",
        "0",
        "0/0",
        "+1.50",
        "(102)",
        "1.35",
        "->",
        "1.36",
    ]
    [staging] = [line for line in lines if line.startswith("staging ")]
    assert staging.split()[9:11] == ["?", "(90)"]  # an unpriced type never reads as a saving
    [prod] = [line for line in lines if line.startswith("prod ")]
    assert prod.split()[9] == ">=+1.50"
    assert prod.split()[7:9] == ["2", "1/0"]  # refused: the refusal and the violation
    assert "  coredns                            v2: dev (v1 ->), staging" in lines
    assert "  - kubernetesVersion 1.35 -> 1.37 skips a minor" in lines
    assert "prod-us: not reviewed: unknown git ref 'main'" in lines
    assert exit_status([ok, same]) == 0
    assert exit_status([ok, refused]) == 1
    assert exit_status([ok, refused, {"stack": "x", "error": "bad"}]) == 2


def echo_review(stacks: list[str], ref: str) -> list[dict]:
    """A stand-in review for the pool: which process reviewed what."""
    import os

    return [{"stack": stack, "ref": ref, "pid": os.getpid()} for stack in stacks]


def test_the_stacks_are_reviewed_in_worker_processes_in_fleet_order(project: Path) -> None:
    inventory = read_inventory(FLEET, project)
    results = review_fleet(inventory, "main", workers=2, review=echo_review)
    assert [(r["stack"], r["ref"]) for r in results] == [
        ("dev", "main"), ("staging", "main"), ("prod", "main"), ("prod-us", "main"),
    ]  # fmt: skip
    import os

    assert os.getpid() not in {r["pid"] for r in results}
    assert [r["stack"] for r in review_fleet(inventory, "x", ["prod"], review=echo_review)] == [
        "prod"
    ]


def test_bump_one_wave_in_a_copy_of_the_repository_then_its_review(tmp_path: Path) -> None:
    stacks = fixture_fleet(tmp_path, 3)  # s01, s02 in wave 1; s03 in wave 3
    done = subprocess.run(
        [sys.executable, "-m", "fleet", "bump", "kubernetesVersion", "1.36", "--wave", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kubernetesVersion = 1.36 in Pulumi.s01.yaml, Pulumi.s02.yaml" in done.stderr
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=tmp_path, capture_output=True, text=True
    ).stdout.split("\n")
    assert sorted(filter(None, status)) == [" M Pulumi.s01.yaml", " M Pulumi.s02.yaml"]
    lines = done.stdout.splitlines()
    assert lines[0] == "fleet review against HEAD: 2 stacks: ok to roll out"
    for stack in stacks[:2]:
        [row] = [line for line in lines if line.startswith(f"{stack} ")]
        assert row.split()[-3:] == ["1.35", "->", "1.36"]
        assert int(row.split()[4]) > 0  # updates: control plane, node groups, add-ons
    kube_proxy = next(line for line in lines if line.strip().startswith("kube-proxy"))
    assert "s01 (v1.35" in kube_proxy and "s02 (v1.35" in kube_proxy
