"""Choosing AZs from what the region offers to EKS: pinned ones must be offered, never an AZ EKS
cannot use, and a settings error (before any resource) when the region cannot satisfy them."""

import pytest

from config import SettingsError
from network.zones import EKS_UNSUPPORTED_ZONE_IDS, choose_zones
from tests.programs import program


def test_the_first_offered_zones_by_default():
    assert choose_zones(["a", "b", "c", "d"], (), 3) == ("a", "b", "c")


def test_pinned_zones_are_kept_in_their_order():
    assert choose_zones(["a", "b", "c"], ["c", "a"], 2) == ("c", "a")


def test_a_pinned_zone_the_region_lacks():
    with pytest.raises(
        ValueError, match=r"\['d'\] not available to EKS in this region; available: a, b"
    ):
        choose_zones(["a", "b"], ["a", "d"], 2)


def test_too_few_zones():
    with pytest.raises(ValueError, match="offers 2 usable AZs"):
        choose_zones(["a", "b"], (), 3)


def test_the_program_asks_for_available_zones_without_the_ones_eks_refuses(dev):
    [(_, args)] = [i for i in dev.invokes if i[0].endswith("getAvailabilityZones")]
    assert args["state"] == "available"
    assert args["excludeZoneIds"] == list(EKS_UNSUPPORTED_ZONE_IDS)


def test_pinned_zone_the_region_lacks_is_a_settings_error():
    with pytest.raises(SettingsError, match=r"network.availabilityZones .*eu-west-1d"):
        program(
            "dev", {"network": {"availabilityZones": ["eu-west-1a", "eu-west-1d"], "azCount": None}}
        )


def test_eks_unsupported_zone_is_never_chosen():
    # us-east-1 has six AZs, but EKS cannot use use1-az3 (us-east-1e in the mocked account).
    run = program("dev", {"aws:region": "us-east-1", "network": {"azCount": 5}})
    assert "us-east-1e" not in run.outputs["availabilityZones"]
    with pytest.raises(SettingsError, match=r"network.azCount = 6: .*offers 5 usable AZs"):
        program("dev", {"aws:region": "us-east-1", "network": {"azCount": 6}})
