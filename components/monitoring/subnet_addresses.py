"""The function behind the free-address alarms: every five minutes it publishes each pod and node
subnet's free addresses to CloudWatch.

AWS publishes no such metric for a subnet by itself: IPAM's SubnetIPUsage needs an IPAM in its
Advanced tier and is published where the IPAM lives, and the VPC CNI's own counts reach
CloudWatch only through cni-metrics-helper, software that runs in the cluster (docs/network.md).
DescribeSubnets answers AvailableIpAddressCount, "the number of unused private IPv4 addresses in
the subnet" (EC2 API, botocore's ec2 model), the number AWS's own subnet-utilization sample
(aws-samples/subnet-utilization-monitor-for-amazon-vpc) publishes the same way.

Runs in AWS Lambda (its Python runtime ships boto3): the standard library and boto3 only."""

from __future__ import annotations

import os
from typing import Any

NAMESPACE = "EKSPlatform/Subnets"  # CloudWatch refuses custom namespaces starting with "AWS/"
METRIC = "AvailableIpAddressCount"


def metric_data(subnets: list[dict[str, Any]], cluster: str) -> list[dict[str, Any]]:
    """One datum per subnet of a DescribeSubnets answer."""
    return [
        {
            "MetricName": METRIC,
            "Dimensions": [
                {"Name": "ClusterName", "Value": cluster},
                {"Name": "SubnetId", "Value": s["SubnetId"]},
            ],
            "Value": s["AvailableIpAddressCount"],
            "Unit": "Count",
        }
        for s in subnets
    ]


def handler(event: Any, context: Any, ec2: Any = None, cloudwatch: Any = None) -> dict:
    """The Lambda entry point: the subnets in SUBNET_IDS, published for CLUSTER_NAME."""
    if ec2 is None or cloudwatch is None:
        import boto3  # in the Lambda runtime only: the tests hand stubbed clients in

        ec2, cloudwatch = boto3.client("ec2"), boto3.client("cloudwatch")
    ids = [i for i in os.environ["SUBNET_IDS"].split(",") if i]
    subnets = ec2.describe_subnets(SubnetIds=ids)["Subnets"]
    data = metric_data(subnets, os.environ["CLUSTER_NAME"])
    cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data)
    return {"published": {d["Dimensions"][1]["Value"]: d["Value"] for d in data}}
