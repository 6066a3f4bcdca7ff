"""The Cluster component as registered for dev and prod, plus Auto Mode and settings variants."""

import json

import pytest

from components.base.config import SettingsError
from components.cluster.kubeconfig import kubeconfig
from components.cluster.settings import CONTROL_PLANE_LOG_TYPES
from tests.lookups import attached_policies, inline_policies, role_by_arn
from tests.programs import keeps_logs, program, region

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
    run = program("dev", {"cluster": {"publicAccessCidrs": ["203.0.113.0/24"]}})
    vpc = run.one(CLUSTER).inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["endpointPrivateAccess"] is True
    assert vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_all_five_log_types_by_default(stack_run):
    assert stack_run.one(CLUSTER).inputs["enabledClusterLogTypes"] == list(CONTROL_PLANE_LOG_TYPES)


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
    # Protected always; kept after a destroy only where retainLogsOnDestroy says so (prod).
    assert group.protect and group.retain_on_delete == keeps_logs(stack_run)


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
    assert key.protect and key.retain_on_delete == keeps_logs(stack_run)
    statements = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}
    assert statements["AccountAdministersKey"]["Principal"] == {
        "AWS": "arn:aws:iam::111122223333:root"
    }
    assert statements["CloudWatchLogsEncryptsTheseGroups"]["Condition"]["ArnEquals"][
        "kms:EncryptionContext:aws:logs:arn"
    ] == [
        f"arn:aws:logs:{region(stack_run)}:111122223333:log-group:/aws/eks/{cluster.inputs['name']}/cluster"
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
    [inline] = inline_policies(stack_run, role)
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
    run = program(
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
    assert attached_policies(auto, node_role) == [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodeMinimalPolicy",
    ]
    # With built-in node pools EKS creates the node role's EC2 access entry during cluster
    # creation; a second one fails with ResourceInUseException.
    assert auto.of_type("aws:eks/accessEntry:AccessEntry") == []


def test_auto_mode_nodes_go_to_the_private_subnets(auto):
    # The built-in node class launches into the cluster's subnets: the /28 intra subnets have
    # no NAT and no room, so in Auto Mode the cluster uses the private ones.
    subnets = auto.one(CLUSTER).inputs["vpcConfig"]["subnetIds"]
    assert subnets == auto.outputs["privateSubnetIds"]


def test_auto_mode_needs_a_built_in_node_pool():
    # Without one nothing launches nodes, and moving between no pools and some changes the
    # cluster's node role, which replaces the cluster (terraform-aws-eks #3238).
    with pytest.raises(
        SettingsError, match=r"compute.autoModeNodePools = \[\]: must be at least one"
    ):
        program("dev", {"compute": {"mode": "auto", "nodeGroups": None, "autoModeNodePools": []}})


def test_managed_mode_has_no_auto_mode_blocks(stack_run):
    cluster = stack_run.one(CLUSTER).inputs
    assert not {"computeConfig", "storageConfig", "kubernetesNetworkConfig"} & cluster.keys()


def test_kubeconfig_is_secret_and_uses_get_token(stack_run):
    config = json.loads(stack_run.outputs["kubeconfig"])
    exec_ = config["users"][0]["user"]["exec"]
    assert exec_["command"] == "aws"
    assert exec_["args"][:5] == [
        "--region",
        region(stack_run),
        "eks",
        "get-token",
        "--cluster-name",
    ]
    assert "token" not in config["users"][0]["user"]
    assert config["clusters"][0]["cluster"]["server"] == stack_run.outputs["clusterEndpoint"]


def test_kubeconfig_function():
    config = json.loads(kubeconfig("c", "https://x", "Y2E=", "eu-west-1"))
    assert config["current-context"] == "c"
    assert config["clusters"][0]["cluster"]["certificate-authority-data"] == "Y2E="


def test_endpoint_access_opens_443_on_the_cluster_security_group_only_to_what_is_listed():
    runner, network = "sg-0123456789abcdef0", "10.99.0.0/24"
    run = program(
        "dev", {"cluster": {"endpointAccess": {"securityGroupIds": [runner], "cidrs": [network]}}}
    )
    [cluster] = run.of_type("aws:eks/cluster:Cluster")
    cluster_sg = cluster.outputs["vpcConfig"]["clusterSecurityGroupId"]
    rules = [
        r
        for r in run.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == cluster_sg
    ]
    assert {
        (r.inputs.get("referencedSecurityGroupId"), r.inputs.get("cidrIpv4")) for r in rules
    } == {
        (runner, None),
        (None, network),
    }
    for rule in rules:
        assert (rule.inputs["ipProtocol"], rule.inputs["fromPort"], rule.inputs["toPort"]) == (
            "tcp",
            443,
            443,
        )
        assert run.waits_for(rule, cluster) or cluster.urn in {
            u for us in rule.property_dependencies.values() for u in us
        }
    # Nothing listed: the cluster security group keeps its one rule, EKS's own.
    dev = program("dev")
    assert not [
        r
        for r in dev.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"]
        == dev.one("aws:eks/cluster:Cluster").outputs["vpcConfig"]["clusterSecurityGroupId"]
    ]


def test_force_upgrade_reaches_the_cluster_and_the_node_groups_only_when_asked(stack_run):
    assert "forceUpdateVersion" not in stack_run.one("aws:eks/cluster:Cluster").inputs
    forced = program("dev", {"cluster": {"forceUpgrade": True}})
    assert forced.one("aws:eks/cluster:Cluster").inputs["forceUpdateVersion"] is True
    assert forced.one("aws:eks/nodeGroup:NodeGroup").inputs["forceUpdateVersion"] is True
