"""What a change of `kubernetesVersion` sends to EKS, branch by branch, against EKS's rules as the
user guide states them (read 2026-12-06): up one minor at a time (update-cluster.html); a rollback
N -> N-1 only, within 7 days of an in-place upgrade, managed node groups before the control plane,
add-ons left as they are, Auto Mode nodes rolled back by EKS itself (rollback-cluster.html)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.stack.upgrade import Plan, Upgrade, Versions, plan_versions

TODAY = dt.date(2026, 12, 6)
ALLOW = ("kubernetesVersion",)


def settled(version: str, upgrade: Upgrade | None = None) -> Versions:
    return Versions(version, version, upgrade)


# Rollbacks here go 1.36 -> 1.35: both in standard support on TODAY (1.34's ended 2026-12-02).
def upgraded_days_ago(days: int, to: str = "1.36", source: str = "1.35") -> Versions:
    return settled(to, Upgrade(source, TODAY - dt.timedelta(days=days)))


def plan(previous, desired, allowed=ALLOW, managed=True) -> Plan:
    return plan_versions(previous, desired, allowed, TODAY, managed_nodes=managed)


def test_a_new_stack_runs_the_setting_everywhere():
    assert plan(None, "1.35") == Plan(Versions("1.35", "1.35"))


def test_no_change_keeps_what_runs_and_the_last_upgrade():
    previous = upgraded_days_ago(3)
    assert plan(previous, "1.36").versions == previous
    assert plan(previous, "1.36").notes == ()


def test_one_minor_up_moves_everything_and_records_the_upgrade():
    result = plan(settled("1.35"), "1.36", allowed=())
    assert result.refusals == ()
    assert result.versions == Versions("1.36", "1.36", Upgrade("1.35", TODAY))


@pytest.mark.parametrize(
    "desired, advice", [("1.37", "deploy 1.36 first"), ("1.38", "deploy 1.36 first")]
)
def test_more_than_one_minor_up_is_refused_with_the_next_minor_to_deploy(desired, advice):
    [message] = plan(settled("1.35"), desired).refusals
    assert message.startswith(f"eks-platform:kubernetesVersion: 1.35 -> {desired}: ")
    assert advice in message and "one minor version at a time" in message


def test_two_minors_down_is_refused_even_when_allowed():
    [message] = plan(upgraded_days_ago(1), "1.34").refusals
    assert "by one minor version only (N to N-1" in message
    assert "roll back to 1.35 first" in message


def test_a_rollback_to_a_version_past_standard_support_is_refused():
    # EKS: a target in extended support needs the EXTENDED upgrade policy (rollback-cluster.html).
    [message] = plan(upgraded_days_ago(1, "1.35", "1.34"), "1.34").refusals
    assert "1.34 is past the end of EKS standard support" in message
    assert "EXTENDED upgrade policy" in message


def test_a_rollback_without_its_allowance_is_refused_naming_it():
    [message] = plan(upgraded_days_ago(1), "1.35", allowed=()).refusals
    assert message.startswith("eks-platform:kubernetesVersion: 1.36 -> 1.35: a rollback")
    assert 'Add "kubernetesVersion" to eks-platform:allowDisruptiveChanges' in message
    assert "within 7 days" in message and "node groups first" in message


def test_a_rollback_moves_the_node_groups_first_then_the_control_plane():
    first = plan(upgraded_days_ago(2), "1.35")
    assert first.refusals == ()
    # Step 1: node groups (and add-ons: they take the setting's row) back, control plane kept.
    assert first.versions == Versions("1.36", "1.35", Upgrade("1.35", TODAY - dt.timedelta(2)))
    assert not first.versions.rolls_back
    assert "rollback step 1 of 2" in first.notes[0] and "Run `pulumi up` again" in first.notes[0]
    assert "the node groups and the add-ons go back to 1.35" in first.notes[0]
    second = plan(first.versions, "1.35")
    assert second.refusals == ()
    # Step 2: the control plane follows.
    assert second.versions == Versions("1.35", "1.35", None, rolls_back=True)
    assert "step 2 of 2" in second.notes[0] and "Remove" in second.notes[0]
    # Settled afterwards: nothing moves.
    assert plan(second.versions, "1.35").versions == Versions("1.35", "1.35", None)


def test_auto_mode_rolls_back_in_one_step_as_eks_rolls_its_nodes_itself():
    result = plan(upgraded_days_ago(2), "1.35", managed=False)
    assert result.versions == Versions("1.35", "1.35", None, rolls_back=True)
    assert "rollback:" in result.notes[0] and "step" not in result.notes[0]
    assert "Auto Mode nodes" in result.notes[0]


@pytest.mark.parametrize("days, allowed", [(0, True), (6, True), (7, False), (30, False)])
def test_the_rollback_window_is_seven_days_from_the_upgrade(days, allowed):
    result = plan(upgraded_days_ago(days), "1.35")
    assert (result.refusals == ()) is allowed
    if not allowed:
        assert "only within 7 days of the upgrade" in result.refusals[0]
        assert f"deployed on {TODAY - dt.timedelta(days)}" in result.refusals[0]


def test_the_window_is_checked_again_at_the_second_step():
    first = plan(upgraded_days_ago(6), "1.35")
    late = dataclass_replace_upgrade(first.versions, days_ago=7)
    assert "only within 7 days" in plan(late, "1.35").refusals[0]


def dataclass_replace_upgrade(versions: Versions, days_ago: int) -> Versions:
    assert versions.upgrade is not None
    return Versions(
        versions.control_plane,
        versions.nodes,
        Upgrade(versions.upgrade.from_version, TODAY - dt.timedelta(days_ago)),
    )


def test_a_cluster_created_at_its_version_cannot_roll_back():
    [message] = plan(settled("1.36"), "1.35").refusals
    assert "EKS rolls back only an in-place upgrade" in message
    assert "created at 1.36, or already rolled back" in message


def test_a_rollback_goes_back_only_to_where_the_upgrade_came_from():
    # The same answer as a cluster created at 1.36: no upgrade from 1.35 to undo.
    assert plan(upgraded_days_ago(1, "1.36", "1.36"), "1.35").refusals


def test_a_record_older_than_upgrade_tracking_may_roll_back_with_a_warning():
    old = Versions("1.36", "1.36", None, upgrade_known=False)
    result = plan(old, "1.35")
    assert result.refusals == ()
    assert any("predates upgrade tracking" in n for n in result.notes)


def test_an_abandoned_rollback_brings_the_node_groups_back():
    halfway = Versions("1.35", "1.34", Upgrade("1.34", TODAY))
    result = plan(halfway, "1.35", allowed=())
    assert result.versions == Versions("1.35", "1.35", Upgrade("1.34", TODAY))
    assert result.notes == ("node groups back to 1.35 with the control plane",)


def test_an_upgrade_is_refused_while_a_rollback_is_half_done():
    halfway = Versions("1.35", "1.34", Upgrade("1.34", TODAY))
    [message] = plan(halfway, "1.36").refusals
    assert "the node groups run 1.34 (a rollback half done)" in message


def test_after_a_rollback_an_upgrade_is_an_upgrade_again():
    rolled_back = Versions("1.35", "1.35", None)
    assert plan(rolled_back, "1.36", allowed=()).versions == Versions(
        "1.36", "1.36", Upgrade("1.35", TODAY)
    )


MINORS = st.integers(min_value=28, max_value=40)


@given(
    current=MINORS,
    nodes_behind=st.booleans(),
    desired=MINORS,
    upgrade_days=st.none() | st.integers(min_value=0, max_value=20),
    allowed=st.booleans(),
    managed=st.booleans(),
)
def test_every_plan_keeps_eks_rules(current, nodes_behind, desired, upgrade_days, allowed, managed):
    upgrade = (
        None
        if upgrade_days is None
        else Upgrade(f"1.{current - 1}", TODAY - dt.timedelta(days=upgrade_days))
    )
    previous = Versions(
        f"1.{current}", f"1.{current - 1}" if nodes_behind and upgrade else f"1.{current}", upgrade
    )
    result = plan(previous, f"1.{desired}", ALLOW if allowed else (), managed)
    if result.refusals:
        assert len(result.refusals) == 1
        assert result.refusals[0].startswith(f"eks-platform:kubernetesVersion: 1.{current} -> ")
        return
    new = result.versions
    cp, nodes = (int(v.split(".")[1]) for v in (new.control_plane, new.nodes))
    # The control plane moves one minor at most; down only with the allowance, within 7 days.
    assert abs(cp - current) <= 1
    if cp < current:
        assert allowed and upgrade is not None and upgrade_days < 7 and new.rolls_back
    # Node groups are never newer than the control plane, and never more than one behind it.
    assert 0 <= cp - nodes <= 1
    # A change of the setting is always on its way: reached, or a step of it taken.
    if desired == current:
        assert (cp, nodes) == (current, desired)
