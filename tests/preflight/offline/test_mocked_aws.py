"""The mocked cloud answers like AWS: invoke filters honoured, ids and ARNs in AWS's formats,
outputs derived from what exists, and a loud failure for anything it does not know."""

import ipaddress

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from components.addons.versions import ADDON_VERSIONS
from preflight.offline.mocked_aws import MockedCloud


def create(cloud, typ, name, inputs, custom=True):
    return cloud.new_resource(MockResourceArgs(typ=typ, name=name, inputs=inputs, custom=custom))


def call(cloud, token, args):
    return cloud.call(MockCallArgs(token=token, args=args, provider=""))


def test_unknown_regions_types_and_invokes_fail_loudly():
    with pytest.raises(ValueError, match="knows regions"):
        MockedCloud("mars-north-1")
    cloud = MockedCloud("eu-west-1")
    with pytest.raises(NotImplementedError, match="does not know resource type aws:s3/bucket"):
        create(cloud, "aws:s3/bucket:Bucket", "b", {})
    with pytest.raises(NotImplementedError, match="does not answer invoke"):
        call(cloud, "aws:ec2/getVpc:getVpc", {})


ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"
REGULAR = [
    {"name": "zone-type", "values": ["availability-zone"]},
    {"name": "opt-in-status", "values": ["opt-in-not-required"]},
]


def test_availability_zones_honour_the_exclusions():
    cloud = MockedCloud("us-east-1")
    answer = call(cloud, ZONES, {"excludeZoneIds": ["use1-az3"], "excludeNames": ["us-east-1a"]})
    assert "us-east-1e" not in answer["names"] and "us-east-1a" not in answer["names"]
    assert len(answer["names"]) == len(answer["zoneIds"]) == 5  # 4 AZs and the Local Zone
    assert cloud.invokes[0][0] == ZONES


def test_availability_zones_list_an_opted_in_local_zone_first_unless_filtered():
    cloud = MockedCloud("us-east-1")
    assert call(cloud, ZONES, {})["names"][0] == "us-east-1-bos-1a"  # sorted by name
    regular = call(cloud, ZONES, {"filters": REGULAR})
    assert regular["names"] == [f"us-east-1{s}" for s in "abcdef"]
    assert regular["groupNames"] == ["us-east-1"]


def test_availability_zones_honour_the_state():
    cloud = MockedCloud("eu-west-1", zone_states={"eu-west-1a": "impaired"})
    assert call(cloud, ZONES, {"state": "available"})["names"] == ["eu-west-1b", "eu-west-1c"]
    assert call(cloud, ZONES, {})["names"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    with pytest.raises(NotImplementedError, match="does not filter zones on message"):
        call(cloud, ZONES, {"filters": [{"name": "message", "values": ["x"]}]})


def test_components_have_no_state_and_unset_names_are_autonamed():
    cloud = MockedCloud("eu-west-1")
    assert create(cloud, "eks-platform:index:Network", "network", {}, custom=False) == ("", {})
    role_id, role = create(cloud, "aws:iam/role:Role", "eks-node", {"assumeRolePolicy": "{}"})
    assert role["name"].startswith("eks-node-") and len(role["name"]) == len("eks-node-") + 7
    assert (
        role_id == role["name"] and role["arn"] == f"arn:aws:iam::111122223333:role/{role['name']}"
    )
    named_id, _ = create(cloud, "aws:iam/role:Role", "x", {"name": "given"})
    assert named_id == "given"


def test_outputs_derive_from_what_exists():
    cloud = MockedCloud("eu-west-1")
    vpc_id, _ = create(cloud, "aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16"})
    subnet_id, subnet = create(
        cloud, "aws:ec2/subnet:Subnet", "s", {"vpcId": vpc_id, "cidrBlock": "10.0.224.0/24"}
    )
    eip_id, eip = create(cloud, "aws:ec2/eip:Eip", "e", {"domain": "vpc"})
    nat_id, nat = create(
        cloud, "aws:ec2/natGateway:NatGateway", "n", {"subnetId": subnet_id, "allocationId": eip_id}
    )
    assert (
        vpc_id.startswith("vpc-") and subnet_id.startswith("subnet-") and nat_id.startswith("nat-")
    )
    assert ipaddress.ip_address(nat["privateIp"]) in ipaddress.ip_network(subnet["cidrBlock"])
    assert nat["publicIp"] == eip["publicIp"]
    assert nat["arn"] == f"arn:aws:ec2:eu-west-1:111122223333:natgateway/{nat_id}"
    _, cluster = create(
        cloud,
        "aws:eks/cluster:Cluster",
        "c",
        {"name": "c", "vpcConfig": {"subnetIds": [subnet_id]}},
    )
    assert cluster["vpcConfig"]["vpcId"] == vpc_id
    assert cluster["identities"][0]["oidcs"][0]["issuer"].startswith(
        "https://oidc.eks.eu-west-1.amazonaws.com/id/"
    )


def test_interface_endpoints_answer_with_dns_names_gateway_ones_with_a_prefix_list():
    cloud = MockedCloud("eu-west-1")
    _, interface = create(
        cloud,
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "i",
        {"vpcEndpointType": "Interface", "serviceName": "com.amazonaws.eu-west-1.ecr.api"},
    )
    assert interface["dnsEntries"][0]["dnsName"].endswith(".ecr.api.eu-west-1.vpce.amazonaws.com")
    _, gateway = create(
        cloud,
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "g",
        {"vpcEndpointType": "Gateway", "serviceName": "com.amazonaws.eu-west-1.s3"},
    )
    assert gateway["prefixListId"].startswith("pl-") and gateway["dnsEntries"] == []


def test_kubernetes_objects_get_a_uid_and_keep_their_metadata():
    cloud = MockedCloud("eu-west-1")
    name, state = create(
        cloud, "kubernetes:storage.k8s.io/v1:StorageClass", "gp3", {"metadata": {"name": "gp3"}}
    )
    assert (
        name == "gp3" and state["metadata"]["uid"] and state["metadata"]["resourceVersion"] == "1"
    )


def test_add_on_default_versions_are_answered_from_the_reviewed_table():
    # Today's program never asks; older refs did, and the change review runs them.
    cloud = MockedCloud("eu-west-1")
    token = "aws:eks/getAddonVersion:getAddonVersion"
    answer = call(cloud, token, {"addonName": "coredns", "kubernetesVersion": "1.34"})
    assert answer["version"] == ADDON_VERSIONS["1.34"]["coredns"]
    _, failures = call(cloud, token, {"addonName": "coredns", "kubernetesVersion": "1.20"})
    assert failures == [("addonName", "no coredns version is published for Kubernetes 1.20")]
    with pytest.raises(NotImplementedError, match="only the default"):
        call(
            cloud, token, {"addonName": "coredns", "kubernetesVersion": "1.35", "mostRecent": True}
        )
