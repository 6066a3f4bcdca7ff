"""Keys of a stack file that nothing would read are refused: a misspelt namespace would silently
give every default of a section, a misspelt AWS provider setting the provider's default."""

import pytest

from components.base.config import SettingsError
from components.base.config.pulumi_config import aws_provider_keys, namespace_problems
from preflight.offline.runner import run_program


def test_the_aws_provider_keys_are_the_providers_own():
    # A few the provider documents (pulumi-aws "Configuration" reference), written from it.
    assert {"region", "profile", "defaultTags", "allowedAccountIds", "assumeRoles"} <= (
        aws_provider_keys()
    )
    assert "regoin" not in aws_provider_keys() and "tags" not in aws_provider_keys()


@pytest.mark.parametrize(
    "key, expected",
    [
        ("aws:regoin", "aws:regoin: not a setting of the AWS provider (did you mean aws:region?)"),
        (
            "eks-platfrom:network",
            "eks-platfrom:network: no such namespace; the stack file's keys are "
            "eks-platform:<key>, aws:<provider setting> or pulumi:<engine setting> "
            "(did you mean eks-platform:network?)",
        ),
        ("aws:zzzzzz", "aws:zzzzzz: not a setting of the AWS provider"),
    ],
)
def test_a_key_nothing_reads_is_named_with_the_nearest_one(key, expected):
    assert namespace_problems({key: "x"}) == [expected]


def test_kubernetes_keys_are_read_by_nothing():
    [problem] = namespace_problems({"kubernetes:context": "c"})
    assert problem.startswith("kubernetes:context: no such namespace")


def test_what_the_program_and_the_engine_read_passes():
    assert (
        namespace_problems(
            {
                "eks-platform:owner": "t",
                "aws:region": "eu-west-1",
                "aws:defaultTags": {},
                "pulumi:tags": {},
            }
        )
        == []
    )


def test_the_program_refuses_them_with_the_settings_problems_at_once():
    with pytest.raises(SettingsError) as refused:
        run_program(
            "dev",
            {
                "eks-platfrom:network": {"natMode": "single"},
                "aws:regoin": "us-east-2",
                "logRetentionDays": 31,
            },
        )
    assert [
        p.split(":")[0] + ":" + p.split(":")[1].split(" ")[0] for p in refused.value.problems
    ] == [
        "aws:regoin",
        "eks-platfrom:network",
        "eks-platform:logRetentionDays",
    ]
