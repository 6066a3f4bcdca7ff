"""IAM, add-on and tag resource policies."""

from __future__ import annotations

import json

import pytest
from eks_policies import _types as t
from policy_harness import (
    ABSENT,
    ISSUER,
    TAGS,
    UNKNOWN_STR,
    Res,
    changed,
    document,
    expect,
    expect_unknown,
    irsa_trust,
    run,
    service_trust,
)

ADMIN = {"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}
SCOPED = {
    "Effect": "Allow",
    "Action": ["logs:PutLogEvents"],
    "Resource": "arn:aws:logs:eu-west-1:1:log-group:x:*",
}
WILDCARD = "iam-no-admin-wildcard"


@pytest.mark.parametrize(
    "kind", [t.IAM_POLICY, t.IAM_ROLE_POLICY, t.IAM_USER_POLICY, t.IAM_GROUP_POLICY]
)
def test_policy_documents_without_admin_pass(kind: str) -> None:
    expect(run(WILDCARD, kind, {"policy": document(SCOPED)}))
    expect(run(WILDCARD, kind, {"policy": document({**ADMIN, "Effect": "Deny"})}))
    expect(run(WILDCARD, kind, {"policy": document({**ADMIN, "Resource": "arn:aws:s3:::bucket"})}))


@pytest.mark.parametrize(
    "statement",
    [
        ADMIN,
        {**ADMIN, "Action": ["s3:GetObject", "*"]},
        {**ADMIN, "Action": "*:*", "Resource": ["*"]},
    ],
)
def test_admin_wildcard_is_mandatory(statement: dict) -> None:
    violations = run(WILDCARD, t.IAM_POLICY, {"policy": document(SCOPED, statement)})
    expect(violations, 'allows every action ("*") on every resource')
    assert violations[0].level == "mandatory"


def test_role_inline_policies_are_checked() -> None:
    inline = [
        {"name": "ok", "policy": document(SCOPED)},
        {"name": "admin", "policy": document(ADMIN)},
    ]
    role = {"assumeRolePolicy": service_trust(), "inlinePolicies": inline}
    expect(run(WILDCARD, t.IAM_ROLE, role), "inlinePolicies[1].policy statement 'Admin'")
    expect(run(WILDCARD, t.IAM_ROLE, changed(role, inlinePolicies=ABSENT)))


def test_unknown_policy_documents() -> None:
    expect_unknown(run(WILDCARD, t.IAM_ROLE_POLICY, {"role": "r", "policy": UNKNOWN_STR}), "policy")
    # A known admin document is reported even when another inline document is unknown.
    inline = [
        {"name": "later", "policy": UNKNOWN_STR},
        {"name": "admin", "policy": document(ADMIN)},
    ]
    expect(run(WILDCARD, t.IAM_ROLE, {"inlinePolicies": inline}), "inlinePolicies[1].policy")
    expect(run(WILDCARD, t.IAM_POLICY, {"policy": "not json"}), "policy is not valid JSON")
    expect(run(WILDCARD, t.IAM_POLICY, {"policy": json.dumps(["odd"])}))


TRUST = "iam-trust-policy-scoped"


@pytest.mark.parametrize(
    "trust",
    [
        service_trust("eks.amazonaws.com"),
        irsa_trust(),
        document(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole",
            }
        ),
        document({"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}),
    ],
)
def test_scoped_trust_policies_pass(trust: str) -> None:
    expect(run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": trust}))


@pytest.mark.parametrize(
    ("trust", "fragment"),
    [
        (
            document({"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}),
            'any principal ("*")',
        ),
        (
            document({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
            'any principal ("*")',
        ),
        (irsa_trust(aud=False), "no condition on the issuer's :aud claim"),
        (irsa_trust(sub="*"), "lets any service account assume the role"),
        (
            document(
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": f"arn:aws:iam::1:oidc-provider/{ISSUER}"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                }
            ),
            "no condition on the issuer's :sub claim",
        ),
    ],
)
def test_unscoped_trust_policies(trust: str, fragment: str) -> None:
    violations = run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": trust})
    assert any(fragment in v.message for v in violations), [v.message for v in violations]
    assert {v.level for v in violations} == {"mandatory"}


def test_irsa_trust_with_string_like_namespace_scope_passes() -> None:
    trust = json.loads(irsa_trust())
    conditions = trust["Statement"][0]["Condition"]
    conditions["StringLike"] = {f"{ISSUER}:sub": "system:serviceaccount:kube-system:*"}
    del conditions["StringEquals"][f"{ISSUER}:sub"]
    expect(run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": json.dumps(trust)}))


def test_trust_policy_absent_or_unknown() -> None:
    expect(run(TRUST, t.IAM_ROLE, {"name": "x"}))
    # The OIDC issuer of a same-stack cluster is unknown at preview: the whole document is.
    expect_unknown(run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": UNKNOWN_STR}), "assumeRolePolicy")


ROLE = "eks-addon-dedicated-role"
VPC_CNI = {"clusterName": "c", "addonName": "vpc-cni", "addonVersion": "v1.21.1-eksbuild.1"}


def test_addons_needing_aws_have_their_own_role() -> None:
    pod_identity = [{"roleArn": UNKNOWN_STR, "serviceAccount": "aws-node"}]
    expect(run(ROLE, t.EKS_ADDON, {**VPC_CNI, "podIdentityAssociations": pod_identity}))
    expect(run(ROLE, t.EKS_ADDON, {**VPC_CNI, "serviceAccountRoleArn": UNKNOWN_STR}))
    expect(run(ROLE, t.EKS_ADDON, {**VPC_CNI, "addonName": "coredns"}))
    violations = run(ROLE, t.EKS_ADDON, VPC_CNI)
    expect(
        violations, "add-on vpc-cni has neither podIdentityAssociations nor serviceAccountRoleArn"
    )
    assert violations[0].level == "advisory"
    expect(run(ROLE, t.EKS_ADDON, {**VPC_CNI, "podIdentityAssociations": []}), "neither")
    expect(
        run(ROLE, t.EKS_ADDON, {**VPC_CNI, "addonName": "aws-ebs-csi-driver"}), "aws-ebs-csi-driver"
    )
    expect(run(ROLE, t.EKS_ADDON, {**VPC_CNI, "addonName": UNKNOWN_STR}), "addonName is unknown")
    expect(
        run(
            ROLE,
            t.EKS_ADDON,
            {**VPC_CNI, "addonName": "coredns"},
            {"addonsNeedingAwsAccess": ["coredns"]},
        ),
        "coredns",
    )


NETWORK_POLICY = "eks-vpc-cni-network-policy"


@pytest.mark.parametrize("value", ["true", True])
def test_vpc_cni_network_policy_enabled(value: object) -> None:
    props = {**VPC_CNI, "configurationValues": json.dumps({"enableNetworkPolicy": value})}
    expect(run(NETWORK_POLICY, t.EKS_ADDON, props))


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (json.dumps({"enableNetworkPolicy": "false"}), 'enableNetworkPolicy is "false"'),
        (
            json.dumps({"env": {"ENABLE_PREFIX_DELEGATION": "true"}}),
            "enableNetworkPolicy is absent",
        ),
        (ABSENT, "configurationValues is absent"),
        ("{oops", "configurationValues is not valid JSON"),
    ],
)
def test_vpc_cni_network_policy_violations(values: object, fragment: str) -> None:
    violations = run(NETWORK_POLICY, t.EKS_ADDON, changed(VPC_CNI, configurationValues=values))
    expect(violations, fragment)
    assert violations[0].level == "advisory"


def test_network_policy_ignores_other_addons_and_reports_unknown_values() -> None:
    expect(run(NETWORK_POLICY, t.EKS_ADDON, {**VPC_CNI, "addonName": "coredns"}))
    expect_unknown(
        run(NETWORK_POLICY, t.EKS_ADDON, {**VPC_CNI, "configurationValues": UNKNOWN_STR}),
        "configurationValues",
    )


TAGGING = "required-tags"


def test_required_tags() -> None:
    expect(run(TAGGING, t.VPC, {"cidrBlock": "10.0.0.0/16", "tags": TAGS}))
    expect(run(TAGGING, t.VPC, {"tags": {**TAGS, "owner": UNKNOWN_STR}}))  # keys are known
    violations = run(TAGGING, t.EKS_CLUSTER, {"tags": {"project": "p"}})
    expect(violations, "missing required tag(s): stack, owner")
    assert violations[0].level == "advisory"
    expect(run(TAGGING, t.VPC, {"cidrBlock": "10.0.0.0/16"}), "project, stack, owner")
    expect(run(TAGGING, t.VPC, {"tags": UNKNOWN_STR}), "tags is unknown")
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
