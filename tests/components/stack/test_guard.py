"""`pulumi up` refuses what the day-2 rules refuse, before any resource is registered, from the
last deployment's record handed in through EKS_PLATFORM_DEPLOYED; a new stack is not guarded."""

import json
import os

import pytest

from components.base.config import SettingsError
from components.base.config.pulumi_config import DEPLOYED_ENVIRONMENT
from components.stack.guard import last_deployment
from components.stack.record import OUTPUT, Deployment
from preflight.offline.runner import run_program
from tests.programs import program


def test_every_run_records_what_the_guards_need(dev, prod):
    assert dev.outputs[OUTPUT] == {
        "availabilityZones": ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
        "vpcCidr": "10.10.0.0/16",
        "subnetPrefixes": {"private": 19, "public": 24, "intra": 28},
        "kubernetesVersion": "1.35",
        "computeMode": "managed",
        "clusterName": "eks-platform-dev",
        "deployer": "",  # controllers off
    }
    assert Deployment.from_output(prod.outputs[OUTPUT]).cluster_name == "eks-platform-prod"


def test_the_record_comes_from_the_environment():
    assert last_deployment({}) is None
    assert last_deployment({DEPLOYED_ENVIRONMENT: "  "}) is None  # nothing deployed yet
    with pytest.raises(SettingsError, match=f"{DEPLOYED_ENVIRONMENT}: not a deployment record"):
        last_deployment({DEPLOYED_ENVIRONMENT: '{"vpcCidr": "10.0.0.0/16"}'})
    with pytest.raises(SettingsError, match="pulumi stack output deployment --json"):
        last_deployment({DEPLOYED_ENVIRONMENT: "not json"})


def test_an_unchanged_stack_passes_the_guard(dev):
    again = program("dev", deployed=dev.outputs[OUTPUT])
    assert {r.urn: r.inputs for r in again.registrations} == {
        r.urn: r.inputs for r in dev.registrations
    }


def test_refused_changes_stop_pulumi_up_before_any_resource(dev):
    changes = {"kubernetesVersion": "1.34", "network": {"vpcCidr": "10.20.0.0/16"}}
    with pytest.raises(SettingsError) as refused:
        run_program("dev", changes, deployed=dev.outputs[OUTPUT])
    assert str(refused.value).startswith("refused changes to the deployed stack (2 problem(s))")
    # The same change on a stack never deployed is just settings.
    assert run_program("dev", changes).outputs[OUTPUT]["vpcCidr"] == "10.20.0.0/16"


def test_a_deliberate_migration_passes_with_its_allowance(dev):
    auto = {"compute": {"mode": "auto", "nodeGroups": None}}
    with pytest.raises(SettingsError, match=r"eks-platform:compute\.mode: managed -> auto"):
        program("dev", auto, deployed=dev.outputs[OUTPUT])
    allowed = program(
        "dev", {**auto, "allowDisruptiveChanges": ["compute.mode"]}, deployed=dev.outputs[OUTPUT]
    )
    assert allowed.outputs[OUTPUT]["computeMode"] == "auto"


def test_the_allowance_lists_only_known_changes():
    with pytest.raises(
        SettingsError, match=r"allowDisruptiveChanges = \[\"vpcCidr\"\]: must be a list of"
    ):
        program("dev", {"allowDisruptiveChanges": ["vpcCidr"]})


def test_the_environment_is_left_as_found(monkeypatch, dev):
    monkeypatch.setenv(DEPLOYED_ENVIRONMENT, json.dumps(dev.outputs[OUTPUT]))
    run_program("dev", deployed=None)  # a stack never deployed, whatever the caller's shell holds
    assert os.environ[DEPLOYED_ENVIRONMENT] == json.dumps(dev.outputs[OUTPUT])


def test_the_deployer_is_recorded_and_may_not_move_by_accident(prod):
    on = {"controllers": {"enabled": True}}
    first = program("prod", on)
    deployer = "arn:aws:iam::111122223333:role/deploy/platform-deployer"  # the mocked caller
    assert first.outputs[OUTPUT]["deployer"] == deployer
    other = "arn:aws:iam::111122223333:role/someone-else"
    moved = {"controllers": {"enabled": True, "deployerPrincipalArn": other}}
    with pytest.raises(
        SettingsError, match=r"controllers.deployerPrincipalArn: .*platform-deployer"
    ):
        program("prod", moved, deployed=first.outputs[OUTPUT])
    allowed = {**moved, "allowDisruptiveChanges": ["controllers.deployerPrincipalArn"]}
    assert (
        program("prod", allowed, deployed=first.outputs[OUTPUT]).outputs[OUTPUT]["deployer"]
        == other
    )
