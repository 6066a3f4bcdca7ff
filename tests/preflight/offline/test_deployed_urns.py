"""Stacks deployed before a change keep every resource: each URN they hold is still the URN of a
resource the program registers, or one of its aliases (then the engine moves the state over),
unless deployed_urns.json lists it as removed on purpose, with the reason. Resources added by a
feature are reviewed with `python -m preflight --against`; here only components may be new
without a resource of their own."""

from collections import Counter

import pytest

from tests.programs import DEPLOYED, program


@pytest.fixture(scope="module", params=sorted(DEPLOYED["stacks"]))
def deployed(request):
    stack = DEPLOYED["stacks"][request.param]
    return stack["urns"], program(stack["stack"], stack["overrides"])


def removed_on_purpose(stack: dict) -> set[str]:
    """What every stack dropped, and what this one did (an add-on Auto Mode runs itself)."""
    return set(DEPLOYED["removedOnPurpose"]) | set(stack.get("removedOnPurpose", {}))


def test_every_deployed_urn_is_a_urn_or_an_alias_of_todays_resources(deployed):
    urns, run = deployed
    known = {r.urn for r in run.registrations} | {a for r in run.registrations for a in r.aliases}
    stack = next(s for s in DEPLOYED["stacks"].values() if s["urns"] is urns)
    assert sorted(set(urns) - known - removed_on_purpose(stack)) == []


def test_what_was_removed_on_purpose_is_really_gone():
    for stack in DEPLOYED["stacks"].values():
        run = program(stack["stack"], stack["overrides"])
        claimed = {u for r in run.registrations for u in (r.urn, *r.aliases)}
        assert not claimed & removed_on_purpose(stack)


def test_no_two_resources_claim_the_same_deployed_urn(deployed):
    _, run = deployed
    claims = Counter(u for r in run.registrations for u in {r.urn, *r.aliases})
    assert [u for u, n in claims.items() if n > 1] == []


def test_the_only_new_components_are_the_layout_s(deployed):
    urns, run = deployed
    new = [r for r in run.registrations if r.urn not in urns and not set(r.aliases) & set(urns)]
    assert {r.type for r in new if not r.custom} <= {
        "eks-platform:index:NodeGroup",
        "eks-platform:index:Monitoring",
    }
