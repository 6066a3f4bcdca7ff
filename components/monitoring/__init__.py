"""Watching the cluster: settings (`monitoring.*`), the alarm and dashboard specs, and the
Monitoring component (SNS topic, alarms, dashboard, optional Amazon Managed Prometheus)."""
