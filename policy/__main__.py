"""The pack as the Pulumi CLI runs it: serves the policies over gRPC and blocks (never import it)."""

import gc

from pulumi_policy import EnforcementLevel, PolicyPack

from eks_policies import ALL_POLICIES, PACK_DESCRIPTION, PACK_NAME

# The analyzer builds every resource's properties afresh for every policy: short-lived objects by
# the million on a large stack. CPython's default thresholds then re-scan the growing heap often
# enough to make AnalyzeStack superlinear; collecting young objects less often keeps it linear.
gc.freeze()
gc.set_threshold(200_000, 100, 1000)

PolicyPack(
    name=PACK_NAME,
    policies=list(ALL_POLICIES),
    enforcement_level=EnforcementLevel.ADVISORY,
    description=PACK_DESCRIPTION,
)
