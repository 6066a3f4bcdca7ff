"""Cost and deploy-time estimates on small hand-made graphs: each cost line, the critical path by
weight (not by length), and the floor."""

from dataclasses import dataclass, field

import pytest

from preflight.estimates import (
    PriceBook,
    critical_path,
    estimate_cost,
    estimate_deploy,
    floor_minutes,
    load_data,
    price_book,
    stack_region,
    subnet_plan,
)
from tests.components.network.test_existing import existing
from tests.programs import EVERY_OPTION, program


@dataclass
class R:
    name: str
    type: str
    dependencies: tuple = ()
    inputs: dict = field(default_factory=dict)
    custom: bool = True

    @property
    def urn(self):
        return self.name

    @property
    def id(self):
        return f"id-{self.name}"


DURATIONS = {
    "default_minutes": 0.5,
    "minutes": {
        "aws:eks/cluster:Cluster": 10,
        "aws:eks/nodeGroup:NodeGroup": 3,
        "aws:eks/addon:Addon": 1,
        "aws:ec2/natGateway:NatGateway": 2,
    },
}


def graph():
    role = R("role", "aws:iam/role:Role")
    cluster = R("cluster", "aws:eks/cluster:Cluster", ("role",))
    cni = R("cni", "aws:eks/addon:Addon", ("cluster",))
    nodes = R("nodes", "aws:eks/nodeGroup:NodeGroup", ("cluster", "cni", "role"))
    dns = R("dns", "aws:eks/addon:Addon", ("nodes",))
    alarm = R("alarm", "aws:cloudwatch/metricAlarm:MetricAlarm")
    component = R("component", "eks-platform:index:Cluster", custom=False)
    return [role, cluster, cni, nodes, dns, alarm, component]


def names(path):
    return [s.name for s in path]


def test_critical_path_follows_the_longest_chain():
    path = critical_path(graph(), DURATIONS)
    assert names(path) == ["role", "cluster", "cni", "nodes", "dns"]
    assert sum(s.minutes for s in path) == 0.5 + 10 + 1 + 3 + 1


def test_the_heaviest_chain_wins_over_the_one_with_more_resources():
    # Six quick resources in a row (3 min) against one NAT gateway (2 min) then one add-on (1 min)
    # plus a cluster (10): the two-step chain is shorter in steps but heavier.
    quick = [R(f"q{i}", "aws:iam/role:Role", (f"q{i - 1}",) if i else ()) for i in range(6)]
    heavy = [
        R("nat", "aws:ec2/natGateway:NatGateway"),
        R("cluster", "aws:eks/cluster:Cluster", ("nat",)),
    ]
    assert names(critical_path(quick + heavy, DURATIONS)) == ["nat", "cluster"]
    # ...and when the long chain is the heavier one, it wins.
    many = [
        R(f"m{i}", "aws:ec2/natGateway:NatGateway", (f"m{i - 1}",) if i else ()) for i in range(7)
    ]
    assert names(critical_path(many + heavy, DURATIONS)) == [f"m{i}" for i in range(7)]


def test_components_weigh_nothing_on_the_path():
    resources = [
        R("component", "eks-platform:index:Network", custom=False),
        R("vpc", "aws:ec2/vpc:Vpc", ("component",)),
    ]
    assert [(s.name, s.minutes) for s in critical_path(resources, DURATIONS)] == [("vpc", 0.5)]


def test_equal_paths_resolve_the_same_way_every_run():
    resources = [R("b", "t"), R("a", "t"), R("c", "t", ("b", "a"))]
    assert names(critical_path(resources, DURATIONS)) == ["a", "c"]
    assert names(critical_path(list(reversed(resources)), DURATIONS)) == ["a", "c"]


def test_floor_is_cluster_node_group_and_slowest_add_on_after_nodes():
    assert floor_minutes(graph(), DURATIONS) == 10 + 3 + 1


def test_floor_counts_only_add_ons_that_wait_for_nodes():
    without_dns = [r for r in graph() if r.name != "dns"]
    assert floor_minutes(without_dns, DURATIONS) == 10 + 3


def test_floor_in_auto_mode_is_the_cluster_then_the_slowest_add_on():
    resources = [
        R("cluster", "aws:eks/cluster:Cluster"),
        R("a", "aws:eks/addon:Addon", ("cluster",)),
    ]
    assert floor_minutes(resources, DURATIONS) == 10 + 1


def test_an_unnecessary_dependency_lengthens_the_path():
    resources = graph()
    resources[-2] = R("alarm", "aws:cloudwatch/metricAlarm:MetricAlarm", ("dns",))
    estimate = estimate_deploy(resources, DURATIONS)
    assert estimate.critical_path_minutes == 16.0
    assert estimate.ratio_to_floor == pytest.approx(16 / 14, abs=0.01)


def test_dependency_cycle_is_reported():
    with pytest.raises(ValueError, match="cycle"):
        critical_path([R("a", "t", ("b",)), R("b", "t", ("a",))], DURATIONS)


BOOK = PriceBook(
    region="test-1",
    usd={
        "eks_cluster_hour": 0.1,
        "nat_gateway_hour": 0.05,
        "public_ipv4_hour": 0.005,
        "interface_endpoint_az_hour": 0.01,
        "kms_key_month": 1.0,
        "ebs_gp3_gb_month": 0.1,
        "cloudwatch_log_ingest_gb": 0.5,
        "cloudwatch_alarm_month": 0.1,
        "cloudwatch_dashboard_month": 3.0,
    },
    ec2_usd_per_hour={"m7i.large": 0.1, "m7i.xlarge": 0.2},
    sources=("test prices",),
    hours_per_month=100,
    assumptions={
        "spot_discount": 0.6,
        "control_plane_log_gb_month": 10,
        "flow_log_gb_month": 4,
        "usage_dependent_not_included": ["x"],
    },
)


def node_group(name, instance, desired, minimum, capacity="ON_DEMAND", template=None):
    inputs = {
        "instanceTypes": [instance],
        "capacityType": capacity,
        "scalingConfig": {"minSize": float(minimum), "desiredSize": float(desired), "maxSize": 9.0},
    }
    if template:
        inputs["launchTemplate"] = {"id": f"id-{template}"}
    return R(name, "aws:eks/nodeGroup:NodeGroup", inputs=inputs)


def items(resources, book=BOOK):
    return {i.item: i for i in estimate_cost(resources, book).items}


def test_cost_items_from_a_small_stack():
    resources = [
        R("cluster", "aws:eks/cluster:Cluster"),
        R("nat", "aws:ec2/natGateway:NatGateway"),
        R("eip", "aws:ec2/eip:Eip"),
        R(
            "ecr",
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            inputs={"vpcEndpointType": "Interface", "subnetIds": ["a", "b"]},
        ),
        R("s3", "aws:ec2/vpcEndpoint:VpcEndpoint", inputs={"vpcEndpointType": "Gateway"}),
        R(
            "lt",
            "aws:ec2/launchTemplate:LaunchTemplate",
            inputs={"blockDeviceMappings": [{"ebs": {"volumeSize": 50.0}}]},
        ),
        node_group("ng", "m7i.large", 2, 1, capacity="SPOT", template="lt"),
        R("key", "aws:kms/key:Key"),
        R("cp", "aws:cloudwatch/logGroup:LogGroup", inputs={"name": "/aws/eks/c/cluster"}),
    ]
    cost = estimate_cost(resources, BOOK)
    found = {i.item.split(" (")[0]: i.monthly_usd for i in cost.items}
    assert found == {
        "EKS control plane": 10.0,
        "NAT gateways": 5.0,
        "Public IPv4 addresses": 0.5,
        "Interface VPC endpoints": 2.0,  # 2 AZs x 0.01 x 100 h; the gateway endpoint is free
        "Nodes ng": 8.0,  # 2 spot nodes x 0.1 x (1 - 0.6) x 100 h
        "Node volumes ng": 10.0,  # 2 x 50 GB x 0.1
        "KMS keys": 1.0,
        "Control-plane log ingestion": 5.0,
    }
    assert cost.monthly_usd == 41.5 and not cost.at_least and cost.unpriced == ()


def test_hourly_lines_show_the_hours_of_a_month():
    lines = items([R("c", "aws:eks/cluster:Cluster"), node_group("ng", "m7i.large", 2, 1)])
    assert lines["EKS control plane (standard support)"].formula == "1 cluster x 100 h x 0.1 USD/h"
    assert lines["Nodes ng (m7i.large)"].formula == "2 instances x 100 h x 0.1 USD/h"
    volumes = lines["Node volumes ng (gp3 20 GiB each)"]
    assert volumes.formula == "40 GB-month x 0.1 USD/GB-month" and volumes.hours == 0


def test_nodes_are_priced_at_desired_size_with_the_minimum_in_the_note():
    line = items([node_group("ng", "m7i.xlarge", 3, 1)])["Nodes ng (m7i.xlarge)"]
    assert (line.quantity, line.unit_usd, line.monthly_usd) == (3.0, 0.2, 60.0)
    assert line.note == "at desired size; 20.0 USD at min size 1"


def test_a_node_group_without_a_launch_template_is_priced_with_a_20_gib_disk():
    line = items([node_group("ng", "m7i.large", 2, 2)])["Node volumes ng (gp3 20 GiB each)"]
    assert line.quantity == 40.0 and line.monthly_usd == 4.0


def test_an_instance_type_without_a_price_is_unpriced_never_zero_and_keeps_its_volumes():
    cost = estimate_cost([node_group("ng", "x9.huge", 2, 2)], BOOK)
    [nodes] = cost.unpriced
    assert (nodes.item, nodes.unit_usd, nodes.monthly_usd) == ("Nodes ng (x9.huge)", None, None)
    assert nodes.note == "no test-1 price in ec2_prices" and nodes.formula == "2 instances x 100 h"
    assert [i.item for i in cost.items] == ["Node volumes ng (gp3 20 GiB each)"]
    assert cost.at_least and cost.monthly_usd == 4.0


def test_a_region_without_prices_lists_every_line_unpriced():
    book = PriceBook("nowhere-1", {}, {}, ("none",), hours_per_month=730)
    cost = estimate_cost([R("c", "aws:eks/cluster:Cluster"), R("k", "aws:kms/key:Key")], book)
    assert cost.items == () and cost.monthly_usd == 0 and cost.at_least
    assert [(i.item, i.note) for i in cost.unpriced] == [
        ("EKS control plane (standard support)", "no nowhere-1 price in prices.json"),
        ("KMS keys", "no nowhere-1 price in prices.json"),
    ]


def test_log_ingestion_by_kind_of_log_group_and_monitoring_items():
    resources = [
        R("cp", "aws:cloudwatch/logGroup:LogGroup", inputs={"name": "/aws/eks/c/cluster"}),
        R("flow", "aws:cloudwatch/logGroup:LogGroup", inputs={"name": "/aws/vpc-flow-logs/c"}),
        R("other", "aws:cloudwatch/logGroup:LogGroup", inputs={"name": "/app/logs"}),
        R("a1", "aws:cloudwatch/metricAlarm:MetricAlarm"),
        R("a2", "aws:cloudwatch/metricAlarm:MetricAlarm"),
        R("d", "aws:cloudwatch/dashboard:Dashboard"),
    ]
    found = {name: (i.quantity, i.monthly_usd) for name, i in items(resources).items()}
    assert found == {
        "Control-plane log ingestion": (10, 5.0),
        "Flow log ingestion": (4, 2.0),
        "CloudWatch alarms": (2, 0.2),
        "CloudWatch dashboards": (1, 3.0),
    }


def test_nothing_priced_means_no_lines():
    cost = estimate_cost([R("role", "aws:iam/role:Role")], BOOK)
    assert cost.items == () and cost.monthly_usd == 0 and not cost.at_least


def test_capacity_aws_launches_is_named_under_not_included():
    pool = R(
        "controllers-karpenter-node-pool",
        "kubernetes:karpenter.sh/v1:NodePool",
        inputs={"spec": {"limits": {"cpu": 200, "memory": "800Gi"}}},
    )
    auto = R("c", "aws:eks/cluster:Cluster", inputs={"computeConfig": {"enabled": True}})
    cost = estimate_cost([pool, auto], BOOK)
    assert cost.not_included[0] == "x"
    assert "up to 200 vCPU and 800Gi memory" in cost.not_included[1]
    assert "Auto Mode's per-instance management fee" in cost.not_included[2]


def test_karpenter_and_auto_mode_capacity_of_real_runs_is_named(auto):
    every_option = program("prod", EVERY_OPTION)
    assert (
        "nodes Karpenter launches for NodePool controllers-karpenter-node-pool (EC2 and their "
        "volumes, up to 200 vCPU and 800Gi memory)"
    ) in estimate_cost(every_option.registrations).not_included
    assert any("EKS Auto Mode nodes" in n for n in estimate_cost(auto.registrations).not_included)


def test_the_region_is_read_from_subnets_or_endpoints():
    subnet = R("s", "aws:ec2/subnet:Subnet", inputs={"availabilityZone": "ap-southeast-4b"})
    endpoint = R(
        "e", "aws:ec2/vpcEndpoint:VpcEndpoint", inputs={"serviceName": "com.amazonaws.us-east-2.s3"}
    )
    assert stack_region([subnet]) == "ap-southeast-4" and stack_region([endpoint]) == "us-east-2"
    assert stack_region([R("r", "aws:iam/role:Role")]) is None


def test_the_subnet_plan_lists_each_az_in_address_order():
    subnets = [
        R(
            f"network-{kind}-us-east-2a",
            "aws:ec2/subnet:Subnet",
            inputs={"availabilityZone": "us-east-2a", "cidrBlock": cidr},
        )
        for kind, cidr in (
            ("intra", "10.0.255.240/28"),
            ("public", "10.0.224.0/24"),
            ("private", "10.0.0.0/19"),
        )
    ]
    assert subnet_plan(subnets) == {
        "us-east-2a": [
            ("private", "10.0.0.0/19"),
            ("public", "10.0.224.0/24"),
            ("intra", "10.0.255.240/28"),
        ]
    }


def test_dev_costs_at_most_200_usd_a_month_on_graviton_in_three_azs(dev):
    """Issue 13: a development cluster under 200 USD/month at list prices, without giving up
    the three AZs or the baseline (the policy verdicts are checked in tests/policy)."""
    estimate = estimate_cost(dev.registrations)
    assert estimate.monthly_usd <= 200 and not estimate.at_least, estimate.monthly_usd
    [group] = dev.of_type("aws:eks/nodeGroup:NodeGroup")
    assert group.inputs["amiType"] == "AL2023_ARM_64_STANDARD"
    assert len(dev.outputs["availabilityZones"]) == 3


# ---------------------------------------------------------------------- the network modes


def test_the_pod_subnets_are_counted_per_az_with_their_range():
    run = program("dev", {"network": {"podCidr": "100.64.0.0/16"}})
    plan = subnet_plan(run.registrations)
    assert ("pod", "100.64.0.0/18") in plan["eu-west-1a"]
    assert [kind for kind, _ in plan["eu-west-1c"]] == ["private", "public", "intra", "pod"]


def test_the_pod_address_metrics_are_unpriced_where_no_source_gives_the_rate():
    cost = estimate_cost(program("dev", {"network": {"podCidr": "100.64.0.0/16"}}).registrations)
    [metrics] = [i for i in cost.unpriced if i.item == "CloudWatch custom metrics"]
    # One per pod subnet and one per node subnet (three AZs).
    assert metrics.quantity == 6 and metrics.unit_usd is None and cost.at_least
    assert "no eu-west-1 price in prices.json" in metrics.note


def test_the_pod_address_metrics_are_priced_in_us_east_1():
    # c3x.dev, "CloudWatch custom metrics cost: cardinality is the whole bill" (read 2026-12-06):
    # "Custom metrics are $0.30/metric/month" (first 10,000), AWS's default view, us-east-1.
    assert price_book("us-east-1").usd["cloudwatch_custom_metric_month"] == 0.3
    run = program("dev", {"network": {"podCidr": "100.64.0.0/16"}, "aws:region": "us-east-1"})
    cost = estimate_cost(run.registrations)
    [metrics] = [i for i in cost.items if i.item == "CloudWatch custom metrics"]
    assert (metrics.quantity, metrics.monthly_usd) == (6, 1.8) and not cost.unpriced


def test_the_functions_runs_are_left_out_with_why():
    # AWS Lambda's free tier (cloudchipr.com/blog/aws-lambda-pricing and unanswered.io, read
    # 2026-12-06): 1 million requests and 400,000 GB-seconds a month. The pod-address function:
    # 128 MB for at most its 30 s timeout, 3.75 GB-seconds a run: 106,667 runs a month are free;
    # it runs every five minutes, 8,760 times in a 730-hour month.
    free = load_data("prices.json")["lambda_free_tier"]
    assert (free["requests"], free["gb_seconds"]) == (1_000_000, 400_000)
    cost = estimate_cost(program("dev", {"network": {"podCidr": "100.64.0.0/16"}}).registrations)
    [note] = [n for n in cost.not_included if "monitoring-pod-addresses" in n]
    assert "each at most 3.75 GB-seconds (128 MB for its 30 s timeout)" in note
    assert note.endswith("covers 106,667 of them a month")
    assert not [i for i in (*cost.items, *cost.unpriced) if "unction" in i.item]


def test_a_stack_in_an_existing_vpc_is_priced_in_its_region_without_network_lines():
    run = program("dev", existing())
    assert stack_region(run.registrations) == "eu-west-1"
    cost = estimate_cost(run.registrations)
    items = {i.item for i in cost.items}
    assert "EKS control plane (standard support)" in items and not cost.at_least
    assert not {"NAT gateways", "Flow log ingestion", "Interface VPC endpoints"} & items
