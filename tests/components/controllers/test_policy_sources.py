"""The controllers' data files are upstream's: the AWS Load Balancer Controller policy grants what
docs/install/iam_policy.json grants at the chart's app version, and the chart versions sit in
Karpenter's compatibility matrix as read."""

import hashlib
import json

import pytest

from components.addons.versions import CONTROLLER_VERSIONS
from components.controllers.iam import LOAD_BALANCER_CONTROLLER_POLICY
from components.controllers.settings import KARPENTER_COMPATIBILITY

# Written down from kubernetes-sigs/aws-load-balancer-controller docs/install/iam_policy.json at
# tag v2.17.1 (commit 3b9bdb1e3fb2ccd7190f32c665062ff2b5792543, read 2026-12-06): its 98
# (effect, action, resource, condition) grants, sorted, as JSON, hashed with SHA-256.
UPSTREAM_GRANTS = 98
UPSTREAM_DIGEST = "34f4991eaa88c151c53b370ee90c0791e63bdac498bff959f9c3b57e65c8b4d9"
# Karpenter's compatibility.yaml at v1.14.1: the newest Kubernetes minor per Karpenter minor.
MATRIX_READ = {
    "1.6": "1.34",
    "1.7": "1.34",
    "1.8": "1.34",
    "1.9": "1.35",
    "1.10": "1.35",
    "1.11": "1.35",
    "1.12": "1.35",
    "1.13": "1.36",
    "1.14": "1.36",
}


def listed(value):
    return value if isinstance(value, list) else [value]


def grants(document: dict) -> list:
    return sorted(
        {
            (s["Effect"], action, resource, json.dumps(s.get("Condition"), sort_keys=True))
            for s in document["Statement"]
            for action in listed(s["Action"])
            for resource in listed(s["Resource"])
        }
    )


def test_the_load_balancer_controller_policy_grants_what_upstream_grants():
    ours = grants(
        json.loads(LOAD_BALANCER_CONTROLLER_POLICY.read_text().replace("${Partition}", "aws"))
    )
    assert len(ours) == UPSTREAM_GRANTS
    assert hashlib.sha256(json.dumps(ours).encode()).hexdigest() == UPSTREAM_DIGEST


def test_the_digest_sees_a_changed_grant():
    document = json.loads(
        LOAD_BALANCER_CONTROLLER_POLICY.read_text().replace("${Partition}", "aws")
    )
    document["Statement"][0]["Action"] = "iam:CreateRole"
    assert hashlib.sha256(json.dumps(grants(document)).encode()).hexdigest() != UPSTREAM_DIGEST


def test_the_compatibility_matrix_is_the_one_read():
    assert KARPENTER_COMPATIBILITY == MATRIX_READ


@pytest.mark.parametrize(
    ("kubernetes", "charts"),
    [
        ("1.34", ("1.17.1", "1.14.1", "al2023@v20260801")),
        ("1.35", ("1.17.1", "1.14.1", "al2023@v20260818")),
        ("1.36", ("1.17.1", "1.14.1", "al2023@v20260903")),
    ],
)
def test_the_chart_versions_and_ami_releases_read(kubernetes, charts):
    row = CONTROLLER_VERSIONS[kubernetes]
    assert (
        row["aws-load-balancer-controller"],
        row["karpenter"],
        row["karpenterAmiAlias"],
    ) == charts
