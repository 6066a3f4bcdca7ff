"""Who gets the controllers' cluster-admin access entry, for each form of caller ARN that
GetCallerIdentity returns: an assumed role (its role's full ARN, path included, from iam:GetRole
through the mocked cloud), an IAM user (its ARN as is), and what cannot hold an access entry (the
account root, a federated user's session). Expected principals are written out by hand.

Facts (read 2026-12-06): an access entry takes "one, and only one, existing IAM principal"; "If
the ARN is for an IAM role, it can include a path" (EKS user guide, "Create access entries",
https://docs.aws.amazon.com/eks/latest/userguide/creating-access-entries.html); "For STANDARD
access entries, you can use every IAM principal type ... You can't use the STS session principal
type" (EKS API reference, CreateAccessEntry, principalArn). An assumed-role session ARN names the
role without its path, hence the GetRole lookup. Not confirmed by a source: that GetCallerIdentity
returns an IAM user's ARN with its path (the user-with-path case assumes it does), and whether EKS
would take the account root's ARN (refused here: nobody should deploy as root)."""

from __future__ import annotations

import pulumi
import pytest

from components.base.config import SettingsError
from components.base.context import AwsContext
from components.controllers.component import deployer_principal
from components.controllers.settings import ControllerSettings
from preflight.offline import mocked_aws
from preflight.offline.mocked_aws import MockedCloud
from preflight.offline.runner import run_program
from tests.programs import RUNNER

ACCOUNT = "123456789012"
GET_ROLE = "aws:iam/getRole:getRole"
GET_CALLER = "aws:index/getCallerIdentity:getCallerIdentity"
# Roles that exist in the mocked account, by name: their paths.
ROLES = {
    "ci-deploy": "/",
    # IAM Identity Center's permission-set roles live under a path of their own.
    "AWSReservedSSO_PlatformAdmin_0123456789abcdef": "/aws-reserved/sso.amazonaws.com/",
}


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> MockedCloud:
    for name, path in ROLES.items():
        monkeypatch.setitem(mocked_aws.ROLE_PATHS, name, path)
    cloud = MockedCloud("eu-west-1", account_id=ACCOUNT)
    pulumi.runtime.set_mocks(cloud, preview=False)
    return cloud


def deployer(caller: str, setting: str = "", viewers: tuple[str, ...] = ()) -> str:
    settings = ControllerSettings(enabled=True, deployer_principal_arn=setting)
    return deployer_principal(
        settings, AwsContext(ACCOUNT, "aws", "eu-west-1", caller_arn=caller), viewers
    )


def role_lookups(cloud: MockedCloud) -> list[dict]:
    return [args for token, args in cloud.invokes if token == GET_ROLE]


@pytest.mark.parametrize(
    ("caller", "principal", "lookups"),
    [
        (
            "arn:aws:sts::123456789012:assumed-role/ci-deploy/github-run-42",
            "arn:aws:iam::123456789012:role/ci-deploy",
            [{"name": "ci-deploy"}],
        ),
        (
            "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_PlatformAdmin_0123456789abcdef/alice@example.com",
            "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PlatformAdmin_0123456789abcdef",
            [{"name": "AWSReservedSSO_PlatformAdmin_0123456789abcdef"}],
        ),
        ("arn:aws:iam::123456789012:user/alice", "arn:aws:iam::123456789012:user/alice", []),
        (
            "arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/alice",
            "arn:aws:iam::123456789012:user/division_abc/subdivision_xyz/alice",
            [],
        ),
    ],
)
def test_each_caller_that_can_hold_an_access_entry(account, caller, principal, lookups):
    assert deployer(caller) == principal
    assert role_lookups(account) == lookups
    # The setting wins over whoever runs `pulumi up`, with no lookup.
    named = "arn:aws:iam::123456789012:role/github-deploy"
    assert deployer(caller, setting=named) == named
    assert role_lookups(account) == lookups


@pytest.mark.parametrize(
    "caller",
    [
        "arn:aws:iam::123456789012:root",
        "arn:aws:sts::123456789012:federated-user/bob",
        # GetCallerIdentity names a role's caller by its session, never by the role's ARN.
        "arn:aws:iam::123456789012:role/ci-deploy",
    ],
)
def test_a_caller_that_cannot_hold_one_must_name_the_deployer(account, caller):
    with pytest.raises(SettingsError) as error:
        deployer(caller)
    assert error.value.problems == [
        'eks-platform:controllers.deployerPrincipalArn = "": set to an IAM role or user ARN: '
        f"{caller} runs `pulumi up` and cannot hold an access entry"
    ]
    # Named, the deployer needs no lookup, whoever runs `pulumi up`.
    named = "arn:aws:iam::123456789012:role/github-deploy"
    assert deployer(caller, setting=named) == named
    assert role_lookups(account) == []


def test_the_deployer_cannot_also_be_a_viewer(account):
    user = "arn:aws:iam::123456789012:user/alice"
    with pytest.raises(SettingsError) as error:
        deployer(user, viewers=(user,))
    assert error.value.problems == [
        'eks-platform:cluster.viewerPrincipalArns = ["arn:aws:iam::123456789012:user/alice"]: '
        "must not list the controllers' deployer arn:aws:iam::123456789012:user/alice: it needs "
        "cluster admin, and EKS takes one access entry per principal (list it in "
        "adminPrincipalArns)"
    ]


def test_no_deployer_and_no_lookup_while_the_controllers_are_off(account):
    caller = "arn:aws:iam::123456789012:root"
    assert (
        deployer_principal(ControllerSettings(), AwsContext(ACCOUNT, "aws", "r", caller_arn=caller))
        == ""
    )
    assert account.invokes == []


def test_an_iam_user_running_up_gets_the_access_entry(monkeypatch):
    # GetCallerIdentity as AWS answers it for an IAM user of the mocked account.
    user = f"arn:aws:iam::{mocked_aws.ACCOUNT_ID}:user/alice"
    monkeypatch.setitem(
        mocked_aws.INVOKE_ANSWERS,
        GET_CALLER,
        lambda cloud, args: {
            "id": cloud.account_id,
            "accountId": cloud.account_id,
            "arn": user,
            "userId": "AIDA3EXAMPLEALICE0001",
        },
    )
    run = run_program("prod", {"controllers": {"enabled": True}, "cluster": RUNNER})
    [entry] = [
        e for e in run.of_type("aws:eks/accessEntry:AccessEntry") if e.name.endswith("-deployer")
    ]
    assert entry.inputs["principalArn"] == user and entry.inputs["type"] == "STANDARD"
    [association] = [
        a
        for a in run.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
        if a.name.endswith("-deployer")
    ]
    assert association.inputs["principalArn"] == user
    assert run.outputs["deployment"]["deployer"] == user
    assert not [token for token, _ in run.invokes if token == GET_ROLE]
