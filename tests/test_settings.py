"""Every settings rule: the message names the key, the value given and what is allowed."""

import datetime as dt

import pytest

from baseline import eks_versions
from baseline.settings import (
    CONTROL_PLANE_LOG_TYPES,
    SettingsError,
    load_settings,
    raw_project_config,
)

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
    assert s.cluster_name == "eks-platform-dev"
    assert s.network.az_count == 3 and s.network.nat_mode == "per-az"
    assert s.cluster.public_access_cidrs == () and not s.cluster.public_endpoint
    assert s.cluster.log_types == CONTROL_PLANE_LOG_TYPES
    assert s.kubernetes_version == eks_versions.DEFAULT_VERSION
    assert s.compute.node_groups[0].metadata_hop_limit == 1
    assert s.log_retention_days == 90
    assert s.common_tags == {"project": "eks-platform", "stack": "dev", "owner": "platform-team"}


def test_cli_strings_are_decoded():
    raw = raw_project_config(
        {
            "eks-platform:owner": "team",
            "eks-platform:logRetentionDays": "365",
            "eks-platform:network": '{"azCount": 2, "interfaceEndpoints": true}',
            "aws:region": "eu-west-1",
        }
    )
    s = load_settings(raw, "prod")
    assert s.log_retention_days == 365
    assert s.network.az_count == 2 and s.network.interface_endpoints is True


def test_every_problem_is_reported_at_once():
    found = problems({"network": {"vpcCidr": "nonsense", "natMode": "two"}, "logRetentionDays": 45})
    assert len(found) == 3


@pytest.mark.parametrize(
    ("cidr", "allowed"),
    [
        ("10.0.0.0/33", "IPv4 network"),
        ("10.0.0.1/16", "no host bits"),
        ("10.0.0.0/8", "between /16 and /24"),
        ("10.0.0.0/25", "between /16 and /24"),
        ("8.8.0.0/16", "private range"),
        ("fd00::/48", "IPv4 network"),
    ],
)
def test_vpc_cidr(cidr, allowed):
    message = only_problem({"network": {"vpcCidr": cidr}})
    assert message.startswith(f'eks-platform:network.vpcCidr = "{cidr}"')
    assert allowed in message


def test_carrier_grade_nat_range_is_private():
    assert load_settings({**BASE, "network": {"vpcCidr": "100.64.0.0/16"}}, "dev").network.plan


@pytest.mark.parametrize("count", [1, 7, "three"])
def test_az_count_range(count):
    assert "network.azCount" in only_problem({"network": {"azCount": count}})


def test_pinned_zones_set_the_count():
    s = load_settings(
        {**BASE, "network": {"availabilityZones": ["eu-west-1a", "eu-west-1b"]}}, "dev"
    )
    assert s.network.az_count == 2


@pytest.mark.parametrize(
    "zones", [["eu-west-1a"], ["eu-west-1a", "eu-west-1a"], ["eu-west-1a", "not-a-zone"]]
)
def test_pinned_zones_need_two_distinct_names(zones):
    assert "network.availabilityZones" in only_problem({"network": {"availabilityZones": zones}})


def test_pinned_zones_and_a_different_count_conflict():
    message = only_problem(
        {"network": {"availabilityZones": ["eu-west-1a", "eu-west-1b"], "azCount": 3}}
    )
    assert "network.azCount = 3" in message and "len(availabilityZones) = 2" in message


def test_subnet_plan_must_fit():
    message = only_problem({"network": {"vpcCidr": "10.0.0.0/22"}})
    assert message.startswith(
        'eks-platform:network.vpcCidr = "10.0.0.0/22": subnet plan does not fit'
    )


def test_subnet_plan_says_by_how_much():
    message = only_problem(
        {"network": {"vpcCidr": "10.0.0.0/20", "privateSubnetPrefix": 22, "azCount": 4}}
    )
    assert "short by 1024 addresses" in message


def test_nat_mode_choices():
    message = only_problem({"network": {"natMode": "dual"}})
    assert message == 'eks-platform:network.natMode = "dual": must be one of per-az, single, none'


def test_no_nat_requires_interface_endpoints():
    message = only_problem({"network": {"natMode": "none"}})
    assert "network.interfaceEndpoints = false" in message and "natMode is 'none'" in message
    assert load_settings(
        {**BASE, "network": {"natMode": "none", "interfaceEndpoints": True}}, "dev"
    )


@pytest.mark.parametrize("days", [0, 45, "forever", 4000])
def test_log_retention_is_a_cloudwatch_value(days):
    message = only_problem({"logRetentionDays": days})
    assert message.startswith("eks-platform:logRetentionDays") and "3653" in message


def test_unknown_keys_are_reported_at_every_level():
    found = problems(
        {"ownr": "x", "network": {"vpcCdir": "10.0.0.0/16"}, "cluster": {"logType": []}}
    )
    assert any(p.startswith("eks-platform:ownr is not a known setting") for p in found)
    assert any(p.startswith("eks-platform:network.vpcCdir is not a known setting") for p in found)
    assert any(p.startswith("eks-platform:cluster.logType is not a known setting") for p in found)


def test_owner_is_required():
    with pytest.raises(SettingsError, match="eks-platform:owner"):
        load_settings({}, "dev")


def test_section_must_be_an_object():
    assert "eks-platform:network" in only_problem({"network": "10.0.0.0/16"})


@pytest.mark.parametrize("name", ["-bad", "a" * 101, "has space"])
def test_cluster_name(name):
    assert "eks-platform:clusterName" in only_problem({"clusterName": name})


def test_tags_must_be_strings():
    assert "eks-platform:tags" in only_problem({"tags": {"cost-center": ["a"]}})
    assert (
        load_settings({**BASE, "tags": {"cost-center": 42}}, "dev").common_tags["cost-center"]
        == "42"
    )


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
    version = min(eks_versions.STANDARD_SUPPORT, key=eks_versions.minor)
    end = eks_versions.STANDARD_SUPPORT[version].end_of_standard_support
    s = load_settings(
        {**BASE, "kubernetesVersion": version}, "dev", today=end - dt.timedelta(days=10)
    )
    assert any("leaves EKS standard support" in w for w in s.warnings)
    s = load_settings(
        {**BASE, "kubernetesVersion": version}, "dev", today=end - dt.timedelta(days=200)
    )
    assert s.warnings == ()
