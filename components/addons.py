"""EKS managed add-ons that need nodes, plus the cluster's dashboard, alarms and optional Prometheus."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from baseline.monitoring import alarm_specs, dashboard_body
from baseline.settings import MonitoringSettings
from components.base import PlatformComponent
from components.eks_addon import AddonTarget, create_addon, enabled_addons


@dataclass(frozen=True)
class AddonsArgs:
    target: AddonTarget
    cluster_name: str
    auto_mode: bool
    # Their pods need nodes: the add-ons wait for these (the node groups, or the cluster in Auto Mode).
    compute: Sequence[pulumi.Resource]
    min_nodes: int
    monitoring: MonitoringSettings
    control_plane_log_group: str
    private_subnet_ids: Sequence[pulumi.Input[str]]
    cluster_security_group_id: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    tags: Mapping[str, str]


class Addons(PlatformComponent):
    """coredns, EBS CSI, metrics-server, node monitoring and CloudWatch observability, each with
    its own role where it needs AWS access, created after the nodes they run on; then the
    dashboard and alarms that watch the cluster."""

    def __init__(
        self, name: str, args: AddonsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("eks-platform:index:Addons", name, args.tags, opts)
        self._args = args
        specs = enabled_addons(args.target.settings, args.auto_mode, before_compute=False)
        self.addons = {
            spec.name: create_addon(self, spec, args.target, depends_on=args.compute)
            for spec in specs
        }
        insights = "amazon-cloudwatch-observability" in self.addons

        self.alarm_topic = aws.sns.Topic(
            f"{name}-alarms",
            display_name=f"EKS {args.cluster_name} alarms",
            tags=self._tags(f"{args.cluster_name}-alarms"),
            opts=self._child(),
        )
        for email in args.monitoring.alarm_emails:
            aws.sns.TopicSubscription(
                f"{name}-alarms-{email}",
                topic=self.alarm_topic.arn,
                protocol="email",
                endpoint=email,
                opts=self._child(),
            )
        alarms = [
            aws.cloudwatch.MetricAlarm(
                f"{name}-{spec.key}",
                name=f"{args.cluster_name}-{spec.key}",
                alarm_description=spec.description,
                namespace=spec.namespace,
                metric_name=spec.metric,
                dimensions={"ClusterName": args.cluster_name},
                statistic=spec.statistic,
                period=300,
                evaluation_periods=spec.periods,
                datapoints_to_alarm=spec.datapoints,
                comparison_operator=spec.comparison,
                threshold=spec.threshold,
                treat_missing_data=spec.missing_data,
                alarm_actions=[self.alarm_topic.arn],
                ok_actions=[self.alarm_topic.arn],
                tags=self._tags(f"{args.cluster_name}-{spec.key}"),
                # No wait for the add-ons: an alarm may exist before its metric does.
                opts=self._child(),
            )
            for spec in alarm_specs(
                args.min_nodes, args.monitoring.node_cpu_alarm_percent, insights
            )
        ]
        region = args.target.aws.region
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=args.cluster_name,
            dashboard_body=pulumi.Output.all(*[a.arn for a in alarms]).apply(
                lambda arns: json.dumps(
                    dashboard_body(
                        args.cluster_name,
                        region,
                        list(arns),
                        args.control_plane_log_group,
                        insights,
                    )
                )
            ),
            opts=self._child(),
        )
        self.prometheus_endpoint = self._prometheus() if args.monitoring.prometheus else None

        self.addon_versions = {n: a.addon_version for n, a in self.addons.items()}
        self.register_outputs(
            {
                "addonVersions": self.addon_versions,
                "alarmTopicArn": self.alarm_topic.arn,
                "dashboardName": self.dashboard.dashboard_name,
                "prometheusEndpoint": self.prometheus_endpoint,
            }
        )

    def _prometheus(self) -> pulumi.Output[str]:
        """Amazon Managed Prometheus with an AWS-managed, agentless scraper inside the VPC:
        it reaches the private API endpoint through ENIs in the private subnets."""
        a = self._args
        workspace = aws.amp.Workspace(
            f"{self._name}-prometheus",
            alias=a.cluster_name,
            tags=self._tags(f"{a.cluster_name}-prometheus"),
            opts=self._child(),
        )
        aws.amp.Scraper(
            f"{self._name}-prometheus",
            alias=a.cluster_name,
            source=aws.amp.ScraperSourceArgs(
                eks=aws.amp.ScraperSourceEksArgs(
                    cluster_arn=a.cluster_arn,
                    subnet_ids=list(a.private_subnet_ids),
                    security_group_ids=[a.cluster_security_group_id],
                )
            ),
            destination=aws.amp.ScraperDestinationArgs(
                amp=aws.amp.ScraperDestinationAmpArgs(workspace_arn=workspace.arn)
            ),
            scrape_configuration=aws.amp.get_default_scraper_configuration().configuration,
            tags=self._tags(f"{a.cluster_name}-prometheus"),
            opts=self._child(depends_on=list(a.compute)),
        )
        return workspace.prometheus_endpoint
