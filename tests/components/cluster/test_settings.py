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
