"""python -m preflight.ci_roles [--write]

The IAM documents of the roles CI assumes through GitHub OIDC, derived from what the program
creates: for each stack it runs the program offline (as `pulumi preview` would), maps every
registered resource type and every invoke to the IAM actions Pulumi needs for it
(preflight/ci_roles.json, from the Service Authorization Reference), adds the read-only actions
of the online readiness check (`python -m preflight --online`, which both workflows run) and
writes under docs/ci/iam/:

  <stack>-deploy-trust.json, <stack>-deploy-policy-<n>.json    the deployer, for deploy-stack.yml
  <stack>-preview-trust.json, <stack>-preview-policy-<n>.json  the read-only role, for preview.yml
  state-bucket-policy.json                                     the state bucket's TLS-only policy

Actions are scoped to the stack's region and account wherever the action has a resource type;
the others get "*" with the region as a condition. Placeholders to fill: <ACCOUNT_ID>,
<OWNER>/<REPO>, <STATE_BUCKET> (docs/ci.md). Without --write it lists the stale files and exits 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.offline.runner import ROOT, ProgramRun, run_program, stack_config, stacks

DATA = json.loads(Path(__file__).with_name("ci_roles.json").read_text())
IAM_DIR = ROOT / "docs" / "ci" / "iam"
ACCOUNT = "<ACCOUNT_ID>"
REPOSITORY = "<OWNER>/<REPO>"
STATE_BUCKET = "<STATE_BUCKET>"
OIDC_ISSUER = "token.actions.githubusercontent.com"
OIDC_AUDIENCE = "sts.amazonaws.com"
# A managed policy holds at most 6,144 characters, white space not counted (IAM and AWS STS
# quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, read
# 2026-12-06); a role takes 10 managed policies by default.
MANAGED_POLICY_CHARACTERS = 6144
READ_ONLY_ACCESS = ("Read", "List")


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


PREVIEW = Role("preview", "AWS_PREVIEW_ROLE_ARN", "preview-{stack}")
DEPLOY = Role("deploy", "AWS_DEPLOY_ROLE_ARN", "{stack}")
ROLES = (PREVIEW, DEPLOY)


class UnmappedError(ValueError):
    """Types or invokes the program uses that preflight/ci_roles.json does not map."""


def _aws(type_: str) -> bool:
    return not any(type_.startswith(prefix) for prefix in DATA["notAws"])


def needed_actions(run: ProgramRun, role: Role) -> set[str]:
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
        actions |= set(entry["read"])
        if role is DEPLOY:
            actions |= set(entry["create"]) | set(entry["update"])
            if not all(r.protect or r.retain_on_delete for r in registrations):
                actions |= set(entry["delete"])
    for token in invokes:
        actions |= set(DATA["invokes"][token]["actions"])
    actions |= set(DATA["online"]["actions"])
    return _with_dependents(actions) if role is DEPLOY else actions


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


def _fill(template: str, region: str) -> str:
    return (
        template.replace("${Partition}", partition_of(region))
        .replace("${Region}", region)
        .replace("${Account}", ACCOUNT)
    )


def _regional(service: str) -> bool:
    """Whether the service's ARNs name a region (IAM's, for one, do not)."""
    return any(
        "${Region}" in arn
        for action, facts in DATA["actions"].items()
        if action.startswith(f"{service}:")
        for arn in facts["arns"]
    )


def statements(actions: Iterable[str], region: str) -> list[dict[str, Any]]:
    """One statement per service and resource scope: the action's resource ARNs in this region
    and account, or "*" (no resource type) with the region as a condition where it has one."""
    grouped: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for action in sorted(actions):
        arns = DATA["actions"][action]["arns"]
        resources = tuple(sorted({_fill(a, region) for a in arns})) or ("*",)
        grouped[(action.split(":")[0], resources)].append(action)
    result = []
    for (service, resources), names in sorted(grouped.items()):
        scoped = resources != ("*",)
        statement: dict[str, Any] = {
            "Sid": f"{service.capitalize()}{'InTheAccount' if scoped else 'AnyResource'}",
            "Effect": "Allow",
            "Action": names,
            "Resource": list(resources) if scoped else "*",
        }
        if not scoped and _regional(service):
            statement["Condition"] = {"StringEquals": {"aws:RequestedRegion": region}}
        result.append(statement)
    for index, statement in enumerate(result):  # Sids are unique within a policy
        if any(s["Sid"] == statement["Sid"] for s in result[:index]):
            statement["Sid"] += str(index)
    return result


def state_statements(role: Role) -> list[dict[str, Any]]:
    """The state backend (a DIY S3 bucket): list it, read (and for the deployer write) its objects."""
    backend = DATA["stateBackend"]
    objects = backend["actions"]["read"] + (backend["actions"]["write"] if role is DEPLOY else [])
    bucket = f"arn:aws:s3:::{STATE_BUCKET}"
    return [
        {
            "Sid": "StateList",
            "Effect": "Allow",
            "Action": backend["actions"]["list"],
            "Resource": bucket,
        },
        {
            "Sid": "StateObjects",
            "Effect": "Allow",
            "Action": objects,
            "Resource": f"{bucket}/{backend['prefix']}*",
        },
    ]


def size(document: Mapping[str, Any]) -> int:
    """A policy's size as IAM counts it: its characters without white space."""
    return len(re.sub(r"\s", "", json.dumps(document)))


def policies(all_statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The statements packed, in order, into as few managed policies as the size quota allows."""
    packed: list[dict[str, Any]] = []
    for statement in all_statements:
        if packed:
            candidate = {**packed[-1], "Statement": [*packed[-1]["Statement"], statement]}
            if size(candidate) <= MANAGED_POLICY_CHARACTERS:
                packed[-1] = candidate
                continue
        packed.append({"Version": "2012-10-17", "Statement": [statement]})
    return packed


def trust(role: Role, stack: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GitHubActions",
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_ISSUER}"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{OIDC_ISSUER}:aud": OIDC_AUDIENCE,
                        f"{OIDC_ISSUER}:sub": role.subject(stack),
                    }
                },
            }
        ],
    }


def state_bucket_policy() -> dict[str, Any]:
    """Refuse every request to the state bucket that does not use TLS."""
    bucket = f"arn:aws:s3:::{STATE_BUCKET}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket, f"{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def eks_public_ami_parameters(region: str) -> dict[str, Any]:
    """What the online readiness check reads to know the AMI release for the stack's region and
    architecture: the public parameters EKS publishes (`/aws/service/eks/optimized-ami/...`,
    EKS user guide "Retrieve recommended Amazon Linux AMI IDs", read 2026-12-06). They belong
    to no account, so the ARN names none (as Karpenter's upstream policy does); read-only,
    for both roles, and only under that path (the deployer reads no parameter of the account)."""
    return {
        "Sid": "EksPublicAmiParameters",
        "Effect": "Allow",
        "Action": ["ssm:GetParameters"],
        "Resource": [f"arn:aws:ssm:{region}::parameter/aws/service/eks/optimized-ami/*"],
    }


def documents(runs: Mapping[str, ProgramRun]) -> dict[str, dict[str, Any]]:
    """Every file of docs/ci/iam/ by name, for the program runs of the repository's stacks."""
    files = {"state-bucket-policy.json": state_bucket_policy()}
    for stack, run in runs.items():
        region = stack_config(stack)["aws:region"]
        for role in ROLES:
            files[f"{stack}-{role.purpose}-trust.json"] = trust(role, stack)
            body = [
                *statements(needed_actions(run, role), region),
                eks_public_ami_parameters(region),
                *state_statements(role),
            ]
            for number, policy in enumerate(policies(body), 1):
                files[f"{stack}-{role.purpose}-policy-{number}.json"] = policy
    return files


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


def stale(files: Mapping[str, dict[str, Any]], directory: Path = IAM_DIR) -> list[str]:
    """Files that differ from what the program needs today, are missing, or are left over."""
    on_disk = {p.name for p in directory.glob("*.json")} if directory.is_dir() else set()
    wrong = [
        n for n, d in files.items() if n not in on_disk or (directory / n).read_text() != render(d)
    ]
    return sorted(wrong + [n for n in on_disk - set(files)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preflight.ci_roles")
    parser.add_argument("--write", action="store_true", help="rewrite docs/ci/iam/")
    args = parser.parse_args(argv)
    try:
        files = documents({stack: run_program(stack) for stack in stacks()})
    except UnmappedError as error:
        print(f"ci_roles: {error}", file=sys.stderr)
        return 2
    names = stale(files)
    if not args.write:
        for name in names:
            print(f"stale: docs/ci/iam/{name}")
        return 1 if names else 0
    IAM_DIR.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = IAM_DIR / name
        if name in files:
            path.write_text(render(files[name]))
        else:
            path.unlink()
        print(f"wrote docs/ci/iam/{name}" if name in files else f"removed docs/ci/iam/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
