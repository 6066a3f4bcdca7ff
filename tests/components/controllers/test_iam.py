"""Karpenter's controller policy follows the upstream one kept as data: the same statements and
actions, every EC2 ARN in this account except public images and snapshots, instance profiles
read only in this account; and the deployer's identity as an access entry needs it."""

import json

import pytest

from components.base.context import AwsContext
from components.controllers.iam import (
    KARPENTER_CONTROLLER_POLICY,
    caller_principal,
    karpenter_controller_policy,
    load_balancer_controller_policy,
)

AWS = AwsContext("111122223333", "aws", "eu-west-1")
UPSTREAM = json.loads(KARPENTER_CONTROLLER_POLICY.read_text())["Statement"]
RENDERED = karpenter_controller_policy(
    AWS,
    "eks-platform-prod",
    "arn:aws:iam::111122223333:role/karpenter-node",
    "arn:aws:sqs:eu-west-1:111122223333:eks-platform-prod-karpenter",
)["Statement"]


def listed(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def test_the_same_statements_and_actions_as_upstream():
    assert [s["Sid"] for s in RENDERED] == [s["Sid"] for s in UPSTREAM]
    for ours, theirs in zip(RENDERED, UPSTREAM, strict=True):
        assert listed(ours["Action"]) == listed(theirs["Action"]), ours["Sid"]
        assert ours["Effect"] == theirs["Effect"] == "Allow"


def test_every_ec2_arn_names_this_account_except_public_images_and_snapshots():
    arns = [
        arn for s in RENDERED for arn in listed(s["Resource"]) if arn.startswith("arn:aws:ec2:")
    ]
    assert arns
    for arn in arns:
        account = arn.split(":")[4]
        kind = arn.split(":")[5].split("/")[0]
        assert account == ("" if kind in ("image", "snapshot") else "111122223333"), arn
    assert "${" not in json.dumps(RENDERED)


def test_instance_profiles_are_read_in_this_account_only():
    by_sid = {s["Sid"]: s for s in RENDERED}
    read = by_sid["AllowInstanceProfileReadActions"]
    assert read["Action"] == "iam:GetInstanceProfile"
    assert read["Resource"] == "arn:aws:iam::111122223333:instance-profile/*"


def test_the_policy_fits_an_inline_role_policy_for_the_longest_cluster_name():
    long = karpenter_controller_policy(AWS, "c" * 100, "arn:aws:iam::1:role/n", "arn:aws:sqs:q")
    assert len("".join(json.dumps(long).split())) < 10240  # IAM's inline policy quota per role


@pytest.mark.parametrize(
    "arn, principal",
    [
        ("arn:aws:sts::111122223333:assumed-role/deployer/ci-run-42", ("assumed-role", "deployer")),
        ("arn:aws:iam::111122223333:role/ops/deployer", ("role", "ops/deployer")),
        ("arn:aws:iam::111122223333:user/alice", ("user", "alice")),
        ("arn:aws:iam::111122223333:root", ("root", "")),
        ("arn:aws:sts::111122223333:federated-user/bob", ("federated-user", "")),
    ],
)
def test_the_caller_principal(arn, principal):
    assert caller_principal(arn) == principal


def test_the_load_balancer_controller_policy_names_the_partition_it_runs_in():
    china = AwsContext("111122223333", "aws-cn", "cn-north-1")
    text = json.dumps(load_balancer_controller_policy(china))
    assert "${" not in text and "arn:aws:" not in text
    assert "arn:aws-cn:" in text
