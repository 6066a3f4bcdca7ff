"""The controllers can act: the identity running `pulumi up` gets cluster admin through an access
entry the stack manages (its role's full ARN, path included), every Kubernetes resource waits for
it, and an admin already listed in the cluster settings is not entered twice."""

import pytest

from components.base.config import SettingsError
from components.base.context import AwsContext
from components.controllers.component import deployer_principal
from components.controllers.settings import ControllerSettings
from tests.programs import EVERY_OPTION, RUNNER, program

ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
DEPLOYER = "arn:aws:iam::111122223333:role/deploy/platform-deployer"  # the mocked caller's role


def kubernetes_resources(run):
    return [r for r in run.registrations if r.type.startswith("kubernetes:")]


@pytest.fixture(scope="module")
def on():
    return program("prod", EVERY_OPTION)


def test_the_caller_s_role_gets_cluster_admin_and_kubernetes_waits_for_it(on):
    [association] = [a for a in on.of_type(ASSOCIATION) if a.inputs["principalArn"] == DEPLOYER]
    assert association.name == "controllers-deployer"
    assert association.inputs["policyArn"].endswith("/AmazonEKSClusterAdminPolicy")
    assert association.inputs["accessScope"] == {"type": "cluster"}
    for resource in kubernetes_resources(on):
        assert on.waits_for(resource, association), resource.name
    # The role ARN comes from IAM: the session ARN does not carry the role's path.
    assert ("aws:iam/getRole:getRole", {"name": "platform-deployer"}) in on.invokes


def test_a_configured_deployer_wins():
    arn = "arn:aws:iam::111122223333:role/github-deploy"
    run = program(
        "prod", {**EVERY_OPTION, "controllers": {"enabled": True, "deployerPrincipalArn": arn}}
    )
    assert [
        a.inputs["principalArn"]
        for a in run.of_type(ASSOCIATION)
        if a.name == "controllers-deployer"
    ] == [arn]
    assert not [i for i in run.invokes if i[0] == "aws:iam/getRole:getRole"]


def test_an_admin_of_the_cluster_settings_is_not_entered_twice():
    admins = {"adminPrincipalArns": [DEPLOYER]}
    run = program("prod", {"controllers": {"enabled": True}, "cluster": {**RUNNER, **admins}})
    entries = [
        e
        for e in run.of_type("aws:eks/accessEntry:AccessEntry")
        if e.inputs["principalArn"] == DEPLOYER
    ]
    assert [e.name for e in entries] == ["eks-access-role-deploy-platform-deployer"]
    [association] = [a for a in run.of_type(ASSOCIATION) if a.inputs["principalArn"] == DEPLOYER]
    for resource in kubernetes_resources(run):
        assert run.waits_for(resource, association), resource.name


@pytest.mark.parametrize(
    "caller", ["arn:aws:iam::111122223333:root", "arn:aws:sts::111122223333:federated-user/bob"]
)
def test_a_caller_that_cannot_hold_an_access_entry_must_name_the_deployer(caller):
    aws = AwsContext("111122223333", "aws", "eu-west-1", caller_arn=caller)
    with pytest.raises(
        SettingsError, match=r"controllers.deployerPrincipalArn = \"\": set to an IAM role"
    ):
        deployer_principal(ControllerSettings(enabled=True), aws)


def test_the_deployer_setting_takes_iam_role_or_user_arns_only():
    with pytest.raises(
        SettingsError, match=r"controllers.deployerPrincipalArn .*an IAM role or user ARN"
    ):
        program(
            "dev",
            {
                "controllers": {"enabled": True, "deployerPrincipalArn": "deployer"},
                "cluster": RUNNER,
            },
        )


def test_without_nat_karpenter_is_refused_and_the_load_balancer_controller_allowed():
    no_nat = {"network": {"natMode": "none", "interfaceEndpoints": True}}
    with pytest.raises(
        SettingsError,
        match=r"controllers.karpenter = true: must be false when network.natMode is 'none'",
    ):
        program("prod", {**no_nat, "controllers": {"enabled": True}, "cluster": RUNNER})
    program(
        "prod", {**no_nat, "controllers": {"enabled": True, "karpenter": False}, "cluster": RUNNER}
    )


def test_the_interruption_queue_name_fits_sqs_for_the_longest_cluster_name():
    run = program(
        "dev", {"clusterName": "c" * 100, "controllers": {"enabled": True}, "cluster": RUNNER}
    )
    name = run.one("aws:sqs/queue:Queue").inputs["name"]
    assert len(name) <= 80 and name.startswith("c" * 60) and name.endswith("-karpenter")
    short = program("prod", EVERY_OPTION).one("aws:sqs/queue:Queue").inputs["name"]
    assert short == "eks-platform-prod-karpenter"  # unchanged for names that fit


def test_a_deployer_listed_as_a_viewer_is_refused():
    viewers = {"viewerPrincipalArns": [DEPLOYER]}
    with pytest.raises(
        SettingsError, match=r"cluster.viewerPrincipalArns = .*platform-deployer.*must not list"
    ):
        program("prod", {"controllers": {"enabled": True}, "cluster": {**RUNNER, **viewers}})
