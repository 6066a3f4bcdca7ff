"""`controllers.*`: off by default, charts pinned to exact versions, limits within range."""

import pytest

from components.addons.versions import controller_versions
from components.base.config import SettingsError
from components.stack.settings import load_settings
from tests.programs import RUNNER

BASE = {"owner": "platform-team"}


def controllers(raw: dict):
    return load_settings({**BASE, "controllers": raw}, "dev").controllers


def test_off_by_default_with_both_controllers_chosen_for_when_it_is_on():
    settings = controllers({})
    assert not settings.enabled and settings.load_balancer_controller and settings.karpenter
    # Unset chart versions and the node AMI come from the version table for kubernetesVersion.
    table = controller_versions("1.35")
    assert (settings.load_balancer_controller_chart, settings.karpenter_chart) == (
        table["aws-load-balancer-controller"],
        table["karpenter"],
    )
    assert settings.karpenter_ami_alias == table["karpenterAmiAlias"]
    pinned = controllers({"karpenterChartVersion": "1.13.0"})
    assert pinned.karpenter_chart == "1.13.0"


@pytest.mark.parametrize("version", ["^1.8", "1.8", "1.8.x", "~1.8.1", "v1.8.1", "latest", 1.8])
@pytest.mark.parametrize("key", ["karpenterChartVersion", "loadBalancerControllerChartVersion"])
def test_chart_versions_must_be_exact(key, version):
    with pytest.raises(SettingsError) as error:
        controllers({key: version})
    [problem] = error.value.problems
    assert problem.startswith(f"eks-platform:controllers.{key} = ")
    assert problem.endswith("must be an exact chart version such as 1.2.3 (pinned, never a range)")


def test_an_exact_chart_version_is_taken():
    assert controllers({"karpenterChartVersion": "1.9.0"}).karpenter_chart == "1.9.0"


# Karpenter 1.8.x supports Kubernetes up to 1.34, 1.9.x up to 1.35 (aws/karpenter-provider-aws,
# hack/docs/compatibilitymatrix_gen/compatibility.yaml at v1.14.1, commit 1d927085, read
# 2026-12-06).
NOT_ON_1_35 = "1.8.0"


def on_1_35(raw: dict):
    return load_settings(
        {**BASE, "kubernetesVersion": "1.35", "controllers": raw, "cluster": RUNNER}, "dev"
    ).controllers


@pytest.mark.parametrize(
    "raw",
    [
        {"karpenterChartVersion": NOT_ON_1_35},  # the controllers are off
        {"enabled": False, "karpenterChartVersion": NOT_ON_1_35},
        {"enabled": True, "karpenter": False, "karpenterChartVersion": NOT_ON_1_35},
    ],
)
def test_a_karpenter_pin_that_is_not_installed_refuses_nothing(raw):
    assert on_1_35(raw).karpenter_chart == NOT_ON_1_35


def test_a_karpenter_pin_that_would_be_installed_must_support_the_kubernetes_version():
    with pytest.raises(SettingsError) as error:
        on_1_35({"enabled": True, "karpenterChartVersion": NOT_ON_1_35})
    assert error.value.problems == [
        'eks-platform:controllers.karpenterChartVersion = "1.8.0": must be a Karpenter version '
        "that supports Kubernetes 1.35 (Karpenter 1.8 supports up to 1.34; upgrade Karpenter first)"
    ]
    assert on_1_35({"enabled": True, "karpenterChartVersion": "1.9.0"}).karpenter_chart == "1.9.0"


def test_karpenter_needs_egress():
    raw = {
        **BASE,
        "network": {"natMode": "none", "interfaceEndpoints": True},
        "controllers": {"enabled": True},
        "cluster": RUNNER,
    }
    with pytest.raises(SettingsError) as error:
        load_settings(raw, "dev")
    assert error.value.problems == [
        "eks-platform:controllers.karpenter = true: must be false when network.natMode is "
        "'none': Karpenter's image comes from public ECR and it calls the Pricing API, which no "
        "VPC endpoint serves"
    ]
    raw["controllers"]["karpenter"] = False
    assert not load_settings(raw, "dev").controllers.karpenter
