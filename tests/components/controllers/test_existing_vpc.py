"""Karpenter in an existing VPC (the mocked landing zone's, shared through AWS RAM by the network
team's account): it selects the node subnets it is given by id and may launch into them."""

from __future__ import annotations

import fnmatch
import json

from preflight.offline.landing_zone import NETWORK_ACCOUNT
from tests.preflight.network_modes import EXISTING_VPC, REGION, shared_subnet
from tests.programs import RUNNER, program

NODE_SUBNETS = EXISTING_VPC["network"]["nodeSubnetIds"]


def run():
    return program("dev", {**EXISTING_VPC, "controllers": {"enabled": True}, "cluster": RUNNER})


def test_karpenter_finds_an_existing_vpc_s_node_subnets_by_id():
    # nodeclasses.md (aws/karpenter-provider-aws 1d927085, read 2026-12-06): Karpenter
    # "discovers subnets through the EC2NodeClass using ids or tags".
    [node_class] = [
        r
        for r in run().registrations
        if r.type.startswith("kubernetes:") and r.inputs.get("kind") == "EC2NodeClass"
    ]
    assert node_class.inputs["spec"]["subnetSelectorTerms"] == [{"id": s} for s in NODE_SUBNETS]


def test_karpenter_may_launch_into_a_shared_subnet_whose_arn_names_its_owner():
    launch = [
        statement
        for policy in run().of_type("aws:iam/rolePolicy:RolePolicy")
        for statement in json.loads(policy.inputs["policy"])["Statement"]
        if statement.get("Sid") == "AllowScopedEC2InstanceAccessActions"
    ]
    [resources] = [statement["Resource"] for statement in launch]

    def allowed(subnet: str) -> bool:
        arn = f"arn:aws:ec2:{REGION}:{NETWORK_ACCOUNT}:subnet/{subnet}"
        return any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources)

    assert all(allowed(subnet) for subnet in NODE_SUBNETS)
    assert not allowed(shared_subnet("control-0"))  # only the subnets it launches into
