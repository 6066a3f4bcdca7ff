"""The cluster's CloudWatch dashboard and alarms, as plain data.

Control-plane metrics come from the AWS/EKS namespace (published by EKS for every cluster);
node, pod and restart metrics come from Container Insights (the amazon-cloudwatch-observability
add-on), so their widgets and alarms exist only when that add-on is on.
"""

from __future__ import annotations

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


def _metric_widget(
    title: str, metrics: list[list], region: str, x: int, y: int, stat: str = "Average"
) -> dict:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 12,
        "height": 6,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "stat": stat,
            "period": 60,
            "metrics": metrics,
        },
    }


def dashboard_body(
    cluster: str, region: str, alarm_arns: list[str], log_group: str, insights: bool
) -> dict:
    """Where an operator looks first: alarms, control-plane health, then capacity and workloads."""
    api = ["ClusterName", cluster]
    widgets: list[dict] = [
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 3,
            "properties": {"title": f"{cluster}: alarms", "alarms": alarm_arns},
        },
        _metric_widget(
            "API server requests and errors (per minute)",
            [
                [EKS, "apiserver_request_total", *api, {"label": "all requests"}],
                [EKS, "apiserver_request_total_4XX", *api, {"label": "4xx"}],
                [EKS, "apiserver_request_total_5XX", *api, {"label": "5xx", "color": "#d62728"}],
                [EKS, "apiserver_request_total_429", *api, {"label": "429 throttled"}],
            ],
            region,
            0,
            3,
            stat="Sum",
        ),
        _metric_widget(
            "API server latency p99 (seconds) and pending pods",
            [
                [EKS, "apiserver_request_duration_seconds_GET_P99", *api, {"label": "GET p99"}],
                [EKS, "apiserver_request_duration_seconds_POST_P99", *api, {"label": "POST p99"}],
                [EKS, "scheduler_pending_pods", *api, {"label": "pending pods", "yAxis": "right"}],
            ],
            region,
            12,
            3,
        ),
    ]
    if insights:
        ci = ["ClusterName", cluster]
        restarts = (
            f"SEARCH('{{{INSIGHTS},ClusterName,Namespace,PodName}} "
            f'MetricName="pod_number_of_container_restarts" ClusterName="{cluster}"\', \'Sum\', 300)'
        )
        widgets += [
            _metric_widget(
                "Nodes: ready and failed",
                [
                    [INSIGHTS, "cluster_node_count", *ci, {"label": "nodes"}],
                    [
                        INSIGHTS,
                        "cluster_failed_node_count",
                        *ci,
                        {"label": "failed", "color": "#d62728"},
                    ],
                ],
                region,
                0,
                9,
                stat="Maximum",
            ),
            _metric_widget(
                "Node CPU and memory (%)",
                [
                    [INSIGHTS, "node_cpu_utilization", *ci, {"label": "CPU"}],
                    [INSIGHTS, "node_memory_utilization", *ci, {"label": "memory"}],
                ],
                region,
                12,
                9,
            ),
            _metric_widget(
                "Pod CPU and memory (%)",
                [
                    [
                        INSIGHTS,
                        "pod_cpu_utilization_over_pod_limit",
                        *ci,
                        {"label": "CPU of limit"},
                    ],
                    [
                        INSIGHTS,
                        "pod_memory_utilization_over_pod_limit",
                        *ci,
                        {"label": "memory of limit"},
                    ],
                    [INSIGHTS, "pod_cpu_utilization", *ci, {"label": "CPU of node"}],
                    [INSIGHTS, "pod_memory_utilization", *ci, {"label": "memory of node"}],
                ],
                region,
                0,
                15,
            ),
            _metric_widget(
                "Container restarts by pod (5 min)",
                [[{"expression": restarts, "id": "restarts", "label": ""}]],
                region,
                12,
                15,
                stat="Sum",
            ),
        ]
    widgets.append(
        {
            "type": "log",
            "x": 0,
            "y": 21,
            "width": 24,
            "height": 6,
            "properties": {
                "title": "Control plane: denied and failed API calls (audit log)",
                "region": region,
                "query": (
                    f"SOURCE '{log_group}' | filter @logStream like /kube-apiserver-audit/ "
                    "| filter responseStatus.code >= 400 "
                    "| stats count() as calls by responseStatus.code, user.username, verb "
                    "| sort calls desc | limit 20"
                ),
                "view": "table",
            },
        }
    )
    return {"widgets": widgets}
