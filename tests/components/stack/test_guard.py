"""`pulumi up` refuses what the day-2 rules refuse, before any resource is registered, from the
last deployment's record: the stack's own output `deployment` (read through a StackReference to
itself), or the one handed in through EKS_PLATFORM_DEPLOYED. A new stack is not guarded."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.base.config import SettingsError
from components.base.config.pulumi_config import DEPLOYED_ENVIRONMENT
from components.stack.guard import handed_in_record, last_deployment
from components.stack.record import OUTPUT, Deployment
from components.stack.upgrade import Upgrade, Versions
from preflight.offline.runner import run_program
from tests.programs import RUNNER, program

# What a record looked like before the controllers' deployer, and before versions were recorded:
# stacks deployed then must keep deploying.
BEFORE_THE_DEPLOYER = {
    "availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    "vpcCidr": "10.10.0.0/16",
    "subnetPrefixes": {"private": 19, "public": 24, "intra": 28},
    "kubernetesVersion": "1.35",
    "computeMode": "managed",
    "clusterName": "eks-platform-dev",
}
BEFORE_THE_VERSIONS = {**BEFORE_THE_DEPLOYER, "deployer": ""}


def test_every_run_records_what_the_guards_need(dev, prod):
    assert dev.outputs[OUTPUT] == {
        **BEFORE_THE_VERSIONS,
        # A new cluster has no "upgrade" to record.
        "versions": {"controlPlane": "1.35", "nodes": "1.35"},
        "forceUpgrade": False,
        "nodeRole": "node",
    }
    assert Deployment.from_output(prod.outputs[OUTPUT]).cluster_name == "eks-platform-prod"


@pytest.mark.parametrize("record", [BEFORE_THE_DEPLOYER, BEFORE_THE_VERSIONS])
def test_records_of_older_versions_still_parse(record):
    parsed = Deployment.from_output(record)
    assert parsed.deployer == ""
    assert parsed.running == Versions("1.35", "1.35", None, upgrade_known=False)
    assert parsed.force_upgrade is False


def test_an_older_record_still_guards_pulumi_up():
    with pytest.raises(SettingsError, match=r"network.vpcCidr: 10.10.0.0/16 -> 10.20.0.0/16"):
        run_program("dev", {"network": {"vpcCidr": "10.20.0.0/16"}}, deployed=BEFORE_THE_DEPLOYER)
    # ... and an unchanged stack passes with it, recording the versions from now on.
    again = program("dev", deployed=BEFORE_THE_DEPLOYER)
    assert again.outputs[OUTPUT]["versions"]["controlPlane"] == "1.35"


VERSION = st.integers(min_value=28, max_value=40).map(lambda m: f"1.{m}")


@given(
    zones=st.lists(st.sampled_from("abcdef"), min_size=2, max_size=6, unique=True),
    kubernetes=VERSION,
    nodes_behind=st.booleans(),
    upgrade=st.none() | st.tuples(VERSION, st.dates(dt.date(2025, 1, 1), dt.date(2027, 1, 1))),
    deployer=st.sampled_from(["", "arn:aws:iam::111122223333:user/alice"]),
    force=st.booleans(),
)
def test_every_record_round_trips_through_the_stack_output(
    zones, kubernetes, nodes_behind, upgrade, deployer, force
):
    minor = int(kubernetes.split(".")[1])
    record = Deployment(
        availability_zones=tuple(f"eu-west-1{z}" for z in zones),  # any order is kept
        vpc_cidr="10.0.0.0/16",
        subnet_prefixes={"private": 19, "public": 24, "intra": 28},
        kubernetes_version=kubernetes,
        compute_mode="managed",
        cluster_name="c",
        deployer=deployer,
        versions=Versions(
            kubernetes,
            f"1.{minor - 1}" if nodes_behind else kubernetes,
            Upgrade(*upgrade) if upgrade else None,
        ),
        force_upgrade=force,
    )
    output = record.as_output()
    assert (
        Deployment.from_output(json.loads(json.dumps(output))) == record
    )  # as the engine keeps it


@pytest.mark.parametrize(
    "broken, named",
    [
        ({k: v for k, v in BEFORE_THE_VERSIONS.items() if k != "vpcCidr"}, "vpcCidr"),
        ({**BEFORE_THE_VERSIONS, "subnetPrefixes": {"private": "x"}}, "ValueError"),
        ({**BEFORE_THE_VERSIONS, "versions": {"controlPlane": "1.35"}}, "nodes"),
        (
            {
                **BEFORE_THE_VERSIONS,
                "versions": {
                    "controlPlane": "1",
                    "nodes": "1",
                    "table": "1",
                    "upgrade": {"from": "1.34", "on": "soon"},
                },
            },
            "soon",
        ),
    ],
)
def test_a_broken_record_is_named(broken, named):
    with pytest.raises(ValueError, match=rf"not a deployment record .*{named}"):
        Deployment.from_output(broken)


def test_the_record_comes_from_the_environment_first_then_the_stack_itself():
    def nothing_deployed():
        return None

    assert last_deployment({}, nothing_deployed) is None
    assert last_deployment({DEPLOYED_ENVIRONMENT: "  "}, nothing_deployed) is None
    own = last_deployment({}, lambda: BEFORE_THE_VERSIONS)
    assert own is not None and own.vpc_cidr == "10.10.0.0/16"
    handed = {**BEFORE_THE_VERSIONS, "vpcCidr": "10.99.0.0/16"}
    found = last_deployment({DEPLOYED_ENVIRONMENT: json.dumps(handed)}, lambda: BEFORE_THE_VERSIONS)
    assert found is not None and found.vpc_cidr == "10.99.0.0/16"


def test_a_broken_record_says_where_it_came_from():
    with pytest.raises(SettingsError, match=f"{DEPLOYED_ENVIRONMENT}: not a deployment record"):
        last_deployment({DEPLOYED_ENVIRONMENT: '{"vpcCidr": "10.0.0.0/16"}'}, lambda: None)
    with pytest.raises(SettingsError, match="pulumi stack output deployment --json"):
        last_deployment({DEPLOYED_ENVIRONMENT: "not json"}, lambda: None)
    with pytest.raises(SettingsError, match="the stack output `deployment`: not a deployment"):
        last_deployment({}, lambda: {"vpcCidr": "10.0.0.0/16"})


def test_an_unchanged_stack_passes_the_guard(dev):
    again = program("dev", deployed=dev.outputs[OUTPUT])
    assert {r.urn: r.inputs for r in again.registrations} == {
        r.urn: r.inputs for r in dev.registrations
    }
    assert again.outputs[OUTPUT] == dev.outputs[OUTPUT]


def test_refused_changes_stop_pulumi_up_before_any_resource(dev):
    changes = {"kubernetesVersion": "1.34", "network": {"vpcCidr": "10.20.0.0/16"}}
    with pytest.raises(SettingsError) as refused:
        run_program("dev", changes, deployed=dev.outputs[OUTPUT])
    assert str(refused.value).startswith("refused changes to the deployed stack (2 problem(s))")
    # The same change on a stack never deployed is just settings.
    new = run_program("dev", {"network": {"vpcCidr": "10.20.0.0/16"}})
    assert new.outputs[OUTPUT]["vpcCidr"] == "10.20.0.0/16"


def test_a_deliberate_migration_passes_with_its_allowance(dev):
    auto = {"compute": {"mode": "auto", "nodeGroups": None}}
    with pytest.raises(SettingsError, match=r"eks-platform:compute\.mode: managed -> auto"):
        program("dev", auto, deployed=dev.outputs[OUTPUT])
    allowed = program(
        "dev", {**auto, "allowDisruptiveChanges": ["compute.mode"]}, deployed=dev.outputs[OUTPUT]
    )
    assert allowed.outputs[OUTPUT]["computeMode"] == "auto"


def test_raising_az_count_is_refused_naming_the_az_it_would_add():
    # (us-east-1: the mocked eu-west-1 has three AZs, as the real one does)
    region = {"aws:region": "us-east-1"}
    first = program("dev", region)
    with pytest.raises(SettingsError, match=r"adds \['us-east-1d'\]"):
        program("dev", {**region, "network": {"azCount": 4}}, deployed=first.outputs[OUTPUT])


def test_lowering_az_count_is_refused_naming_the_az_it_would_remove(dev):
    with pytest.raises(SettingsError, match=r"removes \['eu-west-1c'\]"):
        program("dev", {"network": {"azCount": 2}}, deployed=dev.outputs[OUTPUT])


def test_the_allowance_lists_only_known_changes():
    with pytest.raises(
        SettingsError, match=r"allowDisruptiveChanges = \[\"vpcCidr\"\]: must be a list of"
    ):
        program("dev", {"allowDisruptiveChanges": ["vpcCidr"]})
    # The removal of AZs was an allowance once; EKS rejects it, so it no longer is.
    with pytest.raises(SettingsError, match=r"network.availabilityZones"):
        program("dev", {"allowDisruptiveChanges": ["network.availabilityZones"]})


def test_a_rollback_takes_two_updates_node_groups_and_add_ons_first(dev):
    upgraded = program("dev", {"kubernetesVersion": "1.36"}, deployed=dev.outputs[OUTPUT])
    record = upgraded.outputs[OUTPUT]
    assert record["versions"]["upgrade"]["from"] == "1.35"
    back = {"kubernetesVersion": "1.35", "allowDisruptiveChanges": ["kubernetesVersion"]}
    first = program("dev", back, deployed=record)
    assert first.one("aws:eks/cluster:Cluster").inputs["version"] == "1.36"
    assert first.one("aws:eks/nodeGroup:NodeGroup").inputs["version"] == "1.35"
    assert any("rollback step 1 of 2" in w for w in first.warnings)
    # EKS leaves add-ons as they are and wants incompatible ones downgraded first (kube-proxy
    # may not be newer than the API server): they go back with the node groups, in step 1.
    assert addon_versions(first) == addon_versions(dev)
    second = program("dev", back, deployed=first.outputs[OUTPUT])
    assert second.one("aws:eks/cluster:Cluster").inputs["version"] == "1.35"
    assert second.one("aws:eks/nodeGroup:NodeGroup").inputs["version"] == "1.35"
    assert addon_versions(second) == addon_versions(dev)
    assert second.outputs[OUTPUT]["versions"] == {"controlPlane": "1.35", "nodes": "1.35"}


def addon_versions(run) -> dict[str, str]:
    return {r.name: r.inputs["addonVersion"] for r in run.of_type("aws:eks/addon:Addon")}


def test_a_rollback_with_karpenter_on_is_refused_until_its_nodes_are_gone(dev):
    on = {"controllers": {"enabled": True}, "cluster": RUNNER}
    upgraded = program("dev", {**on, "kubernetesVersion": "1.36"}, deployed=dev.outputs[OUTPUT])
    back = {**on, "kubernetesVersion": "1.35", "allowDisruptiveChanges": ["kubernetesVersion"]}
    with pytest.raises(SettingsError, match=r"Karpenter's nodes run the control plane's kubelet"):
        program("dev", back, deployed=upgraded.outputs[OUTPUT])
    off = {**back, "controllers": {"enabled": True, "karpenter": False}}
    assert program("dev", off, deployed=upgraded.outputs[OUTPUT]).warnings


def test_an_auto_mode_rollback_waits_as_long_as_eks_may_take():
    auto = {"compute": {"mode": "auto", "nodeGroups": None}}
    first = program("dev", {**auto, "kubernetesVersion": "1.36"})
    assert first.one("aws:eks/cluster:Cluster").outputs  # (a new stack on 1.36)
    record = {
        **first.outputs[OUTPUT],
        "versions": {
            "controlPlane": "1.36",
            "nodes": "1.36",
            "upgrade": {"from": "1.35", "on": str(dt.date.today())},
        },
    }
    back = {**auto, "kubernetesVersion": "1.35", "allowDisruptiveChanges": ["kubernetesVersion"]}
    run = run_program("dev", back, deployed=record)
    cluster = run.one("aws:eks/cluster:Cluster")
    assert cluster.inputs["version"] == "1.35"
    assert cluster.custom_timeouts == {"update": "12h"}


def test_a_deployed_stack_without_a_record_is_refused_unless_said_new(monkeypatch):
    outputs = {"clusterName": "eks-platform-dev"}  # deployed, but no `deployment` output
    with pytest.raises(SettingsError, match=r"has a cluster \(eks-platform-dev\) but no"):
        run_program("dev", last_outputs=outputs)
    assert last_deployment({DEPLOYED_ENVIRONMENT: "new"}, lambda: BEFORE_THE_VERSIONS) is None


def test_the_deployer_is_recorded_and_may_not_move_by_accident(prod):
    runner = {"endpointAccess": {"securityGroupIds": ["sg-0123456789abcdef0"]}}
    on = {"controllers": {"enabled": True}, "cluster": runner}
    first = program("prod", on)
    deployer = "arn:aws:iam::111122223333:role/deploy/platform-deployer"  # the mocked caller
    assert first.outputs[OUTPUT]["deployer"] == deployer
    other = "arn:aws:iam::111122223333:role/someone-else"
    moved = {**on, "controllers": {"enabled": True, "deployerPrincipalArn": other}}
    with pytest.raises(
        SettingsError, match=r"controllers.deployerPrincipalArn: .*platform-deployer"
    ):
        program("prod", moved, deployed=first.outputs[OUTPUT])
    allowed = {**moved, "allowDisruptiveChanges": ["controllers.deployerPrincipalArn"]}
    assert (
        program("prod", allowed, deployed=first.outputs[OUTPUT]).outputs[OUTPUT]["deployer"]
        == other
    )


ROLE = "aws:iam/role:Role"


def node_role(run) -> str:
    [cluster] = run.of_type("aws:eks/cluster:Cluster")
    arn = cluster.inputs.get("computeConfig", {}).get("nodeRoleArn")
    return next(r.name for r in run.of_type(ROLE) if r.outputs["arn"] == arn)


def test_a_stack_moved_to_auto_mode_gets_a_node_role_of_its_own_and_keeps_it(dev):
    auto = {
        "compute": {"mode": "auto", "nodeGroups": None},
        "allowDisruptiveChanges": ["compute.mode"],
    }
    moved = program("dev", auto, deployed=dev.outputs[OUTPUT])
    # The managed groups' role keeps the EC2_LINUX entry EKS made for it: Auto Mode's is new.
    assert node_role(moved) == "eks-auto-node"
    assert moved.outputs[OUTPUT]["nodeRole"] == "auto-node"
    again = program("dev", auto, deployed=moved.outputs[OUTPUT])
    assert node_role(again) == "eks-auto-node"  # a set compute node role never changes


def test_a_stack_that_started_in_auto_mode_keeps_the_one_node_role():
    auto = {"compute": {"mode": "auto", "nodeGroups": None}}
    first = program("dev", auto)
    assert node_role(first) == "eks-node"
    assert node_role(program("dev", auto, deployed=first.outputs[OUTPUT])) == "eks-node"
    # ... also from a record written before the role was recorded.
    legacy = {k: v for k, v in first.outputs[OUTPUT].items() if k != "nodeRole"}
    assert node_role(program("dev", auto, deployed=legacy)) == "eks-node"


def test_a_new_stack_may_not_start_past_standard_support():
    # EKS standard support of 1.34 ended on 2026-12-02 (policy/eks_policies/eks_versions.json's
    # source); this run's date is after it.
    with pytest.raises(SettingsError, match=r'kubernetesVersion = "1.34": .*left EKS standard'):
        program("dev", {"kubernetesVersion": "1.34"})


def test_a_deployed_stack_past_standard_support_is_warned_and_never_asks_for_a_downgrade(dev):
    on_134 = {
        **dev.outputs[OUTPUT],
        "kubernetesVersion": "1.34",
        "versions": {"controlPlane": "1.34", "nodes": "1.34"},
    }
    run = program("dev", {"kubernetesVersion": "1.34"}, deployed=on_134)
    assert any("1.34 left EKS standard support" in w for w in run.warnings)
    # EKS upgrades such a cluster itself: the refreshed newer version is not undone.
    assert run.one("aws:eks/cluster:Cluster").ignore_changes == ("version",)
    assert dev.one("aws:eks/cluster:Cluster").ignore_changes == ()


def test_the_record_handed_to_tools_beside_pulumi_up_is_an_object_or_nothing():
    variable = DEPLOYED_ENVIRONMENT
    assert handed_in_record({}) is None and handed_in_record({variable: " "}) is None
    assert handed_in_record({variable: "new"}) is None  # no record, on purpose
    assert handed_in_record({variable: '{"clusterName": "c"}'}) == {"clusterName": "c"}
    for bad in ("not json", "[1]", "null"):
        with pytest.raises(ValueError, match=f"{variable} is not a JSON object"):
            handed_in_record({variable: bad})
