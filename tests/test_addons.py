"""EKS managed add-ons: the set, explicit versions, own roles, first-create order; monitoring."""

import json

import pytest
from lookups import attached_policies, role_by_arn

from baseline.addon_catalog import ADDONS, merge_configuration
from baseline.monitoring import alarm_specs, dashboard_body
from baseline.settings import SettingsError
from preflight.cloud import ADDON_DEFAULT_VERSIONS, run_program

ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
BEFORE = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
AFTER = (
    "coredns",
    "aws-ebs-csi-driver",
    "metrics-server",
    "eks-node-monitoring-agent",
    "amazon-cloudwatch-observability",
)
WITH_ROLES = {
    "vpc-cni": ("aws-node", ["AmazonEKS_CNI_Policy"]),
    "aws-ebs-csi-driver": ("ebs-csi-controller-sa", ["AmazonEBSCSIDriverPolicy"]),
    "amazon-cloudwatch-observability": (
        "cloudwatch-agent",
        ["AWSXrayWriteOnlyAccess", "CloudWatchAgentServerPolicy"],
    ),
}


def addons(run):
    return {a.inputs["addonName"]: a for a in run.of_type(ADDON)}


@pytest.fixture(scope="module")
def irsa():
    return run_program("dev", {"addons": {"identity": "irsa"}})


def test_the_full_add_on_set(stack_run):
    assert set(addons(stack_run)) == set(BEFORE + AFTER)


def test_every_version_is_explicit_and_the_default_for_the_cluster_version(stack_run):
    for name, addon in addons(stack_run).items():
        assert addon.inputs["addonVersion"] == ADDON_DEFAULT_VERSIONS[name]["1.35"]
    assert stack_run.outputs["addonVersions"] == {
        n: a.inputs["addonVersion"] for n, a in addons(stack_run).items()
    }


def test_settings_pin_a_version_and_add_configuration():
    run = run_program(
        "dev",
        {
            "addons": {
                "overrides": {
                    "coredns": {
                        "version": "v1.12.4-eksbuild.1",
                        "configurationValues": {"replicaCount": 3},
                    },
                    "metrics-server": {"enabled": False},
                }
            }
        },
    )
    found = addons(run)
    assert found["coredns"].inputs["addonVersion"] == "v1.12.4-eksbuild.1"
    config = json.loads(found["coredns"].inputs["configurationValues"])
    assert (
        config["replicaCount"] == 3 and config["topologySpreadConstraints"]
    )  # merged, not replaced
    assert "metrics-server" not in found


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"vpc-cni": {"enabled": False}}, r"overrides.vpc-cni.enabled .*core add-on"),
        ({"coredns": {"version": "latest"}}, r"overrides.coredns.version"),
        ({"karpenter": {}}, r"overrides.karpenter .*known add-on"),
        ({"coredns": {"configurationValues": "[1]"}}, r"overrides.coredns.configurationValues"),
        (
            {"coredns": {"verison": "v1.0.0-eksbuild.1"}},
            r"overrides.coredns.verison is not a known setting",
        ),
    ],
)
def test_override_validation(override, message):
    with pytest.raises(SettingsError, match=message):
        run_program("dev", {"addons": {"overrides": override}})


def test_conflict_handling_is_explicit(stack_run):
    for name, addon in addons(stack_run).items():
        assert addon.inputs["resolveConflictsOnCreate"] == "OVERWRITE"
        assert addon.inputs["resolveConflictsOnUpdate"] == "PRESERVE"
        assert addon.inputs["preserve"] is ADDONS[name].preserve_on_delete
    assert addons(stack_run)["vpc-cni"].inputs["preserve"] is True


def test_node_groups_wait_for_networking_and_identity_add_ons(stack_run):
    found = addons(stack_run)
    for group in stack_run.of_type(NODE_GROUP):
        for name in BEFORE:
            assert stack_run.waits_for(group, found[name]), (group.name, name)


def test_add_ons_with_pods_wait_for_the_node_groups(stack_run):
    found = addons(stack_run)
    for group in stack_run.of_type(NODE_GROUP):
        for name in AFTER:
            assert stack_run.waits_for(found[name], group), (name, group.name)
        for name in BEFORE:
            assert not stack_run.waits_for(found[name], group)


def test_each_add_on_needing_aws_gets_its_own_pod_identity_role(stack_run):
    found = addons(stack_run)
    node_role = stack_run.outputs["nodeRoleArn"]
    arns = set()
    for name, (service_account, expected) in WITH_ROLES.items():
        [association] = found[name].inputs["podIdentityAssociations"]
        assert association["serviceAccount"] == service_account
        assert association["roleArn"] != node_role
        arns.add(association["roleArn"])
        r = role_by_arn(stack_run, association["roleArn"])
        assert attached_policies(stack_run, r) == expected
        trust = json.loads(r.inputs["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]
        assert "serviceAccountRoleArn" not in found[name].inputs
    assert len(arns) == len(WITH_ROLES)
    for name in set(found) - set(WITH_ROLES):
        assert "podIdentityAssociations" not in found[name].inputs


def test_irsa_trust_is_scoped_to_the_service_account_and_audience(irsa):
    found = addons(irsa)
    oidc = irsa.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    issuer = oidc.inputs["url"].removeprefix("https://")
    for name, (service_account, _) in WITH_ROLES.items():
        addon = found[name]
        assert "podIdentityAssociations" not in addon.inputs
        trust = json.loads(
            role_by_arn(irsa, addon.inputs["serviceAccountRoleArn"]).inputs["assumeRolePolicy"]
        )
        [statement] = trust["Statement"]
        assert statement["Principal"] == {"Federated": oidc.outputs["arn"]}
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        namespace = ADDONS[name].service_account.split("/")[0]
        assert statement["Condition"]["StringEquals"] == {
            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
            f"{issuer}:aud": "sts.amazonaws.com",
        }


def test_vpc_cni_configuration(stack_run):
    config = json.loads(addons(stack_run)["vpc-cni"].inputs["configurationValues"])
    assert config == {"enableNetworkPolicy": "true"}


def test_prefix_delegation_when_asked():
    run = run_program("dev", {"addons": {"prefixDelegation": True, "warmPrefixTarget": 2}})
    config = json.loads(addons(run)["vpc-cni"].inputs["configurationValues"])
    assert config == {
        "enableNetworkPolicy": "true",
        "env": {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "2"},
    }


def test_coredns_spreads_two_replicas_across_zones(stack_run):
    config = json.loads(addons(stack_run)["coredns"].inputs["configurationValues"])
    assert config["replicaCount"] >= 2
    assert config["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"


def test_ebs_default_storage_class_and_container_insights(stack_run):
    found = addons(stack_run)
    assert json.loads(found["aws-ebs-csi-driver"].inputs["configurationValues"]) == {
        "defaultStorageClass": {"enabled": True}
    }
    insights = json.loads(found["amazon-cloudwatch-observability"].inputs["configurationValues"])
    assert insights["agent"]["config"]["logs"]["metrics_collected"]["kubernetes"][
        "enhanced_container_insights"
    ]
    assert insights["containerLogs"] == {"enabled": True}


def test_auto_mode_skips_what_it_runs_itself(auto):
    assert set(addons(auto)) == {
        "metrics-server",
        "eks-node-monitoring-agent",
        "amazon-cloudwatch-observability",
    }
    cluster = auto.one("aws:eks/cluster:Cluster")
    for addon in addons(auto).values():
        assert auto.waits_for(addon, cluster)


def test_alarms_watch_this_cluster_and_notify_the_topic(stack_run):
    topic = stack_run.one("aws:sns/topic:Topic")
    alarms = stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    keys = {a.inputs["name"].removeprefix(f"eks-platform-{stack_run.stack}-") for a in alarms}
    assert keys == {
        "apiserver-5xx",
        "pending-pods",
        "failed-nodes",
        "too-few-nodes",
        "node-cpu",
        "node-memory",
    }
    for alarm in alarms:
        assert alarm.inputs["dimensions"] == {"ClusterName": f"eks-platform-{stack_run.stack}"}
        assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]]
    too_few = next(a for a in alarms if a.inputs["name"].endswith("too-few-nodes"))
    minimum = sum(g.inputs["scalingConfig"]["minSize"] for g in stack_run.of_type(NODE_GROUP))
    assert too_few.inputs["threshold"] == minimum


def test_alarm_subscribers_come_from_settings():
    run = run_program("dev", {"monitoring": {"alarmEmails": ["oncall@example.com"]}})
    [subscription] = run.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert (
        subscription.inputs["endpoint"] == "oncall@example.com"
        and subscription.inputs["protocol"] == "email"
    )
    with pytest.raises(SettingsError, match=r"monitoring.alarmEmails"):
        run_program("dev", {"monitoring": {"alarmEmails": ["not-an-address"]}})


def test_dashboard_covers_control_plane_nodes_pods_and_restarts(stack_run):
    dashboard = stack_run.one("aws:cloudwatch/dashboard:Dashboard")
    body = json.loads(dashboard.inputs["dashboardBody"])
    text = json.dumps(body)
    cluster = f"eks-platform-{stack_run.stack}"
    for metric in (
        "apiserver_request_total_5XX",
        "apiserver_request_duration_seconds_GET_P99",
        "node_cpu_utilization",
        "node_memory_utilization",
        "pod_cpu_utilization",
        "pod_memory_utilization",
        "pod_number_of_container_restarts",
        "cluster_failed_node_count",
    ):
        assert metric in text
    assert f'"ClusterName", "{cluster}"' in text
    alarm_widget = body["widgets"][0]
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(
        a.outputs["arn"] for a in stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
    )
    assert f"/aws/eks/{cluster}/cluster" in text


def test_without_container_insights_no_insights_alarms_or_widgets():
    specs = alarm_specs(min_nodes=3, cpu_percent=80, insights=False)
    assert {s.namespace for s in specs} == {"AWS/EKS"}
    body = json.dumps(dashboard_body("c", "eu-west-1", [], "/aws/eks/c/cluster", insights=False))
    assert "ContainerInsights" not in body
    assert "too-few-nodes" not in {s.key for s in alarm_specs(0, 80, True)}


def test_managed_prometheus_is_opt_in(stack_run):
    assert stack_run.of_type("aws:amp/workspace:Workspace") == []
    run = run_program("dev", {"monitoring": {"prometheus": True}})
    workspace = run.one("aws:amp/workspace:Workspace")
    scraper = run.one("aws:amp/scraper:Scraper")
    assert scraper.inputs["destination"]["amp"]["workspaceArn"] == workspace.outputs["arn"]
    eks = scraper.inputs["source"]["eks"]
    assert eks["clusterArn"] == run.one("aws:eks/cluster:Cluster").outputs["arn"]
    assert eks["subnetIds"] == run.outputs["privateSubnetIds"]
    assert scraper.inputs["scrapeConfiguration"].startswith("global:")
    assert run.outputs["prometheusEndpoint"] == workspace.outputs["prometheusEndpoint"]


def test_merge_configuration_is_deep():
    assert merge_configuration({"a": {"b": 1, "c": 2}, "d": [1]}, {"a": {"b": 3}, "d": [2]}) == {
        "a": {"b": 3, "c": 2},
        "d": [2],
    }
