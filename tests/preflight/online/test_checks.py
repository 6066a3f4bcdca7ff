"""Each check, a pure function over AWS's answers, in both outcomes: the recorded answers of a
scenario pass it; the same answers changed the way AWS could answer otherwise block (or warn),
and the blocker names the setting or action to change."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json

import pytest

from components.network.zones import EKS_UNSUPPORTED_ZONE_IDS
from preflight.online.addons import check_addons, schema_errors
from preflight.online.capacity import addresses_needed, check_capacity
from preflight.online.facts import ami_parameter
from preflight.online.findings import BLOCKED, COULD_NOT_CHECK, READY, Report, blocker, render
from preflight.online.identity import check_identity, check_zones
from preflight.online.quotas import check_quotas
from preflight.online.versions import check_kubernetes, check_upgrade
from tests.preflight.online.support import answers, plan

ALL = (check_addons, check_kubernetes, check_upgrade, check_capacity, check_quotas, check_zones)


def levels(findings) -> list[tuple[str, str]]:
    return [(f.level, f.check) for f in findings]


READ = dt.date(2026, 12, 6)  # the day the recordings' dates were read


@pytest.mark.parametrize("name", ["dev-new", "prod-deployed"])
def test_the_recorded_account_passes_every_check(name, monkeypatch) -> None:
    got = answers(name, monkeypatch)
    kubernetes = functools.partial(check_kubernetes, today=READ)
    for check in (*(c if c is not check_kubernetes else kubernetes for c in ALL), check_identity):
        findings, summary = check(plan(name), got)
        assert findings == [], (check, findings)
        assert summary


# --- add-ons -------------------------------------------------------------------------------


def test_an_addon_version_eks_does_not_offer_blocks_and_names_the_version_setting(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    got.addon_versions["coredns"] = [
        v for v in got.addon_versions["coredns"] if v["addonVersion"] != "v1.14.3-eksbuild.3"
    ]
    [found] = check_addons(plan("prod-deployed"), got)[0]
    assert (
        found.level == "blocker" and "coredns v1.14.3-eksbuild.3 is not a version" in found.message
    )
    assert "addons.overrides.coredns.version" in found.fix


def test_an_addon_version_that_does_not_list_the_target_minor_blocks(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    for version in got.addon_versions["kube-proxy"]:
        version["compatibilities"] = [
            c for c in version["compatibilities"] if c["clusterVersion"] != "1.35"
        ]
    [found] = check_addons(plan("prod-deployed"), got)[0]
    assert found.level == "blocker"
    assert "kube-proxy v1.35.3-eksbuild.13 does not list Kubernetes 1.35" in found.message


def test_an_addon_the_region_lacks_blocks(monkeypatch):
    got = answers("dev-new", monkeypatch)
    got.addon_versions["eks-node-monitoring-agent"] = []
    [found] = check_addons(plan("dev-new"), got)[0]
    assert "EKS offers no add-on eks-node-monitoring-agent in eu-west-1" in found.message
    assert found.fix.startswith("addons.overrides.eks-node-monitoring-agent.enabled")


def test_configuration_values_the_schema_refuses_block_with_each_path(monkeypatch):
    got = answers("dev-new", monkeypatch)
    schema = json.loads(got.addon_schemas["coredns"])
    schema["properties"]["replicaCount"] = {"type": "integer", "maximum": 1}
    del schema["properties"]["topologySpreadConstraints"]
    got.addon_schemas["coredns"] = json.dumps(schema)
    [found] = check_addons(plan("dev-new"), got)[0]
    assert found.level == "blocker" and "configurationValues refused" in found.message
    assert "replicaCount: 2 is greater than the maximum of 1" in found.message
    assert "'topologySpreadConstraints' was unexpected" in found.message
    assert found.fix.startswith("addons.overrides.coredns.configurationValues")


def test_schema_errors_follow_the_schema_s_draft() -> None:
    schema = {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object"}
    schema |= {"properties": {"env": {"type": "object"}}, "additionalProperties": False}
    assert schema_errors({"env": {}}, json.dumps(schema)) == []
    assert schema_errors({"env": []}, json.dumps(schema)) == ["env: [] is not of type 'object'"]


def test_during_an_upgrade_addons_new_to_the_target_are_a_note(monkeypatch):
    findings, summary = check_addons(plan("prod-upgrade"), answers("prod-upgrade", monkeypatch))
    assert {f.level for f in findings} == {"note"}
    assert any("kube-proxy v1.36.0-eksbuild.14 does not list 1.35" in f.message for f in findings)
    assert "(and 1.35, running now)" in summary


# --- Kubernetes version --------------------------------------------------------------------


def test_a_version_eks_does_not_offer_blocks(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    got.cluster_versions = [v for v in got.cluster_versions if v["clusterVersion"] != "1.35"]
    [found] = check_kubernetes(plan("prod-deployed"), got, READ)[0]
    assert found.level == "blocker" and found.fix == "kubernetesVersion"
    assert "does not offer Kubernetes 1.35 in eu-west-1 (it offers 1.34, 1.36)" in found.message


def _target(got, version="1.35"):
    return next(v for v in got.cluster_versions if v["clusterVersion"] == version)


def test_extended_support_says_what_the_upgrade_policy_will_do_or_cost(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    _target(got)["versionStatus"] = "EXTENDED_SUPPORT"
    [found] = check_kubernetes(plan("prod-deployed"), got, READ)[0]
    assert found.level == "warning" and "EKS upgrades the control plane itself" in found.message
    got.cluster["upgradePolicy"] = {"supportType": "EXTENDED"}
    findings = check_kubernetes(plan("prod-deployed"), got, READ)[0]
    assert "USD a month more per cluster until 2028-03-27" in findings[0].message
    assert findings[1].message == "upgrade policy EXTENDED now; this update sets STANDARD"


def test_a_version_leaving_standard_support_within_60_days_warns_with_eks_s_date(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    today = dt.date(2027, 2, 1)  # 1.35 ends standard support on 2027-03-27 (EKS's answer)
    [found] = check_kubernetes(plan("prod-deployed"), got, today)[0]
    assert found.message == (
        "Kubernetes 1.35 (the target) leaves EKS standard support on 2027-03-27 (54 days); then "
        "EKS upgrades the control plane itself (upgradePolicy STANDARD)"
    )
    assert found.fix == "kubernetesVersion: 1.36 before then"
    assert check_kubernetes(plan("prod-deployed"), got, dt.date(2027, 1, 25))[0] == []  # 61 days


def test_an_unsupported_version_blocks_and_a_date_unlike_the_table_warns(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    _target(got)["versionStatus"] = "UNSUPPORTED"
    _target(got)["endOfStandardSupportDate"] = dt.datetime(2027, 4, 1, tzinfo=dt.UTC)
    findings = check_kubernetes(plan("prod-deployed"), got, READ)[0]
    assert levels(findings) == [("blocker", "kubernetes"), ("warning", "kubernetes")]
    assert findings[0].fix == "kubernetesVersion: 1.36 (one minor at a time)"
    assert "EKS ends standard support of 1.35 on 2027-04-01" in findings[1].message
    assert "2027-03-27" in findings[1].message


def test_a_cluster_that_is_not_active_warns(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    got.cluster["status"] = "UPDATING"
    [found] = check_kubernetes(plan("prod-deployed"), got, READ)[0]
    assert found.level == "warning" and "is UPDATING, not ACTIVE" in found.message


# --- upgrade -------------------------------------------------------------------------------


def test_an_upgrade_shows_warning_insights_and_passes(monkeypatch):
    findings, summary = check_upgrade(plan("prod-upgrade"), answers("prod-upgrade", monkeypatch))
    [found] = findings
    assert (
        found.level == "warning" and "Deprecated APIs removed in Kubernetes v1.36" in found.message
    )
    assert "Update manifests and API clients" in found.message
    assert "1.35 -> 1.36: 2 insights (1 PASSING, 1 WARNING)" in summary


def test_an_error_insight_blocks_with_its_recommendation_and_the_way_around(monkeypatch):
    got = answers("prod-upgrade", monkeypatch)
    got.insights[1]["insightStatus"]["status"] = "ERROR"
    [found] = check_upgrade(plan("prod-upgrade"), got)[0]
    assert found.level == "blocker" and "Update manifests and API clients" in found.message
    assert "aws eks describe-insight --cluster-name eks-platform-prod" in found.fix
    assert "cluster.forceUpgrade: true for this one `pulumi up`" in found.fix


def test_node_groups_behind_the_control_plane_block_an_upgrade(monkeypatch):
    got = answers("prod-upgrade", monkeypatch)
    got.nodegroups[0]["version"] = "1.34"
    findings = check_upgrade(plan("prod-upgrade"), got)[0]
    [found] = [f for f in findings if f.level == "blocker"]
    assert "runs 1.34, the control plane 1.35" in found.message
    assert found.fix == "kubernetesVersion: 1.35 until the node groups run it"


def test_an_addon_installed_outside_the_stack_without_the_target_warns(monkeypatch):
    got = answers("prod-upgrade", monkeypatch)
    got.installed_addons.append(
        {"addonName": "snapshot-controller", "addonVersion": "v8.1.0-eksbuild.1"}
    )
    got.installed_versions["snapshot-controller"] = [
        {"addonVersion": "v8.1.0-eksbuild.1", "compatibilities": [{"clusterVersion": "1.35"}]}
    ]
    findings = check_upgrade(plan("prod-upgrade"), got)[0]
    assert any(
        "snapshot-controller v8.1.0-eksbuild.1, installed outside this stack" in f.message
        for f in findings
    )


def test_no_upgrade_without_a_cluster_or_a_version_change(monkeypatch):
    assert check_upgrade(plan("dev-new"), answers("dev-new", monkeypatch)) == (
        [],
        "upgrade: no cluster yet (a new stack)",
    )
    assert check_upgrade(plan("prod-deployed"), answers("prod-deployed", monkeypatch))[0] == []


# --- capacity ------------------------------------------------------------------------------


def test_addresses_per_az_follow_max_size_the_update_surge_and_the_eni_table(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    types = {t["InstanceType"]: t for t in got.instance_types}
    # general: 12 + max(2 x 3 AZs, 33% of 12 -> 4) = 18 nodes, 6 per AZ, x 4 ENIs x 15 addresses;
    # system: 6 + 6 = 12 nodes, 4 per AZ, x 3 ENIs x 10 addresses.
    assert addresses_needed(plan("prod-deployed").node_groups, types, 3) == {
        "system": 120,
        "general": 360,
    }


def test_an_unknown_type_a_wrong_architecture_and_a_missing_ami_block(monkeypatch):
    got = answers("dev-new", monkeypatch)
    got.instance_types[0]["ProcessorInfo"]["SupportedArchitectures"] = ["x86_64"]
    got.ami[ami_parameter("1.35", "AL2023_ARM_64_STANDARD")] = None
    findings = check_capacity(plan("dev-new"), got)[0]
    assert [f.fix for f in findings] == [
        "compute.nodeGroups[0].instanceTypes (system) or compute.nodeGroups[0].amiType (system)",
        "kubernetesVersion or compute.nodeGroups[0].amiType (system)",
    ]
    got.instance_types = []
    assert (
        "t4g.medium: no such instance type in eu-west-1"
        in check_capacity(plan("dev-new"), got)[0][0].message
    )


def test_types_not_offered_in_an_az_block_or_warn(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    got.offerings = [
        o
        for o in got.offerings
        if not (o["Location"] == "eu-west-1c" and o["InstanceType"] in ("m7i.large", "m6i.large"))
        and not (o["Location"] == "eu-west-1b" and o["InstanceType"] == "m7a.xlarge")
    ]
    findings = check_capacity(plan("prod-deployed"), got)[0]
    assert levels(findings) == [("blocker", "capacity"), ("warning", "capacity")]
    assert "none of m7i.large, m6i.large is offered in eu-west-1c" in findings[0].message
    assert "m7a.xlarge not offered in eu-west-1b" in findings[1].message


def test_a_private_subnet_too_small_blocks_and_one_nearly_full_warns(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    small = dataclasses.replace(
        plan("prod-deployed"),
        private_subnets={
            "eu-west-1a": "10.20.0.0/24",
            "eu-west-1b": "10.20.32.0/19",
            "eu-west-1c": "10.20.64.0/19",
        },
    )
    got.subnets[1]["AvailableIpAddressCount"] = 300
    findings = check_capacity(small, got)[0]
    assert levels(findings) == [("blocker", "capacity"), ("warning", "capacity")]
    assert "10.20.0.0/24 in eu-west-1a has 251 usable addresses" in findings[0].message
    assert "may take 480 there" in findings[0].message
    assert "300 addresses free now, up to 480" in findings[1].message


def test_prefix_delegation_and_auto_mode_are_said_not_counted(monkeypatch):
    got = answers("dev-new", monkeypatch)
    findings, summary = check_capacity(
        dataclasses.replace(plan("dev-new"), prefix_delegation=True), got
    )
    assert levels(findings) == [("note", "capacity")] and "subnets not counted" in summary
    findings, _ = check_capacity(dataclasses.replace(plan("dev-new"), auto_mode=True), got)
    assert "EKS Auto Mode launches the nodes" in findings[0].message


# --- quotas --------------------------------------------------------------------------------


def test_a_quota_the_stack_would_exceed_blocks_with_the_increase_to_request(monkeypatch):
    got = answers("dev-new", monkeypatch)
    got.quotas["vpcs"]["Value"] = 1.0
    [found] = check_quotas(plan("dev-new"), got)[0]
    assert found.message == "VPCs per Region: 1 VPCs exist, the stack adds 1, the quota is 1"
    assert found.fix.startswith(
        "aws service-quotas request-service-quota-increase --service-code vpc "
        "--quota-code L-F678F1CE --desired-value 2"
    )


def test_what_the_stack_already_has_is_not_counted_twice(monkeypatch):
    got = answers("prod-deployed", monkeypatch)
    got.quotas["natGatewaysPerZone"]["Value"] = 1.0  # its own gateway fills each AZ: fine
    got.quotas["elasticIps"]["Value"] = 3.0
    assert check_quotas(plan("prod-deployed"), got)[0] == []
    got.nat_gateways.append({"NatGatewayId": "nat-0other", "Zone": "eu-west-1b", "Tags": []})
    [found] = check_quotas(plan("prod-deployed"), got)[0]
    assert "NAT gateways per Availability Zone: 2 NAT gateways exist" in found.message


def test_a_quota_answered_under_another_name_is_not_judged(monkeypatch):
    got = answers("dev-new", monkeypatch)
    got.quotas["clusters"]["QuotaName"] = "Control plane scaling tier"
    [found] = check_quotas(plan("dev-new"), got)[0]
    assert found.level == "warning" and "not judged" in found.message


# --- zones and identity --------------------------------------------------------------------


def test_zones_missing_impaired_or_unsupported(monkeypatch):
    got = answers("dev-new", monkeypatch)
    got.zones[0]["State"] = "impaired"
    got.zones[1]["ZoneId"] = EKS_UNSUPPORTED_ZONE_IDS[0]
    got.zones.pop()
    findings = check_zones(plan("dev-new"), got)[0]
    assert [f.level for f in findings] == ["blocker"] * 3
    assert all(f.fix == "network.availabilityZones" for f in findings)
    deployed = answers("prod-deployed", monkeypatch)
    deployed.zones[0]["State"] = "impaired"
    [found] = check_zones(plan("prod-deployed"), deployed)[0]
    assert found.level == "warning" and "the stack keeps it" in found.message


def test_actions_the_caller_may_not_do_block_and_name_the_policy_to_attach(monkeypatch):
    got = answers("dev-new", monkeypatch)
    got.simulation[0]["EvalDecision"] = "implicitDeny"
    got.simulation[1]["EvalDecision"] = "explicitDeny"
    findings = check_identity(plan("dev-new"), got)[0]
    assert levels(findings) == [("blocker", "identity")] * 2
    assert "may not (explicitDeny) 1 action(s) `pulumi up` needs" in findings[0].message
    assert findings[0].fix.endswith("(docs/ci.md step 3), and lift the explicit deny")
    assert "docs/ci/iam/dev-deploy-policy-*.json" in findings[1].fix
    preview = check_identity(plan("dev-new"), got, purpose="preview")[0]
    assert "`pulumi preview` needs" in preview[0].message and "dev-preview-policy" in preview[0].fix


def test_a_caller_that_may_not_simulate_gets_a_note(monkeypatch):
    got = answers("dev-new", monkeypatch)
    got.simulation, got.notes = None, ["the caller may not simulate its own permissions (...)"]
    findings, summary = check_identity(plan("dev-new"), got)
    assert levels(findings) == [("note", "identity")] and "not simulated" in summary


# --- the verdict ---------------------------------------------------------------------------


def test_the_verdict_blocked_beats_could_not_check_beats_ready() -> None:
    report = Report("dev", "eu-west-1")
    assert report.status == READY
    report.could_not_check.append("eks DescribeCluster: access denied")
    assert report.status == COULD_NOT_CHECK
    report.findings.append(blocker("zones", "eu-west-1z is not an AZ", "network.availabilityZones"))
    assert report.status == BLOCKED
    text = render(report.as_dict())
    assert text.splitlines()[0] == "online: stack dev in eu-west-1: BLOCKED"
    assert "Blockers (1)" in text and "fix: network.availabilityZones" in text
    assert "Could not check (1)" in text
