"""The change review's classification, on small hand-made graphs: matching by URN or alias,
changed paths, replacement-forcing properties from the table, ignoreChanges, cascades through
property dependencies and providers, launch template versions, and the refusals."""

import dataclasses

import pytest

from preflight.offline.recorder import Registration
from preflight.review import REPLACE_ON, changed_paths, forcing, review

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def resource(typ: str, name: str, inputs: dict, **options) -> Registration:
    return Registration(
        urn=f"urn:pulumi:dev::eks-platform::{typ}::{name}",
        id=f"{name}-id",
        type=typ,
        name=name,
        custom=True,
        inputs=inputs,
        outputs={},
        parent=None,
        dependencies=tuple(options.pop("dependencies", ())),
        property_dependencies=options.pop("property_dependencies", {}),
        protect=options.pop("protect", False),
        retain_on_delete=False,
        ignore_changes=tuple(options.pop("ignore_changes", ())),
        provider=options.pop("provider", ""),
        aliases=tuple(options.pop("aliases", ())),
    )


def changed(r: Registration, **inputs) -> Registration:
    return dataclasses.replace(r, inputs={**r.inputs, **inputs})


VPC = resource("aws:ec2/vpc:Vpc", "vpc", {"cidrBlock": "10.0.0.0/16", "tags": {"a": "1"}})
SUBNET = resource(
    "aws:ec2/subnet:Subnet",
    "private-a",
    {"vpcId": "vpc-id", "cidrBlock": "10.0.0.0/19", "availabilityZone": "eu-west-1a"},
    property_dependencies={"vpcId": (VPC.urn,)},
)
TEMPLATE = resource(
    "aws:ec2/launchTemplate:LaunchTemplate",
    "lt",
    {"blockDeviceMappings": [{"ebs": {"volumeSize": 50}}]},
)
GROUP = resource(
    NODE_GROUP,
    "system",
    {
        "subnetIds": ["private-a-id"],
        "instanceTypes": ["t3.large"],
        "scalingConfig": {"minSize": 2, "desiredSize": 2, "maxSize": 4},
        "launchTemplate": {"id": "lt-id", "version": "1"},
    },
    property_dependencies={"subnetIds": (SUBNET.urn,), "launchTemplate": (TEMPLATE.urn,)},
)
BASE = [VPC, SUBNET, TEMPLATE, GROUP]


def kinds(found) -> dict[str, list[str]]:
    return {
        k: [c.name for c in getattr(found, k)] for k in ("create", "update", "replace", "delete")
    }


def test_changed_paths_descend_into_objects_and_lists_and_read_json_documents():
    assert changed_paths({"a": {"b": 1, "c": [1, 2]}}, {"a": {"b": 2, "c": [1, 3]}}) == [
        "a.b",
        "a.c[1]",
    ]
    assert changed_paths({"l": [1]}, {"l": [1, 2]}) == ["l"]  # a list that grows changes whole
    assert changed_paths({"p": '{"a": 1, "b": 2}'}, {"p": '{"b":2,"a":1}'}) == []
    assert changed_paths({"x": 1}, {}) == ["x"]


@pytest.mark.parametrize(
    "path, forces",
    [
        ("instanceTypes[0]", True),
        ("instanceTypes", True),
        ("launchTemplate.id", True),
        ("launchTemplate.version", False),
        ("launchTemplate", True),  # the whole block added or dropped
        ("scalingConfig.desiredSize", False),
        ("labels.role", False),
    ],
)
def test_forcing_properties_come_from_the_table(path, forces):
    assert bool(forcing(NODE_GROUP, [path])) is forces


def test_the_table_names_every_type_the_program_registers(dev, prod, auto):
    from tests.programs import EVERY_OPTION, program

    runs = (dev, prod, auto, program("prod", EVERY_OPTION))
    types = {r.type for run in runs for r in run.registrations if r.custom}
    assert types - set(REPLACE_ON) == set()


def test_nothing_changes_when_nothing_changed():
    assert kinds(review(BASE, BASE)) == {"create": [], "update": [], "replace": [], "delete": []}


def test_an_updatable_property_is_an_update_and_ignore_changes_hides_a_path():
    scaled = changed(GROUP, scalingConfig={"minSize": 2, "desiredSize": 5, "maxSize": 4})
    found = review(BASE, [VPC, SUBNET, TEMPLATE, scaled])
    assert kinds(found)["update"] == ["system"]
    assert found.update[0].properties == ("scalingConfig.desiredSize",)
    ignoring = dataclasses.replace(scaled, ignore_changes=("scalingConfig.desiredSize",))
    assert kinds(review(BASE, [VPC, SUBNET, TEMPLATE, ignoring]))["update"] == []


def test_a_forcing_property_replaces_and_the_replacement_cascades():
    found = review(BASE, [changed(VPC, cidrBlock="10.1.0.0/16"), SUBNET, TEMPLATE, GROUP])
    assert kinds(found)["replace"] == ["vpc", "private-a", "system"]
    assert found.replace[0].forced_by == ("cidrBlock changes",)
    assert found.replace[1].forced_by == ("vpcId comes from replaced vpc",)
    assert found.replace[2].forced_by == ("subnetIds comes from replaced private-a",)
    assert found.refused == [
        "replaces 1 aws:ec2/subnet:Subnet (private-a): subnets hold the nodes, the control "
        "plane's ENIs and load balancers would be lost",
        "replaces 1 aws:ec2/vpc:Vpc (vpc): the network everything runs in would be lost",
    ]
    # Old and new values of each changed property; what reads a replaced resource is unknown
    # until that one exists.
    assert found.replace[0].values == (("cidrBlock", "10.0.0.0/16", "10.1.0.0/16"),)
    assert found.replace[1].values == (("vpcId", "vpc-id", "(known once vpc is replaced)"),)


def test_a_launch_template_change_is_a_new_version_that_rolls_the_group():
    bigger = changed(TEMPLATE, blockDeviceMappings=[{"ebs": {"volumeSize": 80}}])
    found = review(BASE, [VPC, SUBNET, bigger, GROUP])
    assert kinds(found)["update"] == ["lt", "system"]
    assert found.update[1].properties == ("launchTemplate",)
    assert found.replace == []


def test_tags_update_in_place():
    found = review(BASE, [changed(VPC, tags={"a": "2"}), SUBNET, TEMPLATE, GROUP])
    assert kinds(found) == {"create": [], "update": ["vpc"], "replace": [], "delete": []}


def test_an_alias_carries_the_old_resource_over():
    moved = dataclasses.replace(
        GROUP, urn=GROUP.urn.replace("::system", "::eks-system"), aliases=(GROUP.urn,)
    )
    assert kinds(review(BASE, [VPC, SUBNET, TEMPLATE, moved]))["create"] == []
    renamed = dataclasses.replace(moved, aliases=())
    found = kinds(review(BASE, [VPC, SUBNET, TEMPLATE, renamed]))
    assert (found["create"], found["delete"]) == (["system"], ["system"])


def test_deleting_stateful_or_protected_resources_is_refused():
    kept = dataclasses.replace(TEMPLATE, protect=True)
    found = review([VPC, SUBNET, kept, GROUP], [VPC, GROUP])
    assert [m.split(":")[0] for m in found.refused] == [
        "deletes 1 aws",  # the protected launch template
        "deletes 1 aws",  # the subnet
    ]
    assert found.refused[0].endswith(
        "(protected: pulumi up stops there, after what came before it)"
    )
    assert "protected" not in found.refused[1]  # stateful, not protected


def test_replacing_a_protected_resource_says_pulumi_up_stops_there():
    protected = dataclasses.replace(TEMPLATE, protect=True)
    described = changed(protected, description="other")  # updated in place: nothing lost
    assert review([protected], [described]).refused == []
    kms = resource("aws:kms/key:Key", "key", {"customerMasterKeySpec": "A"}, protect=True)
    [message] = review([kms], [changed(kms, customerMasterKeySpec="B")]).refused
    assert message.startswith("replaces 1 aws:kms/key:Key (key): data encrypted with the key")
    assert message.endswith("(protected: pulumi up stops there, after what came before it)")


CLUSTER = resource(
    "aws:eks/cluster:Cluster", "eks-cluster", {"name": "eks-platform-dev", "version": "1.35"}
)


def test_replacing_an_unprotected_cluster_is_refused_too():
    [message] = review([CLUSTER], [changed(CLUSTER, name="other")]).refused
    assert message == (
        "replaces 1 aws:eks/cluster:Cluster (eks-cluster): the cluster and every workload in it "
        "would be lost"
    )


def test_a_new_principal_on_an_access_entry_is_a_replacement():
    entry = resource(
        "aws:eks/accessEntry:AccessEntry",
        "access",
        {"clusterName": "c", "principalArn": "arn:aws:iam::1:role/a", "type": "STANDARD"},
    )
    found = review([entry], [changed(entry, principalArn="arn:aws:iam::1:role/b")])
    assert kinds(found)["replace"] == ["access"] and found.update == []
    assert found.replace[0].forced_by == ("principalArn changes",)


def test_changes_come_in_the_engine_s_order_deletions_last():
    found = review(BASE, [changed(VPC, cidrBlock="10.1.0.0/16"), SUBNET, GROUP])
    steps = sorted((c.step, c.name) for kind in ("replace", "delete") for c in getattr(found, kind))
    # What is read first (vpc, then the subnet, then the group), the deletion at the end.
    assert [name for _, name in steps] == ["vpc", "private-a", "system", "lt"]
    assert found.as_dict()["replace"][0]["step"] == 1


def test_a_replaced_provider_replaces_what_it_manages():
    provider = resource("pulumi:providers:kubernetes", "k8s", {"kubeconfig": "a"})
    pool = resource(
        "kubernetes:karpenter.sh/v1:NodePool",
        "pool",
        {"metadata": {"name": "default"}},
        provider=f"{provider.urn}::k8s-id",
    )
    found = review([provider, pool], [changed(provider, kubeconfig="b"), pool])
    assert kinds(found)["replace"] == ["k8s", "pool"]
    assert found.replace[1].forced_by == ("its Kubernetes provider is replaced",)


def test_a_cascade_forces_only_through_the_field_that_reads_the_replaced_resource():
    template = dataclasses.replace(TEMPLATE, outputs={"id": "lt-id", "latestVersion": 1})
    group = dataclasses.replace(
        GROUP,
        inputs={**GROUP.inputs, "launchTemplate": {"id": "lt-id", "version": "1"}},
    )
    renamed = changed(template, name="other")
    found = review([VPC, SUBNET, template, group], [VPC, SUBNET, renamed, group])
    assert kinds(found)["replace"] == ["lt", "system"]
    assert found.replace[1].forced_by == ("launchTemplate comes from replaced lt",)
    # The same template read only where an update suffices: an update, not a replacement.
    tagged = dataclasses.replace(
        group, inputs={**group.inputs, "launchTemplate": {"version": "lt-id"}}
    )
    found = review([VPC, SUBNET, template, tagged], [VPC, SUBNET, renamed, tagged])
    assert kinds(found)["update"] == ["system"] and kinds(found)["replace"] == ["lt"]


def test_a_node_role_replaces_the_cluster_only_once_it_was_set():
    cluster = resource("aws:eks/cluster:Cluster", "eks", {"name": "c"})
    first = changed(cluster, computeConfig={"enabled": True, "nodeRoleArn": "arn:role/a"})
    assert kinds(review([cluster], [first])) == {
        "create": [],
        "update": ["eks"],
        "replace": [],
        "delete": [],
    }
    other = changed(cluster, computeConfig={"enabled": True, "nodeRoleArn": "arn:role/b"})
    found = review([first], [other])
    assert kinds(found)["replace"] == ["eks"]
    assert found.replace[0].forced_by == ("computeConfig.nodeRoleArn changes once set",)


def test_ignore_changes_hides_what_is_under_a_path_and_nothing_beside_it():
    tainted = changed(GROUP, taints=[{"key": "a", "effect": "NO_SCHEDULE"}], labels={"x": "1"})
    moved = changed(
        tainted,
        scalingConfig={"minSize": 3, "desiredSize": 5, "maxSize": 4},
        taints=[{"key": "b", "effect": "NO_SCHEDULE"}],
        labels={"x": "2"},
    )

    def updated(*ignored: str) -> tuple[str, ...]:
        group = dataclasses.replace(moved, ignore_changes=ignored)
        [change] = review([VPC, SUBNET, TEMPLATE, tainted], [VPC, SUBNET, TEMPLATE, group]).update
        return change.properties

    every = ("labels.x", "scalingConfig.desiredSize", "scalingConfig.minSize", "taints[0].key")
    assert updated() == every
    assert updated("scalingConfig", "taints") == ("labels.x",)  # under objects and lists
    assert updated("scaling", "taint", "label") == every  # a prefix of a name is not the name


def test_a_list_entry_that_reads_a_replaced_resource_is_named_with_its_index():
    subnet = dataclasses.replace(SUBNET, outputs={"id": "private-a-id", "arn": "arn:subnet"})
    group = changed(GROUP, subnetIds=["private-0-id", "private-a-id"])
    moved = changed(subnet, availabilityZone="eu-west-1b")
    [_, system] = review([VPC, subnet, TEMPLATE, group], [VPC, moved, TEMPLATE, group]).replace
    assert system.properties == ("subnetIds[1]",)  # the other entry keeps its value
    assert system.values == (
        ("subnetIds[1]", "private-a-id", "(known once private-a is replaced)"),
    )


def test_each_protected_type_is_said_to_stop_pulumi_up_and_a_plain_one_is_named_as_such():
    key = resource("aws:kms/key:Key", "key", {"description": "k"}, protect=True)
    kept = dataclasses.replace(TEMPLATE, protect=True)
    found = review([VPC, SUBNET, key, kept, GROUP], [VPC, SUBNET, GROUP])
    assert len(found.refused) == 2
    assert all(m.endswith("(protected: pulumi up stops there, after what came before it)")
               for m in found.refused)  # fmt: skip
    [template] = [m for m in found.refused if "LaunchTemplate" in m]
    assert "(lt): a protected resource would be lost" in template


def test_what_a_resource_waits_for_or_is_managed_by_comes_first():
    provider = resource("pulumi:providers:kubernetes", "k8s", {"kubeconfig": "a"})
    waiting = resource("aws:ec2/subnet:Subnet", "waits", {"cidrBlock": "b"}, dependencies=[VPC.urn])
    managed = resource(
        "kubernetes:karpenter.sh/v1:NodePool", "pool", {"a": 1}, provider=f"{provider.urn}::k8s-id"
    )
    found = review([], [managed, waiting, provider, VPC])
    step = {c.name: c.step for c in found.create}
    assert step["vpc"] < step["waits"] and step["k8s"] < step["pool"]
