"""Creation order as the engine receives it: for each pair of resource types whose order AWS
imposes, every registration of the dependent type in the dev, prod, Auto Mode and every-option
programs waits (through its dependencies or property dependencies, directly or not) for each of
its own prerequisites. One table, checked over every registration, not one example per rule.

Sources, read 2026-12-06:
- EKS API reference: AssociateAccessPolicy is `POST /clusters/{name}/access-entries/{principalArn}/
  access-policies` ("Associates an access policy and its scope to an access entry");
  CreateAccessEntry, CreatePodIdentityAssociation and CreateAddon are under `/clusters/{name}/`;
  CreatePodIdentityAssociation's roleArn names "the IAM role to associate with the service
  account" (https://docs.aws.amazon.com/eks/latest/APIReference/).
- hashicorp/terraform-provider-aws website/docs/r/eks_cluster.html.markdown (@0148137d) and
  eks_node_group.html.markdown (@05389d46): "Ensure that IAM Role permissions are created before
  and deleted after EKS Cluster [Node Group] handling"; the control-plane log group is created
  before the cluster "to prevent ordering issues with EKS automatically creating the log group".
- EKS user guide, VPC and subnet requirements (awsdocs/amazon-eks-user-guide
  latest/ug/networking/network-reqs.adoc @f6004140): nodes in a private subnet need a route to a
  NAT device or VPC endpoints.
- EC2 API reference, FlowLog: "Access error indicates that the IAM role associated with the flow
  log does not have sufficient permissions to publish to CloudWatch Logs."
- Karpenter (aws/karpenter-provider-aws @1d927085): getting started installs the chart (step 4)
  before creating a NodePool (step 5); upgrade guide: the karpenter-crd chart manages the CRDs.
Rows marked "no AWS source" hold an order this stack keeps for a reason AWS does not document as
an order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from preflight.offline.recorder import Registration
from preflight.offline.runner import ProgramRun
from tests.programs import EVERY_OPTION, program

ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
ADDON = "aws:eks/addon:Addon"
CLUSTER = "aws:eks/cluster:Cluster"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
KEY = "aws:kms/key:Key"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation"
RELEASE = "kubernetes:helm.sh/v3:Release"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
ROUTE = "aws:ec2/route:Route"
ROUTE_TABLE = "aws:ec2/routeTable:RouteTable"
ROUTE_TABLE_ASSOCIATION = "aws:ec2/routeTableAssociation:RouteTableAssociation"
NODE_POOL = "kubernetes:karpenter.sh/v1:NodePool"
NODE_CLASS = "kubernetes:karpenter.k8s.aws/v1:EC2NodeClass"

PROGRAMS = {
    "dev": ("dev", {}),
    "prod": ("prod", {}),
    "auto-mode": ("dev", {"compute": {"mode": "auto", "nodeGroups": None}}),
    "every-option": ("prod", EVERY_OPTION),
}
BOOTSTRAP_ADDONS = ("vpc-cni", "kube-proxy", "eks-pod-identity-agent")
CONTROLLERS = ("aws-load-balancer-controller", "karpenter")  # releases whose pods call AWS

Related = Callable[[ProgramRun, Registration], list[Registration]]


@dataclass(frozen=True)
class Order:
    dependent: str  # a resource type, or a type prefix ending in "*"
    prerequisite: str
    related: Related  # the prerequisites of one dependent
    why: str
    applies: Callable[[Registration], bool] = lambda _: True

    def dependents(self, run: ProgramRun) -> list[Registration]:
        if self.dependent.endswith("*"):
            found = [r for r in run.registrations if r.type.startswith(self.dependent[:-1])]
        else:
            found = run.of_type(self.dependent)
        return [r for r in found if self.applies(r)]


def where(typ: str, test: Callable[[Registration], bool]) -> Callable[[ProgramRun], list]:
    return lambda run: [r for r in run.of_type(typ) if test(r)]


def same_cluster(run: ProgramRun, dependent: Registration) -> list[Registration]:
    return where(CLUSTER, lambda c: c.outputs["name"] == dependent.inputs["clusterName"])(run)


def role(run: ProgramRun, arn: str | None) -> list[Registration]:
    return where(ROLE, lambda r: r.outputs["arn"] == arn)(run)


def permissions(run: ProgramRun, roles: list[Registration], typ: str) -> list[Registration]:
    names = {r.outputs["name"] for r in roles}
    return where(typ, lambda p: p.inputs["role"] in names)(run)


def addon_role_arn(addon: Registration) -> str | None:
    associations = addon.inputs.get("podIdentityAssociations") or [{}]
    return associations[0].get("roleArn") or addon.inputs.get("serviceAccountRoleArn")


def private_routing(run: ProgramRun, group: Registration, typ: str) -> list[Registration]:
    associations = where(
        ROUTE_TABLE_ASSOCIATION, lambda a: a.inputs["subnetId"] in group.inputs["subnetIds"]
    )(run)
    tables = {a.inputs["routeTableId"] for a in associations}
    return {
        ROUTE_TABLE_ASSOCIATION: associations,
        ROUTE_TABLE: where(ROUTE_TABLE, lambda t: t.id in tables)(run),
        ROUTE: where(ROUTE, lambda r: r.inputs["routeTableId"] in tables)(run),
    }[typ]


def controller_identity(run: ProgramRun, release: Registration) -> list[Registration]:
    return where(
        POD_IDENTITY,
        lambda a: (
            a.inputs["serviceAccount"] == release.inputs["name"]
            and a.inputs["namespace"] == release.inputs["namespace"]
        ),
    )(run)


def karpenter_releases(run: ProgramRun, _: Registration) -> list[Registration]:
    return where(RELEASE, lambda r: r.inputs["name"] in ("karpenter", "karpenter-crd"))(run)


ORDERS = [
    Order(
        ASSOCIATION,
        ACCESS_ENTRY,
        lambda run, a: where(
            ACCESS_ENTRY,
            lambda e: (
                (e.inputs["clusterName"], e.inputs["principalArn"])
                == (a.inputs["clusterName"], a.inputs["principalArn"])
            ),
        )(run),
        "AssociateAccessPolicy adds a policy to an existing access entry",
    ),
    Order(ACCESS_ENTRY, CLUSTER, same_cluster, "CreateAccessEntry is a call on the cluster"),
    Order(
        POD_IDENTITY,
        ROLE,
        lambda run, a: role(run, a.inputs["roleArn"]),
        "CreatePodIdentityAssociation names an existing role",
    ),
    Order(
        POD_IDENTITY, CLUSTER, same_cluster, "CreatePodIdentityAssociation is a call on the cluster"
    ),
    Order(ADDON, CLUSTER, same_cluster, "CreateAddon is a call on the cluster"),
    Order(
        ADDON,
        ATTACHMENT,
        lambda run, a: permissions(run, role(run, addon_role_arn(a)), ATTACHMENT),
        "the add-on's pods start with their role's permissions in place (no AWS source: IAM "
        "changes are eventually consistent)",
        applies=lambda a: addon_role_arn(a) is not None,
    ),
    Order(
        NODE_GROUP,
        ATTACHMENT,
        lambda run, g: permissions(run, role(run, g.inputs["nodeRoleArn"]), ATTACHMENT),
        "IAM role permissions created before and deleted after the node group (terraform docs)",
    ),
    *(
        Order(
            NODE_GROUP,
            typ,
            lambda run, g, typ=typ: private_routing(run, g, typ),
            "nodes in private subnets reach EKS and ECR through their route to the NAT gateway",
        )
        for typ in (ROUTE_TABLE, ROUTE_TABLE_ASSOCIATION, ROUTE)
    ),
    Order(
        NODE_GROUP,
        ADDON,
        lambda run, _: where(ADDON, lambda a: a.inputs["addonName"] in BOOTSTRAP_ADDONS)(run),
        "with bootstrapSelfManagedAddons off nothing else gives nodes a CNI, kube-proxy or Pod "
        "Identity (no AWS source for the order itself)",
    ),
    Order(
        FLOW_LOG,
        ROLE_POLICY,
        lambda run, f: permissions(run, role(run, f.inputs["iamRoleArn"]), ROLE_POLICY),
        "a flow log whose role cannot publish reports 'Access error'",
    ),
    Order(
        FLOW_LOG,
        LOG_GROUP,
        lambda run, f: where(LOG_GROUP, lambda g: g.outputs["arn"] == f.inputs["logDestination"])(
            run
        ),
        "the flow log writes into the group, which this stack encrypts and expires",
    ),
    Order(
        CLUSTER,
        LOG_GROUP,
        lambda run, c: where(
            LOG_GROUP, lambda g: g.inputs["name"] == f"/aws/eks/{c.inputs['name']}/cluster"
        )(run),
        "else EKS creates the group itself, never expiring and unencrypted (terraform docs)",
    ),
    Order(
        CLUSTER,
        KEY,
        lambda run, c: where(
            KEY,
            lambda k: k.outputs["arn"] == c.inputs["encryptionConfig"]["provider"]["keyArn"],
        )(run),
        "secrets encryption names the key at creation",
    ),
    Order(
        CLUSTER,
        ATTACHMENT,
        lambda run, c: permissions(run, role(run, c.inputs["roleArn"]), ATTACHMENT),
        "IAM role permissions created before and deleted after the cluster (terraform docs)",
    ),
    Order(
        RELEASE,
        POD_IDENTITY,
        controller_identity,
        "the controller's pods get AWS credentials through the association",
        applies=lambda r: r.inputs["name"] in CONTROLLERS,
    ),
    Order(
        RELEASE,
        ROLE_POLICY,
        lambda run, r: permissions(
            run,
            [x for a in controller_identity(run, r) for x in role(run, a.inputs["roleArn"])],
            ROLE_POLICY,
        ),
        "the controller starts with its permissions in place (no AWS source: IAM changes are "
        "eventually consistent)",
        applies=lambda r: r.inputs["name"] in CONTROLLERS,
    ),
    Order(
        RELEASE,
        RELEASE,
        lambda run, _: where(RELEASE, lambda r: r.inputs["name"] == "karpenter-crd")(run),
        "the karpenter chart is installed without CRDs: karpenter-crd owns them (upgrade guide)",
        applies=lambda r: r.inputs["name"] == "karpenter",
    ),
    Order(
        NODE_POOL, RELEASE, karpenter_releases, "a NodePool needs Karpenter's CRD and controller"
    ),
    Order(NODE_CLASS, RELEASE, karpenter_releases, "an EC2NodeClass needs Karpenter's CRD"),
    Order(
        "kubernetes:*",
        ASSOCIATION,
        lambda run, _: where(
            ASSOCIATION, lambda a: a.inputs["principalArn"] == run.outputs["deployment"]["deployer"]
        )(run),
        "the deployer can only call the Kubernetes API once its access entry has its policy",
    ),
]


def label(order: Order) -> str:
    short = [t.rsplit(":", 1)[-1] for t in (order.dependent, order.prerequisite)]
    return "-after-".join(short)


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.parametrize("order", ORDERS, ids=[label(o) for o in ORDERS])
def test_every_dependent_waits_for_each_of_its_prerequisites(order, name):
    run = program(*PROGRAMS[name])
    for dependent in order.dependents(run):
        prerequisites = order.related(run, dependent)
        assert prerequisites, f"{dependent.name}: no {order.prerequisite} found ({order.why})"
        for prerequisite in prerequisites:
            assert prerequisite.type == order.prerequisite
            assert run.waits_for(dependent, prerequisite), (
                f"{dependent.name} does not wait for {prerequisite.name}: {order.why}"
            )


@pytest.mark.parametrize("order", ORDERS, ids=[label(o) for o in ORDERS])
def test_every_order_is_checked_on_some_program(order):
    assert any(order.dependents(program(*PROGRAMS[name])) for name in PROGRAMS), order.why
