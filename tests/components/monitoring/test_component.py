"""The Monitoring component: alarms on the cluster to an SNS topic, the dashboard, optional
Prometheus; and the aliases that keep what the Addons component held before."""

import fnmatch
import json

import pytest

from tests.programs import keeps_logs, program, region

MOVED = (
    "aws:sns/topic:Topic",
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "aws:cloudwatch/dashboard:Dashboard",
)


@pytest.fixture(scope="module")
def with_prometheus():
    """Prometheus and an e-mail subscriber on, Container Insights off."""
    return program(
        "dev",
        {
            "monitoring": {"prometheus": True, "alarmEmails": ["oncall@example.com"]},
            "addons": {"overrides": {"amazon-cloudwatch-observability": {"enabled": False}}},
        },
    )


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
        assert alarm.inputs["okActions"] == [topic.outputs["arn"]]
    too_few = next(a for a in alarms if a.inputs["name"].endswith("too-few-nodes"))
    groups = stack_run.of_type("aws:eks/nodeGroup:NodeGroup")
    assert too_few.inputs["threshold"] == sum(g.inputs["scalingConfig"]["minSize"] for g in groups)


def test_auto_mode_has_no_node_floor_alarm(auto):
    names = {a.inputs["name"] for a in auto.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert "eks-platform-dev-too-few-nodes" not in names and "eks-platform-dev-node-cpu" in names


def test_no_insights_alarms_without_the_observability_add_on(with_prometheus):
    run = with_prometheus
    names = {a.inputs["name"] for a in run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert names == {"eks-platform-dev-apiserver-5xx", "eks-platform-dev-pending-pods"}
    assert (
        "ContainerInsights"
        not in run.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"]
    )


def test_alarm_subscribers_come_from_settings(with_prometheus):
    [subscription] = with_prometheus.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert subscription.inputs["endpoint"] == "oncall@example.com"
    assert subscription.inputs["protocol"] == "email"
    assert subscription.inputs["topic"] == with_prometheus.outputs["alarmTopicArn"]


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
    assert stack_run.outputs["dashboardName"] == cluster


def test_managed_prometheus_is_opt_in(stack_run, with_prometheus):
    assert stack_run.of_type("aws:amp/workspace:Workspace") == []
    assert stack_run.outputs["prometheusEndpoint"] is None
    run = with_prometheus
    workspace = run.one("aws:amp/workspace:Workspace")
    scraper = run.one("aws:amp/scraper:Scraper")
    assert scraper.inputs["destination"]["amp"]["workspaceArn"] == workspace.outputs["arn"]
    eks = scraper.inputs["source"]["eks"]
    assert eks["clusterArn"] == run.one("aws:eks/cluster:Cluster").outputs["arn"]
    assert eks["subnetIds"] == run.outputs["privateSubnetIds"]
    assert eks["securityGroupIds"] == [run.outputs["clusterSecurityGroupId"]]
    assert scraper.inputs["scrapeConfiguration"].startswith("global:")
    assert run.outputs["prometheusEndpoint"] == workspace.outputs["prometheusEndpoint"]
    for group in run.of_type("aws:eks/nodeGroup:NodeGroup"):
        assert run.waits_for(scraper, group)


def test_moved_resources_alias_their_name_and_parent_under_the_addons_component(with_prometheus):
    run = with_prometheus
    monitoring = run.one("eks-platform:index:Monitoring")
    new = {"aws:kms/key:Key", "aws:kms/alias:Alias"}  # the alarm topic's key came later
    children = [r for r in run.registrations if r.parent == monitoring.urn and r.type not in new]
    assert {r.type for r in children} >= {
        *MOVED,
        "aws:amp/workspace:Workspace",
        "aws:amp/scraper:Scraper",
    }
    assert all(len(child.aliases) == 1 for child in children)
    aliases = {(c.type, c.name): c.aliases[0].split("::", 2)[2] for c in children}
    assert aliases[("aws:sns/topic:Topic", "monitoring-alarms")] == (
        "eks-platform:index:Addons$aws:sns/topic:Topic::addons-alarms"
    )
    assert aliases[("aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-pending-pods")] == (
        "eks-platform:index:Addons$aws:cloudwatch/metricAlarm:MetricAlarm::addons-pending-pods"
    )
    assert aliases[("aws:amp/scraper:Scraper", "monitoring-prometheus")] == (
        "eks-platform:index:Addons$aws:amp/scraper:Scraper::addons-prometheus"
    )
    assert (
        aliases[
            ("aws:sns/topicSubscription:TopicSubscription", "monitoring-alarms-oncall@example.com")
        ]
        == "eks-platform:index:Addons$aws:sns/topicSubscription:TopicSubscription::addons-alarms-oncall@example.com"
    )


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_alarms_may_use(stack_run):
    monitoring = stack_run.one("eks-platform:index:Monitoring")
    [key] = [k for k in stack_run.of_type("aws:kms/key:Key") if k.parent == monitoring.urn]
    topic = stack_run.one("aws:sns/topic:Topic")
    assert topic.inputs["kmsMasterKeyId"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] == 30
    # Kept after a destroy exactly when the stack keeps its logs (the default, prod), else
    # scheduled for deletion (dev): nothing it encrypts outlives the stack.
    assert key.protect and key.retain_on_delete is keeps_logs(stack_run)
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AccountAdministersKey"]["Principal"]["AWS"].endswith(":root")
    alarms = statements["CloudWatchAlarmsPublishToTheTopic"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert alarms["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    # Only for this stack's alarms, in this account (confused deputy).
    cluster = f"eks-platform-{stack_run.stack}"
    assert alarms["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "111122223333"},
        "ArnLike": {
            "aws:SourceArn": f"arn:aws:cloudwatch:{region(stack_run)}:111122223333:alarm:{cluster}-*"
        },
    }
    names = [a.inputs["name"] for a in stack_run.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")]
    assert names and all(fnmatch.fnmatchcase(n, f"{cluster}-*") for n in names)
    [alias] = [a for a in stack_run.of_type("aws:kms/alias:Alias") if a.parent == monitoring.urn]
    assert (
        alias.inputs["name"]
        == f"alias/eks-platform/{stack_run.stack}/eks-platform-{stack_run.stack}/alarms"
    )
