"""The day-2 rules, one branch at a time and in both directions: what AWS rejects is refused
whatever `allowDisruptiveChanges` says, what deletes or undoes things on purpose is refused
unless it names it, and a safe change passes. Each message names the key, says why and what to
do instead. Expected texts are written here from the rules' sources, not read from the code."""

import dataclasses
import datetime as dt

import pytest

from components.stack.record import Deployment
from components.stack.rules import refusals
from components.stack.settings import DISRUPTIVE_CHANGES
from components.stack.upgrade import Upgrade, Versions

TODAY = dt.date(2026, 12, 6)
BASE = Deployment(
    availability_zones=("eu-west-1a", "eu-west-1b", "eu-west-1c"),
    vpc_cidr="10.10.0.0/16",
    subnet_prefixes={"private": 19, "public": 24, "intra": 28},
    kubernetes_version="1.35",
    compute_mode="managed",
    cluster_name="eks-platform-dev",
)
EVERYTHING = ("compute.mode", "kubernetesVersion", "controllers.deployerPrincipalArn")


def changed(**fields) -> Deployment:
    return dataclasses.replace(BASE, **fields)


def refused(before: Deployment, after: Deployment, allowed=()) -> list[str]:
    return refusals(before, after, allowed, TODAY)


def test_the_allowances_are_exactly_the_changes_aws_accepts_that_undo_something():
    assert set(DISRUPTIVE_CHANGES) == set(EVERYTHING)


def test_no_change_passes():
    assert refused(BASE, BASE) == []
    assert refused(BASE, BASE, EVERYTHING) == []


def test_a_new_cluster_name_is_refused_even_when_everything_is_allowed():
    [message] = refused(BASE, changed(cluster_name="other"), EVERYTHING)
    assert message.startswith("eks-platform:clusterName: eks-platform-dev -> other: ")
    assert "deletes the cluster" in message and "a new cluster is a new stack" in message


def test_a_new_vpc_range_is_refused_even_when_everything_is_allowed():
    [message] = refused(BASE, changed(vpc_cidr="10.11.0.0/16"), EVERYTHING)
    assert message.startswith("eks-platform:network.vpcCidr: 10.10.0.0/16 -> 10.11.0.0/16: ")
    assert "EKS refuses to move the cluster" in message


@pytest.mark.parametrize(
    "tier, key",
    [
        ("private", "network.privateSubnetPrefix"),
        ("public", "network.publicSubnetPrefix"),
        ("intra", "network.intraSubnetPrefix"),
    ],
)
@pytest.mark.parametrize("step", [-1, 1])
def test_each_subnet_prefix_is_refused_under_its_own_key(tier, key, step):
    prefixes = dict(BASE.subnet_prefixes)
    before = prefixes[tier]
    prefixes[tier] = before + step
    [message] = refused(BASE, changed(subnet_prefixes=prefixes), EVERYTHING)
    assert message.startswith(f"eks-platform:{key}: /{before} -> /{before + step}: ")
    assert "InvalidSubnet.Conflict" in message and "fixed once deployed" in message


def test_two_prefixes_changed_are_two_refusals_in_tier_order():
    found = refused(BASE, changed(subnet_prefixes={"private": 20, "public": 25, "intra": 28}))
    assert [m.split(":")[1] for m in found] == [
        "network.privateSubnetPrefix",
        "network.publicSubnetPrefix",
    ]


ZONES = "network.availabilityZones"


@pytest.mark.parametrize(
    "after, why",
    [
        (("eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"), "adds ['eu-west-1d']"),
        (("eu-west-1a", "eu-west-1b"), "removes ['eu-west-1c']"),  # the last one
        (("eu-west-1a", "eu-west-1c"), "removes ['eu-west-1b']"),
        (("eu-west-1b", "eu-west-1c"), "removes ['eu-west-1a']"),
        (("eu-west-1b", "eu-west-1a", "eu-west-1c"), "reorders them"),
        (("eu-west-1a", "eu-west-1b", "eu-west-1d"), "adds ['eu-west-1d']"),  # one for another
    ],
)
def test_any_change_of_the_azs_is_refused_even_when_everything_is_allowed(after, why):
    [message] = refused(BASE, changed(availability_zones=after), EVERYTHING)
    assert message.startswith(f"eks-platform:{ZONES}: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c']")
    assert why in message
    # EKS network requirements: subnets must stay in the AZs the cluster was created with.
    assert "same set of AZs as originally provided" in message
    assert "other AZs need a new stack" in message


def test_the_azs_cannot_be_allowed_away():
    assert ZONES not in DISRUPTIVE_CHANGES


def test_managed_to_auto_mode_passes_only_when_allowed():
    [message] = refused(BASE, changed(compute_mode="auto"))
    assert message.startswith("eks-platform:compute.mode: managed -> auto: ")
    assert "EBS CSI volumes cannot be mounted" in message
    assert 'add "compute.mode" to eks-platform:allowDisruptiveChanges' in message
    assert refused(BASE, changed(compute_mode="auto"), ("compute.mode",)) == []
    # Another allowance does not lift it.
    assert len(refused(BASE, changed(compute_mode="auto"), ("kubernetesVersion",))) == 1


def test_auto_mode_cannot_be_turned_off_even_when_allowed():
    auto = changed(compute_mode="auto")
    [message] = refused(auto, BASE, EVERYTHING)
    assert message.startswith("eks-platform:compute.mode: auto -> managed: turning Auto Mode off")
    assert "Build a managed-node-group stack beside it" in message


CI, PERSON = "arn:aws:iam::1:role/ci", "arn:aws:iam::1:user/alice"


def test_the_deployer_moves_only_when_allowed():
    [message] = refused(changed(deployer=CI), changed(deployer=PERSON))
    assert message.startswith(f"eks-platform:controllers.deployerPrincipalArn: {CI} -> {PERSON}")
    assert "take it from each other" in message
    assert refused(changed(deployer=CI), changed(deployer=PERSON), EVERYTHING) == []
    assert len(refused(changed(deployer=PERSON), changed(deployer=CI))) == 1  # both directions


def test_a_first_deployer_and_controllers_turned_off_are_free():
    assert refused(BASE, changed(deployer=CI)) == []
    assert refused(changed(deployer=CI), BASE) == []


def test_every_refused_change_is_listed_at_once_in_a_stable_order():
    found = refused(
        BASE,
        changed(
            cluster_name="x",
            vpc_cidr="10.20.0.0/16",
            availability_zones=("eu-west-1a", "eu-west-1b"),
            kubernetes_version="1.34",
            compute_mode="auto",
        ),
    )
    assert [m.split(":")[1] for m in found] == [
        "clusterName",
        "network.vpcCidr",
        ZONES,
        "kubernetesVersion",
        "compute.mode",
    ]


# Kubernetes versions: the whole transition table lives in test_upgrade.py; here, that the
# rules use it on the records as `pulumi up` sees them.


def test_one_minor_up_passes_and_two_are_refused_with_the_next_version_to_deploy():
    assert refused(BASE, changed(kubernetes_version="1.36")) == []
    [message] = refused(BASE, changed(kubernetes_version="1.38"), EVERYTHING)
    assert message.startswith("eks-platform:kubernetesVersion: 1.35 -> 1.38: ")
    assert "deploy 1.36 first" in message


def test_a_rollback_needs_its_allowance():
    upgraded = changed(
        kubernetes_version="1.36",
        versions=Versions("1.36", "1.36", Upgrade("1.35", TODAY - dt.timedelta(days=2))),
    )
    [message] = refused(upgraded, BASE)
    assert 'Add "kubernetesVersion" to eks-platform:allowDisruptiveChanges' in message
    assert refused(upgraded, BASE, ("kubernetesVersion",)) == []


def test_force_upgrade_is_refused_on_an_update_that_changes_no_version():
    forced = changed(force_upgrade=True)
    [message] = refused(BASE, forced)
    assert message.startswith("eks-platform:cluster.forceUpgrade: true: ")
    assert "Remove it" in message
    up = changed(force_upgrade=True, versions=Versions("1.36", "1.36"))
    assert refused(BASE, dataclasses.replace(up, kubernetes_version="1.36")) == []
    # Also on a rollback's first step, which moves only the node groups.
    nodes_back = changed(force_upgrade=True, versions=Versions("1.35", "1.34"))
    assert [m for m in refused(BASE, nodes_back) if "forceUpgrade" in m] == []
