"""The stack-wide keys, reading a whole stack's config, and the rules that span sections."""

import datetime as dt

import pytest

from components.base.config import SettingsError
from components.base.config.pulumi_config import project_config
from components.base.context import AwsContext
from components.cluster import versions
from components.stack.settings import load_settings

BASE = {"owner": "platform-team"}


def problems(raw: dict) -> list[str]:
    with pytest.raises(SettingsError) as error:
        load_settings({**BASE, **raw}, "dev")
    return error.value.problems


def only_problem(raw: dict) -> str:
    found = problems(raw)
    assert len(found) == 1, found
    return found[0]


def test_defaults_are_secure_and_complete():
    s = load_settings(BASE, "dev")
    assert s.stack == "dev" and s.cluster_name == "eks-platform-dev"
    assert s.network.az_count == 3 and s.network.nat_mode == "per-az"
    assert s.cluster.public_access_cidrs == () and not s.cluster.public_endpoint
    assert s.kubernetes_version == versions.DEFAULT_VERSION
    assert s.compute.node_groups[0].metadata_hop_limit == 1
    assert s.log_retention_days == 365  # a year unless a stack says otherwise (dev: 30)
    assert s.common_tags == {"project": "eks-platform", "stack": "dev", "owner": "platform-team"}


def test_cli_strings_are_decoded():
    raw = project_config(
        {
            "eks-platform:owner": "team",
            "eks-platform:logRetentionDays": "365",
            "eks-platform:network": '{"azCount": 2, "interfaceEndpoints": true}',
            "eks-platform:cluster": '{"zonalShift": "true"}',
            "aws:region": "eu-west-1",
        }
    )
    assert "aws:region" not in raw and "region" not in raw
    s = load_settings(raw, "prod")
    assert s.log_retention_days == 365 and s.cluster.zonal_shift is True
    assert s.network.az_count == 2 and s.network.interface_endpoints is True


def test_every_problem_is_reported_at_once():
    found = problems({"network": {"vpcCidr": "nonsense", "natMode": "two"}, "logRetentionDays": 45})
    assert len(found) == 3


def test_unknown_keys_are_reported_at_every_level():
    found = problems(
        {"ownr": "x", "network": {"vpcCdir": "10.0.0.0/16"}, "cluster": {"logType": []}}
    )
    assert any(p.startswith("eks-platform:ownr is not a known setting") for p in found)
    assert any(p.startswith("eks-platform:network.vpcCdir is not a known setting") for p in found)
    assert any(p.startswith("eks-platform:cluster.logType is not a known setting") for p in found)


def test_owner_is_required():
    with pytest.raises(SettingsError) as error:
        load_settings({}, "dev")
    assert error.value.problems == [
        "eks-platform:owner = null: must be set: the team that owns this stack (tagged on every resource)"
    ]


def test_section_must_be_an_object():
    assert only_problem({"network": "10.0.0.0/16"}) == (
        'eks-platform:network = "10.0.0.0/16": must be an object (a YAML mapping)'
    )


@pytest.mark.parametrize("name", ["-bad", "a" * 101, "has space", "_x"])
def test_cluster_name(name):
    assert only_problem({"clusterName": name}) == (
        f"eks-platform:clusterName = \"{name}\": must be 1-100 letters, digits, '-' or '_', "
        "starting with a letter or digit"
    )


def test_cluster_name_of_100_characters_is_accepted():
    assert load_settings({**BASE, "clusterName": "a" * 100}, "dev").cluster_name == "a" * 100


def test_tags_must_be_strings():
    assert "eks-platform:tags" in only_problem({"tags": {"cost-center": ["a"]}})
    tags = load_settings({**BASE, "tags": {"cost-center": 42}}, "dev").common_tags
    assert tags["cost-center"] == "42"


@pytest.mark.parametrize(
    ("version", "allowed"),
    [("1.35.2", "1.<minor>"), ("2.0", "1.<minor>"), ("1.28", "standard support")],
)
def test_kubernetes_version(version, allowed):
    message = only_problem({"kubernetesVersion": version})
    assert (
        message.startswith(f'eks-platform:kubernetesVersion = "{version}"') and allowed in message
    )


def test_version_near_end_of_support_warns():
    version = min(versions.STANDARD_SUPPORT, key=versions.minor)
    end = versions.STANDARD_SUPPORT[version].end_of_standard_support
    near = load_settings(
        {**BASE, "kubernetesVersion": version}, "dev", today=end - dt.timedelta(days=10)
    )
    assert any("leaves EKS standard support" in w for w in near.warnings)
    far = load_settings(
        {**BASE, "kubernetesVersion": version}, "dev", today=end - dt.timedelta(days=200)
    )
    assert not [w for w in far.warnings if "support" in w]


def test_auto_mode_refuses_the_controllers_it_already_runs():
    runner = {"endpointAccess": {"cidrs": ["10.99.0.0/24"]}}
    found = problems(
        {"compute": {"mode": "auto"}, "controllers": {"enabled": True}, "cluster": runner}
    )
    assert found == [
        "eks-platform:controllers.loadBalancerController = true: must be false when compute.mode "
        "is 'auto': Auto Mode already runs load balancing",
        "eks-platform:controllers.karpenter = true: must be false when compute.mode is 'auto': "
        "Auto Mode already runs Karpenter-based compute",
    ]
    assert load_settings(
        {**BASE, "compute": {"mode": "auto"}, "controllers": {"karpenter": True}}, "dev"
    )


def test_the_stack_context_carries_names_tags_and_retention():
    aws = AwsContext("111122223333", "aws", "eu-west-1")
    context = load_settings({**BASE, "logRetentionDays": 365}, "prod").context(aws)
    assert context.stack == "prod" and context.cluster_name == "eks-platform-prod"
    assert context.tags["owner"] == "platform-team" and context.log_retention_days == 365
    assert context.key_alias("eks") == "alias/eks-platform/prod/eks-platform-prod/eks"


def test_dev_keeps_a_shorter_retention_its_pack_config_allows():
    """The default is a year; dev lowers it on purpose, and its policy config must accept that."""
    import json
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[3]
    dev = yaml.safe_load((root / "Pulumi.dev.yaml").read_text())["config"]
    minimum = json.loads((root / "policy/config/dev.json").read_text())["log-group-retention"]
    assert dev["eks-platform:logRetentionDays"] == 30 >= minimum["minRetentionDays"]


def test_tags_aws_would_refuse_are_refused_each_named():
    found = problems(
        {"tags": {"aws:team": "a", "cost": "aws:x", "k" * 129: "v", "bad#key": "v" * 257}}
    )
    assert len(found) == 5 and all(p.startswith("eks-platform:tags = ") for p in found)
    assert "tag 'aws:team': the key may not start with 'aws:' (reserved for AWS)" in found[0]
    assert "tag 'cost': the value may not start with 'aws:'" in found[1]
    assert "must be 1-128 characters (it has 129)" in found[2]
    assert "tag 'bad#key': the value must be at most 256 characters (it has 257)" in found[3]
    assert (
        "tag 'bad#key': the key may only hold letters, digits, spaces and _ . : / = + - @"
        in found[4]
    )
    assert load_settings({**BASE, "tags": {"Cost Center": "a/b=c+d@e"}}, "dev").tags


def test_too_many_tags_and_a_bad_owner_are_refused():
    found = problems({"owner": "aws:team", "tags": {f"t{i}": "v" for i in range(41)}})
    assert len(found) == 2
    assert found[0].startswith('eks-platform:owner = "aws:team": must be a tag value AWS accepts')
    assert found[1].endswith("must have at most 40 tags (it has 41)")


@pytest.mark.parametrize(
    "tags, clash",
    [
        ({"Owner": "x"}, "Owner"),
        ({"NAME": "y"}, "NAME"),
        ({"team": "a", "Team": "b"}, "Team"),
        ({"project": "p"}, "project"),
    ],
)
def test_tag_keys_that_iam_would_take_for_duplicates_are_refused(tags, clash):
    with pytest.raises(SettingsError, match=rf"eks-platform:tags = .*ignoring case.*\['{clash}'\]"):
        load_settings({"owner": "platform-team", "tags": tags}, "dev")
    load_settings({"owner": "platform-team", "tags": {"cost-center": "42", "team": "a"}}, "dev")


def test_an_unquoted_version_says_to_quote_it():
    [found] = problems({"kubernetesVersion": 1.30})  # what YAML makes of 1.30 unquoted
    assert found.startswith('eks-platform:kubernetesVersion = "1.3": ')
    assert found.endswith('(YAML reads an unquoted 1.30 as the number 1.3: quote it, "1.30")')
    [other] = problems({"kubernetesVersion": "1.99"})
    assert "quote" not in other


ADMIN = "arn:aws:iam::111122223333:role/platform-admins"


def test_a_stack_without_any_cluster_admin_is_warned():
    [warning] = [w for w in load_settings(BASE, "dev").warnings if "cluster admin" in w]
    assert warning.startswith("nobody will have cluster admin")
    assert "cluster.adminPrincipalArns is empty" in warning and "docs/connect.md" in warning
    admins = {**BASE, "cluster": {"adminPrincipalArns": [ADMIN]}}
    assert not [w for w in load_settings(admins, "dev").warnings if "cluster admin" in w]


def test_every_preview_says_who_has_cluster_admin():
    from tests.programs import EVERY_OPTION, program

    run = program("prod", EVERY_OPTION)
    assert f"cluster admins of eks-platform-prod: {ADMIN}" in run.infos
    assert any(i.startswith("the controllers' deployer has cluster admin: ") for i in run.infos)


def test_controllers_need_a_way_for_pulumi_up_to_reach_the_kubernetes_api():
    on = {"controllers": {"enabled": True}}
    assert only_problem(on) == (
        "eks-platform:controllers.enabled = true: `pulumi up` then talks to the Kubernetes API, "
        "and the private endpoint admits only the cluster itself: set "
        "cluster.endpointAccess.securityGroupIds (the deploy runner's security group) or "
        "cluster.endpointAccess.cidrs (a connected network), or cluster.publicAccessCidrs "
        "(docs/controllers.md)"
    )
    for reach in (
        {"endpointAccess": {"securityGroupIds": ["sg-0123456789abcdef0"]}},
        {"endpointAccess": {"cidrs": ["10.99.0.0/24"]}},
        {"publicAccessCidrs": ["203.0.113.0/24"]},
    ):
        assert load_settings({**BASE, **on, "cluster": reach}, "dev").controllers.enabled
    assert not load_settings(BASE, "dev").controllers.enabled  # off: nothing to reach
