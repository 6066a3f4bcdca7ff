"""IAM documents written the way an attacker or a careless engineer writes them: trust policies
scoped in form but not in fact, near-admin grants without the word "*:*", and every encoding IAM
accepts (a single statement or a list, strings or lists, principals as a string, list or map,
condition operators with set qualifiers and IfExists, case-insensitive actions and keys)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import ACCOUNT, ISSUER, document
from tests.policy.runner import UNKNOWN_STR, expect, run

TRUST = "iam-trust-policy-scoped"
WILDCARD = "iam-no-admin-wildcard"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"
SUBJECT = "system:serviceaccount:kube-system:aws-node"


def web_identity(
    condition: dict[str, Any] | None = None, single: bool = False, **fields: Any
) -> str:
    """An IRSA trust document; `single` writes Statement as one object, not a list."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": PROVIDER},
        "Action": "sts:AssumeRoleWithWebIdentity",
        **fields,
    }
    if condition is not None:
        statement["Condition"] = condition
    if single:
        return json.dumps({"Version": "2012-10-17", "Statement": statement})
    return document(statement)


def pinned(sub: Any = SUBJECT, aud: Any = "sts.amazonaws.com", operator: str = "StringEquals"):
    return {operator: {f"{ISSUER}:sub": sub, f"{ISSUER}:aud": aud}}


def trust(assume_role_policy: str) -> list:
    return run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": assume_role_policy})


def expect_mandatory(violations: list, fragment: str) -> None:
    assert violations, f"expected a violation containing {fragment!r}"
    assert any(fragment in v.message for v in violations), [v.message for v in violations]
    assert {v.level for v in violations} == {"mandatory"}


class TestTrustPolicyClaims:
    @pytest.mark.parametrize(
        "operator",
        [
            "StringEquals",
            "StringLike",
            "StringEqualsIgnoreCase",
            "ForAnyValue:StringEquals",
            "ForAnyValue:StringLike",
            "StringEqualsIfExists",
            "StringLikeIfExists",
            "stringequals",
        ],
    )
    @pytest.mark.parametrize("single", [False, True])
    def test_exact_sub_and_aud_pass(self, operator: str, single: bool) -> None:
        expect(trust(web_identity(pinned(operator=operator), single=single)))
        expect(trust(web_identity(pinned(sub=[SUBJECT, "system:serviceaccount:a:b"]))))

    @pytest.mark.parametrize(
        "operator",
        [
            "StringLike",
            "StringEquals",
            "ForAnyValue:StringLike",
            "ForAllValues:StringLike",
            "StringLikeIfExists",
            "ForAnyValue:StringLikeIfExists",
        ],
    )
    @pytest.mark.parametrize(
        "sub",
        [
            "*",
            "system:serviceaccount:*",
            "system:serviceaccount:kube-system:*",
            "system:serviceaccount:*:aws-node",
            "system:serviceaccount:kube-system:aws-nod?",
            [SUBJECT, "*"],
        ],
    )
    def test_wildcard_sub_lets_any_service_account_in(self, operator: str, sub: Any) -> None:
        violations = trust(web_identity(pinned(sub=sub, operator=operator)))
        expect_mandatory(violations, "lets any service account assume the role")

    @pytest.mark.parametrize("aud", ["*", "sts.*", "sts.amazonaws.co?", ["sts.amazonaws.com", "*"]])
    def test_wildcard_aud_is_mandatory(self, aud: Any) -> None:
        violations = trust(web_identity(pinned(aud=aud, operator="StringLike")))
        expect_mandatory(violations, "a token for any audience")

    @pytest.mark.parametrize("operator", ["StringEquals", "StringEqualsIfExists"])
    def test_claims_of_another_issuer_do_not_pin_this_one(self, operator: str) -> None:
        # The token never carries another issuer's keys: with IfExists the test always passes.
        foreign = {operator: {"other.example.com:sub": "x", "other.example.com:aud": "y"}}
        expect_mandatory(trust(web_identity(foreign)), "has no condition on the issuer's :sub")

    @pytest.mark.parametrize(
        "operator",
        ["StringNotEquals", "StringNotLike", "ForAllValues:StringEquals", "ArnLike", "Null"],
    )
    def test_operators_that_do_not_pin_the_claims(self, operator: str) -> None:
        expect_mandatory(trust(web_identity(pinned(operator=operator))), "not an exact match")

    def test_missing_claims_and_empty_values(self) -> None:
        expect_mandatory(trust(web_identity()), "no condition on the issuer's :sub claim")
        only_sub = {"StringEquals": {f"{ISSUER}:sub": SUBJECT}}
        expect_mandatory(trust(web_identity(only_sub)), ":aud")
        expect_mandatory(trust(web_identity(pinned(sub=[]))), "any service account")
        expect_mandatory(trust(web_identity(pinned(sub=""))), "any service account")

    def test_an_exact_test_anded_with_a_wildcard_one_still_pins(self) -> None:
        both = {
            **pinned(),
            "StringLike": {f"{ISSUER}:sub": "system:serviceaccount:*"},
        }
        expect(trust(web_identity(both)))

    def test_condition_keys_are_case_insensitive(self) -> None:
        upper = {"StringEquals": {f"{ISSUER}:SUB": SUBJECT, f"{ISSUER}:AUD": "sts.amazonaws.com"}}
        expect(trust(web_identity(upper)))
        wild = {"StringLike": {f"{ISSUER}:SUB": "*", f"{ISSUER}:aud": "sts.amazonaws.com"}}
        expect_mandatory(trust(web_identity(wild)), "any service account")

    @pytest.mark.parametrize(
        "action",
        [
            "sts:AssumeRoleWithWebIdentity",
            ["sts:TagSession", "sts:AssumeRoleWithWebIdentity"],
            "sts:*",
            "sts:AssumeRoleWith*",
            "STS:assumerolewithwebidentity",
            "*",
        ],
    )
    @pytest.mark.parametrize("federated", [PROVIDER, [PROVIDER]])
    def test_every_spelling_of_the_action_and_principal(self, action: Any, federated: Any) -> None:
        unscoped = web_identity(
            {"StringLike": {f"{ISSUER}:sub": "*", f"{ISSUER}:aud": "*"}},
            Action=action,
            Principal={"Federated": federated},
        )
        expect_mandatory(trust(unscoped), "any service account")

    def test_not_action_covering_web_identity_is_checked(self) -> None:
        statement = web_identity(NotAction="sts:AssumeRole", Action=None)
        expect_mandatory(trust(statement), "no condition on the issuer's :sub claim")
        excluded = web_identity(NotAction="sts:AssumeRoleWith*", Action=None)
        expect(trust(excluded))

    def test_cognito_and_saml_federation_scope_with_their_own_keys(self) -> None:
        cognito = web_identity(Principal={"Federated": "cognito-identity.amazonaws.com"})
        expect(trust(cognito))
        saml = web_identity(
            Principal={"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/corp"},
            Action="sts:AssumeRoleWithSAML",
        )
        expect(trust(saml))

    def test_a_statement_that_grants_nothing_of_this_kind_is_not_judged(self) -> None:
        expect(trust(web_identity(Action="sts:AssumeRole")))
        expect(trust(web_identity(Effect="Deny")))


class TestAnyPrincipal:
    @pytest.mark.parametrize(
        "principal",
        [
            "*",
            ["*"],
            {"AWS": "*"},
            {"AWS": ["arn:aws:iam::111122223333:root", "*"]},
            {"AWS": " * "},
            {"Federated": "*"},
            {"Service": "*"},
            {"CanonicalUser": "*"},
            {"AWS": "arn:aws:iam::*:root"},
        ],
    )
    @pytest.mark.parametrize(
        "condition",
        [
            None,
            {"StringLike": {"aws:PrincipalArn": "*"}},
            {"Bool": {"aws:SecureTransport": "true"}},
        ],
    )
    @pytest.mark.parametrize("effect", ["Allow", "allow"])
    def test_any_principal_is_mandatory_whatever_the_condition(
        self, principal: Any, condition: Any, effect: str
    ) -> None:
        statement = {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole"}
        if condition:
            statement["Condition"] = condition
        expect_mandatory(trust(document(statement)), 'lets any principal ("*")')

    def test_not_principal_is_everyone_else(self) -> None:
        statement = {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sts:AssumeRole",
        }
        expect_mandatory(trust(document(statement)), 'lets any principal ("*")')

    def test_key_policy_any_principal_needs_a_condition(self) -> None:
        for principal in ("*", ["*"], {"AWS": "*"}, {"AWS": ["*"]}):
            statement = {
                "Effect": "Allow",
                "Principal": principal,
                "Action": "kms:*",
                "Resource": "*",
            }
            violations = run("kms-key-policy-safe", t.KMS_KEY, {"policy": document(statement)})
            expect_mandatory(violations, 'allows principal "*" without a Condition')


IDENTITY_TYPES = [t.IAM_POLICY, t.IAM_ROLE_POLICY, t.IAM_USER_POLICY, t.IAM_GROUP_POLICY]


def identity(policy_type: str, *statements: dict[str, Any], single: bool = False) -> list:
    if single:
        [statement] = statements
        text = json.dumps({"Version": "2012-10-17", "Statement": statement})
    else:
        text = document(*statements)
    if policy_type == t.IAM_ROLE:
        return run(WILDCARD, t.IAM_ROLE, {"inlinePolicies": [{"name": "p", "policy": text}]})
    return run(WILDCARD, policy_type, {"policy": text})


@pytest.mark.parametrize("policy_type", [*IDENTITY_TYPES, t.IAM_ROLE])
class TestNearAdminGrants:
    @pytest.mark.parametrize(
        "statement",
        [
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": ["*"]},
            {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:*:*:*:*"},
            {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::audit/*"},
            {"Effect": "allow", "NotAction": [], "Resource": "*"},
        ],
    )
    @pytest.mark.parametrize("single", [False, True])
    def test_allow_with_not_action_on_everything(
        self, policy_type: str, statement: dict, single: bool
    ) -> None:
        expect_mandatory(identity(policy_type, statement, single=single), "Allow with NotAction")

    @pytest.mark.parametrize(
        "actions", ["*", ["*"], "iam:*", ["s3:GetObject", "s3:*"], "*:*", "ec2:*"]
    )
    def test_allow_with_not_resource_on_whole_services(
        self, policy_type: str, actions: Any
    ) -> None:
        statement = {"Effect": "Allow", "Action": actions, "NotResource": "arn:aws:s3:::audit"}
        expect_mandatory(identity(policy_type, statement), "Allow with NotResource")

    @pytest.mark.parametrize(
        "resource",
        [
            "*",
            ["*"],
            "arn:*",
            "arn:aws:*:*:*:*",
            ["arn:aws:s3:::x", "*"],
            "**",
            "*:*",
            "?*",
            "arn*",
            "arn:aws*",
            "arn:aws:*:*:*:*/*",
            "arn:aws-cn:*",
        ],
    )
    def test_every_action_on_every_resource(self, policy_type: str, resource: Any) -> None:
        statement = {"Effect": "Allow", "Action": "*", "Resource": resource}
        expect_mandatory(identity(policy_type, statement), 'allows every action ("*")')

    @pytest.mark.parametrize(
        "statement",
        [
            {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:s3:::x"},
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::bucket/*"},
            {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"},
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::bucket/*"},
        ],
    )
    def test_scoped_statements_pass(self, policy_type: str, statement: dict) -> None:
        expect(identity(policy_type, statement))


@pytest.mark.parametrize("policy_type", [*IDENTITY_TYPES, t.IAM_ROLE])
class TestAdminByAnotherName:
    @pytest.mark.parametrize("action", ["*:*", "*:?*", "**", ["s3:GetObject", "*"]])
    def test_patterns_matching_every_action(self, policy_type: str, action: Any) -> None:
        statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
        expect_mandatory(identity(policy_type, statement), 'allows every action ("*")')

    @pytest.mark.parametrize("action", ["iam:*", "IAM:*", "iam:*?", ["iam:*", "s3:GetObject"]])
    def test_all_of_iam_on_every_resource(self, policy_type: str, action: Any) -> None:
        statement = {"Effect": "Allow", "Action": action, "Resource": "*"}
        expect_mandatory(identity(policy_type, statement), "can grant itself any permission")

    @pytest.mark.parametrize("action", ["iam:Get*", "iam:*Role*", "s3:*", "*:Get*"])
    def test_narrower_wildcards_pass(self, policy_type: str, action: str) -> None:
        expect(identity(policy_type, {"Effect": "Allow", "Action": action, "Resource": "*"}))
        scoped = {"Effect": "Allow", "Action": "iam:*", "Resource": "arn:aws:iam::1:role/app-*"}
        expect(identity(policy_type, scoped))


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {f"{ISSUER}:sub": UNKNOWN_STR, f"{ISSUER}:aud": "sts.amazonaws.com"}},
        {"StringEquals": UNKNOWN_STR},
        UNKNOWN_STR,
    ],
)
def test_a_structured_trust_with_claims_known_only_at_up_is_decided_then(condition: Any) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": condition,
    }
    violations = run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": {"Statement": [statement]}})
    assert not [v for v in violations if v.level == "mandatory"], [v.message for v in violations]
