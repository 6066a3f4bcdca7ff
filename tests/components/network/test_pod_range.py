"""`network.podCidr`: the pod range's plan, its settings, and what the program registers for it
(the range associated with the VPC, a pod subnet per AZ tagged for the VPC CNI's subnet
discovery and routed through its AZ's private route table, the endpoints reachable from it, and
an alarm per pod subnet on the free addresses a scheduled function publishes)."""

import ipaddress
import json

import boto3
import pytest
from botocore.stub import Stubber

from components.addons.catalog import subnet_discovery_problem
from components.base.config import SettingsError
from components.monitoring.subnet_addresses import handler
from components.network.subnet_plan import SubnetPlanError, plan_subnets, with_pod_subnets
from components.stack.settings import load_settings
from tests.programs import program

POD = {"network": {"podCidr": "100.64.0.0/16"}}
SUBNET = "aws:ec2/subnet:Subnet"
ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"


def plan(azs=3, vpc="10.10.0.0/16"):
    return plan_subnets(vpc, azs, private_prefix=None, public_prefix=24, intra_prefix=28)


def settings(raw: dict, **top):
    return load_settings({"owner": "platform-team", "network": raw, **top}, "dev")


def problems(raw: dict, **top) -> list[str]:
    with pytest.raises(SettingsError) as error:
        settings(raw, **top)
    return error.value.problems


# ---------------------------------------------------------------------- the plan


def test_a_16_gives_each_of_three_azs_a_quarter_in_az_order():
    pods = [az.pod for az in with_pod_subnets(plan(), "100.64.0.0/16", None).azs]
    assert pods == ["100.64.0.0/18", "100.64.64.0/18", "100.64.128.0/18"]


def test_beyond_four_azs_each_takes_an_eighth_and_the_first_four_keep_their_size_rule():
    six = with_pod_subnets(plan(6), "100.64.0.0/16", None)
    assert six.pod_prefix == 19 and six.azs[5].pod == "100.64.160.0/19"


def test_pod_subnets_never_overlap_and_stay_in_the_range():
    found = [
        ipaddress.ip_network(az.pod) for az in with_pod_subnets(plan(4), "100.64.0.0/17", None).azs
    ]
    assert all(n.subnet_of(ipaddress.ip_network("100.64.0.0/17")) for n in found)
    assert len({n.network_address for n in found}) == 4 and found[0].prefixlen == 19


@pytest.mark.parametrize(
    ("cidr", "prefix", "fragment"),
    [
        ("100.64.0.0/20", 23, "pods need at least /22"),
        ("100.64.0.0/16", 17, "holds 2"),  # two /17 blocks for three AZs
        ("100.64.0.0/18", 16, "larger than the pod range"),
    ],
)
def test_pod_subnets_that_do_not_fit_are_refused(cidr, prefix, fragment):
    with pytest.raises(SubnetPlanError, match=fragment):
        with_pod_subnets(plan(), cidr, prefix)


# ---------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("vpc", "pods", "fragment"),
    [
        ("10.10.0.0/16", "10.10.128.0/17", "must not overlap the VPC range 10.10.0.0/16"),
        ("10.10.0.0/16", "172.20.0.0/16", "inside 100.64.0.0/10 or 10.0.0.0/8"),
        ("10.10.0.0/16", "192.168.0.0/16", "AWS refuses another RFC 1918 block"),
        ("10.10.0.0/16", "198.19.0.0/16", "AWS refuses another RFC 1918 block and 198.19.0.0/16"),
        # vpc-cidr-blocks.html, "IPv4 CIDR block association restrictions", read 2026-12-06:
        # "If any of the CIDR blocks associated with the VPC are from the 10.0.0.0/15 range
        # ..., you cannot add a CIDR block from the 10.0.0.0/16 range"
        ("10.1.0.0/16", "10.0.0.0/16", "must not overlap 10.0.0.0/16 beside a VPC range from"),
        ("10.1.128.0/17", "10.0.0.0/18", "must not overlap 10.0.0.0/16"),
        # ... restricted for a 172.16.0.0/12 VPC: "CIDR blocks from the 172.31.0.0/16 range"
        ("172.20.0.0/16", "172.31.0.0/16", "must not overlap 172.31.0.0/16: AWS refuses"),
        ("100.64.0.0/16", "10.20.0.0/16", "must be inside 100.64.0.0/10:"),
        ("10.10.0.0/16", "100.64.0.0/21", "between /16 and /20"),
        ("10.10.0.0/16", "100.64.0.1/16", "no host bits"),
    ],
)
def test_a_pod_range_aws_would_refuse_is_named_with_the_rule(vpc, pods, fragment):
    [message] = problems({"vpcCidr": vpc, "podCidr": pods})
    assert message.startswith(f'eks-platform:network.podCidr = "{pods}"') and fragment in message


@pytest.mark.parametrize(
    ("vpc", "pods"),
    [
        ("10.10.0.0/16", "100.64.0.0/16"),
        ("10.10.0.0/16", "100.100.0.0/18"),
        ("10.10.0.0/16", "10.200.0.0/16"),
        ("10.10.0.0/16", "10.0.0.0/16"),  # 10.10/16 is not from 10.0.0.0/15
        ("10.1.0.0/16", "10.2.0.0/16"),
        ("172.20.0.0/16", "172.21.0.0/16"),
    ],
)
def test_the_shared_address_space_or_the_vpc_s_own_block_is_accepted(vpc, pods):
    found = settings({"vpcCidr": vpc, "podCidr": pods}).network.plan
    assert found.pod_cidr == pods and all(az.pod for az in found.azs)


def test_pod_subnets_no_larger_than_the_private_ones_are_warned():
    # The CNI takes the subnet with the most free addresses (awsutils.go b5218838, l.1250).
    small = load_settings(
        {"owner": "platform-team", "network": {**POD["network"], "podSubnetPrefix": 19}}, "dev"
    )
    assert any("no larger than the private ones (/19)" in w for w in small.warnings)
    assert not any("no larger" in w for w in settings(POD["network"]).warnings)


def test_no_pod_range_plans_no_pod_subnets():
    found = settings({}).network.plan
    assert found.pod_prefix is None and all(az.pod == "" for az in found.azs)


def test_auto_mode_takes_no_pod_range():
    [message] = problems(POD["network"], compute={"mode": "auto", "nodeGroups": None})
    assert "network.podCidr" in message and "NodeClass, a Kubernetes object" in message


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        (
            {"version": "v1.17.1-eksbuild.1"},
            "v1.17.1-eksbuild.1 predates subnet discovery (v1.18.0)",
        ),
        (
            {"configurationValues": {"env": {"ENABLE_SUBNET_DISCOVERY": "false"}}},
            "turns subnet discovery off",
        ),
        (
            {"configurationValues": {"env": {"AWS_VPC_K8S_CNI_CUSTOM_NETWORK_CFG": "true"}}},
            "custom networking, which takes precedence",
        ),
        # CHANGELOG v1.22.1: security groups tagged kubernetes.io/role/cni=1 go on ENIs in
        # discovered subnets; v1.22.2: "Reverting Security Group Discovery feature".
        ({"version": "v1.22.1-eksbuild.1"}, "not with vpc-cni v1.22.1-eksbuild.1"),
    ],
)
def test_a_vpc_cni_that_would_not_use_the_pod_subnets_is_refused(override, fragment):
    [message] = problems(POD["network"], addons={"overrides": {"vpc-cni": override}})
    assert "network.podCidr" in message and fragment in message


def test_subnet_discovery_starts_at_1_18_0_and_prefix_delegation_keeps_it():
    # cni-subnet-selection.adoc: "Requires VPC CNI version 1.18.0 or later"; "works with both
    # secondary IP address mode and prefix delegation mode".
    assert subnet_discovery_problem("v1.18.0-eksbuild.1", {}) is None
    assert subnet_discovery_problem("v1.17.9-eksbuild.2", {}) is not None
    on = {"env": {"ENABLE_PREFIX_DELEGATION": "true", "ENABLE_SUBNET_DISCOVERY": "true"}}
    assert subnet_discovery_problem("v1.22.4-eksbuild.3", on) is None


# ---------------------------------------------------------------------- the program


@pytest.fixture(scope="module")
def pods():
    return program("dev", POD)


def tier(run, name):
    """The tier's subnets in AZ order (registration order varies with when inputs resolve)."""
    found = [r for r in run.of_type(SUBNET) if r.inputs["tags"]["tier"] == name]
    return sorted(found, key=lambda r: r.inputs["availabilityZone"])


def test_the_range_is_associated_with_the_vpc_before_its_subnets(pods):
    vpc = pods.one("aws:ec2/vpc:Vpc")
    association = pods.one("aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation")
    assert association.inputs == {"vpcId": vpc.id, "cidrBlock": "100.64.0.0/16"}
    for subnet in tier(pods, "pod"):
        assert association.urn in subnet.dependencies
        assert subnet.inputs["vpcId"] == vpc.id


def test_one_pod_subnet_per_az_tagged_for_the_cni_only(pods):
    found = tier(pods, "pod")
    assert sorted(s.inputs["availabilityZone"] for s in found) == pods.outputs["availabilityZones"]
    for subnet in found:
        tags = subnet.inputs["tags"]
        assert tags["kubernetes.io/role/cni"] == "1"
        # Neither load balancers nor Karpenter's nodes belong there.
        assert not {"kubernetes.io/role/elb", "kubernetes.io/role/internal-elb"} & set(tags)
        assert "karpenter.sh/discovery" not in tags
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
    in_az_order = sorted(found, key=lambda s: s.inputs["availabilityZone"])
    assert pods.outputs["podSubnetIds"] == [s.id for s in in_az_order]


def test_pod_subnets_route_like_the_private_subnet_of_their_az(pods):
    associations = pods.of_type(ASSOCIATION)
    table = {a.inputs["subnetId"]: a.inputs["routeTableId"] for a in associations}
    private = {s.inputs["availabilityZone"]: s.id for s in tier(pods, "private")}
    for subnet in tier(pods, "pod"):
        assert table[subnet.id] == table[private[subnet.inputs["availabilityZone"]]]


def test_nodes_wait_for_the_pod_subnets_routes(pods):
    group = pods.one("aws:eks/nodeGroup:NodeGroup")
    for association in pods.of_type(ASSOCIATION):
        if association.name.startswith("network-pod-"):
            assert pods.waits_for(group, association)


def test_the_cluster_is_made_after_the_pod_range_is_associated(pods):
    # A range associated after the cluster is recognised only after up to an hour (EKS user
    # guide, network-reqs.adoc 101184ec, read 2026-12-06): on day 1 the cluster comes after it.
    [association] = pods.of_type("aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation")
    assert pods.waits_for(pods.one("aws:eks/cluster:Cluster"), association)


def test_node_groups_stay_in_the_private_subnets(pods):
    group = pods.one("aws:eks/nodeGroup:NodeGroup")
    # In the plan's AZ order (the order resources register in varies from run to run).
    zones = pods.outputs["deployment"]["availabilityZones"]
    private = sorted(tier(pods, "private"), key=lambda s: zones.index(s.inputs["availabilityZone"]))
    assert group.inputs["subnetIds"] == [s.id for s in private]


def test_the_interface_endpoints_admit_https_from_the_pod_range():
    run = program("prod", POD)
    rules = run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    cidrs = {r.inputs.get("cidrIpv4") for r in rules if r.name.startswith("network-endpoints")}
    assert cidrs == {"10.20.0.0/16", "100.64.0.0/16"}


def test_the_vpc_cni_keeps_its_configuration_and_the_managed_policy_that_lists_subnets(pods):
    # Subnet discovery is the add-on's default from v1.18.0 and needs ec2:DescribeSubnets,
    # which AmazonEKS_CNI_Policy grants (cni-subnet-selection.adoc): nothing to change there.
    cni = next(a for a in pods.of_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "vpc-cni")
    dev_cni = next(
        a
        for a in program("dev").of_type("aws:eks/addon:Addon")
        if a.inputs["addonName"] == "vpc-cni"
    )
    assert cni.inputs == dev_cni.inputs
    attachments = pods.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert any(a.inputs["policyArn"].endswith("/AmazonEKS_CNI_Policy") for a in attachments)


def test_without_a_pod_range_nothing_of_it_is_registered(dev):
    assert not dev.of_type("aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation")
    assert not tier(dev, "pod")


# ---------------------------------------------------------------------- the free-address alarm


def test_the_function_publishes_each_subnet_s_free_addresses(monkeypatch):
    monkeypatch.setenv("SUBNET_IDS", "subnet-0123456789abcdef0,subnet-0fedcba9876543210")
    monkeypatch.setenv("CLUSTER_NAME", "eks-platform-dev")
    ec2 = boto3.client(
        "ec2", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    cloudwatch = boto3.client(
        "cloudwatch", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    subnets = [
        {"SubnetId": "subnet-0123456789abcdef0", "AvailableIpAddressCount": 16000},
        {"SubnetId": "subnet-0fedcba9876543210", "AvailableIpAddressCount": 12},
    ]
    with Stubber(ec2) as ec2_stub, Stubber(cloudwatch) as cw_stub:
        ec2_stub.add_response(
            "describe_subnets",
            {"Subnets": subnets},
            {"SubnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]},
        )
        datum = [
            {
                "MetricName": "AvailableIpAddressCount",
                "Dimensions": [
                    {"Name": "ClusterName", "Value": "eks-platform-dev"},
                    {"Name": "SubnetId", "Value": s["SubnetId"]},
                ],
                "Value": s["AvailableIpAddressCount"],
                "Unit": "Count",
            }
            for s in subnets
        ]
        cw_stub.add_response(
            "put_metric_data", {}, {"Namespace": "EKSPlatform/Subnets", "MetricData": datum}
        )
        found = handler({}, None, ec2=ec2, cloudwatch=cloudwatch)
    assert found == {
        "published": {"subnet-0123456789abcdef0": 16000, "subnet-0fedcba9876543210": 12}
    }


def named(run, typ, name):
    return next(r for r in run.of_type(typ) if r.name == name)


def test_an_alarm_per_node_subnet_too_since_the_cni_fills_both(pods):
    # awsutils.go (b5218838, l.1250): the subnet with the most free addresses takes each new ENI.
    by_id = {s.id: s for s in tier(pods, "private")}
    alarms = [
        r
        for r in pods.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.name.startswith("monitoring-node-addresses-")
    ]
    assert sorted(
        by_id[a.inputs["dimensions"]["SubnetId"]].inputs["availabilityZone"] for a in alarms
    ) == [
        "eu-west-1a",
        "eu-west-1b",
        "eu-west-1c",
    ]
    # A /19 has 8,192 addresses: a tenth is 819.
    assert {a.inputs["threshold"] for a in alarms} == {819}


def test_an_alarm_per_pod_subnet_fires_a_tenth_before_it_is_full(pods):
    by_az = {s.inputs["availabilityZone"]: s for s in tier(pods, "pod")}
    alarms = [
        r
        for r in pods.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if r.name.startswith("monitoring-pod-addresses-")
    ]
    assert len(alarms) == 3
    for alarm in alarms:
        zone = alarm.name.removeprefix("monitoring-pod-addresses-")
        inputs = alarm.inputs
        assert (inputs["namespace"], inputs["metricName"]) == (
            "EKSPlatform/Subnets",
            "AvailableIpAddressCount",
        )
        assert inputs["dimensions"] == {
            "ClusterName": "eks-platform-dev",
            "SubnetId": by_az[zone].id,
        }
        # A /18 has 16,384 addresses: a tenth is 1,638.
        assert (inputs["comparisonOperator"], inputs["threshold"]) == ("LessThanThreshold", 1638)
        assert inputs["statistic"] == "Minimum" and inputs["treatMissingData"] == "breaching"
        assert inputs["alarmActions"] == inputs["okActions"] != []


def test_the_function_runs_every_five_minutes_on_the_pod_subnets(pods):
    function = pods.one("aws:lambda/function:Function")
    in_az_order = sorted(tier(pods, "pod"), key=lambda s: s.inputs["availabilityZone"])
    variables = function.inputs["environment"]["variables"]
    nodes = tier(pods, "private")
    assert variables["SUBNET_IDS"] == ",".join(s.id for s in [*in_az_order, *nodes])
    assert function.inputs["runtime"] == "python3.13"
    assert function.inputs["handler"] == "subnet_addresses.handler"
    rule = named(pods, "aws:cloudwatch/eventRule:EventRule", "monitoring-pod-addresses")
    assert rule.inputs["scheduleExpression"] == "rate(5 minutes)"
    target = named(pods, "aws:cloudwatch/eventTarget:EventTarget", "monitoring-pod-addresses")
    assert target.inputs["arn"] == function.outputs["arn"]
    permission = pods.one("aws:lambda/permission:Permission")
    assert permission.inputs["principal"] == "events.amazonaws.com"
    assert permission.inputs["sourceArn"] == rule.outputs["arn"]


def test_each_alarm_is_made_after_the_function_ran_once_and_is_scheduled(pods):
    # Missing data counts as breaching: an alarm made before the first count would page.
    function = pods.one("aws:lambda/function:Function")
    [run] = pods.of_type("aws:lambda/invocation:Invocation")
    assert run.inputs["functionName"] == function.outputs["name"]
    assert json.loads(run.inputs["input"]) == {}
    target = named(pods, "aws:cloudwatch/eventTarget:EventTarget", "monitoring-pod-addresses")
    permission = pods.one("aws:lambda/permission:Permission")
    alarms = [
        alarm
        for alarm in pods.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if alarm.inputs.get("metricName") == "AvailableIpAddressCount"
    ]
    assert sorted(a.name for a in alarms) == [
        f"monitoring-{tier}-addresses-eu-west-1{az}" for tier in ("node", "pod") for az in "abc"
    ]
    for alarm in alarms:
        assert all(pods.waits_for(alarm, r) for r in (run, target, permission)), alarm.name
    assert pods.waits_for(run, function)


def test_the_function_logs_to_its_encrypted_group_and_publishes_in_one_namespace(pods):
    function = pods.one("aws:lambda/function:Function")
    group = named(pods, "aws:cloudwatch/logGroup:LogGroup", "monitoring-pod-addresses")
    assert function.inputs["loggingConfig"]["logGroup"] == group.inputs["name"]
    assert group.inputs["kmsKeyId"] and group.inputs["retentionInDays"] == 30
    policy = json.loads(
        named(pods, "aws:iam/rolePolicy:RolePolicy", "monitoring-pod-addresses").inputs["policy"]
    )
    publish = next(s for s in policy["Statement"] if s["Action"] == "cloudwatch:PutMetricData")
    assert publish["Condition"] == {"StringEquals": {"cloudwatch:namespace": "EKSPlatform/Subnets"}}


def test_no_pod_range_no_function(dev):
    assert not dev.of_type("aws:lambda/function:Function")
