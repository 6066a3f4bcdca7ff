"""`addons.*`: identity mode, prefix delegation, and overrides keyed by known add-ons."""

import pytest

from components.addons.catalog import ADDONS
from components.base.config import SettingsError
from components.stack.settings import load_settings

BASE = {"owner": "platform-team"}


def addons(raw: dict):
    return load_settings({**BASE, "addons": raw}, "dev").addons


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"vpc-cni": {"enabled": False}},
            r"overrides.vpc-cni.enabled = false: must be true: vpc-cni is a core add-on",
        ),
        (
            {"coredns": {"version": "latest"}},
            r"overrides.coredns.version = \"latest\": must be an EKS add-on version",
        ),
        ({"karpenter": {}}, r"overrides.karpenter = \{\}: must be keyed by a known add-on"),
        ({"coredns": {"configurationValues": "[1]"}}, r"overrides.coredns.configurationValues"),
        (
            {"coredns": {"verison": "v1.0.0-eksbuild.1"}},
            r"overrides.coredns.verison is not a known setting",
        ),
        (
            {"coredns": "v1.0.0-eksbuild.1"},
            r"overrides.coredns = \"v1.0.0-eksbuild.1\": must be an object",
        ),
    ],
)
def test_override_validation(override, message):
    with pytest.raises(SettingsError, match=message) as error:
        addons({"overrides": override})
    assert len(error.value.problems) == 1


@pytest.mark.parametrize("name", [n for n, spec in ADDONS.items() if spec.core])
def test_core_add_ons_cannot_be_disabled(name):
    with pytest.raises(SettingsError, match=f"{name} is a core add-on"):
        addons({"overrides": {name: {"enabled": False}}})


@pytest.mark.parametrize("name", [n for n, spec in ADDONS.items() if not spec.core])
def test_optional_add_ons_can_be_disabled(name):
    assert not addons({"overrides": {name: {"enabled": False}}}).enabled(name)


def test_configuration_is_the_baseline_with_the_stack_values_merged_over_it():
    settings = addons({"overrides": {"coredns": {"configurationValues": {"replicaCount": 3}}}})
    configuration = settings.configuration("coredns")
    assert configuration["replicaCount"] == 3 and configuration["topologySpreadConstraints"]
    assert addons({}).configuration("coredns")["replicaCount"] == 2


def test_a_pinned_version_and_none_otherwise():
    settings = addons({"overrides": {"coredns": {"version": "v1.13.1-eksbuild.1"}}})
    assert settings.pinned_version("coredns") == "v1.13.1-eksbuild.1"
    assert settings.pinned_version("vpc-cni") is None
