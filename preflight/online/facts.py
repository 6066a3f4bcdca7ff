"""The facts about AWS the online check relies on beyond API shapes (`facts.json` beside this
file, each with its source and the date it was read), and the pure formulas built on them."""

from __future__ import annotations

import ipaddress
import json
import math
from pathlib import Path
from typing import Any

FACTS_FILE = Path(__file__).with_name("facts.json")
FACTS: dict[str, Any] = json.loads(FACTS_FILE.read_text())
QUOTAS: dict[str, dict[str, Any]] = FACTS["quotas"]
INSIGHTS: dict[str, Any] = FACTS["insights"]
VERSION_STATUS: dict[str, str] = FACTS["versionStatuses"]
AMI: dict[str, Any] = FACTS["amiParameters"]


def default_card_enis(instance_type: dict[str, Any]) -> int:
    """The ENIs of an instance type's default network card (DescribeInstanceTypes' NetworkInfo),
    as nodeadm counts them; MaximumNetworkInterfaces when the answer lists no cards."""
    network = instance_type["NetworkInfo"]
    default = network.get("DefaultNetworkCardIndex", 0)
    for card in network.get("NetworkCards") or []:
        if card.get("NetworkCardIndex") == default:
            return int(card["MaximumNetworkInterfaces"])
    return int(network["MaximumNetworkInterfaces"])


def max_pods(instance_type: dict[str, Any]) -> int:
    """EKS's max pods for an instance type in secondary-IP mode (nodeadm's standard value)."""
    ips = int(instance_type["NetworkInfo"]["Ipv4AddressesPerInterface"])
    return default_card_enis(instance_type) * (ips - 1) + 2


def addresses_per_node(instance_type: dict[str, Any]) -> int:
    """At most the addresses a full node takes from its subnet: every address of every ENI."""
    ips = int(instance_type["NetworkInfo"]["Ipv4AddressesPerInterface"])
    return default_card_enis(instance_type) * ips


def primary_eni_addresses(instance_type: dict[str, Any]) -> int:
    """With a pod range, what a full node takes from its own (private) subnet: its primary ENI's
    addresses; the VPC CNI puts the other ENIs in the pod subnets (facts.json `podSubnets`)."""
    return int(instance_type["NetworkInfo"]["Ipv4AddressesPerInterface"])


def pod_eni_addresses(instance_type: dict[str, Any]) -> int:
    """With a pod range, what a full node takes from its AZ's pod subnet: its other ENIs'."""
    return addresses_per_node(instance_type) - primary_eni_addresses(instance_type)


def usable_addresses(cidr: str) -> int:
    """The addresses of a subnet AWS lets resources use (it keeps five of each subnet)."""
    return ipaddress.ip_network(cidr).num_addresses - FACTS["subnetReservedAddresses"]["count"]


def update_surge(zones: int, max_size: int, max_unavailable_percentage: int) -> int:
    """The nodes a managed node group update adds at most: the larger of twice its AZs and its
    maximum unavailable (a percentage, taken of the group's maximum size)."""
    return max(2 * zones, math.ceil(max_size * max_unavailable_percentage / 100))


def ami_parameter(kubernetes_version: str, ami_type: str) -> str:
    """The public SSM parameter of EKS's recommended AMI for a version and AMI type."""
    return AMI["template"].format(version=kubernetes_version, path=AMI["paths"][ami_type])
