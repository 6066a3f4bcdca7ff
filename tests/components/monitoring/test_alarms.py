"""The alarm and dashboard specs as plain data: what pages someone, and what an operator sees."""

import json

from components.monitoring.alarms import alarm_specs
from components.monitoring.dashboard import dashboard_body


def test_control_plane_alarms_always_and_node_alarms_with_container_insights():
    assert {s.key for s in alarm_specs(3, 80, insights=False)} == {"apiserver-5xx", "pending-pods"}
    assert {s.key for s in alarm_specs(3, 80, insights=True)} == {
        "apiserver-5xx",
        "pending-pods",
        "failed-nodes",
        "node-cpu",
        "node-memory",
        "too-few-nodes",
    }
    assert {s.namespace for s in alarm_specs(3, 80, insights=False)} == {"AWS/EKS"}


def test_thresholds_come_from_the_arguments():
    specs = {s.key: s for s in alarm_specs(min_nodes=5, cpu_percent=65, insights=True)}
    assert (
        specs["too-few-nodes"].threshold == 5 and specs["too-few-nodes"].missing_data == "breaching"
    )
    assert specs["node-cpu"].threshold == 65


def test_no_node_floor_to_watch_when_nothing_keeps_nodes():
    assert "too-few-nodes" not in {s.key for s in alarm_specs(0, 80, True)}


def test_without_container_insights_no_insights_widgets():
    body = json.dumps(dashboard_body("c", "eu-west-1", [], "/aws/eks/c/cluster", insights=False))
    assert "ContainerInsights" not in body and "apiserver_request_total" in body
    assert "SOURCE '/aws/eks/c/cluster'" in body
