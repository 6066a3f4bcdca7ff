"""The mocked account's landing zone answers the reads of an existing VPC as pulumi-aws does:
by id, with the provider's failure for what does not exist, route tables by explicit association
only (a subnet on its VPC's main table is found through association.main), endpoints by service
and type, and the IPAM pool's next free range of the size asked."""

from __future__ import annotations

import ipaddress

import pytest
from pulumi.runtime.mocks import MockCallArgs

from preflight.offline import landing_zone as lz
from preflight.offline.mocked_aws import MockedCloud

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def cloud():
    return MockedCloud(REGION)


def call(cloud, token, **args):
    return cloud.call(MockCallArgs(token=token, args=args, provider=""))


def test_the_shared_vpc_is_another_account_s_and_found_by_id_only(cloud):
    vpc = call(cloud, "aws:ec2/getVpc:getVpc", id=lz._ids(REGION)["vpc"])
    assert vpc["ownerId"] == lz.NETWORK_ACCOUNT != cloud.account_id
    assert (vpc["cidrBlock"], vpc["enableDnsSupport"], vpc["enableDnsHostnames"]) == (
        "10.60.0.0/16",
        True,
        True,
    )
    assert call(cloud, "aws:ec2/getVpc:getVpc", id="vpc-0000000000000000a") == (
        {},
        [("id", "no matching EC2 VPC found")],
    )
    with pytest.raises(NotImplementedError):
        call(cloud, "aws:ec2/getVpc:getVpc", tags={"Name": "x"})


def test_subnets_sit_in_the_region_s_first_azs_with_aws_s_free_count(cloud):
    node = call(cloud, "aws:ec2/getSubnet:getSubnet", id=lz.shared_subnet_id(REGION, "node-1"))
    assert node["availabilityZone"] == "eu-west-1b" and node["availabilityZoneId"] == "euw1-az1"
    # A /19 has 8,192 addresses; AWS keeps 5 of each subnet and the landing zone uses 212.
    assert node["availableIpAddressCount"] == 8192 - 5 - 212
    assert ipaddress.ip_network(node["cidrBlock"]).subnet_of(ipaddress.ip_network(lz.VPC_CIDR))
    missing = call(cloud, "aws:ec2/getSubnet:getSubnet", id="subnet-0000000000000000a")
    assert missing == ({}, [("id", "no matching EC2 Subnet found")])


def test_route_tables_are_found_by_explicit_association_or_as_the_main_one(cloud):
    node = call(
        cloud, "aws:ec2/getRouteTable:getRouteTable", subnetId=lz.shared_subnet_id(REGION, "node-0")
    )
    [route] = node["routes"]
    assert route["cidrBlock"] == "0.0.0.0/0" and route["transitGatewayId"].startswith("tgw-")
    control = lz.shared_subnet_id(REGION, "control-0")  # on the main table: no association
    assert call(cloud, "aws:ec2/getRouteTable:getRouteTable", subnetId=control)[1]
    main = call(
        cloud,
        "aws:ec2/getRouteTable:getRouteTable",
        vpcId=lz._ids(REGION)["vpc"],
        filters=[{"name": "association.main", "values": ["true"]}],
    )
    assert main["routes"] == [] and main["associations"][0]["main"] is True


def test_endpoints_are_found_by_service_and_type(cloud):
    vpc = lz._ids(REGION)["vpc"]
    gateway = call(
        cloud,
        "aws:ec2/getVpcEndpoint:getVpcEndpoint",
        vpcId=vpc,
        serviceName=f"com.amazonaws.{REGION}.s3",
        filters=[{"name": "vpc-endpoint-type", "values": ["Gateway"]}],
    )
    # Two S3 gateway endpoints: the singular lookup fails as the provider's does.
    [(_, text)] = gateway[1]
    assert text.startswith("multiple EC2 VPC Endpoints matched; use additional constraints")
    interface = call(
        cloud,
        "aws:ec2/getVpcEndpoint:getVpcEndpoint",
        vpcId=vpc,
        serviceName=f"com.amazonaws.{REGION}.sts",
        filters=[{"name": "vpc-endpoint-type", "values": ["Interface"]}],
    )
    assert interface["subnetIds"] and interface["vpcEndpointType"] == "Interface"
    none = call(
        cloud,
        "aws:ec2/getVpcEndpoint:getVpcEndpoint",
        vpcId=vpc,
        serviceName=f"com.amazonaws.{REGION}.ssm",
        filters=[{"name": "vpc-endpoint-type", "values": ["Interface"]}],
    )
    assert none == ({}, [("id", "no matching EC2 VPC Endpoint found")])


def test_the_pool_previews_its_first_free_range_and_refuses_an_unknown_pool(cloud):
    preview = "aws:ec2/getIpamPreviewNextCidr:getIpamPreviewNextCidr"
    assert (
        call(cloud, preview, ipamPoolId=lz.IPAM_POOL, netmaskLength=16)["cidr"] == "10.130.0.0/16"
    )
    assert (
        call(cloud, preview, ipamPoolId=lz.IPAM_POOL, netmaskLength=17)["cidr"] == "10.129.128.0/17"
    )
    skipped = call(
        cloud, preview, ipamPoolId=lz.IPAM_POOL, netmaskLength=16, disallowedCidrs=["10.130.0.0/16"]
    )
    assert skipped["cidr"] == "10.131.0.0/16"
    assert skipped["id"] == f"10.131.0.0/16_{lz.IPAM_POOL}"
    unknown = call(cloud, preview, ipamPoolId="ipam-pool-0000000000000000a", netmaskLength=16)
    assert "InvalidIpamPoolId.NotFound" in unknown[1][0][1]
