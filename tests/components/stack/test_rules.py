"""The day-2 rules, one transition at a time: what AWS rejects is refused whatever the settings
say, what deletes things on purpose is refused unless `allowDisruptiveChanges` names it, and a
safe change passes. Each message names the key and says why."""

import dataclasses

import pytest

from components.stack.record import Deployment
from components.stack.rules import refusals

BASE = Deployment(
    availability_zones=("eu-west-1a", "eu-west-1b", "eu-west-1c"),
    vpc_cidr="10.10.0.0/16",
    subnet_prefixes={"private": 19, "public": 24, "intra": 28},
    kubernetes_version="1.35",
    compute_mode="managed",
    cluster_name="eks-platform-dev",
)


def changed(**fields) -> Deployment:
    return dataclasses.replace(BASE, **fields)


def test_no_change_and_safe_changes_pass():
    assert refusals(BASE, BASE) == []
    assert refusals(BASE, changed(kubernetes_version="1.36")) == []  # one minor up


@pytest.mark.parametrize(
    "change, key, why",
    [
        ({"cluster_name": "other"}, "clusterName", "fixed at creation"),
        ({"vpc_cidr": "10.11.0.0/16"}, "network.vpcCidr", "EKS refuses to move the cluster"),
        (
            {"subnet_prefixes": {"private": 20, "public": 24, "intra": 28}},
            "network.privateSubnetPrefix",
            "InvalidSubnet.Conflict",
        ),
        (
            {"subnet_prefixes": {"private": 19, "public": 24, "intra": 27}},
            "network.intraSubnetPrefix",
            "renumbered",
        ),
        ({"kubernetes_version": "1.34"}, "kubernetesVersion", "cannot downgrade"),
        ({"kubernetes_version": "1.37"}, "kubernetesVersion", "deploy 1.36 first"),
        (
            {"availability_zones": ("eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d")},
            "network.availabilityZones",
            "adds ['eu-west-1d']: EKS keeps the control plane in the AZs it was created with",
        ),
        (
            {"availability_zones": ("eu-west-1a", "eu-west-1c")},
            "network.availabilityZones",
            "Only the last AZs can be removed",
        ),
        (
            {"availability_zones": ("eu-west-1b", "eu-west-1a", "eu-west-1c")},
            "network.availabilityZones",
            "removing or reordering",
        ),
    ],
)
def test_what_aws_rejects_is_refused_even_when_disruptive_changes_are_allowed(change, key, why):
    everything = ("compute.mode", "network.availabilityZones", "controllers.deployerPrincipalArn")
    [message] = refusals(BASE, changed(**change), everything)
    assert message.startswith(f"eks-platform:{key}: ")
    assert why in message


@pytest.mark.parametrize(
    "change, allowance, why",
    [
        ({"compute_mode": "auto"}, "compute.mode", "EBS CSI volumes cannot be mounted"),
        ({"compute_mode": "managed"}, "compute.mode", None),  # no change: nothing to allow
        (
            {"availability_zones": ("eu-west-1a", "eu-west-1b")},
            "network.availabilityZones",
            "removes ['eu-west-1c']",
        ),
    ],
)
def test_disruptive_changes_pass_only_when_allowed(change, allowance, why):
    found = refusals(BASE, changed(**change))
    if why is None:
        assert found == []
        return
    [message] = found
    assert why in message and f'add "{allowance}" to eks-platform:allowDisruptiveChanges' in message
    assert refusals(BASE, changed(**change), (allowance,)) == []


def test_auto_mode_cannot_be_turned_off_even_when_allowed():
    auto = changed(compute_mode="auto")
    [message] = refusals(auto, BASE, ("compute.mode",))
    assert message.startswith("eks-platform:compute.mode: auto -> managed: turning Auto Mode off")


def test_the_deployer_moves_only_when_allowed_and_a_first_deployer_is_free():
    ci, person = "arn:aws:iam::1:role/ci", "arn:aws:iam::1:role/person"
    [message] = refusals(changed(deployer=ci), changed(deployer=person))
    assert "controllers.deployerPrincipalArn" in message and "take it from each other" in message
    assert (
        refusals(
            changed(deployer=ci), changed(deployer=person), ("controllers.deployerPrincipalArn",)
        )
        == []
    )
    assert refusals(BASE, changed(deployer=ci)) == []  # controllers turned on
    assert refusals(changed(deployer=ci), BASE) == []  # controllers turned off


def test_every_refused_change_is_listed_at_once():
    found = refusals(
        BASE, changed(vpc_cidr="10.20.0.0/16", kubernetes_version="1.34", compute_mode="auto")
    )
    assert [m.split(":")[1] for m in found] == [
        "network.vpcCidr",
        "kubernetesVersion",
        "compute.mode",
    ]


def test_the_record_round_trips_and_a_broken_one_is_named():
    assert Deployment.from_output(BASE.as_output()) == BASE
    with pytest.raises(ValueError, match=r"not a deployment record .*vpcCidr"):
        Deployment.from_output({k: v for k, v in BASE.as_output().items() if k != "vpcCidr"})
