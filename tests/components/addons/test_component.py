"""EKS managed add-ons: the set, explicit versions, own roles, first-create order."""

import json
import re

import pytest

from components.addons import versions
from components.addons.addon import (
    AddonTarget,
    ebs_csi_storage_classes,
    is_default_class,
    missing_default_storage_class,
)
from components.addons.catalog import ADDONS
from components.stack.settings import load_settings
from preflight.offline import mocked_aws
from preflight.offline.runner import run_program
from tests.lookups import attached_policies, role_by_arn
from tests.programs import EVERY_OPTION, program, region

ADDON = "aws:eks/addon:Addon"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
BEFORE = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
AFTER = (
    "coredns",
    "aws-ebs-csi-driver",
    "metrics-server",
    "eks-node-monitoring-agent",
    "amazon-cloudwatch-observability",
)
WITH_ROLES = {
    "vpc-cni": ("aws-node", ["AmazonEKS_CNI_Policy"]),
    "aws-ebs-csi-driver": ("ebs-csi-controller-sa", ["AmazonEBSCSIDriverPolicy"]),
    "amazon-cloudwatch-observability": (
        "cloudwatch-agent",
        ["AWSXrayWriteOnlyAccess", "CloudWatchAgentServerPolicy"],
    ),
}


def addons(run):
    return {a.inputs["addonName"]: a for a in run.of_type(ADDON)}


@pytest.fixture(scope="module")
def irsa():
    return program("dev", {"addons": {"identity": "irsa"}})


def test_the_full_add_on_set(stack_run):
    assert set(addons(stack_run)) == set(BEFORE + AFTER)


def test_every_version_is_explicit_so_eks_never_picks_one(stack_run):
    for name, addon in addons(stack_run).items():
        assert re.fullmatch(r"v\d+\.\d+\.\d+-eksbuild\.\d+", addon.inputs["addonVersion"]), name
    assert stack_run.outputs["addonVersions"] == {
        n: a.inputs["addonVersion"] for n, a in addons(stack_run).items()
    }


def test_settings_pin_a_version_and_add_configuration():
    run = program(
        "dev",
        {
            "addons": {
                "overrides": {
                    "coredns": {
                        "version": "v1.12.4-eksbuild.1",
                        "configurationValues": {"replicaCount": 3},
                    },
                    "metrics-server": {"enabled": False},
                }
            }
        },
    )
    found = addons(run)
    assert found["coredns"].inputs["addonVersion"] == "v1.12.4-eksbuild.1"
    config = json.loads(found["coredns"].inputs["configurationValues"])
    assert (
        config["replicaCount"] == 3 and config["topologySpreadConstraints"]
    )  # merged, not replaced
    assert "metrics-server" not in found


def test_conflict_handling_is_explicit(stack_run):
    for addon in addons(stack_run).values():
        assert addon.inputs["resolveConflictsOnCreate"] == "OVERWRITE"
        assert addon.inputs["resolveConflictsOnUpdate"] == "PRESERVE"


# `preserve` keeps the software running when the add-on is deleted ("Specifying this option
# preserves the add-on software on your cluster", EKS API reference, DeleteAddon,
# https://docs.aws.amazon.com/eks/latest/APIReference/API_DeleteAddon.html, read 2026-12-06). An input of aws:eks/addon:Addon that is neither ForceNew nor sent by UpdateAddon
# (terraform-provider-aws internal/service/eks/addon.go @00a35305, read 2026-12-06): changing it is
# an in-place update of the state only.
PRESERVED = {
    "vpc-cni": "without it, deleting the add-on deletes aws-node: new pods get no IP address",
    "kube-proxy": "Service routing on every node would stop",
    "coredns": "cluster DNS would go down with it",
}


@pytest.mark.parametrize(
    ("stack", "overrides"), [("dev", {}), ("prod", {}), ("prod", EVERY_OPTION)]
)
def test_only_what_networking_and_dns_need_is_preserved_on_delete(stack, overrides):
    found = addons(program(stack, overrides))
    assert {name: a.inputs["preserve"] for name, a in found.items()} == {
        name: name in PRESERVED for name in BEFORE + AFTER
    }


def test_node_groups_wait_for_networking_and_identity_add_ons(stack_run):
    found = addons(stack_run)
    for group in stack_run.of_type(NODE_GROUP):
        for name in BEFORE:
            assert stack_run.waits_for(group, found[name]), (group.name, name)


def test_add_ons_with_pods_wait_for_the_node_groups(stack_run):
    found = addons(stack_run)
    for group in stack_run.of_type(NODE_GROUP):
        for name in AFTER:
            assert stack_run.waits_for(found[name], group), (name, group.name)
        for name in BEFORE:
            assert not stack_run.waits_for(found[name], group)


def test_each_add_on_needing_aws_gets_its_own_pod_identity_role(stack_run):
    found = addons(stack_run)
    node_role = stack_run.outputs["nodeRoleArn"]
    arns = set()
    for name, (service_account, expected) in WITH_ROLES.items():
        [association] = found[name].inputs["podIdentityAssociations"]
        assert association["serviceAccount"] == service_account
        assert association["roleArn"] != node_role
        arns.add(association["roleArn"])
        r = role_by_arn(stack_run, association["roleArn"])
        assert attached_policies(stack_run, r) == expected
        trust = json.loads(r.inputs["assumeRolePolicy"])["Statement"][0]
        assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
        assert trust["Action"] == ["sts:AssumeRole", "sts:TagSession"]
        assert "serviceAccountRoleArn" not in found[name].inputs
    assert len(arns) == len(WITH_ROLES)
    for name in set(found) - set(WITH_ROLES):
        assert "podIdentityAssociations" not in found[name].inputs


def test_irsa_trust_is_scoped_to_the_service_account_and_audience(irsa):
    found = addons(irsa)
    oidc = irsa.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    issuer = oidc.inputs["url"].removeprefix("https://")
    for name, (service_account, _) in WITH_ROLES.items():
        addon = found[name]
        assert "podIdentityAssociations" not in addon.inputs
        trust = json.loads(
            role_by_arn(irsa, addon.inputs["serviceAccountRoleArn"]).inputs["assumeRolePolicy"]
        )
        [statement] = trust["Statement"]
        assert statement["Principal"] == {"Federated": oidc.outputs["arn"]}
        assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
        namespace = ADDONS[name].service_account.split("/")[0]
        assert statement["Condition"]["StringEquals"] == {
            f"{issuer}:sub": f"system:serviceaccount:{namespace}:{service_account}",
            f"{issuer}:aud": "sts.amazonaws.com",
        }


def test_vpc_cni_configuration(stack_run):
    config = json.loads(addons(stack_run)["vpc-cni"].inputs["configurationValues"])
    assert config == {"enableNetworkPolicy": "true"}


def test_prefix_delegation_when_asked():
    run = program("dev", {"addons": {"prefixDelegation": True, "warmPrefixTarget": 2}})
    config = json.loads(addons(run)["vpc-cni"].inputs["configurationValues"])
    assert config == {
        "enableNetworkPolicy": "true",
        "env": {"ENABLE_PREFIX_DELEGATION": "true", "WARM_PREFIX_TARGET": "2"},
    }


def test_coredns_spreads_two_replicas_across_zones(stack_run):
    config = json.loads(addons(stack_run)["coredns"].inputs["configurationValues"])
    assert config["replicaCount"] >= 2
    assert config["topologySpreadConstraints"][0]["topologyKey"] == "topology.kubernetes.io/zone"


def test_the_default_storage_class_s_volumes_are_encrypted(stack_run):
    configuration = json.loads(
        addons(stack_run)["aws-ebs-csi-driver"].inputs["configurationValues"]
    )
    # The add-on schema's documented default class, gp3 by the driver's default...
    [default] = [c for c in ebs_csi_storage_classes(configuration) if is_default_class(c)]
    assert default["provisioner"] == "ebs.csi.aws.com" and "parameters" not in default
    # ...encrypted because every EBS volume of the region is, before the driver exists.
    [setting] = stack_run.of_type("aws:ebs/encryptionByDefault:EncryptionByDefault")
    assert setting.inputs["enabled"] is True and setting.retain_on_delete
    assert stack_run.waits_for(addons(stack_run)["aws-ebs-csi-driver"], setting)


def test_the_chart_renders_its_own_default_class_without_parameters():
    [chart_default] = ebs_csi_storage_classes({"defaultStorageClass": {"enabled": True}})
    assert chart_default["metadata"]["name"] == "ebs-csi-default-sc"
    assert is_default_class(chart_default) and "parameters" not in chart_default


def test_container_insights_keeps_the_charts_agent_config(stack_run):
    found = addons(stack_run)
    insights = json.loads(found["amazon-cloudwatch-observability"].inputs["configurationValues"])
    # No `agent.config`: it would replace the chart's whole default (enhanced Container
    # Insights and Application Signals are already on).
    assert insights == {"containerLogs": {"enabled": True}}


def test_container_insights_writes_into_log_groups_made_first(stack_run):
    insights = addons(stack_run)["amazon-cloudwatch-observability"]
    cluster = stack_run.one("aws:eks/cluster:Cluster").inputs["name"]
    groups = {
        g.inputs["name"]: g
        for g in stack_run.of_type("aws:cloudwatch/logGroup:LogGroup")
        if "/containerinsights/" in g.inputs["name"]
    }
    kinds = ("application", "dataplane", "host", "performance")
    assert set(groups) == {f"/aws/containerinsights/{cluster}/{kind}" for kind in kinds}
    [key] = [
        k
        for k in stack_run.of_type("aws:kms/key:Key")
        if "Container Insights" in k.inputs["description"]
    ]
    logs = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}[
        "CloudWatchLogsEncryptsTheseGroups"
    ]
    assert sorted(logs["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]) == sorted(
        f"arn:aws:logs:{region(stack_run)}:111122223333:log-group:{name}" for name in groups
    )
    retention = float(stack_run.config["eks-platform:logRetentionDays"])
    for group in groups.values():
        assert stack_run.waits_for(insights, group)
        assert group.inputs["retentionInDays"] == retention
        assert group.inputs["kmsKeyId"] == key.outputs["arn"]
        parent = stack_run.by_urn(group.parent)
        assert parent.type == "eks-platform:index:Addons"


def test_add_ons_wait_for_their_roles_policy_attachments(stack_run):
    for name, addon in addons(stack_run).items():
        if name not in WITH_ROLES:
            continue
        role = role_by_arn(
            stack_run,
            (addon.inputs.get("podIdentityAssociations") or [{}])[0].get("roleArn")
            or addon.inputs.get("serviceAccountRoleArn"),
        )
        attachments = [
            a
            for a in stack_run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.inputs["role"] == role.outputs["name"]
        ]
        assert attachments, name
        for attachment in attachments:
            assert stack_run.waits_for(addon, attachment), (name, attachment.name)


# What EKS Auto Mode runs itself (awsdocs/amazon-eks-user-guide, read 2026-12-06): "You do not
# need to install this add-on on Amazon EKS Auto Mode clusters" for vpc-cni, coredns, kube-proxy
# and aws-ebs-csi-driver, and the "Compatible compute types" of vpc-cni, kube-proxy, the EBS CSI
# driver, the node monitoring agent and the Pod Identity agent leave Auto Mode out, while
# amazon-cloudwatch-observability lists it (latest/ug/workloads/workloads-add-ons-available-eks.adoc
# @027430e0); "The node monitoring agent is included as a capability for all Amazon EKS Auto Mode
# clusters" (latest/ug/nodes/node-health.adoc @049ce23c). metrics-server is not in that table.
AUTO_MODE_RUNS = {
    "vpc-cni",
    "kube-proxy",
    "eks-pod-identity-agent",
    "coredns",
    "aws-ebs-csi-driver",
    "eks-node-monitoring-agent",
}


def test_auto_mode_skips_what_it_runs_itself(auto):
    assert set(addons(auto)) == {"metrics-server", "amazon-cloudwatch-observability"}
    assert set(BEFORE + AFTER) - set(addons(auto)) == AUTO_MODE_RUNS
    cluster = auto.one("aws:eks/cluster:Cluster")
    for addon in addons(auto).values():
        assert auto.waits_for(addon, cluster)


def test_versions_come_from_the_table_in_git_and_pins_win_with_no_live_lookup(monkeypatch):
    # A row written here, so the test holds the plumbing (the cluster's minor picks the row,
    # a pin wins, nothing is asked live), not the table's contents (test_versions.py does).
    row = {name: f"v9.{i}.0-eksbuild.1" for i, name in enumerate(ADDONS)}
    monkeypatch.setitem(versions.ADDON_VERSIONS, "1.36", row)
    pinned = {"coredns": {"version": "v1.99.0-eksbuild.7"}}
    run = run_program("dev", {"kubernetesVersion": "1.36", "addons": {"overrides": pinned}})
    assert not [token for token, _ in run.invokes if "getAddonVersion" in token]
    found = {name: addon.inputs["addonVersion"] for name, addon in addons(run).items()}
    assert found == {name: row[name] for name in found} | {"coredns": "v1.99.0-eksbuild.7"}
    assert len(found) == 8


def test_add_ons_are_children_of_the_component_that_installs_them(stack_run):
    parents = {r.urn: r.type for r in stack_run.registrations if not r.custom}
    for name, addon in addons(stack_run).items():
        kind = "Cluster" if ADDONS[name].before_compute else "Addons"
        assert parents[addon.parent] == f"eks-platform:index:{kind}", name


@pytest.mark.parametrize(
    ("auto_mode", "overrides", "provisioner"),
    [
        (False, {}, None),  # the EBS CSI add-on's own default class
        (False, {"aws-ebs-csi-driver": {"enabled": False}}, None),  # no EBS driver at all
        (
            False,
            {
                "aws-ebs-csi-driver": {
                    "configurationValues": {"defaultStorageClass": {"enabled": False}}
                }
            },
            "ebs.csi.aws.com",
        ),
        (True, {}, "ebs.csi.eks.amazonaws.com"),  # Auto Mode's driver ships no default class
    ],
)
def test_which_default_storage_class_is_missing(auto_mode, overrides, provisioner):
    settings = load_settings({"owner": "t", "addons": {"overrides": overrides}}, "dev").addons
    target = AddonTarget("eks", "1.35", auto_mode, "", "", settings, {})
    assert missing_default_storage_class(target) == provisioner


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_aws_moving_its_default_builds_changes_nothing(stack, monkeypatch):
    moved = {
        minor: {name: version.replace("eksbuild.", "eksbuild.9") for name, version in table.items()}
        for minor, table in mocked_aws.ADDON_DEFAULT_VERSIONS.items()
    }
    monkeypatch.setattr(mocked_aws, "ADDON_DEFAULT_VERSIONS", moved)
    later = run_program(stack)
    assert {r.urn: r.inputs for r in later.registrations} == {
        r.urn: r.inputs for r in program(stack).registrations
    }
