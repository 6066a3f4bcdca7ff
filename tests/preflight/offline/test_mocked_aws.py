"""The mocked cloud answers like AWS: invoke filters honoured, ids and ARNs in AWS's formats,
outputs derived from what exists, and a loud failure for anything it does not know."""

import ipaddress

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from components.addons.versions import ADDON_VERSIONS
from preflight.offline.mocked_aws import (
    COMMERCIAL_REGIONS,
    PARTITIONS,
    REGION_ZONES,
    ZONE_IDS,
    MockedCloud,
    derived_zone_ids,
    region_problem,
)
from preflight.offline.runner import RegionError, run_program


def create(cloud, typ, name, inputs, custom=True):
    return cloud.new_resource(MockResourceArgs(typ=typ, name=name, inputs=inputs, custom=custom))


def call(cloud, token, args):
    return cloud.call(MockCallArgs(token=token, args=args, provider=""))


def test_unknown_regions_types_and_invokes_fail_loudly():
    with pytest.raises(ValueError, match="'mars-north-1' is not an AWS region botocore knows"):
        MockedCloud("mars-north-1")
    cloud = MockedCloud("eu-west-1")
    with pytest.raises(NotImplementedError, match="does not know resource type aws:s3/bucket"):
        create(cloud, "aws:s3/bucket:Bucket", "b", {})
    with pytest.raises(NotImplementedError, match="does not answer invoke"):
        call(cloud, "aws:s3/getBucket:getBucket", {})


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


# ----------------------------------------------------------------------------- regions and AZs
# Facts as read on 2026-12-06: regions and partitions from botocore 1.44.18's endpoints.json; AZ
# ids from docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html;
# which regions map AZ names per account from .../az-ids.html; name/id pairs of uniformly mapped
# regions from github.com/networknext/next terraform/amazon.tfvars (commit 2a70e264d3a0).


def test_the_commercial_partition_is_botocores_and_the_others_are_not_offered():
    assert {"us-east-2", "ap-southeast-4", "mx-central-1", "eu-west-1"} <= set(COMMERCIAL_REGIONS)
    assert "cn-north-1" in PARTITIONS["aws-cn"] and "us-gov-west-1" in PARTITIONS["aws-us-gov"]
    assert set(REGION_ZONES) == set(COMMERCIAL_REGIONS)
    assert region_problem("us-east-2") is None
    assert "'cn-north-1' is in the aws-cn partition" in region_problem("cn-north-1")
    assert "'us-gov-west-1' is in the aws-us-gov partition" in region_problem("us-gov-west-1")
    assert "us-east-2" in region_problem("mars-north-1")  # says which regions work
    assert region_problem(None).startswith("aws:region is not set")
    assert all("\n" not in region_problem(r) for r in ("cn-north-1", "x", None))


# AZ ids the AWS table lists for a sample of regions.
AZ_IDS_IN_AWS_TABLE = {
    "us-east-2": {"use2-az1", "use2-az2", "use2-az3"},
    "ap-southeast-4": {"apse4-az1", "apse4-az2", "apse4-az3"},
    "ca-central-1": {"cac1-az1", "cac1-az2", "cac1-az4"},
    "eu-west-2": {"euw2-az1", "euw2-az2", "euw2-az3", "euw2-az4"},
    "us-west-1": {"usw1-az1", "usw1-az2", "usw1-az3"},
    "us-east-1": {f"use1-az{n}" for n in range(1, 7)},
    "mx-central-1": {"mxc1-az1", "mxc1-az2", "mxc1-az3"},
}


@pytest.mark.parametrize("region", sorted(AZ_IDS_IN_AWS_TABLE))
def test_each_region_answers_the_az_ids_aws_documents(region):
    answer = call(MockedCloud(region), ZONES, {"filters": REGULAR})
    assert set(answer["zoneIds"]) == AZ_IDS_IN_AWS_TABLE[region]
    assert all(name.startswith(region) and len(name) == len(region) + 1 for name in answer["names"])


def test_uniformly_mapped_regions_pair_names_and_ids_as_aws_does():
    # The AZ page's example: us-east-2a is use2-az1 (every account); networknext's answer for
    # regions mapped uniformly: ap-northeast-3a is apne3-az3, ca-central-1 has 1a, 1b, 1d.
    pairs = {
        region: dict(zip(a["names"], a["zoneIds"], strict=True))
        for region in ("us-east-2", "ap-northeast-3", "ca-central-1")
        for a in [call(MockedCloud(region), ZONES, {})]
    }
    assert pairs["us-east-2"]["us-east-2a"] == "use2-az1"
    assert pairs["ap-northeast-3"]["ap-northeast-3a"] == "apne3-az3"
    assert sorted(pairs["ca-central-1"]) == ["ca-central-1a", "ca-central-1b", "ca-central-1d"]


@pytest.mark.parametrize("region", COMMERCIAL_REGIONS)
def test_every_commercial_region_offers_eks_two_regular_azs_at_least(region):
    answer = call(MockedCloud(region), ZONES, {"state": "available", "filters": REGULAR})
    assert len(answer["names"]) >= 2 and answer["groupNames"] == [region]


def test_eks_s_unsupported_az_leaves_us_west_1_two_usable_azs():
    # The AWS table lists usw1-az1..3; EKS places no control plane in usw1-az2 (EKS user guide).
    answer = call(MockedCloud("us-west-1"), ZONES, {"excludeZoneIds": ["usw1-az2"]})
    assert sorted(answer["zoneIds"]) == ["usw1-az1", "usw1-az3"]


def test_filters_and_states_hold_in_a_region_added_here():
    cloud = MockedCloud("ap-southeast-4", zone_states={"ap-southeast-4b": "impaired"})
    assert call(cloud, ZONES, {"state": "available"})["names"] == [
        "ap-southeast-4a",
        "ap-southeast-4c",
    ]
    local = [{"name": "zone-type", "values": ["local-zone"]}]
    assert call(cloud, ZONES, {"filters": local})["names"] == []
    opted = [{"name": "opt-in-status", "values": ["opted-in"]}]
    assert call(MockedCloud("us-east-1"), ZONES, {"filters": opted})["names"] == [
        "us-east-1-bos-1a"
    ]


def test_a_region_the_table_lacks_gets_three_derived_azs():
    assert "xx-north-9" not in ZONE_IDS
    assert derived_zone_ids("xx-north-9") == "a=xxn9-az1 b=xxn9-az2 c=xxn9-az3"


def test_a_stack_without_a_region_or_in_another_partition_is_refused_in_one_line():
    with pytest.raises(RegionError, match=r"^aws:region is not set") as missing:
        run_program("dev", {"aws:region": None})
    with pytest.raises(RegionError, match="is in the aws-cn partition") as china:
        run_program("dev", {"aws:region": "cn-north-1"})
    assert [str(e.value).count("\n") for e in (missing, china)] == [0, 0]
