"""The network component as the program registers it, for both stacks, against the mocked cloud."""

import ipaddress
import json

import pytest

from components.base.config import SettingsError
from tests.programs import keeps_logs, program, region

SUBNET = "aws:ec2/subnet:Subnet"


def subnets(run, tier):
    return [r for r in run.of_type(SUBNET) if r.inputs["tags"]["tier"] == tier]


def expected_azs(run):
    return run.config["eks-platform:network"]["azCount"]


@pytest.mark.parametrize("tier", ["public", "private", "intra"])
def test_one_subnet_per_az_per_tier(stack_run, tier):
    found = subnets(stack_run, tier)
    zones = [r.inputs["availabilityZone"] for r in found]
    assert len(found) == expected_azs(stack_run)
    assert len(set(zones)) == len(zones)
    assert stack_run.outputs["availabilityZones"] == sorted(zones)


def test_outputs_list_subnets_in_az_order(stack_run):
    by_id = {r.id if "id" in r.outputs else None: r for r in stack_run.of_type(SUBNET)}
    assert by_id  # ids come back from the mocked cloud
    for tier in ("public", "private", "intra"):
        ids = stack_run.outputs[f"{tier}SubnetIds"]
        assert len(ids) == expected_azs(stack_run)


def test_subnets_never_map_public_ips_and_sit_in_the_vpc(stack_run):
    vpc = stack_run.one("aws:ec2/vpc:Vpc")
    cidr = ipaddress.ip_network(vpc.inputs["cidrBlock"])
    for r in stack_run.of_type(SUBNET):
        assert r.inputs["mapPublicIpOnLaunch"] is False
        assert ipaddress.ip_network(r.inputs["cidrBlock"]).subnet_of(cidr)
        assert r.inputs["vpcId"] == vpc.id


def test_vpc_has_dns(stack_run):
    vpc = stack_run.one("aws:ec2/vpc:Vpc")
    assert vpc.inputs["enableDnsSupport"] is True and vpc.inputs["enableDnsHostnames"] is True


def test_load_balancer_discovery_tags(stack_run):
    cluster_tag = "kubernetes.io/cluster/eks-platform-" + stack_run.stack
    for r in subnets(stack_run, "public"):
        assert r.inputs["tags"]["kubernetes.io/role/elb"] == "1"
        assert r.inputs["tags"][cluster_tag] == "shared"
    for r in subnets(stack_run, "private"):
        assert r.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1"
        assert r.inputs["tags"][cluster_tag] == "shared"
    for r in subnets(stack_run, "intra"):
        assert not any(k.startswith("kubernetes.io/") for k in r.inputs["tags"])


def test_common_tags_on_every_taggable_resource(stack_run):
    expected = {"project": "eks-platform", "stack": stack_run.stack, "owner": "platform-team"}
    untaggable = {
        "aws:ec2/route:Route",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:kms/alias:Alias",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
        "aws:cloudwatch/dashboard:Dashboard",
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:ebs/encryptionByDefault:EncryptionByDefault",  # an account setting, no tags
    }
    for r in stack_run.registrations:
        if r.custom and r.type.startswith("aws:") and r.type not in untaggable:
            assert expected.items() <= r.inputs.get("tags", {}).items(), r.name


def routes_of(run, table):
    return [r for r in run.of_type("aws:ec2/route:Route") if r.inputs["routeTableId"] == table.id]


def table_of(run, subnet):
    assoc = next(
        r
        for r in run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
        if r.inputs["subnetId"] == run.by_urn(subnet.urn).id
    )
    return next(
        r
        for r in run.of_type("aws:ec2/routeTable:RouteTable")
        if r.id == assoc.inputs["routeTableId"]
    )


def test_public_subnets_route_to_the_internet_gateway(stack_run):
    igw = stack_run.one("aws:ec2/internetGateway:InternetGateway")
    for sn in subnets(stack_run, "public"):
        [route] = routes_of(stack_run, table_of(stack_run, sn))
        assert route.inputs["destinationCidrBlock"] == "0.0.0.0/0"
        assert route.inputs["gatewayId"] == igw.id


def test_intra_subnets_have_no_internet_route(stack_run):
    for sn in subnets(stack_run, "intra"):
        assert routes_of(stack_run, table_of(stack_run, sn)) == []


def test_one_route_table_per_private_subnet(stack_run):
    tables = {table_of(stack_run, sn).urn for sn in subnets(stack_run, "private")}
    assert len(tables) == expected_azs(stack_run)


def nat_zone(run, nat_id):
    nat = next(r for r in run.of_type("aws:ec2/natGateway:NatGateway") if r.id == nat_id)
    return next(
        s.inputs["availabilityZone"] for s in run.of_type(SUBNET) if s.id == nat.inputs["subnetId"]
    )


def test_prod_routes_each_private_subnet_through_the_nat_in_its_own_az(prod):
    nats = prod.of_type("aws:ec2/natGateway:NatGateway")
    assert len(nats) == 3 and len(prod.outputs["natGatewayIds"]) == 3
    public_ids = {s.id for s in subnets(prod, "public")}
    assert {n.inputs["subnetId"] for n in nats} <= public_ids
    for sn in subnets(prod, "private"):
        [route] = routes_of(prod, table_of(prod, sn))
        assert nat_zone(prod, route.inputs["natGatewayId"]) == sn.inputs["availabilityZone"]


def test_dev_single_nat_serves_every_private_subnet(dev):
    [nat] = dev.of_type("aws:ec2/natGateway:NatGateway")
    for sn in subnets(dev, "private"):
        [route] = routes_of(dev, table_of(dev, sn))
        assert route.inputs["natGatewayId"] == nat.id


def test_nat_mode_none_has_no_egress():
    run = program("dev", {"network": {"natMode": "none", "interfaceEndpoints": True}})
    assert run.of_type("aws:ec2/natGateway:NatGateway") == []
    assert run.of_type("aws:ec2/eip:Eip") == []
    for sn in subnets(run, "private"):
        assert routes_of(run, table_of(run, sn)) == []


def test_nat_gateways_have_elastic_ips(prod):
    eips = {e.outputs["allocationId"] for e in prod.of_type("aws:ec2/eip:Eip")}
    assert {n.inputs["allocationId"] for n in prod.of_type("aws:ec2/natGateway:NatGateway")} == eips


def test_default_security_group_is_adopted_empty(stack_run):
    sg = stack_run.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")
    assert "ingress" not in sg.inputs and "egress" not in sg.inputs
    assert sg.inputs["vpcId"] == stack_run.outputs["vpcId"]


def test_flow_logs_capture_all_traffic_to_an_encrypted_retained_group(stack_run):
    flow = stack_run.one("aws:ec2/flowLog:FlowLog")
    group = next(
        g
        for g in stack_run.of_type("aws:cloudwatch/logGroup:LogGroup")
        if "flow-logs" in g.inputs["name"]
    )
    assert flow.inputs["trafficType"] == "ALL"
    assert flow.inputs["vpcId"] == stack_run.outputs["vpcId"]
    assert flow.inputs["logDestination"] == group.outputs["arn"]
    assert group.inputs["retentionInDays"] == float(
        stack_run.config["eks-platform:logRetentionDays"]
    )
    assert group.inputs["kmsKeyId"].startswith("arn:aws:kms:")
    # prod keeps its logs after a destroy; dev's go with the stack (retainLogsOnDestroy).
    assert group.protect and group.retain_on_delete == keeps_logs(stack_run)


def test_the_flow_log_waits_for_its_write_policy(stack_run):
    flow = stack_run.one("aws:ec2/flowLog:FlowLog")
    [policy] = [
        p
        for p in stack_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.name == "network-flow-logs"
    ]
    assert stack_run.waits_for(flow, policy)


def test_flow_log_role_writes_only_its_group(stack_run):
    flow = stack_run.one("aws:ec2/flowLog:FlowLog")
    role = next(
        r
        for r in stack_run.of_type("aws:iam/role:Role")
        if r.outputs["arn"] == flow.inputs["iamRoleArn"]
    )
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert trust["Condition"]["StringEquals"]["aws:SourceAccount"] == "111122223333"
    [policy] = [
        p
        for p in stack_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["name"]
    ]
    resources = json.loads(policy.inputs["policy"])["Statement"][0]["Resource"]
    assert resources == [flow.inputs["logDestination"], flow.inputs["logDestination"] + ":*"]


def test_flow_log_key_rotates_and_lets_logs_use_it_for_that_group_only(stack_run):
    key = next(
        k for k in stack_run.of_type("aws:kms/key:Key") if "flow logs" in k.inputs["description"]
    )
    assert key.inputs["enableKeyRotation"] is True and key.inputs["deletionWindowInDays"] >= 7
    assert key.protect and key.retain_on_delete == keeps_logs(stack_run)
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    logs = statements["CloudWatchLogsEncryptsTheseGroups"]
    assert logs["Principal"] == {"Service": f"logs.{region(stack_run)}.amazonaws.com"}
    assert logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] == [
        f"arn:aws:logs:{region(stack_run)}:111122223333:log-group:/aws/vpc-flow-logs/eks-platform-{stack_run.stack}"
    ]


def test_s3_gateway_endpoint_always(stack_run):
    [s3] = [
        e
        for e in stack_run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Gateway"
    ]
    assert s3.inputs["serviceName"] == f"com.amazonaws.{region(stack_run)}.s3"
    private_tables = {table_of(stack_run, sn).id for sn in subnets(stack_run, "private")}
    assert set(s3.inputs["routeTableIds"]) == private_tables


def interface_endpoints(run):
    return [
        e
        for e in run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
        if e.inputs["vpcEndpointType"] == "Interface"
    ]


def test_dev_has_no_interface_endpoints(dev):
    assert interface_endpoints(dev) == []
    assert dev.of_type("aws:ec2/securityGroup:SecurityGroup") == []


def test_prod_interface_endpoints_in_private_subnets_with_https_from_vpc_only(prod):
    found = interface_endpoints(prod)
    services = {e.inputs["serviceName"].removeprefix("com.amazonaws.eu-west-1.") for e in found}
    assert {
        "ecr.api",
        "ecr.dkr",
        "sts",
        "ec2",
        "logs",
        "eks",
        "eks-auth",
        "elasticloadbalancing",
        "autoscaling",
    } <= services
    private_ids = set(prod.outputs["privateSubnetIds"])
    [sg] = prod.of_type("aws:ec2/securityGroup:SecurityGroup")
    for e in found:
        assert e.inputs["privateDnsEnabled"] is True
        assert set(e.inputs["subnetIds"]) == private_ids
        assert e.inputs["securityGroupIds"] == [sg.id]
    [rule] = prod.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert rule.inputs["securityGroupId"] == sg.id
    assert (rule.inputs["fromPort"], rule.inputs["toPort"], rule.inputs["ipProtocol"]) == (
        443,
        443,
        "tcp",
    )
    assert rule.inputs["cidrIpv4"] == "10.20.0.0/16"
    assert "egress" not in sg.inputs and "ingress" not in sg.inputs


def test_children_are_parented_to_the_component(stack_run):
    component = stack_run.one("eks-platform:index:Network")
    children = [r for r in stack_run.registrations if r.parent == component.urn]
    assert all(r.name.startswith("network-") for r in children)
    network_types = {
        "aws:ec2/vpc:Vpc",
        SUBNET,
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/flowLog:FlowLog",
    }
    assert {r.type for r in children} >= network_types
    assert all(
        r.parent == component.urn for r in stack_run.registrations if r.type in network_types
    )


def test_settings_error_registers_nothing(monkeypatch):
    from preflight.offline import runner

    monitors = []
    original = runner.RecordingMonitor.__init__

    def record(self, *args):
        original(self, *args)
        monitors.append(self)

    monkeypatch.setattr(runner.RecordingMonitor, "__init__", record)
    with pytest.raises(SettingsError, match=r"network\.natMode"):
        program("dev", {"network": {"natMode": "bogus"}})
    assert monitors[0].registrations == []
