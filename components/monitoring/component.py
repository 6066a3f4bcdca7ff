"""The cluster's dashboard, its alarms to an SNS topic, and optional Amazon Managed Prometheus."""

from __future__ import annotations

import json
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.addons.component import Addons
from components.base.component import PlatformComponent
from components.base.context import StackContext
from components.base.iam import service_trust, to_json
from components.cluster.component import Cluster
from components.monitoring import subnet_addresses
from components.monitoring.alarms import alarm_specs, pod_address_threshold
from components.monitoring.dashboard import dashboard_body
from components.monitoring.iam import alarm_topic_key_policy, subnet_publisher
from components.monitoring.settings import MonitoringSettings
from components.monitoring.subnet_addresses import METRIC, NAMESPACE
from components.network.component import Network
from components.nodes.component import Capacity

# Lambda's Python 3.13 runtime: released 2024-11-14, deprecated from 2029-06-30 ("Lambda runtimes",
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html, as listed 2026-12-06).
LAMBDA_RUNTIME = "python3.13"


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
        if network.pod_subnet_ids:
            alarms += self._pod_addresses(network, topic, alarm_prefix)
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

    def _pod_addresses(
        self, network: Network, topic: aws.sns.Topic, alarm_prefix: str
    ) -> list[aws.cloudwatch.MetricAlarm]:
        """An alarm per pod subnet on its free addresses, which a function publishes every five
        minutes (AWS publishes none: components/monitoring/subnet_addresses.py says why)."""
        stack, cluster = self.stack, self.stack.cluster_name
        group_name = f"/aws/lambda/{cluster}-pod-addresses"
        _, group = self.encrypted_log_group(
            "pod-addresses", group_name, "the pod-address function's logs", "pod-addresses"
        )
        role, _ = self.add_role(
            "pod-addresses",
            f"Lets the pod-address function of {cluster} read its subnets and publish them",
            to_json(service_trust(stack.aws, "lambda")),
            tags=self._tags(f"{cluster}-pod-addresses"),
        )
        permissions = aws.iam.RolePolicy(
            self.child_name("pod-addresses"),
            role=role.name,
            policy=group.arn.apply(lambda arn: to_json(subnet_publisher(arn, NAMESPACE))),
            opts=self._child(),
        )
        function = aws.lambda_.Function(
            self.child_name("pod-addresses"),
            description=f"Publishes the free addresses of {cluster}'s pod and node subnets",
            runtime=LAMBDA_RUNTIME,
            architectures=["arm64"],
            handler=f"{subnet_addresses.__name__.rsplit('.', 1)[-1]}.handler",
            code=pulumi.AssetArchive(
                {Path(subnet_addresses.__file__).name: pulumi.FileAsset(subnet_addresses.__file__)}
            ),
            role=role.arn,
            timeout=30,
            memory_size=128,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "SUBNET_IDS": pulumi.Output.all(
                        *network.pod_subnet_ids, *network.private_subnet_ids
                    ).apply(",".join),
                    "CLUSTER_NAME": cluster,
                }
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="Text", log_group=group.name
            ),
            tags=self._tags(f"{cluster}-pod-addresses"),
            opts=self._child(depends_on=[permissions]),
        )
        schedule = aws.cloudwatch.EventRule(
            self.child_name("pod-addresses"),
            description=f"Every five minutes: the free addresses of {cluster}'s pod subnets",
            schedule_expression="rate(5 minutes)",
            tags=self._tags(f"{cluster}-pod-addresses"),
            opts=self._child(),
        )
        invoked = aws.lambda_.Permission(
            self.child_name("pod-addresses"),
            statement_id="ScheduledByEventBridge",
            action="lambda:InvokeFunction",
            function=function.name,
            principal=stack.aws.service_principal("events"),
            source_arn=schedule.arn,
            opts=self._child(),
        )
        target = aws.cloudwatch.EventTarget(
            self.child_name("pod-addresses"),
            rule=schedule.name,
            target_id="pod-addresses",
            arn=function.arn,
            opts=self._child(),
        )
        # One run at deploy, so that each alarm starts with a count: with missing data breaching,
        # an alarm made before its first datapoint goes to ALARM and pages (CloudWatch user
        # guide, alarms-and-missing-data). A failing run fails the update, where it is seen.
        first_count = aws.lambda_.Invocation(
            self.child_name("pod-addresses"),
            function_name=function.name,
            input="{}",
            opts=self._child(),
        )
        plan = network.settings.plan
        assert plan is not None, "pod subnets come from the plan"
        # The node subnets too: the CNI fills whichever of the two has more free addresses, so
        # they run low together, and nodes and load balancers need the node subnets (review m5).
        watched = [
            (label, zone, cidr, subnet_id)
            for label, cidrs, ids in (
                ("pod", [az.pod for az in plan.azs], network.pod_subnet_ids),
                ("node", [az.private for az in plan.azs], network.private_subnet_ids),
            )
            for zone, cidr, subnet_id in zip(network.availability_zones, cidrs, ids, strict=True)
        ]
        return [
            aws.cloudwatch.MetricAlarm(
                self.child_name(f"{label}-addresses-{zone}"),
                name=f"{alarm_prefix}{label}-addresses-{zone}",
                alarm_description=f"Fewer than {pod_address_threshold(cidr)} free addresses in "
                f"the {label} subnet of {zone} ({cidr}) for 15 minutes: grow the pod range or "
                "spread the pods before nodes or pods cannot get an address.",
                namespace=NAMESPACE,
                metric_name=METRIC,
                dimensions={"ClusterName": cluster, "SubnetId": subnet_id},
                statistic="Minimum",
                period=300,
                evaluation_periods=3,
                datapoints_to_alarm=3,
                comparison_operator="LessThanThreshold",
                threshold=pod_address_threshold(cidr),
                # No count for 15 minutes means the function fails: someone should know.
                treat_missing_data="breaching",
                alarm_actions=[topic.arn],
                ok_actions=[topic.arn],
                tags=self._tags(f"{cluster}-{label}-addresses-{zone}"),
                opts=self._child(depends_on=[schedule, target, invoked, first_count]),
            )
            for label, zone, cidr, subnet_id in watched
        ]

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
