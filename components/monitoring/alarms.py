"""The cluster's CloudWatch alarms, as plain data.

Control-plane metrics come from the AWS/EKS namespace (published by EKS for every cluster);
node and pod metrics come from Container Insights (the amazon-cloudwatch-observability add-on),
so their alarms exist only when that add-on is on.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

EKS = "AWS/EKS"
INSIGHTS = "ContainerInsights"


@dataclass(frozen=True)
class AlarmSpec:
    key: str
    description: str
    namespace: str
    metric: str
    statistic: str
    comparison: str
    threshold: float
    periods: int = 3  # evaluation periods of 5 minutes
    datapoints: int = 3
    missing_data: str = "notBreaching"


def alarm_specs(min_nodes: int, cpu_percent: int, insights: bool) -> list[AlarmSpec]:
    """Alarms that page someone: each one means users are, or soon will be, affected."""
    alarms = [
        AlarmSpec(
            "apiserver-5xx",
            "The Kubernetes API server is returning server errors (5xx) for 15 minutes.",
            EKS,
            "apiserver_request_total_5XX",
            "Sum",
            "GreaterThanThreshold",
            10,
        ),
        AlarmSpec(
            "pending-pods",
            "Pods have waited for a node for 15 minutes: the cluster is out of capacity.",
            EKS,
            "scheduler_pending_pods",
            "Maximum",
            "GreaterThanThreshold",
            0,
        ),
    ]
    if not insights:
        return alarms
    alarms += [
        AlarmSpec(
            "failed-nodes",
            "Nodes are failing (NotReady) for 10 of the last 15 minutes.",
            INSIGHTS,
            "cluster_failed_node_count",
            "Maximum",
            "GreaterThanThreshold",
            0,
            datapoints=2,
        ),
        AlarmSpec(
            "node-cpu",
            f"Average node CPU above {cpu_percent}% for 15 minutes.",
            INSIGHTS,
            "node_cpu_utilization",
            "Average",
            "GreaterThanThreshold",
            cpu_percent,
        ),
        AlarmSpec(
            "node-memory",
            "Average node memory above 85% for 15 minutes: evictions are next.",
            INSIGHTS,
            "node_memory_utilization",
            "Average",
            "GreaterThanThreshold",
            85,
        ),
    ]
    if min_nodes > 0:  # Auto Mode scales to zero: no floor to watch
        alarms.append(
            AlarmSpec(
                "too-few-nodes",
                f"Fewer nodes than the node groups' minimum ({min_nodes}): capacity or health problem.",
                INSIGHTS,
                "cluster_node_count",
                "Minimum",
                "LessThanThreshold",
                min_nodes,
                missing_data="breaching",  # no data means no node reports at all
            )
        )
    return alarms


# A pod subnet's alarm fires when a tenth of its addresses are left: the node subnet then still
# takes pods' new ENIs (the VPC CNI falls back to it), so pods keep starting while it is grown.
POD_ADDRESS_SHARE = 10


def pod_address_threshold(cidr: str) -> int:
    """Free addresses below which a pod subnet of `cidr` alarms (a tenth of its size)."""
    return ipaddress.ip_network(cidr).num_addresses // POD_ADDRESS_SHARE
