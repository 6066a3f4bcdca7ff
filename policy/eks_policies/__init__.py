"""CrossGuard policies for the EKS/VPC platform baseline, grouped by concern.

`ALL_POLICIES` is what `policy/__main__.py` serves; tests and `preflight.offline.analyzer` import it
without starting the server.
"""

from __future__ import annotations

from . import addons, cluster, iam, kms_logs, kubernetes, network, nodes, tags
from ._policy import BaselinePolicy, BaselineResourcePolicy, BaselineStackPolicy

PACK_NAME = "eks-platform-baseline"
PACK_DESCRIPTION = (
    "Guardrails for the EKS platform baseline: private, logged and encrypted control plane; "
    "hardened nodes; flow-logged VPC; least-privilege IAM; managed add-ons; hardened Karpenter, "
    "storage classes and pinned Helm charts; required tags."
)

ALL_POLICIES: list[BaselinePolicy] = [
    *cluster.POLICIES,
    *nodes.POLICIES,
    *network.POLICIES,
    *kms_logs.POLICIES,
    *iam.POLICIES,
    *addons.POLICIES,
    *kubernetes.POLICIES,
    *tags.POLICIES,
]

__all__ = [
    "ALL_POLICIES",
    "PACK_DESCRIPTION",
    "PACK_NAME",
    "BaselinePolicy",
    "BaselineResourcePolicy",
    "BaselineStackPolicy",
]
