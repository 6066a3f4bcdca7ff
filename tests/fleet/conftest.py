"""A fixture fleet: four stacks (dev, staging, prod, prod-us) in two regions and two accounts,
each a minimal stack file in a temporary project directory."""

from __future__ import annotations

from pathlib import Path

import pytest

STACK_REGIONS = {
    "dev": "eu-west-1",
    "staging": "us-east-1",
    "prod": "eu-west-1",
    "prod-us": "us-east-1",
}

FLEET = """\
waves:
  - wave: 1
    maxParallel: 2
    soakMinutes: 15
  - wave: 3
    soakMinutes: 30
stacks:
  - stack: dev
    account: "111122223333"
    role: arn:aws:iam::111122223333:role/eks-platform-dev-deploy
    region: eu-west-1
    wave: 1
    labels: {tier: dev}
  - stack: staging
    account: "111122223333"
    role: arn:aws:iam::111122223333:role/ci/eks-platform-staging-deploy
    region: us-east-1
    wave: 1
  - stack: prod
    account: "444455556666"
    role: arn:aws:iam::444455556666:role/eks-platform-prod-deploy
    region: eu-west-1
    wave: 3
  - stack: prod-us
    account: "444455556666"
    role: arn:aws:iam::444455556666:role/eks-platform-prod-us-deploy
    region: us-east-1
    wave: 2
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for stack, region in STACK_REGIONS.items():
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(
            f"config:\n  aws:region: {region}\n  eks-platform:owner: platform-team\n"
        )
    (tmp_path / "fleet.yaml").write_text(FLEET)
    return tmp_path
