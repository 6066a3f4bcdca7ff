"""The change review end to end: the program at a git ref of a repository (run in its own
process) against this tree's program, for the cases kept in review_cases.json, and the command's
exit statuses."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from components.base.config.pulumi_config import DEPLOYED_ENVIRONMENT
from preflight.against import (
    BadInput,
    Deployed,
    Snapshot,
    _shown,
    change_review,
    compare,
    cost_change,
    cost_line,
    deployed_at,
    render_review,
    resolve,
    review_deployed,
    settings_changed,
)
from preflight.offline import landing_zone
from tests.checkout import copy_checkout
from tests.programs import program

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((Path(__file__).parent / "review_cases.json").read_text())["cases"]


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout


# The landing zone's shared VPC in eu-west-1 and the organisation's pool, as the mocked account
# has them (preflight/offline/landing_zone.py).
SHARED_VPC = landing_zone._ids("eu-west-1")["vpc"]
EXISTING_NETWORK = {
    "mode": "existing",
    "vpcId": SHARED_VPC,
    "controlPlaneSubnetIds": [
        landing_zone.shared_subnet_id("eu-west-1", f"control-{i}") for i in range(3)
    ],
    "nodeSubnetIds": [landing_zone.shared_subnet_id("eu-west-1", f"node-{i}") for i in range(3)],
}
POOL_NETWORK = {"ipamPoolId": landing_zone.IPAM_POOL, "ipamNetmaskLength": 16}
# dev as deployed at other tags of the repository fixture.
VARIANTS = {
    "with-controllers": {
        "eks-platform:controllers": {"enabled": True},
        "eks-platform:cluster": {"endpointAccess": {"securityGroupIds": ["sg-0123456789abcdef0"]}},
    },
    "auto-mode": {"eks-platform:compute": {"mode": "auto"}},
}
# dev's network as deployed at further tags: keys of Pulumi.dev.yaml's network removed, others set.
NETWORK_VARIANTS = {
    "with-pods": ((), {"podCidr": "100.64.0.0/16"}),
    "existing": (("vpcCidr", "natMode", "interfaceEndpoints"), EXISTING_NETWORK),
    "from-pool": (("vpcCidr",), POOL_NETWORK),
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> Path:
    """A repository of this tree: `two-azs` (dev deployed in 2 AZs), `on-1.36` (dev on Kubernetes
    1.36), one tag per variant (VARIANTS, NETWORK_VARIANTS), then `current`."""
    repo = copy_checkout(tmp_path_factory.mktemp("repo"))
    dev = repo / "Pulumi.dev.yaml"
    current = dev.read_text()
    two = yaml.safe_load(current)
    two["config"]["eks-platform:network"]["azCount"] = 2
    dev.write_text(yaml.safe_dump(two))
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "dev in two AZs")
    git(repo, "tag", "two-azs")
    newer = yaml.safe_load(current)
    newer["config"]["eks-platform:kubernetesVersion"] = "1.36"
    dev.write_text(yaml.safe_dump(newer))
    git(repo, "commit", "-qam", "dev on 1.36")
    git(repo, "tag", "on-1.36")
    for tag, change in VARIANTS.items():
        variant = yaml.safe_load(current)
        variant["config"].update(change)
        dev.write_text(yaml.safe_dump(variant))
        git(repo, "commit", "-qam", tag)
        git(repo, "tag", tag)
    for tag, (removed, added) in NETWORK_VARIANTS.items():
        variant = yaml.safe_load(current)
        network = variant["config"]["eks-platform:network"]
        for key in removed:
            del network[key]
        network.update(added)
        dev.write_text(yaml.safe_dump(variant))
        git(repo, "commit", "-qam", tag)
        git(repo, "tag", tag)
    dev.write_text(current)
    git(repo, "commit", "-qam", "current")
    git(repo, "tag", "current")
    return repo


@pytest.fixture(scope="module")
def deployed(repository):
    found = {}

    def at(ref: str, stack: str):
        if (ref, stack) not in found:
            found[ref, stack] = deployed_at(ref, stack, repo=repository)
        return found[ref, stack]

    return at


def handed_in(at: Deployed, recorded: dict) -> dict:
    """The deployed stack's own record: the ref's, with the versions a case names."""
    upgraded = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=recorded["upgradedDaysAgo"])
    versions = {
        "controlPlane": recorded["controlPlane"],
        "nodes": recorded["nodes"],
        "upgrade": {"from": recorded["upgradedFrom"], "on": upgraded.isoformat()},
    }
    return {**at.outputs["deployment"], "versions": versions}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_review_case(case, deployed):
    at = deployed(case.get("against", "current"), case["stack"])
    if "record" in case:  # as the command runs with EKS_PLATFORM_DEPLOYED, guard included
        data, _ = review_deployed(at, case["stack"], case["config"], handed_in(at, case["record"]))
    else:
        data = compare(at, program(case["stack"], case["config"]))
    changes = data["changes"]
    assert {k: len(changes[k]) for k in case["counts"]} == case["counts"]
    for kind in ("replace", "update"):
        listed = {c["name"]: c for c in changes[kind]}
        for name, reason in case.get(kind, {}).items():
            found = listed[name].get("forcedBy" if kind == "replace" else "properties", [])
            assert any(reason in r for r in found), (name, found)
    assert len(changes["refused"]) == len(case["refused"]), changes["refused"]
    for message, expected in zip(changes["refused"], case["refused"], strict=True):
        assert expected in message


def test_an_unchanged_stack_has_nothing_to_do(deployed):
    for stack in ("dev", "prod"):
        data = compare(deployed("current", stack), program(stack))
        # Only what the program itself says (e.g. that nobody has cluster admin yet).
        assert data["settings"] == [] and data["warnings"] == program(stack).warnings
        assert all(data["changes"][k] == [] for k in data["changes"])


def test_every_entry_names_its_resource(deployed):
    data = compare(
        deployed("current", "dev"), program("dev", {"network": {"vpcCidr": "10.20.0.0/16"}})
    )
    for kind in ("update", "replace"):
        for entry in data["changes"][kind]:
            assert entry["urn"].startswith("urn:pulumi:dev::eks-platform::") and entry["properties"]
    assert data["against"]["ref"] == "current" and len(data["against"]["commit"]) == 40


def test_a_stack_the_ref_lacks_is_all_new(repository):
    (repository / "Pulumi.dev.yaml").rename(repository / "Pulumi.gone.yaml")
    try:
        git(repository, "commit", "-qam", "no dev")
        new = deployed_at("HEAD", "dev", repo=repository)
    finally:
        git(repository, "reset", "-q", "--hard", "current")
    data = compare(new, program("dev"))
    assert data["warnings"][0] == "stack dev does not exist at HEAD: everything is new"
    assert len(data["changes"]["create"]) == len(
        [r for r in program("dev").registrations if r.custom]
    )


def test_one_snapshot_runs_the_ref_for_several_stacks_in_any_order(repository, deployed):
    """A fleet review's worker asks one process for its stacks: each stack's answer is what a
    process of its own gives, whichever order they are asked in, and a stack the ref lacks
    neither stops nor shifts the others."""
    snapshot = Snapshot("two-azs", ["dev", "no-such-stack", "prod"], repository)
    try:
        prod, missing, dev = (snapshot.deployed(s) for s in ("prod", "no-such-stack", "dev"))
    finally:
        snapshot.close()

    def unordered(registration):  # registration and dependency order vary between runs
        return dataclasses.replace(
            registration,
            dependencies=frozenset(registration.dependencies),
            property_dependencies={
                k: frozenset(v) for k, v in registration.property_dependencies.items()
            },
        )

    for got, stack in ((dev, "dev"), (prod, "prod")):
        alone = deployed("two-azs", stack)
        assert (got.outputs, got.settings) == (alone.outputs, alone.settings)
        assert {r.urn: unordered(r) for r in got.registrations} == {
            r.urn: unordered(r) for r in alone.registrations
        }
    assert len(dev.outputs["deployment"]["availabilityZones"]) == 2
    assert missing.registrations == [] and "does not exist at two-azs" in missing.warnings[0]


def test_unknown_refs_and_stacks_are_bad_input(repository):
    with pytest.raises(BadInput, match="unknown git ref 'no-such-ref'"):
        resolve("no-such-ref", repository)
    with pytest.raises(BadInput, match=r"no stack file Pulumi\.no-such-stack\.yaml"):
        change_review("no-such-stack", "current", {}, repo=repository)


def run_command(*args: str, environ: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != DEPLOYED_ENVIRONMENT}
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment | (environ or {}),
    )


def test_the_command_exits_2_on_bad_input_and_prints_json():
    bad_ref = run_command("--stack", "dev", "--against", "no-such-ref", "--json")
    assert bad_ref.returncode == 2
    assert json.loads(bad_ref.stdout)["error"] == "unknown git ref 'no-such-ref'"
    assert run_command("--stack", "no-such-stack", "--against", "HEAD").returncode == 2


def test_the_command_judges_from_the_record_the_deploy_hands_in():
    """deploy-stack.yml hands the live record to the review as to `pulumi up`: a cluster
    upgraded in place two days ago is judged from it (here a rollback, not a no-op)."""
    live = program("dev").outputs["deployment"]
    upgraded = (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)).isoformat()
    live = live | {
        "kubernetesVersion": "1.36",
        "versions": {
            "controlPlane": "1.36",
            "nodes": "1.36",
            "upgrade": {"from": "1.35", "on": upgraded},
        },
    }
    review = ["--stack", "dev", "--against", "HEAD", "--json"]
    for handed, status, refused in (
        (json.dumps(live), 1, ["kubernetesVersion: 1.36 -> 1.35: a rollback"]),
        ("new", 0, []),
    ):
        result = run_command(*review, environ={DEPLOYED_ENVIRONMENT: handed})
        assert result.returncode == status, result.stderr
        found = json.loads(result.stdout)["changes"]["refused"]
        assert [m for m in found if any(r in m for r in refused)] == found
        assert len(found) == len(refused)
    bad = run_command(*review, environ={DEPLOYED_ENVIRONMENT: "[1]"})
    assert bad.returncode == 2 and DEPLOYED_ENVIRONMENT in json.loads(bad.stdout)["error"]


def test_the_command_exits_1_when_something_is_refused():
    result = run_command(
        "--stack", "dev", "--against", "HEAD", "--json", "--config", "network.vpcCidr=10.99.0.0/16"
    )
    data = json.loads(result.stdout)
    assert set(data["changes"]) == {"create", "update", "replace", "delete", "refused"}
    assert result.returncode == (1 if data["changes"]["refused"] else 0)


def test_a_refused_change_whose_effect_cannot_be_run_is_still_reviewed(repository):
    # From 1.35, back to 1.34: refused as a rollback; and 1.34 is past standard support, so the
    # program would not even start a stack on it to show the effect.
    data = change_review("dev", "current", {"kubernetesVersion": "1.34"}, repo=repository)
    assert [m.split(": ")[1] for m in data["changes"]["refused"]] == ["1.35 -> 1.34"]
    assert data["warnings"][0].startswith("what the refused change would do cannot be shown")
    assert render_review(data).splitlines()[0].endswith("REFUSED (1)")


def test_the_review_reads_verdict_first_with_values_order_time_and_cost(deployed):
    data = compare(deployed("current", "dev"), program("dev", {"kubernetesVersion": "1.36"}))
    lines = render_review(data).splitlines()
    assert lines[0].endswith("): ok to deploy")
    assert lines[2].startswith("  about ") and "USD/month" in lines[2]
    assert data["minutes"] >= 10  # at least the control plane's upgrade
    changes = lines[next(i for i, line in enumerate(lines) if line.startswith("Changes, in the")) :]
    cluster = next(i for i, line in enumerate(changes) if "aws:eks/cluster:Cluster" in line)
    group = next(i for i, line in enumerate(changes) if "aws:eks/nodeGroup:NodeGroup" in line)
    assert cluster < group  # the control plane first
    assert changes[cluster + 1].strip() == 'version: "1.35" -> "1.36"'
    assert all(len(line) <= 100 for line in lines if not line.startswith("         "))


def test_settings_changed_lists_keys_set_on_one_side_only_with_their_values():
    before = {"owner": "a", "network": {"vpcCidr": "10.0.0.0/16"}}
    after = {
        "owner": "a",
        "network": {"vpcCidr": "10.0.0.0/16", "natMode": "single"},  # only in the working tree
        "tags": {"team": "x"},
    }
    assert settings_changed(before, after) == [
        ("network.natMode", None, "single"),
        ("tags.team", None, "x"),
    ]
    assert settings_changed(after, before) == [
        ("network.natMode", "single", None),
        ("tags.team", "x", None),
    ]
    assert settings_changed({"a": [1, 2]}, {"a": [2, 1]}) == [("a", [1, 2], [2, 1])]


def test_an_unchanged_stack_with_a_function_has_nothing_to_do(deployed):
    # The pod range's address function is code: it compares by content, not by object identity.
    pods = {"network": {"podCidr": "100.64.0.0/16"}}
    data = compare(deployed("with-pods", "dev"), program("dev", pods))
    assert all(data["changes"][k] == [] for k in ("create", "update", "replace", "delete"))


def test_a_change_to_a_type_without_a_price_never_reads_as_a_saving():
    """dev's nodes moved to a type eu-west-1 has no price for: the priced total falls, the
    change is unknown (at us-east-1's prices it rises); a new stack's rise is a lower bound."""
    groups = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    groups = groups["eks-platform:compute"]["nodeGroups"]
    bigger = [{**groups[0], "instanceTypes": ["c6g.xlarge"]}, *groups[1:]]
    before = program("dev").registrations
    after = program("dev", {"compute": {"nodeGroups": bigger}}).registrations
    cost = cost_change(before, after)
    assert cost["monthly_usd_after"] < cost["monthly_usd_before"]  # the unpriced nodes left out
    assert (cost["change"], cost["monthly_usd_change"]) == ("unknown", None)
    assert cost["priced_on_one_side"] == ["Nodes eks-system (c6g.xlarge)"]
    assert (
        cost["reference"]["region"] == "us-east-1" and cost["reference"]["monthly_usd_change"] > 0
    )
    assert cost_line(cost).startswith("change unknown (no eu-west-1 price for Nodes eks-system")
    assert cost_change(after, after)["change"] == "exact"  # the same gap on both sides
    new = cost_change([], after)
    assert new["change"] == "at least" and new["monthly_usd_change"] == cost["monthly_usd_after"]
    assert cost_line(new).startswith(f"at least +{cost['monthly_usd_after']:.2f} USD/month")
    assert cost_change(after, before)["change"] == "unknown"  # the gap goes: up or down


def test_whole_numbers_show_as_set_not_as_the_engine_s_floats():
    """retentionInDays 30 -> 90 reads `30 -> 90`, not `30.0 -> 90.0`."""
    assert [_shown(v) for v in (30.0, 90, 0.5, None, "x")] == ["30", "90", "0.5", "(unset)", '"x"']
