"""`cluster.*`: the public endpoint only for listed networks, known log types, principal ARNs."""

import pytest

from components.base.config import SettingsError
from components.cluster.settings import CONTROL_PLANE_LOG_TYPES
from components.stack.settings import load_settings

BASE = {"owner": "platform-team"}
ADMIN = "arn:aws:iam::111122223333:role/platform-admins"


def cluster(raw: dict):
    return load_settings({**BASE, "cluster": raw}, "dev").cluster


def problems(raw: dict) -> list[str]:
    with pytest.raises(SettingsError) as error:
        cluster(raw)
    return error.value.problems


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_open_public_access_is_refused(cidr):
    [problem] = problems({"publicAccessCidrs": ["203.0.113.0/24", cidr]})
    assert problem.startswith("eks-platform:cluster.publicAccessCidrs = ")
    assert f"{cidr} opens the API endpoint to the internet" in problem


def test_public_access_cidrs_must_be_cidrs():
    [problem] = problems({"publicAccessCidrs": ["203.0.113.0/24", "office"]})
    assert "valid CIDRs ('office' is not)" in problem


def test_listed_cidrs_turn_the_public_endpoint_on():
    assert not cluster({}).public_endpoint
    assert cluster({"publicAccessCidrs": ["203.0.113.0/24"]}).public_endpoint


def test_log_types_default_to_all_five_in_eks_order():
    assert cluster({}).log_types == CONTROL_PLANE_LOG_TYPES
    assert cluster({"logTypes": ["scheduler", "api"]}).log_types == ("api", "scheduler")


def test_unknown_log_type_is_refused():
    [problem] = problems({"logTypes": ["api", "etcd"]})
    assert problem.startswith("eks-platform:cluster.logTypes") and "(not ['etcd'])" in problem


@pytest.mark.parametrize(
    "arn", ["arn:aws:iam::123:role/x", "arn:aws:sts::111122223333:assumed-role/x/y", "admin"]
)
def test_principal_arn_shape_is_validated(arn):
    [problem] = problems({"adminPrincipalArns": [arn]})
    assert problem.startswith("eks-platform:cluster.adminPrincipalArns")


def test_admins_and_viewers_are_disjoint():
    [problem] = problems({"adminPrincipalArns": [ADMIN], "viewerPrincipalArns": [ADMIN]})
    assert problem.startswith("eks-platform:cluster.viewerPrincipalArns") and "disjoint" in problem


def test_endpoint_access_takes_security_groups_and_private_networks():
    access = cluster(
        {
            "endpointAccess": {
                "securityGroupIds": ["sg-0123456789abcdef0", "sg-01234567"],
                "cidrs": ["10.99.0.0/24", "172.16.5.0/24", "192.168.1.0/24", "100.64.0.0/16"],
            }
        }
    ).endpoint_access
    assert access.any and len(access.security_group_ids) == 2 and len(access.cidrs) == 4
    assert not cluster({}).endpoint_access.any


@pytest.mark.parametrize(
    "raw, key, expected",
    [
        (
            {"securityGroupIds": ["sg-123", "0123456789abcdef0"]},
            "securityGroupIds",
            "must be security group ids like sg-0123456789abcdef0 (not ['sg-123', '0123456789abcdef0'])",
        ),
        ({"cidrs": ["10.0.0.0/33"]}, "cidrs", "must be valid CIDRs ('10.0.0.0/33' is not)"),
        (
            {"cidrs": ["203.0.113.0/24"]},
            "cidrs",
            "must be private IPv4 ranges (10/8, 172.16/12, 192.168/16, 100.64/10); 203.0.113.0/24 "
            "is not: a public network reaches the API through publicAccessCidrs",
        ),
        (
            {"cidrs": ["10.0.0.0/7"]},  # wider than 10/8: not inside a private range
            "cidrs",
            "10.0.0.0/7 is not",
        ),
    ],
)
def test_endpoint_access_refuses_what_is_not_an_id_or_a_private_network(raw, key, expected):
    [problem] = problems({"endpointAccess": raw})
    assert problem.startswith(f"eks-platform:cluster.endpointAccess.{key} = ")
    assert expected in problem


def test_force_upgrade_is_off_unless_asked():
    assert cluster({}).force_upgrade is False
    assert cluster({"forceUpgrade": True}).force_upgrade is True


@pytest.mark.parametrize(
    "raw, key",
    [
        ({"endpointAccess": {"cidrs": ["10.99.0.0/24", "10.99.0.0/24"]}}, "endpointAccess.cidrs"),
        (
            {"endpointAccess": {"securityGroupIds": ["sg-01234567", "sg-01234567"]}},
            "endpointAccess.securityGroupIds",
        ),
        ({"adminPrincipalArns": [ADMIN, ADMIN]}, "adminPrincipalArns"),
    ],
)
def test_a_repeated_entry_is_refused_before_it_becomes_two_resources_of_one_name(raw, key):
    [problem] = problems(raw)
    assert problem.startswith(f"eks-platform:cluster.{key} = ")
    assert "a list without repeats" in problem
