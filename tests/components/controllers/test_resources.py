"""The controllers' resources held word for word where a slip would go unseen: their logical names
and parent (a renamed or re-parented resource is replaced on the next `pulumi up`), the
interruption queue's policy and EventBridge targets, Auto Mode's default StorageClass, and the
messages that refuse controllers Auto Mode already runs."""

import json

import pytest

from components.addons.versions import controller_versions
from components.base.config import SettingsError
from components.base.context import AwsContext
from components.controllers.iam import events_to_queue
from components.controllers.karpenter import release_values
from components.stack.settings import load_settings
from tests.programs import EVERY_OPTION, RUNNER, program

QUEUE = "arn:aws:sqs:eu-west-1:111122223333:eks-platform-prod-karpenter"
EVENTS = (
    "spot-interruption",
    "rebalance",
    "instance-state-change",
    "scheduled-change",
    "capacity-reservation-interruption",
)
CONTROLLERS_RESOURCES = sorted(
    [
        ("aws:iam/role:Role", "controllers-karpenter-node"),
        ("aws:sqs/queue:Queue", "controllers-karpenter-interruptions"),
        *[("aws:cloudwatch/eventRule:EventRule", f"controllers-karpenter-{e}") for e in EVENTS],
        *[("aws:cloudwatch/eventTarget:EventTarget", f"controllers-karpenter-{e}") for e in EVENTS],
        ("aws:iam/role:Role", "controllers-karpenter"),
        ("aws:iam/role:Role", "controllers-load-balancer-controller"),
        *[
            (
                "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                f"controllers-karpenter-node-{policy}",
            )
            for policy in (
                "AmazonEKSWorkerNodePolicy",
                "AmazonEC2ContainerRegistryPullOnly",
                "AmazonSSMManagedInstanceCore",
            )
        ],
        ("aws:iam/rolePolicy:RolePolicy", "controllers-load-balancer-controller"),
        ("aws:iam/rolePolicy:RolePolicy", "controllers-karpenter"),
        ("aws:sqs/queuePolicy:QueuePolicy", "controllers-karpenter-interruptions"),
        ("aws:eks/accessEntry:AccessEntry", "controllers-deployer"),
        ("aws:eks/accessEntry:AccessEntry", "controllers-karpenter-node"),
        ("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "controllers-deployer"),
        (
            "aws:eks/podIdentityAssociation:PodIdentityAssociation",
            "controllers-load-balancer-controller",
        ),
        ("aws:eks/podIdentityAssociation:PodIdentityAssociation", "controllers-karpenter"),
        ("aws:ec2/tag:Tag", "controllers-karpenter-discovery-cluster-sg"),
        ("pulumi:providers:kubernetes", "controllers-k8s"),
        ("kubernetes:helm.sh/v3:Release", "controllers-load-balancer-controller"),
        ("kubernetes:helm.sh/v3:Release", "controllers-karpenter-crd"),
        ("kubernetes:helm.sh/v3:Release", "controllers-karpenter"),
        ("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass", "controllers-karpenter-node-class"),
        ("kubernetes:karpenter.sh/v1:NodePool", "controllers-karpenter-node-pool"),
    ]
)
AUTO_MODE = {"compute": {"mode": "auto", "nodeGroups": None}}


@pytest.fixture(scope="module")
def on():
    return program("prod", EVERY_OPTION)


def test_every_resource_of_the_controllers_by_type_name_and_parent(on):
    [component] = on.of_type("eks-platform:index:Controllers")
    children = [r for r in on.registrations if r.parent == component.urn]
    assert sorted((r.type, r.name) for r in children) == CONTROLLERS_RESOURCES


def test_the_interruption_queue_takes_events_from_this_account_over_tls_only(on):
    expected = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventBridgeDelivers",
                "Effect": "Allow",
                "Principal": {"Service": ["events.amazonaws.com", "sqs.amazonaws.com"]},
                "Action": "sqs:SendMessage",
                "Resource": QUEUE,
                "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
            },
            {
                "Sid": "DenyPlainHttp",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sqs:*",
                "Resource": QUEUE,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    aws = AwsContext("111122223333", "aws", "eu-west-1")
    assert events_to_queue(aws, QUEUE) == expected
    assert json.loads(on.one("aws:sqs/queuePolicy:QueuePolicy").inputs["policy"]) == expected


def test_each_interruption_rule_delivers_to_the_queue(on):
    rules = {r.outputs["name"]: r.name for r in on.of_type("aws:cloudwatch/eventRule:EventRule")}
    targets = on.of_type("aws:cloudwatch/eventTarget:EventTarget")
    assert sorted(rules[t.inputs["rule"]] for t in targets) == sorted(
        f"controllers-karpenter-{e}" for e in EVENTS
    )
    for target in targets:
        assert target.inputs["arn"] == QUEUE
        assert target.inputs["targetId"] == "karpenter-interruption-queue"


def test_auto_mode_gets_an_encrypted_gp3_default_storage_class():
    controllers = {"enabled": True, "karpenter": False, "loadBalancerController": False}
    run = program("dev", {**AUTO_MODE, "controllers": controllers, "cluster": RUNNER})
    storage_class = run.one("kubernetes:storage.k8s.io/v1:StorageClass")
    assert storage_class.name == "controllers-gp3"
    # Through the stack's own provider, once the deployer may use the Kubernetes API.
    provider = run.one("pulumi:providers:kubernetes")
    assert storage_class.provider.startswith(provider.urn + "::")
    [access] = run.of_type("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
    assert run.waits_for(storage_class, access)
    assert storage_class.inputs == {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {
            "name": "gp3",
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
        },
        # Auto Mode's own EBS driver (https://docs.aws.amazon.com/eks/latest/userguide/create-storage-class.html).
        "provisioner": "ebs.csi.eks.amazonaws.com",
        "parameters": {"type": "gp3", "encrypted": "true"},
        "volumeBindingMode": "WaitForFirstConsumer",
        "allowVolumeExpansion": True,
        "reclaimPolicy": "Delete",
    }


def test_auto_mode_refuses_the_controllers_it_runs_itself():
    raw = {
        "owner": "platform-team",
        **AUTO_MODE,
        "controllers": {"enabled": True},
        "cluster": RUNNER,
    }
    with pytest.raises(SettingsError) as error:
        load_settings(raw, "dev")
    assert error.value.problems == [
        "eks-platform:controllers.loadBalancerController = true: must be false when "
        "compute.mode is 'auto': Auto Mode already runs load balancing",
        "eks-platform:controllers.karpenter = true: must be false when compute.mode is 'auto': "
        "Auto Mode already runs Karpenter-based compute",
    ]


def test_the_releases(on):
    table = controller_versions("1.35")
    releases = {r.name: r.inputs for r in on.of_type("kubernetes:helm.sh/v3:Release")}
    common = {"namespace": "kube-system", "atomic": True, "compat": "true"}
    assert releases == {
        "controllers-load-balancer-controller": {
            **common,
            "name": "aws-load-balancer-controller",
            "chart": "aws-load-balancer-controller",
            "version": table["aws-load-balancer-controller"],
            "repositoryOpts": {"repo": "https://aws.github.io/eks-charts"},
            "values": {
                "clusterName": "eks-platform-prod",
                "region": "eu-west-1",
                "vpcId": on.outputs["vpcId"],
                "replicaCount": 2,
                "podDisruptionBudget": {"maxUnavailable": 1},
                "serviceAccount": {"create": True, "name": "aws-load-balancer-controller"},
            },
        },
        "controllers-karpenter-crd": {
            **common,
            "name": "karpenter-crd",
            "chart": "oci://public.ecr.aws/karpenter/karpenter-crd",
            "version": table["karpenter"],
        },
        "controllers-karpenter": {
            **common,
            "name": "karpenter",
            "chart": "oci://public.ecr.aws/karpenter/karpenter",
            "version": table["karpenter"],
            "skipCrds": True,
            "values": release_values("eks-platform-prod", "eks-platform-prod-karpenter"),
        },
    }


def test_the_node_pool_and_node_class_karpenter_finds(on):
    node_role = next(
        r for r in on.of_type("aws:iam/role:Role") if r.name == "controllers-karpenter-node"
    )
    for kind in (
        "kubernetes:karpenter.sh/v1:NodePool",
        "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass",
    ):
        assert on.one(kind).inputs["metadata"] == {"name": "default"}
    node_class = on.one("kubernetes:karpenter.k8s.aws/v1:EC2NodeClass").inputs["spec"]
    assert node_class["role"] == node_role.outputs["name"]
    assert node_class["subnetSelectorTerms"] == [
        {"tags": {"karpenter.sh/discovery": "eks-platform-prod"}}
    ]


def test_names_and_descriptions_say_what_each_resource_is_for(on):
    found = {
        (r.type.rsplit(":", 1)[-1], r.name): (
            r.inputs["tags"].get("Name"),
            r.inputs.get("description"),
        )
        for r in on.registrations
        if r.parent and "Controllers" in r.parent and isinstance(r.inputs.get("tags"), dict)
    }
    prod = "eks-platform-prod"
    assert found == {
        **{
            ("EventRule", f"controllers-karpenter-{e}"): (
                f"{prod}-karpenter-{e}",
                f"{e} events for Karpenter of {prod}",
            )
            for e in EVENTS
        },
        ("Role", "controllers-load-balancer-controller"): (
            f"{prod}-load-balancer-controller",
            f"load-balancer-controller of {prod} (kube-system/aws-load-balancer-controller)",
        ),
        ("PodIdentityAssociation", "controllers-load-balancer-controller"): (
            f"{prod}-load-balancer-controller",
            None,
        ),
        ("Role", "controllers-karpenter"): (
            f"{prod}-karpenter",
            f"karpenter of {prod} (kube-system/karpenter)",
        ),
        ("PodIdentityAssociation", "controllers-karpenter"): (f"{prod}-karpenter", None),
        ("Role", "controllers-karpenter-node"): (
            f"{prod}-karpenter-node",
            f"Nodes Karpenter launches for {prod}",
        ),
        ("AccessEntry", "controllers-karpenter-node"): (f"{prod}-karpenter-node", None),
        ("Queue", "controllers-karpenter-interruptions"): (f"{prod}-karpenter", None),
        ("AccessEntry", "controllers-deployer"): ("controllers-deployer", None),
    }


def test_karpenter_s_node_role_is_for_ec2_and_its_nodes_may_join(on):
    [node_role] = [
        r for r in on.of_type("aws:iam/role:Role") if r.name == "controllers-karpenter-node"
    ]
    assert json.loads(node_role.inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    [release] = [
        r for r in on.of_type("kubernetes:helm.sh/v3:Release") if r.name == "controllers-karpenter"
    ]
    [node_access] = [
        e
        for e in on.of_type("aws:eks/accessEntry:AccessEntry")
        if e.name == "controllers-karpenter-node"
    ]
    assert node_access.inputs["principalArn"] == node_role.outputs["arn"]
    assert node_access.inputs["type"] == "EC2_LINUX"
    # Nodes Karpenter launches join through that entry: it exists before Karpenter runs.
    assert on.waits_for(release, node_access)


def test_eventbridge_targets_wait_for_the_queue_policy(on):
    # EventBridge delivers to the queue only once the queue's policy allows it.
    policy = on.one("aws:sqs/queuePolicy:QueuePolicy")
    for target in on.of_type("aws:cloudwatch/eventTarget:EventTarget"):
        assert on.waits_for(target, policy), target.name


def test_karpenter_starts_once_what_its_nodes_and_interruptions_need_exists(on):
    [release] = [
        r for r in on.of_type("kubernetes:helm.sh/v3:Release") if r.name == "controllers-karpenter"
    ]
    needed = [
        on.one("aws:ec2/tag:Tag"),  # how its NodeClass finds the cluster security group
        *on.of_type("aws:cloudwatch/eventTarget:EventTarget"),  # interruption events reach it
        *[
            a
            for a in on.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.name.startswith("controllers-karpenter-node-")  # what its nodes may do
        ],
    ]
    assert len(needed) == 1 + len(EVENTS) + 3
    for resource in needed:
        assert on.waits_for(release, resource), resource.name
