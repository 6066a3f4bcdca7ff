"""URNs and aliases recorded as the engine computes them (the mocks' own URNs differ)."""

from types import SimpleNamespace

from preflight.offline.recorder import alias_urns, urn

STACK_URN = "urn:pulumi:dev::eks-platform::pulumi:pulumi:Stack::eks-platform-dev"
CLUSTER_URN = "urn:pulumi:dev::eks-platform::eks-platform:index:Cluster::eks"


def test_top_level_resources_have_no_stack_type_in_their_urn():
    assert urn("dev", "p", STACK_URN, "eks-platform:index:Cluster", "eks") == (
        "urn:pulumi:dev::p::eks-platform:index:Cluster::eks"
    )
    assert urn("dev", "p", None, "pulumi:pulumi:Stack", "p-dev") == (
        "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
    )


def test_children_chain_every_parent_type():
    child = urn("dev", "eks-platform", CLUSTER_URN, "aws:eks/addon:Addon", "eks-vpc-cni")
    assert (
        child
        == "urn:pulumi:dev::eks-platform::eks-platform:index:Cluster$aws:eks/addon:Addon::eks-vpc-cni"
    )
    grandchild = urn("dev", "eks-platform", child, "aws:iam/role:Role", "r")
    assert grandchild.split("::")[2] == (
        "eks-platform:index:Cluster$aws:eks/addon:Addon$aws:iam/role:Role"
    )


def spec(**fields):
    defaults = {
        "name": "",
        "type": "",
        "stack": "",
        "project": "",
        "parentUrn": "",
        "noParent": False,
    }
    return SimpleNamespace(urn="", spec=SimpleNamespace(**{**defaults, **fields}))


def request(*aliases):
    return SimpleNamespace(
        aliases=list(aliases),
        parent="urn:pulumi:dev::eks-platform::eks-platform:index:NodeGroup::eks-system",
        type="aws:eks/nodeGroup:NodeGroup",
        name="eks-system",
    )


def test_an_alias_spec_takes_the_resources_own_fields_where_unset():
    [old] = alias_urns(request(spec(parentUrn=CLUSTER_URN)), "dev", "eks-platform")
    assert old == (
        "urn:pulumi:dev::eks-platform::eks-platform:index:Cluster$aws:eks/nodeGroup:NodeGroup::eks-system"
    )


def test_an_alias_spec_with_a_name_and_no_parent():
    [old] = alias_urns(request(spec(name="old", noParent=True)), "dev", "eks-platform")
    assert old == "urn:pulumi:dev::eks-platform::aws:eks/nodeGroup:NodeGroup::old"


def test_an_alias_given_as_a_urn_is_kept():
    alias = SimpleNamespace(urn="urn:pulumi:dev::x::t::n", spec=None)
    assert alias_urns(request(alias), "dev", "eks-platform") == ("urn:pulumi:dev::x::t::n",)
