"""How an add-on's (or a controller's) pods get AWS credentials: trust for EKS Pod Identity, or
IRSA trust scoped to one service account."""

from __future__ import annotations

from components.base.context import AwsContext
from components.base.iam import ASSUME_AND_TAG, Document, document, service_trust


def pod_identity_trust(ctx: AwsContext) -> Document:
    """EKS Pod Identity: the agent assumes the role and tags the session with the pod's identity."""
    return service_trust(ctx, "pods.eks", actions=ASSUME_AND_TAG)


def irsa_trust(oidc_provider_arn: str, issuer_host: str, service_account: str) -> Document:
    """IRSA trust scoped to one service account ("namespace/name") and the STS audience."""
    namespace, name = service_account.split("/")
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{issuer_host}:sub": f"system:serviceaccount:{namespace}:{name}",
                    f"{issuer_host}:aud": "sts.amazonaws.com",
                }
            },
        }
    )
