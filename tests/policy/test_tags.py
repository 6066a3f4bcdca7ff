"""eks_policies/tags.py: required tags, provider default tags included."""

from __future__ import annotations

import json

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import (
    TAGS,
)
from tests.policy.runner import (
    UNKNOWN_STR,
    Res,
    expect,
    expect_unknown,
    run,
)

TAGGING = "required-tags"


def test_required_tags() -> None:
    expect(run(TAGGING, t.VPC, {"cidrBlock": "10.0.0.0/16", "tags": TAGS}))
    expect(run(TAGGING, t.VPC, {"tags": {**TAGS, "owner": UNKNOWN_STR}}))  # keys are known
    violations = run(TAGGING, t.EKS_CLUSTER, {"tags": {"project": "p"}})
    expect(violations, "missing required tag(s): stack, owner")
    assert violations[0].level == "advisory"
    expect(run(TAGGING, t.VPC, {"cidrBlock": "10.0.0.0/16"}), "project, stack, owner")
    expect_unknown(run(TAGGING, t.VPC, {"tags": UNKNOWN_STR}), "tags")
    expect(run(TAGGING, t.VPC, {"tags": {"team": "x"}}, {"requiredTags": ["team"]}))


def test_untaggable_types_are_not_checked() -> None:
    for kind in (
        t.ROUTE,
        t.ROUTE_TABLE_ASSOCIATION,
        t.IAM_ROLE_POLICY_ATTACHMENT,
        "aws:kms/alias:Alias",
    ):
        expect(run(TAGGING, kind, {"name": "x"}))


@pytest.mark.parametrize("as_json", [True, False])
def test_provider_default_tags_count(as_json: bool) -> None:
    default_tags = {"tags": {"project": "p", "stack": "s", "owner": "o"}}
    provider = Res(
        "pulumi:providers:aws",
        "aws",
        {
            "region": "eu-west-1",
            "defaultTags": json.dumps(default_tags) if as_json else default_tags,
        },
    )
    expect(run(TAGGING, t.SUBNET, {"cidrBlock": "10.0.0.0/24"}, provider=provider))
    expect(
        run(
            TAGGING,
            t.SUBNET,
            {"cidrBlock": "10.0.0.0/24"},
            {"requiredTags": ["cost-center"]},
            provider=provider,
        ),
        "cost-center",
    )
