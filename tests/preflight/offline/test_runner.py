"""preflight.offline.runner: each run of the program stands alone, as each `pulumi preview` does:
nothing one run exports or names carries over to the next in the same process."""

from __future__ import annotations

from preflight.offline.recorder import ROOT_STACK_TYPE
from preflight.offline.runner import run_program
from tests.preflight.network_modes import POD_RANGE


def test_a_run_exports_only_its_own_outputs_under_a_root_stack_of_its_own() -> None:
    with_pods = run_program("dev", POD_RANGE)
    assert "podSubnetIds" in with_pods.outputs
    after = run_program("prod")  # no pod range: it exports no pod subnets
    assert "podSubnetIds" not in after.outputs
    assert after.outputs["clusterName"] == "eks-platform-prod"
    roots = {r.parent for r in after.registrations if r.parent and ROOT_STACK_TYPE in r.parent}
    assert roots == {f"urn:pulumi:prod::eks-platform::{ROOT_STACK_TYPE}::eks-platform-prod"}
