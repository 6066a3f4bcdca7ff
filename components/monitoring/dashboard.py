"""The cluster's CloudWatch dashboard, as plain data: alarms first, then the control plane,
then capacity and workloads (Container Insights widgets only when that add-on is on), then the
audit log's denied calls."""

from __future__ import annotations

from components.monitoring.alarms import EKS, INSIGHTS


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
