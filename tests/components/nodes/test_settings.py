"""`compute.*`: node groups (names, sizes, types, taints, hop limit) or Auto Mode, never both."""

import re

import pytest

from components.base.config import SettingsError
from components.nodes.settings import DEFAULT_NODE_GROUP
from components.stack.settings import load_settings

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
    [warning] = [w for w in settings.warnings if "metadataHopLimit" in w]
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


@pytest.mark.parametrize(
    "name",
    ["m7g.large", "c6in.24xlarge", "u-6tb1.112xlarge", "mac2-m2.metal", "m7i.metal-24xl",
     "c7i-flex.large", "t3.nano", "p5.48xlarge"],
)  # fmt: skip
def test_real_instance_type_names_pass(name):
    arm = name.startswith("m7g")
    group = {**GROUP, "instanceTypes": [name]}
    if arm:
        group["amiType"] = "AL2023_ARM_64_STANDARD"
    assert compute({"nodeGroups": [group]}).compute.node_groups[0].instance_types == (name,)


def test_malformed_instance_types_and_a_wrong_architecture_are_refused_at_once():
    found = problems(
        {
            "nodeGroups": [
                {"name": "a", "instanceTypes": ["M7g.large", "m7g", "m7i.huge", "t3.large"]},
                {
                    "name": "b",
                    "instanceTypes": ["t4g.medium", "t3.large"],
                    "amiType": "AL2023_ARM_64_STANDARD",
                },
            ]
        }
    )
    assert found == [
        'eks-platform:compute.nodeGroups[0].instanceTypes = ["M7g.large", "m7g", "m7i.huge", '
        '"t3.large"]: must be EC2 instance type names, <family>.<size> in lower case like '
        "m7g.large or c6in.24xlarge (not ['M7g.large', 'm7g', 'm7i.huge'])",
        'eks-platform:compute.nodeGroups[1].instanceTypes = ["t4g.medium", "t3.large"]: must be '
        "arm64 (Graviton) instance types for amiType AL2023_ARM_64_STANDARD (not ['t3.large']): "
        "use Graviton types (such as m7g.large) or amiType AL2023_x86_64_STANDARD",
    ]


def test_graviton_types_with_the_default_ami_name_the_ami_type_to_set():
    [found] = problems({"nodeGroups": [{"name": "a", "instanceTypes": ["m7g.large"]}]})
    assert found.endswith(
        "must be x86_64 instance types for amiType AL2023_x86_64_STANDARD (not ['m7g.large']): "
        "for Graviton types set amiType: AL2023_ARM_64_STANDARD"
    )


def test_a_refused_instance_type_list_is_reported_once_not_again_as_its_default():
    found = problems(
        {
            "nodeGroups": [
                {"name": "a", "instanceTypes": "m7g.large", "amiType": "AL2023_ARM_64_STANDARD"}
            ]
        }
    )
    assert [p.split(" = ")[0] for p in found] == [
        "eks-platform:compute.nodeGroups[0].instanceTypes"
    ]
    assert "must be a non-empty list of EC2 instance types" in found[0]


def test_an_arm_ami_without_instance_types_asks_for_graviton_types():
    [found] = problems({"nodeGroups": [{"name": "a", "amiType": "AL2023_ARM_64_STANDARD"}]})
    assert found.startswith("eks-platform:compute.nodeGroups[0].instanceTypes = ")
    assert "must be set for amiType AL2023_ARM_64_STANDARD: the default types are x86_64" in found


def test_a_refused_ami_type_is_not_blamed_on_the_instance_types():
    [found] = problems(
        {"nodeGroups": [{"name": "a", "instanceTypes": ["m7g.large"], "amiType": "ARM"}]}
    )
    assert found.startswith("eks-platform:compute.nodeGroups[0].amiType = ")


def test_labels_and_taints_eks_would_refuse_are_refused_at_once():
    found = problems(
        {
            "nodeGroups": [
                {
                    **GROUP,
                    "labels": {"role": "system", "team/x": "a b", "k" * 64: "v"},
                    "taints": [{"key": "-bad", "value": "x" * 64}],
                }
            ]
        }
    )
    assert len(found) == 3, found
    assert found[0].startswith('eks-platform:compute.nodeGroups[0].taints[0].key = "-bad": must be')
    assert found[1].startswith("eks-platform:compute.nodeGroups[0].taints[0].value = ")
    assert found[2].startswith("eks-platform:compute.nodeGroups[0].labels = ")
    assert f"(not ['{'k' * 64}', 'team/x'])" in found[2]
    ok = {"example.com/tier": "system", "role": "a.b-c_d"}
    assert compute({"nodeGroups": [{**GROUP, "labels": ok}]}).compute.node_groups[0].labels == ok
