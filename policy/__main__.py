"""The pack as the Pulumi CLI runs it: serves the policies over gRPC and blocks (never import it)."""

from pulumi_policy import EnforcementLevel, PolicyPack

from eks_policies import ALL_POLICIES, PACK_DESCRIPTION, PACK_NAME

PolicyPack(
    name=PACK_NAME,
    policies=list(ALL_POLICIES),
    enforcement_level=EnforcementLevel.ADVISORY,
    description=PACK_DESCRIPTION,
)
