"""Every IAM grant names resources its actions support: an action that only accepts
`Resource: *` (stack/iam.py WILDCARD_ONLY_ACTIONS) in a statement scoped to ARNs grants nothing."""

from __future__ import annotations

import json

import pytest

from components.base.iam import wildcard_only
from components.network.iam import flow_logs_write
from tests.programs import EVERY_OPTION, program

POLICY_INPUTS = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:kms/key:Key": "policy",
}


def statements(run):
    for typ, prop in POLICY_INPUTS.items():
        for resource in run.of_type(typ):
            if isinstance(resource.inputs.get(prop), str):
                for statement in json.loads(resource.inputs[prop])["Statement"]:
                    yield resource.name, statement


def listed(value):
    return [value] if isinstance(value, str) else list(value or [])


def misplaced(statement: dict) -> list[str]:
    """Wildcard-only actions of a statement whose resources are ARNs, not `*`."""
    if statement.get("Effect") != "Allow" or "*" in listed(statement.get("Resource")):
        return []
    return [a for a in listed(statement.get("Action")) if wildcard_only(a)]


AUTO = {"compute": {"mode": "auto", "nodeGroups": None}}


@pytest.mark.parametrize(
    "stack, overrides",
    [("dev", {}), ("prod", {}), ("prod", EVERY_OPTION), ("dev", AUTO), ("prod", AUTO)],
    ids=["dev", "prod", "prod every option", "dev auto mode", "prod auto mode"],
)
def test_no_arn_scoped_statement_grants_a_wildcard_only_action(stack, overrides):
    found = [
        (name, action)
        for name, statement in statements(program(stack, overrides))
        for action in misplaced(statement)
    ]
    assert found == []


def test_the_check_catches_a_scoped_describe_log_groups():
    scoped = {"Effect": "Allow", "Action": ["logs:DescribeLogGroups"], "Resource": "arn:x"}
    assert misplaced(scoped) == ["logs:DescribeLogGroups"]
    assert misplaced({**scoped, "Resource": "*"}) == []
    assert wildcard_only("ec2:DescribeSubnets") and not wildcard_only("logs:PutLogEvents")


def test_flow_log_role_lists_groups_on_star_and_writes_one_group():
    arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vpc-flow-logs/c"
    write, list_groups = flow_logs_write(arn)["Statement"]
    assert write["Resource"] == [arn, f"{arn}:*"] and not misplaced(write)
    assert list_groups == {
        "Sid": "ListLogGroups",
        "Effect": "Allow",
        "Action": "logs:DescribeLogGroups",
        "Resource": "*",
    }
