"""The online check's facts about AWS (preflight/online/facts.json) each name a source and the
date it was read, and hold against values written down here from those sources (read
2026-12-06), not from the table."""

from __future__ import annotations

import datetime as dt

import botocore.session
from botocore.retries.standard import ThrottledRetryableChecker

from components.nodes.settings import AMI_TYPES
from preflight.online.errors import THROTTLED
from preflight.online.facts import (
    AMI,
    FACTS,
    QUOTAS,
    addresses_per_node,
    ami_parameter,
    max_pods,
    update_surge,
    usable_addresses,
)
from tests.test_facts import provenance_problems


def entries():
    for name in ("maxPods", "subnetReservedAddresses", "nodeUpdateSurge", "nodesBeforeUpgrade"):
        yield name, [FACTS[name]["source"]]
    for name in ("insights", "versionStatuses", "amiParameters"):
        yield name, [FACTS[name]["source"]]
    yield "prefixDelegation", [{"unconfirmed": FACTS["prefixDelegation"]["unconfirmed"]}]
    for key, quota in QUOTAS.items():
        yield f"quotas.{key}", [quota["source"]]


def test_every_fact_has_a_source_and_a_date_read() -> None:
    assert len(list(entries())) == 13
    assert provenance_problems(entries(), dt.date.today(), where_required=True) == []


def instance(enis: int, ips: int, cards: int | None = None) -> dict:
    network = {"MaximumNetworkInterfaces": enis, "Ipv4AddressesPerInterface": ips}
    if cards is not None:
        network |= {
            "DefaultNetworkCardIndex": 0,
            "NetworkCards": [
                {"NetworkCardIndex": 0, "MaximumNetworkInterfaces": cards},
                {"NetworkCardIndex": 1, "MaximumNetworkInterfaces": cards},
            ],
        }
    return {"NetworkInfo": network}


def test_max_pods_is_nodeadm_s_formula_on_the_default_card() -> None:
    # awslabs/amazon-eks-ami 81fec2e8, nodeadm/internal/kubelet/instance-info.jsonl: t4g.medium
    # 3 ENIs x 6 addresses, m7i.large 3 x 10, m7i.xlarge 4 x 15; eni_max_pods.go:
    # DefaultMaxENIs * (Ipv4AddressesPerInterface - 1) + 2 -> 17, 29, 58.
    assert [max_pods(instance(3, 6)), max_pods(instance(3, 10)), max_pods(instance(4, 15))] == [
        17,
        29,
        58,
    ]
    # util/ec2.go: the ENIs of the card whose index is DefaultNetworkCardIndex, not the total.
    assert max_pods(instance(30, 50, cards=15)) == 15 * 49 + 2
    assert addresses_per_node(instance(4, 15)) == 60


def test_five_addresses_of_each_subnet_are_aws_s() -> None:
    # subnet-sizing: the first four and the last address; a /28 has 11 usable.
    assert usable_addresses("10.0.0.0/28") == 11
    assert usable_addresses("10.10.0.0/19") == 8187


def test_an_update_adds_twice_the_azs_or_max_unavailable() -> None:
    # managed-node-update-behavior: "five Availability Zones and maxUnavailable as one ... a
    # maximum of 10 nodes"; "maxUnavailable is 20 ... would launch 20 new nodes".
    assert update_surge(5, 3, 34) == 10  # 34% of 3 -> 2 nodes
    assert update_surge(5, 100, 20) == 20


def test_the_ami_parameters_are_the_eks_user_guide_s() -> None:
    # retrieve-ami-id.html, example: /aws/service/eks/optimized-ami/1.31/amazon-linux-2023/
    # x86_64/standard/recommended/image_id
    assert ami_parameter("1.31", "AL2023_x86_64_STANDARD") == (
        "/aws/service/eks/optimized-ami/1.31/amazon-linux-2023/x86_64/standard/recommended/image_id"
    )
    assert AMI["paths"] == {
        "AL2023_x86_64_STANDARD": "amazon-linux-2023/x86_64/standard",
        "AL2023_ARM_64_STANDARD": "amazon-linux-2023/arm64/standard",
        "AL2023_x86_64_NVIDIA": "amazon-linux-2023/x86_64/nvidia",
        "AL2023_ARM_64_NVIDIA": "amazon-linux-2023/arm64/nvidia",
        "AL2023_x86_64_NEURON": "amazon-linux-2023/x86_64/neuron",
    }
    assert set(AMI["paths"]) == set(AMI_TYPES) == set(AMI["architectures"])


def test_quota_codes_and_names() -> None:
    # terraform-provider-aws service_quota_data_source_test.go: vpc/L-F678F1CE "VPCs per Region",
    # default 5; tedilabs locals.tf 2d9cd490: vpc/L-FE5A380F, ec2/L-0263D0A3; brennerm
    # aws-quota-checker eks.py 5384ddb5: eks/L-1194D53C; amazon-vpc-limits.md 1e1eda57: "NAT
    # gateways per Availability Zone" 5, counted while pending, active or deleting, "Interface VPC
    # endpoints per VPC" (its code unconfirmed, see facts.json).
    assert {k: (q["serviceCode"], q["quotaCode"], q["name"]) for k, q in QUOTAS.items()} == {
        "vpcs": ("vpc", "L-F678F1CE", "VPCs per Region"),
        "elasticIps": ("ec2", "L-0263D0A3", "EC2-VPC Elastic IPs"),
        "natGatewaysPerZone": ("vpc", "L-FE5A380F", "NAT gateways per Availability Zone"),
        "interfaceEndpointsPerVpc": ("vpc", "L-29B6F2EB", "Interface VPC endpoints per VPC"),
        "clusters": ("eks", "L-1194D53C", "Clusters"),
    }
    assert QUOTAS["natGatewaysPerZone"]["countedStates"] == ["pending", "available", "deleting"]


def test_statuses_are_the_service_model_s() -> None:
    eks = botocore.session.get_session().get_service_model("eks")
    insight = eks.shape_for("InsightStatusValue").enum
    assert insight == ["PASSING", "WARNING", "ERROR", "UNKNOWN"]
    statuses = FACTS["insights"]
    assert statuses["blocking"] + statuses["shown"] + statuses["unknown"] + statuses["passing"] == [
        "ERROR",
        "WARNING",
        "UNKNOWN",
        "PASSING",
    ]
    versions = eks.shape_for("ClusterVersionInformation").members["versionStatus"].enum
    assert versions == ["UNSUPPORTED", "STANDARD_SUPPORT", "EXTENDED_SUPPORT"]
    named = {v for k, v in FACTS["versionStatuses"].items() if k != "source"}
    assert named == set(versions)
    assert "UPGRADE_READINESS" in eks.shape_for("Category").enum
    # The throttling codes are botocore's own list, which its standard retry mode retries.
    assert set(ThrottledRetryableChecker._THROTTLED_ERROR_CODES) == THROTTLED
    assert {"Throttling", "ThrottlingException", "RequestLimitExceeded"} <= THROTTLED
