"""python -m preflight.ci_roles [--write]

The IAM documents of the roles CI assumes through GitHub OIDC, derived from what the program
creates: for each stack it runs the program offline (as `pulumi preview` would), takes the
statements preflight.ci_iam makes of it (every registered resource type and invoke mapped to the
IAM actions Pulumi needs for it, preflight/ci_roles.json, from the Service Authorization
Reference; the read-only actions of the online readiness check, which both workflows run),
packs them into managed policies and writes under docs/ci/iam/:

  <stack>-deploy-trust.json, <stack>-deploy-policy-<n>.json    the deployer, for deploy-stack.yml
  <stack>-preview-trust.json, <stack>-preview-policy-<n>.json  the read-only role, for preview.yml
  state-bucket-policy[-<partition>].json                       the state bucket's TLS-only policy

Actions are scoped to the stack's region and account wherever the action has a resource type
(the others get "*" with the region as a condition), and the deployer is held to its own stack
as far as IAM allows without touching what the program creates (ci_roles.json `narrowing`: EKS
by the cluster's name, roles passed to named services only, destruction only of what carries
the stack's tags, never another stack's resources or the CI roles). Placeholders to fill:
<ACCOUNT_ID>, <OWNER>/<REPO>, <STATE_BUCKET> (docs/ci.md). Without --write it lists the stale
files and exits 1.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from preflight.ci_iam import (
    ACCOUNT,
    DATA,
    DEPLOY,
    PREVIEW,
    REPOSITORY,
    ROLES,
    Role,
    UnmappedError,
    deny_statements,
    needed_actions,
    partition_of,
    role_statements,
    statements,
)
from preflight.offline.runner import ROOT, ProgramRun, run_program, stack_config, stacks

# What other modules read here (the readiness check, the workflow tests).
__all__ = ["DATA", "DEPLOY", "PREVIEW", "REPOSITORY", "ROLES", "needed_actions", "statements"]

IAM_DIR = ROOT / "docs" / "ci" / "iam"
STATE_BUCKET = "<STATE_BUCKET>"
# What IAM counts against the size quota is the policy as created, the placeholders filled: an
# account id has the placeholder's 12 characters, a bucket name up to 63 ("Bucket names must be
# between 3 (min) and 63 (max) characters long", S3 user guide, bucketnamingrules, read
# 2026-12-06).
LONGEST_FILLED = {STATE_BUCKET: "b" * 63}
OIDC_ISSUER = "token.actions.githubusercontent.com"
OIDC_AUDIENCE = "sts.amazonaws.com"
# A managed policy holds at most 6,144 characters, white space not counted (IAM and AWS STS
# quotas, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html, read
# 2026-12-06); a role takes 10 managed policies by default.
MANAGED_POLICY_CHARACTERS = 6144


def state_statements(role: Role, partition: str) -> list[dict[str, Any]]:
    """The state backend (a DIY S3 bucket): list it, read (and for the deployer write) its objects."""
    backend = DATA["stateBackend"]
    objects = backend["actions"]["read"] + (backend["actions"]["write"] if role is DEPLOY else [])
    bucket = f"arn:{partition}:s3:::{STATE_BUCKET}"
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
    """A policy's size as IAM counts it once created: its characters without white space, each
    placeholder filled with the longest value it can take."""
    text = json.dumps(document)
    for placeholder, longest in LONGEST_FILLED.items():
        text = text.replace(placeholder, longest)
    return len(re.sub(r"\s", "", text))


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


def trust(role: Role, stack: str, partition: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GitHubActions",
                "Effect": "Allow",
                "Principal": {
                    "Federated": f"arn:{partition}:iam::{ACCOUNT}:oidc-provider/{OIDC_ISSUER}"
                },
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


def state_bucket_policy(partition: str) -> dict[str, Any]:
    """Refuse every request to the state bucket that does not use TLS."""
    bucket = f"arn:{partition}:s3:::{STATE_BUCKET}"
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
        "Resource": [
            f"arn:{partition_of(region)}:ssm:{region}::parameter/aws/service/eks/optimized-ami/*"
        ],
    }


def documents(runs: Mapping[str, ProgramRun]) -> dict[str, dict[str, Any]]:
    """Every file of docs/ci/iam/ by name, for the program runs of the repository's stacks."""
    files = {}
    for stack, run in runs.items():
        region = stack_config(stack)["aws:region"]
        partition = partition_of(region)
        # one bucket policy per partition the stacks live in (a bucket is in one)
        bucket_file = "state-bucket-policy" + ("" if partition == "aws" else f"-{partition}")
        files[f"{bucket_file}.json"] = state_bucket_policy(partition)
        for role in ROLES:
            files[f"{stack}-{role.purpose}-trust.json"] = trust(role, stack, partition)
            needed = needed_actions(run, role)
            body = [
                *role_statements(needed, region),
                *(deny_statements(needed, region) if role is DEPLOY else []),
                eks_public_ami_parameters(region),
                *state_statements(role, partition),
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
