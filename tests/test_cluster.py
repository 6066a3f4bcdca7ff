"""The Cluster component as registered for dev and prod, plus Auto Mode and settings variants."""

import json
import re

import pytest
from lookups import attached_policies, role_by_arn

from baseline.settings import CONTROL_PLANE_LOG_TYPES, SettingsError
from components.cluster import kubeconfig
from preflight.cloud import run_program

CLUSTER = "aws:eks/cluster:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ADMIN = "arn:aws:iam::111122223333:role/platform-admins"
VIEWER = "arn:aws:iam::111122223333:user/auditor"


def test_private_endpoint_only_by_default(stack_run):
    vpc = stack_run.one(CLUSTER).inputs["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True
    assert vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc


def test_control_plane_in_the_intra_subnets_of_every_az(stack_run):
    vpc = stack_run.one(CLUSTER).inputs["vpcConfig"]
    assert vpc["subnetIds"] == stack_run.outputs["intraSubnetIds"]
    assert len(vpc["subnetIds"]) == len(stack_run.outputs["availabilityZones"])


def test_public_access_only_for_listed_cidrs_and_private_stays_on():
    run = run_program("dev", {"cluster": {"publicAccessCidrs": ["203.0.113.0/24"]}})
    vpc = run.one(CLUSTER).inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["endpointPrivateAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


@pytest.mark.parametrize("cidr", ["0.0.0.0/0", "::/0"])
def test_open_public_access_is_refused(cidr):
    with pytest.raises(SettingsError, match=r"cluster.publicAccessCidrs .*opens the API endpoint"):
        run_program("dev", {"cluster": {"publicAccessCidrs": ["203.0.113.0/24", cidr]}})


def test_all_five_log_types_by_default(stack_run):
    assert stack_run.one(CLUSTER).inputs["enabledClusterLogTypes"] == list(CONTROL_PLANE_LOG_TYPES)


def test_unknown_log_type_is_refused():
    with pytest.raises(SettingsError, match=r"cluster.logTypes .*not \['etcd'\]"):
        run_program("dev", {"cluster": {"logTypes": ["api", "etcd"]}})


def test_log_group_exists_before_the_cluster_with_retention_and_key(stack_run):
    cluster = stack_run.one(CLUSTER)
    group = next(
        g
        for g in stack_run.of_type("aws:cloudwatch/logGroup:LogGroup")
        if g.inputs["name"] == f"/aws/eks/{cluster.inputs['name']}/cluster"
    )
    assert group.urn in cluster.dependencies
    assert group.inputs["retentionInDays"] == float(
        stack_run.config["eks-platform:logRetentionDays"]
    )
    key = next(
        k
        for k in stack_run.of_type("aws:kms/key:Key")
        if k.outputs["arn"] == group.inputs["kmsKeyId"]
    )
    assert key.outputs["arn"] == cluster.inputs["encryptionConfig"]["provider"]["keyArn"]
    assert group.protect and group.retain_on_delete


def test_secrets_encrypted_with_a_rotating_protected_key(stack_run):
    cluster = stack_run.one(CLUSTER)
    enc = cluster.inputs["encryptionConfig"]
    assert enc["resources"] == ["secrets"]
    key = next(
        k
        for k in stack_run.of_type("aws:kms/key:Key")
        if k.outputs["arn"] == enc["provider"]["keyArn"]
    )
    assert key.inputs["enableKeyRotation"] is True
    assert key.inputs["deletionWindowInDays"] >= 7
    assert key.protect and key.retain_on_delete
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AccountAdministersKey"]["Principal"] == {
        "AWS": "arn:aws:iam::111122223333:root"
    }
    assert statements["CloudWatchLogsEncryptsTheseGroups"]["Condition"]["ArnEquals"][
        "kms:EncryptionContext:aws:logs:arn"
    ] == [
        f"arn:aws:logs:eu-west-1:111122223333:log-group:/aws/eks/{cluster.inputs['name']}/cluster"
    ]


def test_key_aliases_are_unique_per_stack(dev, prod):
    def aliases(run):
        return {a.inputs["name"] for a in run.of_type("aws:kms/alias:Alias")}

    assert len(aliases(dev)) == len(dev.of_type("aws:kms/alias:Alias"))
    assert not aliases(dev) & aliases(prod)
    assert all(f"/{run.stack}/" in n for run in (dev, prod) for n in aliases(run))


def test_cluster_role_has_only_the_cluster_policy_and_use_of_its_key(stack_run):
    cluster = stack_run.one(CLUSTER)
    role = role_by_arn(stack_run, cluster.inputs["roleArn"])
    assert attached_policies(stack_run, role) == ["AmazonEKSClusterPolicy"]
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "eks.amazonaws.com"}
    [inline] = [
        p
        for p in stack_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.outputs["name"]
    ]
    statement = json.loads(inline.inputs["policy"])["Statement"][0]
    assert statement["Resource"] == cluster.inputs["encryptionConfig"]["provider"]["keyArn"]


def test_api_authentication_without_creator_admin(stack_run):
    access = stack_run.one(CLUSTER).inputs["accessConfig"]
    assert access == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False}


def test_standard_support_and_no_self_managed_addons(stack_run):
    cluster = stack_run.one(CLUSTER).inputs
    assert cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    assert cluster["bootstrapSelfManagedAddons"] is False


def test_prod_is_protected_against_deletion(prod, dev):
    cluster = prod.one(CLUSTER)
    assert cluster.inputs["deletionProtection"] is True and cluster.inputs["zonalShiftConfig"] == {
        "enabled": True
    }
    assert cluster.protect
    dev_cluster = dev.one(CLUSTER)
    assert dev_cluster.inputs["deletionProtection"] is False and not dev_cluster.protect


def test_one_version_drives_cluster_and_node_groups(stack_run):
    version = stack_run.one(CLUSTER).inputs["version"]
    assert version == "1.35"
    assert {g.inputs["version"] for g in stack_run.of_type(NODE_GROUP)} == {version}


def test_oidc_provider_for_the_cluster_issuer(stack_run):
    oidc = stack_run.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    issuer = stack_run.one(CLUSTER).outputs["identities"][0]["oidcs"][0]["issuer"]
    assert oidc.inputs["url"] == issuer and oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert stack_run.outputs["oidcProviderArn"] == oidc.outputs["arn"]


def test_access_entries_from_settings():
    run = run_program(
        "dev", {"cluster": {"adminPrincipalArns": [ADMIN], "viewerPrincipalArns": [VIEWER]}}
    )
    entries = {e.inputs["principalArn"]: e for e in run.of_type("aws:eks/accessEntry:AccessEntry")}
    assert set(entries) == {ADMIN, VIEWER}
    assert all(e.inputs["type"] == "STANDARD" for e in entries.values())
    policies = {
        a.inputs["principalArn"]: (a.inputs["policyArn"].split("/")[-1], a.inputs["accessScope"])
        for a in run.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    }
    assert policies == {
        ADMIN: ("AmazonEKSClusterAdminPolicy", {"type": "cluster"}),
        VIEWER: ("AmazonEKSViewPolicy", {"type": "cluster"}),
    }


@pytest.mark.parametrize(
    "arn", ["arn:aws:iam::123:role/x", "arn:aws:sts::111122223333:assumed-role/x/y", "admin"]
)
def test_principal_arn_shape_is_validated(arn):
    with pytest.raises(SettingsError, match=r"cluster.adminPrincipalArns"):
        run_program("dev", {"cluster": {"adminPrincipalArns": [arn]}})


def test_node_groups_use_only_private_subnets_across_all_azs(stack_run):
    private = stack_run.outputs["privateSubnetIds"]
    groups = stack_run.of_type(NODE_GROUP)
    assert groups
    for group in groups:
        assert group.inputs["subnetIds"] == private
        assert "remoteAccess" not in group.inputs


def test_node_groups_follow_settings(prod):
    groups = {g.name: g.inputs for g in prod.of_type(NODE_GROUP)}
    system, general = groups["eks-system"], groups["eks-general"]
    assert system["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 6}
    assert system["taints"] == [
        {"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}
    ]
    assert general["instanceTypes"] == ["m7i.xlarge", "m6i.xlarge", "m7a.xlarge"]
    for g in (system, general):
        assert g["amiType"] == "AL2023_x86_64_STANDARD" and g["capacityType"] == "ON_DEMAND"
        assert g["updateConfig"] == {"maxUnavailablePercentage": 33}
        assert g["nodeRepairConfig"] == {"enabled": True}
        assert "diskSize" not in g  # the launch template sets the disk


def test_node_groups_ignore_desired_size_drift(stack_run):
    for group in stack_run.of_type(NODE_GROUP):
        assert group.ignore_changes == ("scalingConfig.desiredSize",)


def test_launch_templates_require_imdsv2_hop_1_encrypted_gp3_no_ssh(stack_run):
    for group in stack_run.of_type(NODE_GROUP):
        template = next(
            t
            for t in stack_run.of_type(LAUNCH_TEMPLATE)
            if t.id == group.inputs["launchTemplate"]["id"]
        )
        lt = template.inputs
        assert lt["metadataOptions"] == {
            "httpEndpoint": "enabled",
            "httpTokens": "required",
            "httpPutResponseHopLimit": 1,
            "instanceMetadataTags": "disabled",
        }
        [disk] = lt["blockDeviceMappings"]
        assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3"
        assert "keyName" not in lt and "networkInterfaces" not in lt
        assert group.inputs["launchTemplate"]["version"] == str(template.outputs["latestVersion"])


def test_hop_limit_2_only_when_asked_and_warns():
    groups = [{"name": "system", "instanceTypes": ["m7i.large"], "metadataHopLimit": 2}]
    run = run_program("dev", {"compute": {"nodeGroups": groups}})
    assert run.one(LAUNCH_TEMPLATE).inputs["metadataOptions"]["httpPutResponseHopLimit"] == 2
    assert any("metadataHopLimit = 2" in w for w in run.warnings)
    with pytest.raises(SettingsError, match="metadataHopLimit"):
        run_program("dev", {"compute": {"nodeGroups": [{**groups[0], "metadataHopLimit": 3}]}})


def test_node_role_has_no_cni_policy(stack_run):
    role = role_by_arn(stack_run, stack_run.outputs["nodeRoleArn"])
    assert attached_policies(stack_run, role) == [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodePolicy",
        "AmazonSSMManagedInstanceCore",
    ]
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "ec2.amazonaws.com"
    }


@pytest.mark.parametrize(
    ("group", "key"),
    [
        ({"minSize": 4, "desiredSize": 3, "maxSize": 6}, "desiredSize"),
        ({"desiredSize": 7, "maxSize": 6}, "desiredSize"),
        ({"instanceTypes": []}, "instanceTypes"),
        ({"capacityType": "RESERVED"}, "capacityType"),
        ({"amiType": "AL2_x86_64"}, "amiType"),
        ({"taints": [{"key": "dedicated", "effect": "NoSchedule"}]}, "taints[0].effect"),
    ],
)
def test_node_group_validation(group, key):
    with pytest.raises(SettingsError, match=re.escape(f"compute.nodeGroups[0].{key}")):
        run_program(
            "dev",
            {
                "compute": {
                    "nodeGroups": [{"name": "system", "instanceTypes": ["m7i.large"], **group}]
                }
            },
        )


def test_duplicate_node_group_names_are_refused():
    groups = [{"name": "a", "instanceTypes": ["m7i.large"]}] * 2
    with pytest.raises(SettingsError, match=r"compute.nodeGroups .*\['a'\] repeat"):
        run_program("dev", {"compute": {"nodeGroups": groups}})


def test_auto_mode_has_no_node_groups_and_enables_three_blocks(auto):
    assert auto.of_type(NODE_GROUP) == [] and auto.of_type(LAUNCH_TEMPLATE) == []
    cluster = auto.one(CLUSTER).inputs
    node_role = role_by_arn(auto, cluster["computeConfig"]["nodeRoleArn"])
    assert cluster["computeConfig"] == {
        "enabled": True,
        "nodePools": ["system", "general-purpose"],
        "nodeRoleArn": node_role.outputs["arn"],
    }
    assert cluster["storageConfig"] == {"blockStorage": {"enabled": True}}
    assert cluster["kubernetesNetworkConfig"] == {"elasticLoadBalancing": {"enabled": True}}
    assert attached_policies(auto, role_by_arn(auto, cluster["roleArn"])) == [
        "AmazonEKSBlockStoragePolicy",
        "AmazonEKSClusterPolicy",
        "AmazonEKSComputePolicy",
        "AmazonEKSLoadBalancingPolicy",
        "AmazonEKSNetworkingPolicy",
    ]
    [entry] = auto.of_type("aws:eks/accessEntry:AccessEntry")
    assert (
        entry.inputs["type"] == "EC2" and entry.inputs["principalArn"] == node_role.outputs["arn"]
    )


def test_managed_mode_has_no_auto_mode_blocks(stack_run):
    cluster = stack_run.one(CLUSTER).inputs
    assert not {"computeConfig", "storageConfig", "kubernetesNetworkConfig"} & cluster.keys()


def test_auto_mode_with_node_groups_is_refused():
    with pytest.raises(
        SettingsError, match=r"compute.nodeGroups .*unset when compute.mode is 'auto'"
    ):
        run_program("dev", {"compute": {"mode": "auto"}})


def test_kubeconfig_is_secret_and_uses_get_token(stack_run):
    config = json.loads(stack_run.outputs["kubeconfig"])
    exec_ = config["users"][0]["user"]["exec"]
    assert exec_["command"] == "aws"
    assert exec_["args"][:5] == ["--region", "eu-west-1", "eks", "get-token", "--cluster-name"]
    assert "token" not in config["users"][0]["user"]
    assert config["clusters"][0]["cluster"]["server"] == stack_run.outputs["clusterEndpoint"]


def test_kubeconfig_function():
    config = json.loads(kubeconfig("c", "https://x", "Y2E=", "eu-west-1"))
    assert config["current-context"] == "c"
    assert config["clusters"][0]["cluster"]["certificate-authority-data"] == "Y2E="
