"""The IAM statements of the roles CI assumes, for one stack: the actions each role needs for
what the program registers and invokes (`needed_actions`, from preflight/ci_roles.json), and where
and under which conditions it may take them (`role_statements`, `deny_statements`): scoped to the
stack's region and account, and for the deployer held to the stack's own resources as far as IAM
allows without touching what the program creates (ci_roles.json `narrowing`). preflight.ci_roles
turns them into the documents of docs/ci/iam/; the readiness check simulates `statements`."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.offline.runner import ProgramRun

DATA = json.loads(Path(__file__).with_name("ci_roles.json").read_text())
NARROWING = DATA["narrowing"]
ACCOUNT = "<ACCOUNT_ID>"
REPOSITORY = "<OWNER>/<REPO>"
READ_ONLY_ACCESS = ("Read", "List")
CLUSTER_TYPE = "aws:eks/cluster:Cluster"
ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"


@dataclass(frozen=True)
class Role:
    purpose: str
    variable: str  # the GitHub variable the workflow reads the role's ARN from
    environment: str  # the GitHub environment of the job that assumes it, {stack} filled in

    def subject(self, stack: str) -> str:
        """GitHub's OIDC `sub` for a job in this role's environment ("OpenID Connect reference",
        https://docs.github.com/en/actions/reference/security/oidc, read 2026-12-06:
        repo:ORG-NAME/REPO-NAME:environment:ENVIRONMENT-NAME when the job references one)."""
        return f"repo:{REPOSITORY}:environment:{self.environment.format(stack=stack)}"

    def name(self, stack: str) -> str:
        """The role's name as docs/ci.md step 3 creates it."""
        return (
            NARROWING["ownRole"]["name"]
            .replace("${Stack}", stack)
            .replace("${Purpose}", self.purpose)
        )


PREVIEW = Role("preview", "AWS_PREVIEW_ROLE_ARN", "preview-{stack}")
DEPLOY = Role("deploy", "AWS_DEPLOY_ROLE_ARN", "{stack}")
ROLES = (PREVIEW, DEPLOY)


@dataclass(frozen=True)
class Scope:
    """What the stack's own resources are called and tagged: what narrows its roles."""

    stack: str
    role: Role
    project: str = ""
    cluster: str = ""  # the EKS cluster's name ("" when the stack has none)
    passed_to: tuple[str, ...] = ()  # services the stack's types pass roles to
    service_linked: tuple[str, ...] = ()  # services whose service-linked roles they need
    managed_policies: tuple[str, ...] = ()  # AWS managed policies the program attaches
    # (action, ARN, alone): another account's resources the stack uses, named by id
    shared: tuple[tuple[str, str, bool], ...] = ()


class NeededActions(frozenset):
    """The IAM actions a role needs for a stack, with the stack's scope that narrows them."""

    scope: Scope

    def __new__(cls, actions: Iterable[str], scope: Scope) -> NeededActions:
        made = super().__new__(cls, actions)
        made.scope = scope
        return made


class UnmappedError(ValueError):
    """Types or invokes the program uses that preflight/ci_roles.json does not map."""


def _aws(type_: str) -> bool:
    return not any(type_.startswith(prefix) for prefix in DATA["notAws"])


def scope_of(run: ProgramRun, role: Role) -> Scope:
    """The stack's names and tags as the program registers them."""
    types = {r.type for r in run.registrations if _aws(r.type)}
    clusters = run.of_type(CLUSTER_TYPE)
    tags = (clusters[0].inputs.get("tags") or {}) if clusters else {}

    def union(key: str) -> tuple[str, ...]:
        return tuple(sorted({v for t in types for v in DATA["types"].get(t, {}).get(key, [])}))

    policies = {str(r.inputs.get("policyArn")) for r in run.of_type(ATTACHMENT_TYPE)}
    shared = [(DATA["invokes"].get(token, {}), args) for token, args in run.invokes]
    shared += [
        (extra, r.inputs)
        for r in run.registrations
        for key, extra in DATA["types"].get(r.type, {}).get("withInput", {}).items()
        if r.inputs.get(key)
    ]
    return Scope(
        stack=run.stack,
        role=role,
        project=str(tags.get("project", "")),
        cluster=str(clusters[0].inputs.get("name", "")) if clusters else "",
        passed_to=union("passedTo"),
        service_linked=union("serviceLinkedRoles"),
        managed_policies=tuple(sorted(p for p in policies if p.startswith("arn:"))),
        shared=tuple(
            sorted(
                {
                    (action, _named(spec["arn"], values), spec["alone"])
                    for entry, values in shared
                    for action, spec in entry.get("shared", {}).items()
                }
            )
        ),
    )


def _named(template: str, values: Mapping[str, Any]) -> str:
    """`template` with each ${key} the program gave a value for (a lookup's argument, an input)."""
    for key, value in values.items():
        if isinstance(value, str):
            template = template.replace(f"${{{key}}}", value)
    if "${" in template.replace("${Partition}", "").replace("${Region}", ""):
        raise ValueError(f"preflight/ci_roles.json: {template} names a value the program gave none")
    return template


def needed_actions(run: ProgramRun, role: Role) -> NeededActions:
    """The IAM actions `role` needs for what the run registers and invokes, and for the online
    readiness check. The deployer may create, read and update every type, and delete those that
    are not all protected or retained (Pulumi never deletes those); the preview role only reads."""
    by_type: dict[str, list[Any]] = defaultdict(list)
    for registration in run.registrations:
        if _aws(registration.type):
            by_type[registration.type].append(registration)
    invokes = {token for token, _ in run.invokes}
    unmapped = sorted(set(by_type) - set(DATA["types"])) + sorted(invokes - set(DATA["invokes"]))
    if unmapped:
        raise UnmappedError(
            f"stack {run.stack}: no IAM actions for {', '.join(unmapped)}: add them to "
            "preflight/ci_roles.json (types or invokes), from the provider's calls and the "
            "Service Authorization Reference"
        )
    actions: set[str] = set()
    for type_, registrations in by_type.items():
        entry = DATA["types"][type_]
        with_inputs = entry.get("withInput", {})
        parts = [entry] + [
            with_inputs[key] for key in with_inputs if any(r.inputs.get(key) for r in registrations)
        ]
        for part in parts:
            actions |= set(part.get("read", ()))
            if role is DEPLOY:
                actions |= set(part.get("create", ())) | set(part.get("update", ()))
                if not all(r.protect or r.retain_on_delete for r in registrations):
                    actions |= set(part.get("delete", ()))
    for token in invokes:
        actions |= set(DATA["invokes"][token]["actions"])
    actions |= set(DATA["online"]["actions"])
    scope = scope_of(run, role)
    if role is DEPLOY:
        actions = _with_dependents(actions)
    if not scope.service_linked:  # only a dependent of types that need no service-linked role
        actions.discard("iam:CreateServiceLinkedRole")
    return NeededActions(actions, scope)


def _with_dependents(actions: set[str]) -> set[str]:
    """Add the actions the Service Authorization Reference says these depend on."""
    found, todo = set(), list(actions)
    while todo:
        action = todo.pop()
        if action in found or action in DATA["excludedDependents"]:
            continue
        found.add(action)
        todo += DATA["actions"][action]["dependent"]
    return found


def partition_of(region: str) -> str:
    return (
        "aws-cn"
        if region.startswith("cn-")
        else "aws-us-gov"
        if region.startswith("us-gov-")
        else "aws"
    )


def _fill(template: str, region: str, scope: Scope | None = None) -> str:
    filled = (
        template.replace("${Partition}", partition_of(region))
        .replace("${Region}", region)
        .replace("${Account}", ACCOUNT)
    )
    if scope is not None:
        filled = (
            filled.replace("${Cluster}", scope.cluster)
            .replace("${Stack}", scope.stack)
            .replace("${Purpose}", scope.role.purpose)
        )
    return filled


def _regional(service: str) -> bool:
    """Whether the service's ARNs name a region (IAM's, for one, do not)."""
    return any(
        "${Region}" in arn
        for action, facts in DATA["actions"].items()
        if action.startswith(f"{service}:")
        for arn in facts["arns"]
    )


def _iam(resource: str, region: str) -> str:
    return _fill(f"arn:${{Partition}}:iam::${{Account}}:{resource}", region)


def _placement(action: str, region: str, scope: Scope | None) -> tuple[tuple[str, ...], dict, str]:
    """(resources, condition, what they are) of one action: its reference ARNs in this region and
    account, narrowed to the stack's own where ci_roles.json `narrowing` says how."""
    arns = tuple(sorted({_fill(a, region) for a in DATA["actions"][action]["arns"]}))
    if scope is None or not arns:
        return arns, {}, "InTheAccount"
    tagged = {f"aws:ResourceTag/{key}": getattr(scope, key) for key in NARROWING["tags"]["keys"]}
    if action.startswith("eks:") and scope.cluster:
        prefix = _fill("arn:${Partition}:eks:${Region}:${Account}:", region)
        resources = NARROWING["eksCluster"]["resources"]
        return tuple(prefix + _fill(r, region, scope) for r in resources), {}, "TheStacksCluster"
    if action in NARROWING["eksIssuers"]["actions"]:
        issuers = _fill(NARROWING["eksIssuers"]["resource"], region)
        return (_iam(issuers, region),), {}, "EksIssuers"
    if action in NARROWING["ownRole"]["actions"]:
        return (_iam(f"role/{scope.role.name(scope.stack)}", region),), {}, "ItsOwnRole"
    if action == "iam:CreateServiceLinkedRole":
        template = NARROWING["serviceLinkedRoles"]["resource"]
        linked = tuple(
            _iam(template.replace("${Service}", s), region) for s in scope.service_linked
        )
        return linked, {}, "ServiceLinkedRoles"
    if action == "iam:PassRole" and scope.passed_to:
        condition = {"StringEquals": {"iam:PassedToService": list(scope.passed_to)}}
        return arns, condition, "ToTheServicesThatUseThem"
    if action == "iam:AttachRolePolicy" and scope.managed_policies:
        condition = {"ArnEquals": {"iam:PolicyARN": list(scope.managed_policies)}}
        return arns, condition, "TheProgramsManagedPolicies"
    if action in NARROWING["stackTagged"]["actions"] and all(tagged.values()):
        return arns, {"StringEquals": tagged}, "TaggedWithTheStack"
    if shared := [(arn, alone) for a, arn, alone in scope.shared if a == action]:
        own = () if all(alone for _, alone in shared) else arns
        resources = {*own, *(_fill(arn, region) for arn, _ in shared)}
        return tuple(sorted(resources)), {}, "SharedWithTheAccount"
    return arns, {}, "InTheAccount"


def role_statements(actions: Iterable[str], region: str) -> list[dict[str, Any]]:
    """One Allow statement per service, resource scope and condition: the action's resource ARNs
    in this region and account (narrowed to the stack's own where `actions` carries its scope),
    or "*" (no resource type) with the region as a condition where it has one."""
    scope = getattr(actions, "scope", None)
    grouped: dict[tuple[str, tuple[str, ...], str, str], list[str]] = defaultdict(list)
    for action in sorted(actions):
        resources, condition, what = _placement(action, region, scope)
        key = (action.split(":")[0], resources or ("*",), json.dumps(condition), what)
        grouped[key].append(action)
    result = []
    for (service, resources, condition, what), names in sorted(grouped.items()):
        scoped = resources != ("*",)
        statement: dict[str, Any] = {
            "Sid": f"{service.capitalize()}{what if scoped else 'AnyResource'}",
            "Effect": "Allow",
            "Action": names,
            "Resource": list(resources) if scoped else "*",
        }
        if condition != "{}":
            statement["Condition"] = json.loads(condition)
        elif not scoped and _regional(service):
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": region}}
        result.append(statement)
    return _unique_sids(result)


def _unique_sids(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for index, statement in enumerate(statements):  # Sids are unique within a policy
        if any(s["Sid"] == statement["Sid"] for s in statements[:index]):
            statement["Sid"] += str(index)
    return statements


def _region_only(statement: Mapping[str, Any]) -> bool:
    condition = statement.get("Condition")
    return condition is None or condition == {
        "StringEquals": {
            "aws:RequestedRegion": condition.get("StringEquals", {}).get("aws:RequestedRegion")
        }
    }


def statements(actions: Iterable[str], region: str) -> list[dict[str, Any]]:
    """The Allow statements the readiness check simulates (iam:SimulatePrincipalPolicy with the
    region as the only context): those whose condition names nothing but the region. The others
    (iam:PassedToService, iam:PolicyARN, resource tags) hold only with each request's context."""
    return [s for s in role_statements(actions, region) if _region_only(s)]


def deny_statements(actions: NeededActions, region: str) -> list[dict[str, Any]]:
    """The deployer's explicit denies: its writes on another stack's resources (those whose stack
    tag names another stack) and its IAM writes on the CI roles."""
    writes = sorted(
        a
        for a in actions
        if DATA["actions"][a]["access"] not in READ_ONLY_ACCESS and DATA["actions"][a]["arns"]
    )
    tag = "aws:ResourceTag/stack"
    tag_aware = [
        a for a in writes if "aws:ResourceTag/${TagKey}" in DATA["actions"][a]["conditions"]
    ]
    return [
        {
            "Sid": "NeverAnotherStacksResources",
            "Effect": "Deny",
            "Action": tag_aware,
            "Resource": "*",
            "Condition": {
                "StringNotEquals": {tag: actions.scope.stack},
                "Null": {tag: "false"},
            },
        },
        {
            "Sid": "NeverTheCiRoles",
            "Effect": "Deny",
            "Action": [a for a in writes if a.startswith("iam:")],
            "Resource": [_iam(f"role/{n}", region) for n in NARROWING["ciRoles"]["names"]],
        },
    ]
