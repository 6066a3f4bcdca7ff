"""Opt-in in-cluster controllers: off by default; when on, pinned Helm releases with explicit
region and VPC, Pod Identity roles, Karpenter's queue, rules and node specs, one explicit
Kubernetes provider, and dependencies that give a clean destroy order."""

import json
import re

import pytest
from pulumi.runtime.rpc import _special_secret_sig as SECRET_VALUE_SIG
from pulumi.runtime.rpc import _special_sig_key as SECRET_SIG

from components.addons.versions import controller_versions
from components.base.config import SettingsError
from components.controllers.settings import karpenter_support_problem
from preflight.offline.analyzer import evaluate
from tests.lookups import attached_policies, inline_policies, role_by_arn
from tests.programs import EVERY_OPTION, RUNNER, program

RELEASE = "kubernetes:helm.sh/v3:Release"
ON = {"controllers": {"enabled": True}, "cluster": RUNNER}


@pytest.fixture(scope="module")
def on():
    return program("prod", EVERY_OPTION)


def k8s_resources(run):
    return [r for r in run.registrations if r.type.startswith("kubernetes:")]


def releases(run):
    return {r.inputs["name"]: r for r in run.of_type(RELEASE)}


def custom_resource(run, kind):
    return next(r for r in k8s_resources(run) if r.type.endswith(f":{kind}"))


def test_off_by_default_no_kubernetes_at_all(stack_run):
    assert k8s_resources(stack_run) == []
    assert stack_run.of_type("pulumi:providers:kubernetes") == []


def test_one_explicit_provider_from_the_kubeconfig_for_every_kubernetes_resource(on):
    provider = on.one("pulumi:providers:kubernetes")
    # The kubeconfig reaches the provider as a secret, and authenticates with `aws eks get-token`.
    secret = provider.inputs["kubeconfig"]
    assert secret[SECRET_SIG] == SECRET_VALUE_SIG
    assert json.loads(secret["value"])["users"][0]["user"]["exec"]["command"] == "aws"
    # A refresh that cannot reach the API fails instead of dropping releases from the state.
    assert "deleteUnreachable" not in provider.inputs
    resources = k8s_resources(on)
    assert len(resources) == 5  # three releases, the NodeClass and the NodePool
    for r in resources:
        assert r.provider.startswith(provider.urn + "::"), r.name


def test_releases_are_pinned_with_explicit_region_and_vpc(on):
    found = releases(on)
    lbc, karpenter, crds = (
        found[n] for n in ("aws-load-balancer-controller", "karpenter", "karpenter-crd")
    )
    table = controller_versions("1.35")
    assert lbc.inputs["version"] == table["aws-load-balancer-controller"]
    assert karpenter.inputs["version"] == crds.inputs["version"] == table["karpenter"]
    assert lbc.inputs["repositoryOpts"]["repo"] == "https://aws.github.io/eks-charts"
    assert karpenter.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter"
    # The CRD chart owns the CRDs, so chart upgrades upgrade them; the main chart skips its copy.
    assert crds.inputs["chart"] == "oci://public.ecr.aws/karpenter/karpenter-crd"
    assert karpenter.inputs["skipCrds"] is True and on.waits_for(karpenter, crds)
    values = lbc.inputs["values"]
    assert values["region"] == "eu-west-1" and values["vpcId"] == on.outputs["vpcId"]
    assert values["clusterName"] == "eks-platform-prod"
    assert values["replicaCount"] >= 2 and values["podDisruptionBudget"] == {"maxUnavailable": 1}


def test_chart_versions_come_from_settings_and_must_be_exact():
    run = program(
        "dev",
        {"controllers": {"enabled": True, "karpenterChartVersion": "1.12.0"}, "cluster": RUNNER},
    )
    assert releases(run)["karpenter"].inputs["version"] == "1.12.0"
    with pytest.raises(
        SettingsError, match=r"controllers.loadBalancerControllerChartVersion .*exact chart version"
    ):
        program(
            "dev",
            {
                "controllers": {"enabled": True, "loadBalancerControllerChartVersion": "1.x"},
                "cluster": RUNNER,
            },
        )


@pytest.mark.parametrize(
    "kubernetes, chart, refused",
    [
        ("1.35", "1.8.2", "Karpenter 1.8 supports up to 1.34; upgrade Karpenter first"),
        ("1.35", "1.9.0", None),
        ("1.36", "1.12.2", "Karpenter 1.12 supports up to 1.35"),
        ("1.36", "1.13.0", None),
        ("1.35", "0.37.0", "a Karpenter version in the compatibility table"),
    ],
)
def test_karpenter_must_support_the_kubernetes_version(kubernetes, chart, refused):
    settings = {
        "kubernetesVersion": kubernetes,
        "controllers": {"enabled": True, "karpenterChartVersion": chart},
        "cluster": RUNNER,
    }
    if refused is None:
        assert releases(program("dev", settings))["karpenter"].inputs["version"] == chart
        return
    with pytest.raises(SettingsError, match=re.escape(refused)):
        program("dev", settings)


@pytest.mark.parametrize("kubernetes", ["1.34", "1.35", "1.36"])
def test_the_table_s_karpenter_supports_each_kubernetes_version(kubernetes):
    assert (
        karpenter_support_problem(controller_versions(kubernetes)["karpenter"], kubernetes) is None
    )


def association_role(run, service_account):
    association = next(
        a
        for a in run.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
        if a.inputs["serviceAccount"] == service_account
    )
    assert association.inputs["namespace"] == "kube-system"
    assert association.inputs["clusterName"] == "eks-platform-prod"
    return role_by_arn(run, association.inputs["roleArn"])


def inline_policy(run, role):
    [policy] = inline_policies(run, role)
    return json.loads(policy.inputs["policy"])


def test_load_balancer_controller_role_through_pod_identity(on):
    role = association_role(on, "aws-load-balancer-controller")
    trust = json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]
    assert trust["Principal"] == {"Service": "pods.eks.amazonaws.com"}
    actions = {
        a
        for s in inline_policy(on, role)["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {
        "elasticloadbalancing:CreateLoadBalancer",
        "ec2:DescribeSubnets",
        "ec2:AuthorizeSecurityGroupIngress",
    } <= actions
    assert role.outputs["arn"] != on.outputs["nodeRoleArn"]


def test_karpenter_controller_role_is_scoped_to_this_cluster(on):
    role = association_role(on, "karpenter")
    statements = {s["Sid"]: s for s in inline_policy(on, role)["Statement"]}
    queue = on.one("aws:sqs/queue:Queue")
    assert statements["AllowInterruptionQueueActions"]["Resource"] == queue.outputs["arn"]
    node_role = role_by_arn(on, statements["AllowPassingInstanceRole"]["Resource"])
    assert node_role.name == "controllers-karpenter-node"
    assert statements["AllowScopedDeletion"]["Condition"]["StringEquals"] == {
        "aws:ResourceTag/kubernetes.io/cluster/eks-platform-prod": "owned"
    }
    cluster = on.one("aws:eks/cluster:Cluster")
    assert statements["AllowAPIServerEndpointDiscovery"]["Resource"] == cluster.outputs["arn"]


def test_karpenter_node_role_and_its_ec2_linux_access_entry(on):
    node_role = next(
        r for r in on.of_type("aws:iam/role:Role") if r.name == "controllers-karpenter-node"
    )
    assert attached_policies(on, node_role) == [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodePolicy",
        "AmazonSSMManagedInstanceCore",
    ]
    entry = next(
        e
        for e in on.of_type("aws:eks/accessEntry:AccessEntry")
        if e.inputs["principalArn"] == node_role.outputs["arn"]
    )
    assert entry.inputs["type"] == "EC2_LINUX"


def test_interruption_queue_and_the_rules_of_upstream_s_template(on):
    queue = on.one("aws:sqs/queue:Queue")
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert queue.inputs["messageRetentionSeconds"] == 300
    patterns = {
        json.loads(r.inputs["eventPattern"])["detail-type"][0]
        for r in on.of_type("aws:cloudwatch/eventRule:EventRule")
    }
    assert patterns == {
        "EC2 Spot Instance Interruption Warning",
        "EC2 Instance Rebalance Recommendation",
        "EC2 Instance State-change Notification",
        "AWS Health Event",
        "EC2 Capacity Reservation Instance Interruption Warning",
    }
    targets = on.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert len(targets) == 5 and {t.inputs["arn"] for t in targets} == {queue.outputs["arn"]}
    policy = json.loads(on.one("aws:sqs/queuePolicy:QueuePolicy").inputs["policy"])
    assert policy["Statement"][0]["Principal"]["Service"] == [
        "events.amazonaws.com",
        "sqs.amazonaws.com",
    ]
    assert (
        releases(on)["karpenter"].inputs["values"]["settings"]["interruptionQueue"]
        == queue.outputs["name"]
    )


def test_karpenter_never_runs_on_nodes_it_manages(on):
    values = releases(on)["karpenter"].inputs["values"]
    [term] = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert term["matchExpressions"] == [
        {"key": "karpenter.sh/nodepool", "operator": "DoesNotExist"}
    ]


def test_node_class_is_hardened_and_found_by_discovery_tags(on):
    spec = custom_resource(on, "EC2NodeClass").inputs["spec"]
    # A pinned AMI release from the version table: `@latest` would replace nodes on AWS's schedule.
    assert spec["amiSelectorTerms"] == [{"alias": controller_versions("1.35")["karpenterAmiAlias"]}]
    assert spec["metadataOptions"]["httpTokens"] == "required"
    assert spec["metadataOptions"]["httpPutResponseHopLimit"] == 1
    [disk] = spec["blockDeviceMappings"]
    assert disk["ebs"]["encrypted"] is True and disk["ebs"]["volumeType"] == "gp3"
    assert spec["subnetSelectorTerms"] == [
        {"tags": {"karpenter.sh/discovery": "eks-platform-prod"}}
    ]
    # EKS creates the cluster security group, so it is tagged here; the subnets carry the tag themselves.
    [sg_tag] = on.of_type("aws:ec2/tag:Tag")
    assert sg_tag.inputs["resourceId"] == on.outputs["clusterSecurityGroupId"]
    assert sg_tag.inputs["key"] == "karpenter.sh/discovery"
    private = [
        s for s in on.of_type("aws:ec2/subnet:Subnet") if s.id in on.outputs["privateSubnetIds"]
    ]
    assert len(private) == 3
    assert all(s.inputs["tags"]["karpenter.sh/discovery"] == "eks-platform-prod" for s in private)


def test_node_pool_limits_from_settings_and_consolidation():
    run = program(
        "dev",
        {
            "controllers": {
                "enabled": True,
                "karpenterCpuLimit": 64,
                "karpenterMemoryLimitGib": 256,
            },
            "cluster": RUNNER,
        },
    )
    spec = custom_resource(run, "NodePool").inputs["spec"]
    assert spec["limits"] == {"cpu": 64, "memory": "256Gi"}
    assert spec["disruption"]["consolidationPolicy"] == "WhenEmptyOrUnderutilized"
    assert (
        spec["template"]["spec"]["nodeClassRef"]["name"]
        == custom_resource(run, "EC2NodeClass").inputs["metadata"]["name"]
    )


def test_destroy_order_is_encoded_as_dependencies(on):
    karpenter = releases(on)["karpenter"]
    node_pool, node_class = custom_resource(on, "NodePool"), custom_resource(on, "EC2NodeClass")
    # NodePool and NodeClass go first, while Karpenter still runs to drain its nodes.
    assert on.waits_for(node_pool, karpenter) and on.waits_for(node_class, karpenter)
    # Each controller keeps its permissions until its release is gone.
    for release_name, label in (
        ("karpenter", "controllers-karpenter"),
        ("aws-load-balancer-controller", "controllers-load-balancer-controller"),
    ):
        release = releases(on)[release_name]
        [policy] = [p for p in on.of_type("aws:iam/rolePolicy:RolePolicy") if p.name == label]
        [association] = [
            a
            for a in on.of_type("aws:eks/podIdentityAssociation:PodIdentityAssociation")
            if a.name == label
        ]
        assert on.waits_for(release, policy) and on.waits_for(release, association)
    # Controllers go before the node groups and add-ons they run on.
    for release in releases(on).values():
        for group in on.of_type("aws:eks/nodeGroup:NodeGroup"):
            assert on.waits_for(release, group)
        coredns = next(
            a for a in on.of_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "coredns"
        )
        assert on.waits_for(release, coredns)


def test_storage_class_only_when_the_ebs_add_on_has_no_default_class(on):
    assert [r for r in k8s_resources(on) if r.type.endswith("StorageClass")] == []
    override = {
        "addons": {
            "overrides": {
                "aws-ebs-csi-driver": {
                    "configurationValues": {"defaultStorageClass": {"enabled": False}}
                }
            }
        }
    }
    run = program("dev", {**ON, **override})
    storage = next(
        r for r in k8s_resources(run) if r.type == "kubernetes:storage.k8s.io/v1:StorageClass"
    )
    assert storage.inputs["provisioner"] == "ebs.csi.aws.com"
    assert storage.inputs["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert (
        storage.inputs["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"]
        == "true"
    )


def test_auto_mode_refuses_controllers_it_already_runs():
    with pytest.raises(
        SettingsError,
        match=r"controllers.karpenter = true: must be false when compute.mode is 'auto'",
    ):
        program("dev", {"compute": {"mode": "auto", "nodeGroups": None}, **ON})


def test_auto_mode_gets_only_a_default_storage_class():
    run = program(
        "dev",
        {
            "compute": {"mode": "auto", "nodeGroups": None},
            "controllers": {"enabled": True, "karpenter": False, "loadBalancerController": False},
            "cluster": RUNNER,
        },
    )
    [storage] = k8s_resources(run)
    assert storage.inputs["provisioner"] == "ebs.csi.eks.amazonaws.com"


def test_the_policy_pack_passes_with_controllers_on(on):
    assert evaluate(on.registrations, "policy/config/prod.json") == []


def test_eks_resources_of_the_controllers_wait_for_the_cluster(on):
    cluster = on.one("aws:eks/cluster:Cluster")
    for typ in (
        "aws:eks/podIdentityAssociation:PodIdentityAssociation",
        "aws:eks/accessEntry:AccessEntry",
    ):
        for r in on.of_type(typ):
            assert on.waits_for(r, cluster), r.name


def test_the_policy_pack_passes_auto_mode_on_prod():
    auto = {"compute": {"mode": "auto", "nodeGroups": None}}
    controllers = {"enabled": True, "karpenter": False, "loadBalancerController": False}
    run = program("prod", {**auto, "controllers": controllers, "cluster": RUNNER})
    assert evaluate(run.registrations, "policy/config/prod.json") == []
