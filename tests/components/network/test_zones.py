"""The stack's AZs: chosen once from the regular AZs the region offers to EKS, then kept (pinned
in the config, or as the last deployment recorded them) whatever AWS answers later; a settings
error, before any resource, when the region cannot give what the stack needs."""

import pytest

from components.base.config import SettingsError
from components.network.zones import EKS_UNSUPPORTED_ZONE_IDS, REGULAR_ZONE_FILTERS, choose_zones
from components.stack.record import OUTPUT
from tests.programs import program

EU = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def zone_lookups(run):
    return [args for token, args in run.invokes if token.endswith("getAvailabilityZones")]


def test_the_first_offered_zones_by_name():
    assert choose_zones(["c", "a", "d", "b"], 3) == ("a", "b", "c")


def test_too_few_zones():
    with pytest.raises(ValueError) as error:
        choose_zones(["b", "a"], 3)
    assert str(error.value) == "the region offers 2 usable AZs (b, a), not 3"


def test_a_new_stack_asks_for_available_regular_zones_without_the_ones_eks_refuses(dev):
    [args] = zone_lookups(dev)
    assert args["state"] == "available"
    assert args["excludeZoneIds"] == list(EKS_UNSUPPORTED_ZONE_IDS)
    assert {f["name"]: tuple(f["values"]) for f in args["filters"]} == dict(REGULAR_ZONE_FILTERS)


def test_a_local_zone_the_account_opted_into_is_never_chosen():
    # us-east-1-bos-1a sorts before us-east-1a and is "available": only the filters keep it out.
    run = program("dev", {"aws:region": "us-east-1"})
    assert run.outputs["availabilityZones"] == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_pinned_zones_are_kept_in_their_order_and_only_need_to_exist(dev):
    pinned = {"network": {"availabilityZones": ["eu-west-1c", "eu-west-1a"], "azCount": None}}
    run = program("dev", pinned, zone_states={"eu-west-1a": "impaired"})
    assert run.outputs["availabilityZones"] == ["eu-west-1c", "eu-west-1a"]
    [args] = zone_lookups(run)
    assert args.get("state") is None  # an impaired AZ still holds the stack's subnets


def test_pinned_zone_the_region_lacks_is_a_settings_error():
    with pytest.raises(SettingsError) as error:
        program(
            "dev", {"network": {"availabilityZones": ["eu-west-1a", "eu-west-1d"], "azCount": None}}
        )
    assert error.value.problems == [
        'eks-platform:network.availabilityZones = ["eu-west-1a", "eu-west-1d"]: '
        "['eu-west-1d'] not offered to EKS in this region; its regular AZs (no Local or "
        "Wavelength Zones): eu-west-1a, eu-west-1b, eu-west-1c"
    ]


def test_eks_unsupported_zone_is_never_chosen():
    # us-east-1 has six AZs, but EKS cannot use use1-az3 (us-east-1e in the mocked account).
    run = program("dev", {"aws:region": "us-east-1", "network": {"azCount": 5}})
    assert "us-east-1e" not in run.outputs["availabilityZones"]
    with pytest.raises(SettingsError, match=r"network.azCount = 6: .*offers 5 usable AZs"):
        program("dev", {"aws:region": "us-east-1", "network": {"azCount": 6}})


@pytest.mark.parametrize("stack", ["dev", "prod"])
@pytest.mark.parametrize(
    "region, zone_states",
    [
        ("eu-west-1", {"eu-west-1a": "impaired"}),  # an AWS event on the day of the next deploy
        ("eu-west-1", {"eu-west-1a": "unavailable", "eu-west-1b": "information"}),
        ("us-east-1", {"us-east-1a": "impaired"}),  # the Local Zone would sort first as well
    ],
)
def test_a_deployed_stack_registers_the_same_resources_whatever_aws_answers(
    stack, region, zone_states
):
    first = program(stack, {"aws:region": region})
    later = program(
        stack, {"aws:region": region}, deployed=first.outputs[OUTPUT], zone_states=zone_states
    )
    assert later.outputs[OUTPUT] == first.outputs[OUTPUT]
    assert {r.urn: r.inputs for r in later.registrations} == {
        r.urn: r.inputs for r in first.registrations
    }


def test_the_recorded_zones_are_kept_and_checked_for_existence_only():
    deployed = {
        **program("dev").outputs[OUTPUT],
        "availabilityZones": ["eu-west-1c", "eu-west-1b", "eu-west-1a"],
    }
    run = program("dev", deployed=deployed)
    assert run.outputs["availabilityZones"] == ["eu-west-1c", "eu-west-1b", "eu-west-1a"]


def test_a_recorded_zone_the_region_no_longer_has_is_a_settings_error():
    deployed = {
        **program("dev").outputs[OUTPUT],
        "availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1z"],
    }
    with pytest.raises(
        SettingsError, match=r"azCount = 3: the stack was deployed in \['eu-west-1z'\]"
    ):
        program("dev", deployed=deployed)


def subnet_cidrs(run, tier):
    return {
        s.inputs["availabilityZone"]: s.inputs["cidrBlock"]
        for s in run.of_type("aws:ec2/subnet:Subnet")
        if s.inputs["tags"]["tier"] == tier
    }


@pytest.mark.parametrize(
    ("stack", "pinned", "private"),
    [
        # AZ i of the plan takes the i-th /19 of the VPC, whatever its name.
        ("dev", ["eu-west-1c", "eu-west-1a"], ["10.10.0.0/19", "10.10.32.0/19"]),
        (
            "prod",
            ["eu-west-1b", "eu-west-1c", "eu-west-1a"],
            ["10.20.0.0/19", "10.20.32.0/19", "10.20.64.0/19"],
        ),
    ],
)
def test_zones_pinned_out_of_name_order_survive_a_second_up(stack, pinned, private):
    config = {"network": {"availabilityZones": pinned, "azCount": None}}
    first = program(stack, config)
    # The record keeps the plan's order, not the names' order.
    assert first.outputs[OUTPUT]["availabilityZones"] == pinned
    assert subnet_cidrs(first, "private") == dict(zip(pinned, private, strict=True))
    inputs = {r.urn: r.inputs for r in first.registrations}
    # The next `pulumi up`, handed that record, with the first AZ impaired that day...
    later = program(
        stack, config, deployed=first.outputs[OUTPUT], zone_states={pinned[0]: "impaired"}
    )
    assert later.outputs[OUTPUT] == first.outputs[OUTPUT]
    assert {r.urn: r.inputs for r in later.registrations} == inputs
    # ...and with the pin gone from the stack file, the record alone keeps the same plan.
    unpinned = program(stack, {"network": {"azCount": len(pinned)}}, deployed=first.outputs[OUTPUT])
    assert {r.urn: r.inputs for r in unpinned.registrations} == inputs
