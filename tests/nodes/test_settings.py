"""`compute.*`: node groups (names, sizes, types, taints, hop limit) or Auto Mode, never both."""

import re

import pytest

from config import SettingsError
from nodes.settings import DEFAULT_NODE_GROUP
from settings import load_settings

BASE = {"owner": "platform-team"}
GROUP = {"name": "system", "instanceTypes": ["m7i.large"]}


def compute(raw: dict, stack: str = "dev"):
    return load_settings({**BASE, "compute": raw}, stack)


def problems(raw: dict) -> list[str]:
    with pytest.raises(SettingsError) as error:
        compute(raw)
    return error.value.problems


def test_one_system_group_by_default():
    assert compute({}).compute.node_groups == (DEFAULT_NODE_GROUP,)
    assert DEFAULT_NODE_GROUP.instance_types == ("m7i.large", "m6i.large")
    assert DEFAULT_NODE_GROUP.labels == {"role": "system"}


@pytest.mark.parametrize(
    ("group", "key"),
    [
        ({"minSize": 4, "desiredSize": 3, "maxSize": 6}, "desiredSize"),
        ({"desiredSize": 7, "maxSize": 6}, "desiredSize"),
        ({"instanceTypes": []}, "instanceTypes"),
        ({"capacityType": "RESERVED"}, "capacityType"),
        ({"amiType": "AL2_x86_64"}, "amiType"),
        ({"metadataHopLimit": 3}, "metadataHopLimit"),
        ({"taints": [{"key": "dedicated", "effect": "NoSchedule"}]}, "taints[0].effect"),
        ({"taints": [{"value": "x"}]}, "taints[0].key"),
    ],
)
def test_node_group_validation(group, key):
    [problem] = problems({"nodeGroups": [{**GROUP, **group}]})
    assert problem.startswith(f"eks-platform:compute.nodeGroups[0].{key} = ")


def test_a_group_needs_a_name():
    assert problems({"nodeGroups": [{"instanceTypes": ["m7i.large"]}]}) == [
        "eks-platform:compute.nodeGroups[0].name = null: must be 1-63 letters, digits, '-' or "
        "'_', starting with a letter or digit"
    ]


def test_unset_sizes_follow_the_ones_set():
    [group] = compute({"nodeGroups": [{**GROUP, "minSize": 8}]}).compute.node_groups
    assert (group.min_size, group.desired_size, group.max_size) == (8, 8, 8)
    [group] = compute({"nodeGroups": [{**GROUP, "maxSize": 2}]}).compute.node_groups
    assert (group.min_size, group.desired_size, group.max_size) == (2, 2, 2)
    [group] = compute({"nodeGroups": [GROUP]}).compute.node_groups
    assert (group.min_size, group.desired_size, group.max_size) == (2, 3, 6)


def test_hop_limit_2_warns_with_the_key():
    settings = compute({"nodeGroups": [{**GROUP, "metadataHopLimit": 2}]})
    [warning] = settings.warnings
    assert warning.startswith("compute.nodeGroups[0].metadataHopLimit = 2 lets pods reach")


def test_duplicate_node_group_names_are_refused():
    [problem] = problems({"nodeGroups": [GROUP, GROUP]})
    assert re.search(r"compute.nodeGroups .*\['system'\] repeat", problem)


def test_managed_mode_needs_a_group():
    assert problems({"nodeGroups": []}) == [
        "eks-platform:compute.nodeGroups = []: must be at least one node group when compute.mode "
        "is 'managed'"
    ]


def test_auto_mode_has_no_node_groups_and_refuses_listed_ones():
    assert compute({"mode": "auto"}).compute.node_groups == ()
    [problem] = problems({"mode": "auto", "nodeGroups": [GROUP]})
    assert "compute.nodeGroups" in problem and "unset when compute.mode is 'auto'" in problem


def test_auto_mode_node_pools_are_the_built_in_ones():
    [problem] = problems({"autoModeNodePools": ["system", "gpu"]})
    assert (
        problem.startswith("eks-platform:compute.autoModeNodePools") and "(not ['gpu'])" in problem
    )
