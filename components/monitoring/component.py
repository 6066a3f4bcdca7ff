"""The cluster's dashboard, its alarms to an SNS topic, and optional Amazon Managed Prometheus."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from components.addons.component import Addons
from components.base.component import PlatformComponent
from components.base.context import StackContext
from components.cluster.component import Cluster
from components.monitoring.alarms import alarm_specs
from components.monitoring.dashboard import dashboard_body
from components.monitoring.iam import alarm_topic_key_policy
from components.monitoring.settings import MonitoringSettings
from components.network.component import Network
from components.nodes.component import Capacity


class Monitoring(PlatformComponent):
    """An SNS topic with e-mail subscribers, alarms that page someone, a dashboard, and (opt-in)
    an AMP workspace with an AWS-managed scraper inside the VPC."""

    def __init__(
        self,
        name: str,
        settings: MonitoringSettings,
        cluster: Cluster,
        capacity: Capacity,
        addons: Addons,
        network: Network,
        stack: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("Monitoring", name, stack, opts)
        self._addons = addons
        cluster_name = stack.cluster_name
        alarm_prefix = f"{cluster_name}-"  # every alarm's name, which the topic key trusts
        topic = aws.sns.Topic(
            self.child_name("alarms"),
            display_name=f"EKS {cluster_name} alarms",
            kms_master_key_id=self.add_key(
                "alarms-key",
                "the alarm topic",
                "alarms",
                alarm_topic_key_policy(stack.aws, alarm_prefix),
            ).arn,
            tags=self._tags(f"{cluster_name}-alarms"),
            opts=self._moved("alarms"),
        )
        for email in settings.alarm_emails:
            aws.sns.TopicSubscription(
                self.child_name(f"alarms-{email}"),
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=self._moved(f"alarms-{email}"),
            )
        insights = addons.container_insights
        alarms = [
            aws.cloudwatch.MetricAlarm(
                self.child_name(spec.key),
                name=f"{alarm_prefix}{spec.key}",
                alarm_description=spec.description,
                namespace=spec.namespace,
                metric_name=spec.metric,
                dimensions={"ClusterName": cluster_name},
                statistic=spec.statistic,
                period=300,
                evaluation_periods=spec.periods,
                datapoints_to_alarm=spec.datapoints,
                comparison_operator=spec.comparison,
                threshold=spec.threshold,
                treat_missing_data=spec.missing_data,
                alarm_actions=[topic.arn],
                ok_actions=[topic.arn],
                tags=self._tags(f"{cluster_name}-{spec.key}"),
                # No wait for the add-ons: an alarm may exist before its metric does.
                opts=self._moved(spec.key),
            )
            for spec in alarm_specs(capacity.min_nodes, settings.node_cpu_alarm_percent, insights)
        ]
        region = stack.aws.region
        dashboard = aws.cloudwatch.Dashboard(
            self.child_name("dashboard"),
            dashboard_name=cluster_name,
            dashboard_body=pulumi.Output.all(*[a.arn for a in alarms]).apply(
                lambda arns: json.dumps(
                    dashboard_body(
                        cluster_name, region, list(arns), cluster.control_plane_log_group, insights
                    )
                )
            ),
            opts=self._moved("dashboard"),
        )
        endpoint = self._prometheus(cluster, capacity, network) if settings.prometheus else None
        self._finish(
            {
                "alarmTopicArn": topic.arn,
                "dashboardName": dashboard.dashboard_name,
                "prometheusEndpoint": endpoint,
            }
        )

    def _moved(self, label: str, **options: object) -> pulumi.ResourceOptions:
        """Options of a child that the Addons component held before monitoring became a component
        of its own: the alias (old name, old parent) keeps a deployed one in place."""
        old = pulumi.Alias(name=self._addons.child_name(label), parent=self._addons)
        return self._child(aliases=[old], **options)

    def _prometheus(
        self, cluster: Cluster, capacity: Capacity, network: Network
    ) -> pulumi.Output[str]:
        """Amazon Managed Prometheus with an AWS-managed, agentless scraper inside the VPC:
        it reaches the private API endpoint through ENIs in the private subnets."""
        cluster_name = self.stack.cluster_name
        workspace = aws.amp.Workspace(
            self.child_name("prometheus"),
            alias=cluster_name,
            tags=self._tags(f"{cluster_name}-prometheus"),
            opts=self._moved("prometheus"),
        )
        aws.amp.Scraper(
            self.child_name("prometheus"),
            alias=cluster_name,
            source=aws.amp.ScraperSourceArgs(
                eks=aws.amp.ScraperSourceEksArgs(
                    cluster_arn=cluster.arn,
                    subnet_ids=list(network.private_subnet_ids),
                    security_group_ids=[cluster.security_group_id],
                )
            ),
            destination=aws.amp.ScraperDestinationArgs(
                amp=aws.amp.ScraperDestinationAmpArgs(workspace_arn=workspace.arn)
            ),
            scrape_configuration=aws.amp.get_default_scraper_configuration().configuration,
            tags=self._tags(f"{cluster_name}-prometheus"),
            opts=self._moved("prometheus", depends_on=list(capacity.ready)),
        )
        return workspace.prometheus_endpoint
