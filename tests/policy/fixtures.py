"""Compliant resources and a small complete stack for the policy tests to change one thing at a
time (awsguard's happy path, then one mutation)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eks_policies import _types as t
from tests.policy.runner import UNKNOWN_STR, Res, changed

ACCOUNT = "111122223333"


def arn(service: str, resource: str, region: str = "eu-west-1") -> str:
    return f"arn:aws:{service}:{region}:{ACCOUNT}:{resource}"


TAGS = {"project": "eks-platform", "stack": "test", "owner": "platform-team"}

CLUSTER = {
    "name": "eks-platform-test",
    "version": "1.35",
    "roleArn": f"arn:aws:iam::{ACCOUNT}:role/eks-cluster",
    "vpcConfig": {
        "subnetIds": ["subnet-0a", "subnet-0b", "subnet-0c"],
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
    },
    "enabledClusterLogTypes": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    "encryptionConfig": {"provider": {"keyArn": arn("kms", "key/1234")}, "resources": ["secrets"]},
    "accessConfig": {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False},
    "upgradePolicy": {"supportType": "STANDARD"},
    "bootstrapSelfManagedAddons": False,
    "tags": TAGS,
}

LAUNCH_TEMPLATE = {
    "metadataOptions": {
        "httpTokens": "required",
        "httpPutResponseHopLimit": 1,
        "httpEndpoint": "enabled",
    },
    "blockDeviceMappings": [
        {
            "deviceName": "/dev/xvda",
            "ebs": {"encrypted": "true", "volumeType": "gp3", "volumeSize": 50},
        }
    ],
    "networkInterfaces": [{"associatePublicIpAddress": "false"}],
    "tags": TAGS,
}

NODE_GROUP = {
    "clusterName": "eks-platform-test",
    "nodeRoleArn": f"arn:aws:iam::{ACCOUNT}:role/eks-node",
    "subnetIds": ["subnet-1a", "subnet-1b", "subnet-1c"],
    "launchTemplate": {"id": "lt-0123", "version": "1"},
    "amiType": "AL2023_x86_64_STANDARD",
    "scalingConfig": {"minSize": 2, "maxSize": 4, "desiredSize": 2},
    "tags": TAGS,
}

ACCOUNT_ROOT_STATEMENT = {
    "Sid": "AccountAdministersKey",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    "Action": "kms:*",
    "Resource": "*",
}


def document(*statements: Mapping[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


KMS_KEY = {
    "description": "EKS secrets",
    "enableKeyRotation": True,
    "deletionWindowInDays": 30,
    "policy": document(ACCOUNT_ROOT_STATEMENT),
    "tags": TAGS,
}

LOG_GROUP = {
    "name": "/aws/eks/eks-platform-test/cluster",
    "retentionInDays": 90,
    "kmsKeyId": arn("kms", "key/1"),
}

# Kubernetes objects as pulumi-kubernetes sends them (custom resources, a StorageClass, Helm).
EC2_NODE_CLASS = {
    "apiVersion": "karpenter.k8s.aws/v1",
    "kind": "EC2NodeClass",
    "metadata": {"name": "default"},
    "spec": {
        "role": "karpenter-node",
        "amiSelectorTerms": [{"alias": "al2023@latest"}],
        "metadataOptions": {
            "httpEndpoint": "enabled",
            "httpPutResponseHopLimit": 1,
            "httpTokens": "required",
        },
        "blockDeviceMappings": [
            {"deviceName": "/dev/xvda", "ebs": {"volumeSize": "50Gi", "encrypted": True}}
        ],
    },
}
NODE_POOL = {
    "kind": "NodePool",
    "metadata": {"name": "default"},
    "spec": {"template": {"spec": {}}, "limits": {"cpu": 1000, "memory": "1000Gi"}},
}
AUTO_NODE_CLASS = {
    "kind": "NodeClass",
    "spec": {"role": "auto-node", "advancedNetworking": {"associatePublicIPAddress": False}},
}
STORAGE_CLASS = {
    "metadata": {"name": "gp3"},
    "provisioner": "ebs.csi.aws.com",
    "parameters": {"type": "gp3", "encrypted": "true"},
}
RELEASE = {
    "name": "aws-load-balancer-controller",
    "chart": "aws-load-balancer-controller",
    "version": "1.14.0",
    "repositoryOpts": {"repo": "https://aws.github.io/eks-charts"},
}
OCI_RELEASE = {
    "name": "karpenter",
    "chart": "oci://public.ecr.aws/karpenter/karpenter",
    "version": "1.8.1",
}


VPC_CNI = {"clusterName": "c", "addonName": "vpc-cni", "addonVersion": "v1.21.1-eksbuild.1"}

ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF"


def irsa_trust(sub: Any = "system:serviceaccount:kube-system:aws-node", aud: bool = True) -> str:
    tests = {f"{ISSUER}:sub": sub}
    if aud:
        tests[f"{ISSUER}:aud"] = "sts.amazonaws.com"
    return document(
        {
            "Effect": "Allow",
            "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{ISSUER}"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": tests},
        }
    )


def service_trust(service: str = "ec2.amazonaws.com") -> str:
    return document(
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    )


# ---------------------------------------------------------------------- a compliant stack


@dataclass
class Stack:
    """A small but complete baseline stack; tests mutate parts and rebuild the list."""

    vpc: Res
    subnets: dict[str, Res]  # "<tier>-<az>" -> subnet
    resources: list[Res]
    cluster: Res
    node_group: Res
    node_role: Res

    def named(self, name: str) -> Res:
        return next(r for r in self.resources if r.name == name)

    def without(self, *names: str) -> list[Res]:
        return [r for r in self.resources if r.name not in names]


ZONES = ("eu-west-1a", "eu-west-1b", "eu-west-1c")


def baseline_stack(unknown_ids: bool = False) -> Stack:
    """VPC with public/private/intra subnets over 3 AZs, flow log, adopted default SG, a cluster
    in the intra subnets, a node group in the private ones, its role, add-ons and log group.

    With `unknown_ids`, every id/ARN a resource gets from another one is unknown (as at preview)
    and relationships resolve only through property dependencies.
    """

    def ref(value: str) -> str:
        return UNKNOWN_STR if unknown_ids else value

    vpc = Res(
        t.VPC,
        "vpc",
        {"cidrBlock": "10.0.0.0/16", "tags": TAGS},
        outputs={"id": ref("vpc-1"), "cidrBlock": "10.0.0.0/16"},
    )
    resources: list[Res] = [vpc]
    igw = Res(t.INTERNET_GATEWAY, "igw", {"vpcId": ref("vpc-1")}, {"vpcId": [vpc]})
    public_rt = Res(t.ROUTE_TABLE, "public-rt", {"vpcId": ref("vpc-1")}, {"vpcId": [vpc]})
    private_rt = Res(t.ROUTE_TABLE, "private-rt", {"vpcId": ref("vpc-1")}, {"vpcId": [vpc]})
    intra_rt = Res(t.ROUTE_TABLE, "intra-rt", {"vpcId": ref("vpc-1")}, {"vpcId": [vpc]})
    nat = Res(t.NAT_GATEWAY, "nat", {"subnetId": ref("subnet-public-a")})
    default_route = Res(
        t.ROUTE,
        "public-internet",
        {
            "routeTableId": ref("rtb-public"),
            "destinationCidrBlock": "0.0.0.0/0",
            "gatewayId": ref("igw-1"),
        },
        {"routeTableId": [public_rt], "gatewayId": [igw]},
    )
    nat_route = Res(
        t.ROUTE,
        "private-nat",
        {
            "routeTableId": ref("rtb-private"),
            "destinationCidrBlock": "0.0.0.0/0",
            "natGatewayId": ref("nat-1"),
        },
        {"routeTableId": [private_rt], "natGatewayId": [nat]},
    )
    resources += [igw, public_rt, private_rt, intra_rt, nat, default_route, nat_route]
    subnets: dict[str, Res] = {}
    for tier, table in (("public", public_rt), ("private", private_rt), ("intra", intra_rt)):
        for index, zone in enumerate(ZONES):
            name = f"{tier}-{zone[-1]}"
            tags = {**TAGS, "tier": tier}
            if tier == "public":
                tags["kubernetes.io/role/elb"] = "1"
            elif tier == "private":
                tags["kubernetes.io/role/internal-elb"] = "1"
            subnet = Res(
                t.SUBNET,
                name,
                {
                    "vpcId": ref("vpc-1"),
                    "cidrBlock": f"10.0.{index}.0/24",
                    "availabilityZone": zone,
                    "mapPublicIpOnLaunch": False,
                    "tags": tags,
                },
                {"vpcId": [vpc]},
                outputs={
                    "id": ref(f"subnet-{name}"),
                    "availabilityZone": zone,
                    "mapPublicIpOnLaunch": False,
                    "tags": tags,
                },
            )
            association = Res(
                t.ROUTE_TABLE_ASSOCIATION,
                f"{name}-assoc",
                {"subnetId": ref(f"subnet-{name}"), "routeTableId": ref("rtb")},
                {"subnetId": [subnet], "routeTableId": [table]},
            )
            subnets[name] = subnet
            resources += [subnet, association]
    flow_log_group = Res(
        t.LOG_GROUP,
        "flow-logs",
        {"name": "/aws/vpc/test/flow-logs", "retentionInDays": 90, "kmsKeyId": ref("arn:key")},
    )
    flow_log = Res(
        t.FLOW_LOG,
        "flow-log",
        {"vpcId": ref("vpc-1"), "trafficType": "ALL", "logDestinationType": "cloud-watch-logs"},
        {"vpcId": [vpc], "logDestination": [flow_log_group]},
    )
    default_sg = Res(
        t.DEFAULT_SECURITY_GROUP, "default-sg", {"vpcId": ref("vpc-1")}, {"vpcId": [vpc]}
    )
    resources += [flow_log_group, flow_log, default_sg]

    key = Res(t.KMS_KEY, "eks-key", dict(KMS_KEY), outputs={**KMS_KEY, "arn": arn("kms", "key/1")})
    cluster_role = Res(
        t.IAM_ROLE,
        "cluster-role",
        {"assumeRolePolicy": service_trust("eks.amazonaws.com")},
        outputs={"arn": ref(f"arn:aws:iam::{ACCOUNT}:role/cluster"), "name": ref("cluster")},
    )
    node_role = Res(
        t.IAM_ROLE,
        "node-role",
        {"assumeRolePolicy": service_trust()},
        outputs={"arn": ref(f"arn:aws:iam::{ACCOUNT}:role/node"), "name": ref("node")},
    )
    attachments = [
        Res(
            t.IAM_ROLE_POLICY_ATTACHMENT,
            f"node-{policy}",
            {"role": ref("node"), "policyArn": f"arn:aws:iam::aws:policy/{policy}"},
            {"role": [node_role]},
        )
        for policy in (
            "AmazonEKSWorkerNodePolicy",
            "AmazonEC2ContainerRegistryReadOnly",
            "AmazonSSMManagedInstanceCore",
        )
    ]
    cluster_log_group = Res(t.LOG_GROUP, "cluster-logs", dict(LOG_GROUP))
    intra = [subnets[f"intra-{z[-1]}"] for z in ZONES]
    private = [subnets[f"private-{z[-1]}"] for z in ZONES]
    cluster = Res(
        t.EKS_CLUSTER,
        "cluster",
        changed(
            CLUSTER,
            vpcConfig__subnetIds=[ref(f"subnet-{s.name}") for s in intra],
            roleArn=ref("arn:cluster"),
            encryptionConfig__provider__keyArn=ref("arn:key"),
        ),
        {"vpcConfig": intra, "roleArn": [cluster_role], "encryptionConfig": [key]},
        extra_dependencies=[cluster_log_group],
    )
    template = Res(t.LAUNCH_TEMPLATE, "nodes-lt", dict(LAUNCH_TEMPLATE))
    node_group = Res(
        t.EKS_NODE_GROUP,
        "nodes",
        changed(
            NODE_GROUP,
            clusterName=ref("eks-platform-test"),
            nodeRoleArn=ref("arn:node"),
            subnetIds=[ref(f"subnet-{s.name}") for s in private],
        ),
        {
            "clusterName": [cluster],
            "nodeRoleArn": [node_role],
            "subnetIds": private,
            "launchTemplate": [template],
        },
    )
    addons = [
        Res(
            t.EKS_ADDON,
            f"addon-{name}",
            {"clusterName": ref("eks-platform-test"), "addonName": name, "addonVersion": version},
            {"clusterName": [cluster]},
        )
        for name, version in (
            ("vpc-cni", "v1.21.1-eksbuild.1"),
            ("kube-proxy", "v1.35.0-eksbuild.2"),
            ("coredns", "v1.13.1-eksbuild.1"),
            ("eks-pod-identity-agent", "v1.3.10-eksbuild.1"),
        )
    ]
    resources += [
        key,
        cluster_role,
        node_role,
        *attachments,
        cluster_log_group,
        cluster,
        template,
        node_group,
        *addons,
    ]
    return Stack(vpc, subnets, resources, cluster, node_group, node_role)


def place(resource: Res, subnets: Sequence[Res]) -> None:
    """Put a cluster or node group into `subnets` (its ids and its property dependencies)."""
    ids = [s.outputs["id"] if s.outputs else UNKNOWN_STR for s in subnets]
    if resource.type == t.EKS_CLUSTER:
        resource.inputs = changed(resource.inputs, vpcConfig__subnetIds=ids)
        resource.refs = {**resource.refs, "vpcConfig": list(subnets)}
    else:
        resource.inputs = changed(resource.inputs, subnetIds=ids)
        resource.refs = {**resource.refs, "subnetIds": list(subnets)}


def replace(stack: Stack, resource: Res, **changes: object) -> list[Res]:
    """The stack's resources with `resource` given changed inputs (and outputs)."""
    resource.inputs = changed(resource.inputs, **changes)
    if resource.outputs is not None:
        resource.outputs = changed(resource.outputs, **changes)
    return stack.resources
