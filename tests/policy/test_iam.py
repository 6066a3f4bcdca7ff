"""eks_policies/iam.py: no admin wildcards, scoped trust, add-ons' own roles; and its stack
policies, node-role least privilege and workload identity."""

from __future__ import annotations

import json

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import (
    ISSUER,
    VPC_CNI,
    Stack,
    baseline_stack,
    document,
    irsa_trust,
    replace,
    service_trust,
)
from tests.policy.runner import (
    ABSENT,
    UNKNOWN_STR,
    Res,
    changed,
    check_stack,
    expect,
    expect_unknown,
    run,
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


def test_irsa_trust_with_a_namespace_wildcard_lets_any_service_account_in() -> None:
    trust = json.loads(irsa_trust())
    conditions = trust["Statement"][0]["Condition"]
    conditions["StringLike"] = {f"{ISSUER}:sub": "system:serviceaccount:kube-system:*"}
    del conditions["StringEquals"][f"{ISSUER}:sub"]
    violations = run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": json.dumps(trust)})
    expect(violations, "lets any service account assume the role")
    assert violations[0].level == "mandatory"


def test_trust_policy_absent_or_unknown() -> None:
    expect(run(TRUST, t.IAM_ROLE, {"name": "x"}))
    # The OIDC issuer of a same-stack cluster is unknown at preview: the whole document is.
    expect_unknown(run(TRUST, t.IAM_ROLE, {"assumeRolePolicy": UNKNOWN_STR}), "assumeRolePolicy")


ROLE = "eks-addon-dedicated-role"


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
    expect_unknown(run(ROLE, t.EKS_ADDON, {**VPC_CNI, "addonName": UNKNOWN_STR}), "addonName")
    expect(
        run(
            ROLE,
            t.EKS_ADDON,
            {**VPC_CNI, "addonName": "coredns"},
            {"addonsNeedingAwsAccess": ["coredns"]},
        ),
        "coredns",
    )


# ---------------------------------------------------------------------- iam-node-role-least-privilege


def admin_attachment(role: Res, policy: str = "AdministratorAccess") -> Res:
    return Res(
        t.IAM_ROLE_POLICY_ATTACHMENT,
        f"node-{policy}",
        {"role": UNKNOWN_STR, "policyArn": f"arn:aws:iam::aws:policy/{policy}"},
        {"role": [role]},
    )


@pytest.mark.parametrize(
    "policy", ["AdministratorAccess", "PowerUserAccess", "AmazonEC2ContainerRegistryFullAccess"]
)
def test_node_role_with_broad_policy_is_mandatory(stack: Stack, policy: str) -> None:
    violations = check_stack(
        "iam-node-role-least-privilege",
        [*stack.resources, admin_attachment(stack.node_role, policy)],
    )
    expect(violations, f"node role node-role has {policy} attached")
    assert violations[0].level == "mandatory" and violations[0].resource_name == f"node-{policy}"


def test_admin_on_a_role_that_is_not_a_node_role_is_out_of_scope(stack: Stack) -> None:
    cluster_role = stack.named("cluster-role")
    expect(
        check_stack(
            "iam-node-role-least-privilege", [*stack.resources, admin_attachment(cluster_role)]
        )
    )


def test_node_role_managed_policy_arns_and_auto_mode_role() -> None:
    stack = baseline_stack()
    replace(stack, stack.node_role, managedPolicyArns=["arn:aws:iam::aws:policy/PowerUserAccess"])
    expect(
        check_stack("iam-node-role-least-privilege", stack.resources),
        "has PowerUserAccess attached",
    )
    # Auto Mode: the node role is named by the cluster's computeConfig.
    auto_role = Res(t.IAM_ROLE, "auto-node-role", {"assumeRolePolicy": "{}"})
    stack = baseline_stack()
    stack.cluster.inputs = changed(
        stack.cluster.inputs, computeConfig={"enabled": True, "nodeRoleArn": UNKNOWN_STR}
    )
    stack.cluster.refs = {**stack.cluster.refs, "computeConfig": [auto_role]}
    resources = [*stack.without("nodes"), auto_role, admin_attachment(auto_role)]
    expect(
        check_stack("iam-node-role-least-privilege", resources),
        "node role auto-node-role has AdministratorAccess",
    )


# ---------------------------------------------------------------------- workload identity and add-ons


def test_workload_identity_from_agent_or_oidc_provider(stack: Stack) -> None:
    without_agent = stack.without("addon-eks-pod-identity-agent")
    violations = check_stack("eks-workload-identity", without_agent)
    expect(
        violations, "cluster has neither the eks-pod-identity-agent add-on nor an IAM OIDC provider"
    )
    assert violations[0].level == "advisory"
    oidc = Res(
        t.OIDC_PROVIDER,
        "oidc",
        {"url": UNKNOWN_STR, "clientIdLists": ["sts.amazonaws.com"]},
        {"url": [stack.cluster]},
    )
    expect(check_stack("eks-workload-identity", [*without_agent, oidc]))


def test_workload_identity_waits_for_an_add_on_name_known_only_at_up(stack: Stack) -> None:
    agent = stack.named("addon-eks-pod-identity-agent")
    unnamed = Res(agent.type, agent.name, {**agent.inputs, "addonName": UNKNOWN_STR}, agent.refs)
    resources = [*stack.without(agent.name), unnamed]
    expect_unknown(check_stack("eks-workload-identity", resources), "addonName")
