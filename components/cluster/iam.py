"""The cluster's and nodes' IAM: managed policies per role, the secrets key grant, access
policies for access entries."""

from __future__ import annotations

CLUSTER_POLICIES = ("AmazonEKSClusterPolicy",)
AUTO_MODE_CLUSTER_POLICIES = (
    "AmazonEKSComputePolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingPolicy",
)
AUTO_MODE_NODE_POLICIES = ("AmazonEKSWorkerNodeMinimalPolicy", "AmazonEC2ContainerRegistryPullOnly")
# What the cluster role does with the key that envelope-encrypts Kubernetes secrets.
SECRETS_KEY_ACTIONS = ("kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey")


def principal_label(arn: str) -> str:
    """A stable, readable resource-name fragment for an IAM principal ARN: role-Admins, user-alice."""
    kind, _, path = arn.split(":", 5)[5].partition("/")
    return f"{kind}-{path.replace('/', '-')}"
