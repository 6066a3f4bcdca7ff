"""IAM policies: wildcards, trust policies, node role privileges, workload identity."""

from __future__ import annotations

from typing import Any

from pulumi_policy import EnforcementLevel, Severity
from pulumi_policy.proxy import UnknownValueError

from . import _documents as doc
from . import _types as t
from ._eks import cluster_addons, is_auto_mode, node_roles
from ._graph import Finding, StackGraph
from ._policy import BaselineResourcePolicy, BaselineStackPolicy, Benchmarks, Config, setting
from ._props import (
    UNKNOWN,
    Props,
    Undecided,
    as_list,
    contains_unknown,
    get,
    has_value,
    is_unknown,
    known_strings,
    parse_json,
    undecided,
)

WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity"
POD_IDENTITY_AGENT = "eks-pod-identity-agent"


def _check_documents(documents: list[tuple[str, Any]], check: Any) -> list[str]:
    """Run `check(document, path)` on each JSON document; unknown ones are raised last, so what
    can be checked now is reported rather than hidden behind one "unknown" advisory."""
    problems: list[str] = []
    unknown: UnknownValueError | None = None
    for path, raw in documents:
        try:
            document = parse_json(raw, path)
        except UnknownValueError as error:
            unknown = unknown or error
            continue
        problems.extend(check(document, path))
    if unknown is not None and not problems:
        raise unknown
    return problems


# ------------------------------------------------------------------ iam-no-admin-wildcard


def _admin_statements(document: Any, path: str) -> list[str]:
    """Allow statements that grant (nearly) everything: "*" on every resource, or the same
    written with NotAction / NotResource so that the word "*:*" never appears."""
    problems = []
    for index, statement in enumerate(doc.statements(document)):
        if not doc.allows(statement):
            continue
        where = f"{path} {doc.label(statement, index)}"
        broad_resources = doc.every_resource(statement)
        if "NotAction" in statement and broad_resources:
            excluded = ", ".join(doc.values(statement, "NotAction")) or "nothing"
            problems.append(
                f"{where} allows every action except {excluded} (Allow with NotAction) on "
                "every resource"
            )
        elif "NotResource" in statement and (services := doc.whole_service_actions(statement)):
            problems.append(
                f"{where} allows {', '.join(services)} on every resource except the listed ones "
                "(Allow with NotResource)"
            )
        elif doc.every_action(statement) and broad_resources:
            problems.append(f'{where} allows every action ("*") on every resource')
        elif (iam := doc.all_of_iam(statement)) and broad_resources:
            problems.append(
                f"{where} allows {', '.join(iam)} on every resource: the principal can grant "
                "itself any permission"
            )
    return problems


def check_policy_document(props: Props, config: Config) -> list[str]:
    """aws.iam.Policy / RolePolicy / UserPolicy / GroupPolicy: the `policy` document."""
    return _check_documents([("policy", get(props, "policy"))], _admin_statements)


def check_role_inline_policies(props: Props, config: Config) -> list[str]:
    """aws.iam.Role: documents in `inlinePolicies`."""
    inline = get(props, "inlinePolicies")
    if inline is UNKNOWN:
        return [undecided("inlinePolicies")]
    documents = [
        (f"inlinePolicies[{i}].policy", get(p, "policy")) for i, p in enumerate(as_list(inline))
    ]
    return _check_documents(documents, _admin_statements)


IAM_NO_ADMIN_WILDCARD = BaselineResourcePolicy(
    name="iam-no-admin-wildcard",
    summary='No IAM policy allows "*" actions on "*" resources',
    level=EnforcementLevel.MANDATORY,
    checks={
        t.IAM_POLICY: check_policy_document,
        t.IAM_ROLE_POLICY: check_policy_document,
        t.IAM_USER_POLICY: check_policy_document,
        t.IAM_GROUP_POLICY: check_policy_document,
        t.IAM_ROLE: check_role_inline_policies,
    },
    remediation='List the actions and resource ARNs the principal needs; never Action "*" with '
    'Resource "*".',
    severity=Severity.CRITICAL,
    benchmarks=Benchmarks(checkov=("CKV_AWS_62", "CKV_AWS_63")),
)


# ------------------------------------------------------------------ iam-trust-policy-scoped

# Federated principals whose tokens carry no :sub/:aud of an OIDC issuer.
_OTHER_FEDERATION = ("cognito-identity.amazonaws.com", ":saml-provider/")


def _issuers(statement: dict[str, Any]) -> set[str]:
    """The OIDC issuers of the statement's Federated providers ("" when one is not literal)."""
    found = set()
    for provider in doc.principal_values(statement, "Federated"):
        _, marker, issuer = provider.partition("oidc-provider/")
        found.add(issuer.lower() if marker and not is_unknown(provider) else "")
    return found


def _claim_problem(statement: dict[str, Any], where: str, claim: str) -> str | Undecided | None:
    """Why the issuer's `claim` (":sub" or ":aud") is not pinned to literal values. Keys of
    another issuer do not count: the token never carries them."""
    issuers = _issuers(statement)
    tests = [
        c
        for c in doc.condition_tests(statement)
        if c.key.endswith(claim) and ("" in issuers or c.key.removesuffix(claim) in issuers)
    ]
    if any(c.pins for c in tests):
        return None
    condition = statement.get("Condition")
    if contains_unknown(condition) or any(contains_unknown(list(c.values)) for c in tests):
        return undecided(f"{where} Condition")  # decided at `up`, when the values are known
    if not tests:
        return f"{where} (web identity) has no condition on the issuer's {claim} claim"
    shown = "; ".join(f"{c.operator} {list(c.values)}" for c in tests)
    who = "any service account" if claim == ":sub" else "a token for any audience"
    return (
        f"{where} lets {who} assume the role: its {claim} condition is not an exact match "
        f"({shown}); wildcards, negations and ForAllValues do not scope it"
    )


def _web_identity_problems(statement: dict[str, Any], where: str) -> list[str]:
    federated = doc.principal_values(statement, "Federated")
    if federated and all(any(o in p for o in _OTHER_FEDERATION) for p in federated):
        return []  # Cognito identity pools and SAML scope with their own keys
    return [p for claim in (":sub", ":aud") if (p := _claim_problem(statement, where, claim))]


def _trust_problems(document: Any, path: str) -> list[str]:
    problems = []
    for index, statement in enumerate(doc.statements(document)):
        if not doc.allows(statement):
            continue
        where = f"{path} {doc.label(statement, index)}"
        if doc.principal_is_anyone(statement):
            problems.append(f'{where} lets any principal ("*") assume the role')
            continue
        if doc.principal_values(statement, "Federated") and doc.grants_action(
            statement, WEB_IDENTITY_ACTION
        ):
            problems.extend(_web_identity_problems(statement, where))
    return problems


def check_trust_policy(props: Props, config: Config) -> list[str]:
    return _check_documents([("assumeRolePolicy", get(props, "assumeRolePolicy"))], _trust_problems)


IAM_TRUST_POLICY_SCOPED = BaselineResourcePolicy(
    name="iam-trust-policy-scoped",
    summary="Role trust policies name their principals; IRSA trusts pin :sub and :aud",
    level=EnforcementLevel.MANDATORY,
    checks={t.IAM_ROLE: check_trust_policy},
    remediation='Trust a named service or account, never "*"; for IRSA add StringEquals on '
    "<issuer>:sub (system:serviceaccount:<namespace>:<name>) and <issuer>:aud (sts.amazonaws.com).",
    severity=Severity.CRITICAL,
    benchmarks=Benchmarks(checkov=("CKV_AWS_60", "CKV_AWS_61")),
)


# ------------------------------------------------------------------ iam-node-role-least-privilege


def _denied(policy_arn: Any, denied: list[str]) -> str | None:
    if not isinstance(policy_arn, str):
        return None
    return next((name for name in denied if policy_arn.endswith(f"/{name}")), None)


def check_node_role_privileges(graph: StackGraph, config: Config) -> list[Finding]:
    denied = known_strings(config["deniedPolicies"])
    findings = []
    for role in node_roles(graph).values():
        attached: list[tuple[str, Any]] = []  # (urn to report on, policy ARN)
        for attachment in graph.referrers(role, (t.IAM_ROLE_POLICY_ATTACHMENT,), ("role",)):
            attached.append((attachment.urn, get(attachment.props, "policyArn")))
        for attachment in graph.referrers(role, (t.IAM_POLICY_ATTACHMENT,), ("roles",)):
            attached.append((attachment.urn, get(attachment.props, "policyArn")))
        for exclusive in graph.referrers(
            role, (t.IAM_ROLE_POLICY_ATTACHMENTS_EXCLUSIVE,), ("roleName",)
        ):
            attached.extend(
                (exclusive.urn, arn) for arn in as_list(get(exclusive.props, "policyArns"))
            )
        attached.extend((role.urn, arn) for arn in as_list(get(role.props, "managedPolicyArns")))
        for urn, arn in attached:
            if name := _denied(arn, denied):
                findings.append(Finding(urn, f"node role {role.name} has {name} attached ({arn})"))
    return findings


IAM_NODE_ROLE_LEAST_PRIVILEGE = BaselineStackPolicy(
    name="iam-node-role-least-privilege",
    summary="Node roles carry no admin, power-user or registry-write policy",
    level=EnforcementLevel.MANDATORY,
    check=check_node_role_privileges,
    remediation="Give node roles only AmazonEKSWorkerNodePolicy (or AmazonEKSWorkerNodeMinimalPolicy), "
    "AmazonEC2ContainerRegistryReadOnly/PullOnly and AmazonSSMManagedInstanceCore; give workloads "
    "their own roles through Pod Identity or IRSA.",
    severity=Severity.CRITICAL,
    benchmarks=Benchmarks(cis="5.1.3"),
    settings={
        "deniedPolicies": setting(
            "array",
            [
                "AdministratorAccess",
                "PowerUserAccess",
                "IAMFullAccess",
                "AmazonEC2ContainerRegistryFullAccess",
                "AmazonEC2ContainerRegistryPowerUser",
            ],
            "Managed policy names (ARN suffixes) a node role must not have.",
            items={"type": "string"},
        )
    },
)


# ------------------------------------------------------------------ eks-addon-dedicated-role


def check_addon_role(props: Props, config: Config) -> list[str]:
    name = get(props, "addonName")
    if name is UNKNOWN:
        return [undecided("addonName")]
    if name not in config["addonsNeedingAwsAccess"]:
        return []
    if has_value(props, "serviceAccountRoleArn") or has_value(props, "podIdentityAssociations"):
        return []
    return [
        f"add-on {name} has neither podIdentityAssociations nor serviceAccountRoleArn: its pods "
        "fall back to the node role, so every pod on the node shares those permissions"
    ]


EKS_ADDON_DEDICATED_ROLE = BaselineResourcePolicy(
    name="eks-addon-dedicated-role",
    summary="Add-ons that call AWS use their own role (Pod Identity or IRSA), not the node role",
    level=EnforcementLevel.ADVISORY,
    checks={t.EKS_ADDON: check_addon_role},
    remediation="Create a role for the add-on's service account and pass it as "
    'pod_identity_associations=[{"role_arn": ..., "service_account": ...}] (or service_account_role_arn).',
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="5.2.1"),
    settings={
        "addonsNeedingAwsAccess": setting(
            "array",
            [
                "vpc-cni",
                "aws-ebs-csi-driver",
                "aws-efs-csi-driver",
                "aws-mountpoint-s3-csi-driver",
                "amazon-cloudwatch-observability",
            ],
            "Add-ons whose pods call AWS APIs.",
            items={"type": "string"},
        )
    },
)


# ------------------------------------------------------------------ eks-workload-identity


def check_workload_identity(graph: StackGraph, config: Config) -> list[Finding]:
    findings = []
    with_oidc = {
        c.urn
        for p in graph.of_type(t.OIDC_PROVIDER)
        for c in graph.references(p, ("url",), (t.EKS_CLUSTER,))
    }
    for cluster in graph.of_type(t.EKS_CLUSTER):
        if is_auto_mode(cluster):
            continue  # Auto Mode runs the Pod Identity agent itself
        addons = cluster_addons(graph, cluster)
        if POD_IDENTITY_AGENT in addons or cluster.urn in with_oidc:
            continue
        if UNKNOWN in addons:  # an add-on whose name is known only at `up` may be the agent
            findings.append(Finding(cluster.urn, undecided("addonName")))
            continue
        findings.append(
            Finding(
                cluster.urn,
                f"{cluster.name} has neither the {POD_IDENTITY_AGENT} add-on nor an IAM OIDC "
                "provider: pods can only get AWS credentials from the node role",
            )
        )
    return findings


EKS_WORKLOAD_IDENTITY = BaselineStackPolicy(
    name="eks-workload-identity",
    summary="Each cluster offers workload identity: the Pod Identity agent or an IAM OIDC provider",
    level=EnforcementLevel.ADVISORY,
    check=check_workload_identity,
    remediation="Install the eks-pod-identity-agent add-on (preferred) or create an "
    "aws.iam.OpenIdConnectProvider for the cluster's OIDC issuer.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="5.2.1"),
)


POLICIES = [
    IAM_NO_ADMIN_WILDCARD,
    IAM_TRUST_POLICY_SCOPED,
    IAM_NODE_ROLE_LEAST_PRIVILEGE,
    EKS_ADDON_DEDICATED_ROLE,
    EKS_WORKLOAD_IDENTITY,
]
