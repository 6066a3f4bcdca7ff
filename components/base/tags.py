"""Tag keys with a meaning outside this program: Kubernetes controllers find AWS resources by them."""

from __future__ import annotations

# Karpenter finds the node subnets and security groups of a cluster by this tag (value: the cluster).
KARPENTER_DISCOVERY = "karpenter.sh/discovery"


def cluster_tag(cluster_name: str) -> str:
    """`kubernetes.io/cluster/<name>`: "shared" on subnets the cluster uses, "owned" on what it creates."""
    return f"kubernetes.io/cluster/{cluster_name}"
