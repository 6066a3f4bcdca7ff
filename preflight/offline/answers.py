"""What AWS (through pulumi-aws 7) and the Kubernetes provider answer when a resource is created:
its id and the outputs it derives, one small function per resource type, grouped by service.
`RESOURCE_ANSWERS` maps each type token to its answer; a type missing here fails loudly."""

from __future__ import annotations

import hashlib
import ipaddress
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


def hex_digits(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def stable_uuid(seed: str) -> str:
    return str(uuid.UUID(hex_digits(seed, 32)))


class Cloud(Protocol):
    region: str
    account_id: str
    states: dict[str, dict]  # id -> state of what exists, for outputs AWS derives from it

    def arn(
        self, service: str, resource: str, region: bool = True, account: bool = True
    ) -> str: ...


@dataclass(frozen=True)
class New:
    """A resource being created: its type, logical name and inputs (autonamed names filled in)."""

    type: str
    name: str
    state: dict[str, Any]

    @property
    def seed(self) -> str:
        return f"{self.type}::{self.name}"

    def hex(self, length: int, salt: str = "") -> str:
        return hex_digits(self.seed + salt, length)

    @property
    def uuid(self) -> str:
        return stable_uuid(self.seed)


Answer = Callable[[Cloud, New], tuple[str, dict[str, Any]]]
CREATED_AT = "2026-11-25T08:00:00Z"

# --------------------------------------------------------------------------- ec2 and vpc

# Id prefix and ARN resource type of the EC2 resources whose id is "<prefix>-<17 hex digits>".
EC2_IDS = {
    "aws:ec2/vpc:Vpc": ("vpc", "vpc"),
    "aws:ec2/subnet:Subnet": ("subnet", "subnet"),
    "aws:ec2/internetGateway:InternetGateway": ("igw", "internet-gateway"),
    "aws:ec2/natGateway:NatGateway": ("nat", "natgateway"),
    "aws:ec2/routeTable:RouteTable": ("rtb", "route-table"),
    "aws:ec2/securityGroup:SecurityGroup": ("sg", "security-group"),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": ("sg", "security-group"),
    "aws:ec2/flowLog:FlowLog": ("fl", "vpc-flow-log"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("vpce", "vpc-endpoint"),
    "aws:ec2/launchTemplate:LaunchTemplate": ("lt", "launch-template"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": ("sgr", "security-group-rule"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": ("sgr", "security-group-rule"),
}


def _vpc(cloud: Cloud, new: New) -> dict[str, Any]:
    return {
        "defaultSecurityGroupId": f"sg-{new.hex(17, 'sg')}",
        "mainRouteTableId": f"rtb-{new.hex(17, 'rtb')}",
        "defaultNetworkAclId": f"acl-{new.hex(17, 'acl')}",
        "ipv6CidrBlock": "",
    }


def _nat_gateway(cloud: Cloud, new: New) -> dict[str, Any]:
    # AWS takes a free address of the subnet and the Elastic IP's public address.
    subnet = ipaddress.ip_network(cloud.states[new.state["subnetId"]]["cidrBlock"])
    return {
        "networkInterfaceId": f"eni-{new.hex(17)}",
        "privateIp": str(subnet[4 + int(new.hex(2), 16) % (subnet.num_addresses - 5)]),
        "publicIp": cloud.states[new.state["allocationId"]]["publicIp"],
    }


def _vpc_endpoint(cloud: Cloud, new: New) -> dict[str, Any]:
    if new.state.get("vpcEndpointType") == "Gateway":
        return {"prefixListId": f"pl-{new.hex(8)}", "networkInterfaceIds": [], "dnsEntries": []}
    service = new.state["serviceName"].removeprefix(f"com.amazonaws.{cloud.region}.")
    return {
        "prefixListId": "",
        "networkInterfaceIds": [f"eni-{new.hex(17, str(i))}" for i in range(3)],
        "dnsEntries": [
            {
                "dnsName": f"vpce-{new.hex(17)}-{new.hex(8)}.{service}.{cloud.region}.vpce.amazonaws.com",
                "hostedZoneId": "Z7HUB22UULQXV",
            }
        ],
        "state": "available",
    }


EC2_EXTRAS: dict[str, Callable[[Cloud, New], dict[str, Any]]] = {
    "aws:ec2/vpc:Vpc": _vpc,
    "aws:ec2/natGateway:NatGateway": _nat_gateway,
    "aws:ec2/vpcEndpoint:VpcEndpoint": _vpc_endpoint,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": lambda cloud, new: {
        "name": "default",
        "description": "default VPC security group",
    },
    "aws:ec2/launchTemplate:LaunchTemplate": lambda cloud, new: {
        "latestVersion": 1,
        "defaultVersion": 1,
    },
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": lambda cloud, new: {
        "securityGroupRuleId": f"sgr-{new.hex(17)}"
    },
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": lambda cloud, new: {
        "securityGroupRuleId": f"sgr-{new.hex(17)}"
    },
}


def _ec2(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    prefix, arn_type = EC2_IDS[new.type]
    resource_id = f"{prefix}-{new.hex(17)}"
    outputs = {"arn": cloud.arn("ec2", f"{arn_type}/{resource_id}"), "ownerId": cloud.account_id}
    if extra := EC2_EXTRAS.get(new.type):
        outputs |= extra(cloud, new)
    return resource_id, outputs


def _eip(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    allocation = f"eipalloc-{new.hex(17)}"
    octets = int(new.hex(2), 16), int(new.hex(4)[2:], 16)
    return allocation, {
        "allocationId": allocation,
        "publicIp": f"3.{octets[0]}.{octets[1]}.1",
        "domain": "vpc",
    }


NETWORK: dict[str, Answer] = {
    **dict.fromkeys(EC2_IDS, _ec2),
    "aws:ec2/eip:Eip": _eip,
    "aws:ec2/route:Route": lambda cloud, new: (
        f"r-{new.state['routeTableId']}1080289494",
        {"state": "active", "origin": "CreateRoute"},
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": lambda cloud, new: (
        f"rtbassoc-{new.hex(17)}",
        {},
    ),
    "aws:ec2/tag:Tag": lambda cloud, new: (f"{new.state['resourceId']},{new.state['key']}", {}),
    "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation": lambda cloud, new: (
        f"vpc-cidr-assoc-{new.hex(17)}",
        {},
    ),
    # One per account and region: the provider's id is the region.
    "aws:ebs/encryptionByDefault:EncryptionByDefault": lambda cloud, new: (cloud.region, {}),
}

# --------------------------------------------------------------------------- iam, kms, logs


def _role(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    path, name = new.state.get("path", "/"), new.state["name"]
    return name, {
        "arn": cloud.arn("iam", f"role{path}{name}", region=False),
        "uniqueId": f"AROA{new.hex(17).upper()}",
        "createDate": CREATED_AT,
    }


def _policy(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    arn = cloud.arn("iam", f"policy/{new.state['name']}", region=False)
    return arn, {"arn": arn, "policyId": f"ANPA{new.hex(17).upper()}"}


def _oidc_provider(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    issuer = new.state["url"].removeprefix("https://")
    arn = cloud.arn("iam", f"oidc-provider/{issuer}", region=False)
    return arn, {"arn": arn}


def _kms_key(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    return new.uuid, {"keyId": new.uuid, "arn": cloud.arn("kms", f"key/{new.uuid}")}


def _kms_alias(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    name = new.state["name"]
    return name, {
        "arn": cloud.arn("kms", name),
        "targetKeyArn": cloud.arn("kms", f"key/{new.state['targetKeyId']}"),
    }


IDENTITY: dict[str, Answer] = {
    "aws:iam/role:Role": _role,
    "aws:iam/policy:Policy": _policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": lambda cloud, new: (
        f"{new.state['role']}-{new.hex(26)}",
        {},
    ),
    "aws:iam/rolePolicy:RolePolicy": lambda cloud, new: (
        f"{new.state['role']}:{new.state['name']}",
        {},
    ),
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": _oidc_provider,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:cloudwatch/logGroup:LogGroup": lambda cloud, new: (
        new.state["name"],
        {"arn": cloud.arn("logs", f"log-group:{new.state['name']}")},
    ),
}

# --------------------------------------------------------------------------- eks


def _cluster(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    name, oidc_id = new.state["name"], new.hex(32).upper()
    vpc_config = new.state.get("vpcConfig", {})
    subnets = vpc_config.get("subnetIds", [])
    return name, {
        "arn": cloud.arn("eks", f"cluster/{name}"),
        "endpoint": f"https://{oidc_id}.gr7.{cloud.region}.eks.amazonaws.com",
        "certificateAuthority": {
            "data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lC"
        },
        "identities": [
            {"oidcs": [{"issuer": f"https://oidc.eks.{cloud.region}.amazonaws.com/id/{oidc_id}"}]}
        ],
        "vpcConfig": {
            **vpc_config,
            "clusterSecurityGroupId": f"sg-{new.hex(17, 'cluster-sg')}",
            # EKS finds the VPC from the subnets.
            "vpcId": next((cloud.states[i]["vpcId"] for i in subnets if i in cloud.states), ""),
        },
        "platformVersion": "eks.5",
        "status": "ACTIVE",
        "createdAt": CREATED_AT,
    }


def _node_group(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    cluster, group = new.state["clusterName"], new.state["nodeGroupName"]
    return f"{cluster}:{group}", {
        "arn": cloud.arn("eks", f"nodegroup/{cluster}/{group}/{new.uuid}"),
        "status": "ACTIVE",
        "version": new.state.get("version", ""),
        "resources": [{"autoscalingGroups": [{"name": f"eks-{group}-{new.uuid}"}]}],
    }


def _addon(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    cluster, addon = new.state["clusterName"], new.state["addonName"]
    return f"{cluster}:{addon}", {
        "arn": cloud.arn("eks", f"addon/{cluster}/{addon}/{new.uuid}"),
        "createdAt": CREATED_AT,
    }


def _access_entry(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    cluster, principal = new.state["clusterName"], new.state["principalArn"]
    return f"{cluster}:{principal}", {
        "accessEntryArn": cloud.arn(
            "eks", f"access-entry/{cluster}/role/{cloud.account_id}/{new.hex(8)}"
        ),
        "kubernetesGroups": new.state.get("kubernetesGroups", []),
        "type": new.state.get("type", "STANDARD"),
        "userName": principal,
    }


def _pod_identity_association(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    association = f"a-{new.hex(17)}"
    arn = cloud.arn("eks", f"podidentityassociation/{new.state['clusterName']}/{association}")
    return association, {"associationId": association, "associationArn": arn}


EKS: dict[str, Answer] = {
    "aws:eks/cluster:Cluster": _cluster,
    "aws:eks/nodeGroup:NodeGroup": _node_group,
    "aws:eks/addon:Addon": _addon,
    "aws:eks/accessEntry:AccessEntry": _access_entry,
    "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": lambda cloud, new: (
        "#".join((new.state["clusterName"], new.state["principalArn"], new.state["policyArn"])),
        {"associatedAt": CREATED_AT},
    ),
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": _pod_identity_association,
}

# --------------------------------------------------------------------------- observability


def _workspace(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    workspace = f"ws-{new.uuid}"
    return workspace, {
        "arn": cloud.arn("aps", f"workspace/{workspace}"),
        "prometheusEndpoint": f"https://aps-workspaces.{cloud.region}.amazonaws.com/workspaces/{workspace}/",
    }


def _scraper(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    scraper = f"s-{new.uuid}"
    role = f"role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_{new.hex(8)}"
    return scraper, {
        "arn": cloud.arn("aps", f"scraper/{scraper}"),
        "roleArn": cloud.arn("iam", role, region=False),
    }


OBSERVABILITY: dict[str, Answer] = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": lambda cloud, new: (
        new.state["name"],
        {"arn": cloud.arn("cloudwatch", f"alarm:{new.state['name']}")},
    ),
    "aws:cloudwatch/dashboard:Dashboard": lambda cloud, new: (
        new.state["dashboardName"],
        {
            "dashboardArn": cloud.arn(
                "cloudwatch", f"dashboard/{new.state['dashboardName']}", region=False
            )
        },
    ),
    "aws:amp/workspace:Workspace": _workspace,
    "aws:amp/scraper:Scraper": _scraper,
    "aws:lambda/function:Function": lambda cloud, new: (
        new.state["name"],
        {
            "arn": (arn := cloud.arn("lambda", f"function:{new.state['name']}")),
            "qualifiedArn": f"{arn}:$LATEST",
            "version": "$LATEST",
            "lastModified": CREATED_AT,
        },
    ),
    # The provider's id is the statement id.
    "aws:lambda/permission:Permission": lambda cloud, new: (new.state["statementId"], {}),
    # lambda/invocation.go (93bd0baa): "<function>_<qualifier>_<md5 of the payload>"; no result
    "aws:lambda/invocation:Invocation": lambda cloud, new: (
        f"{new.state['functionName']}_$LATEST_{hashlib.md5(new.state['input'].encode()).hexdigest()}",
        {"qualifier": "$LATEST"},
    ),
}

# --------------------------------------------------------------------------- messaging


def _topic(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    arn = cloud.arn("sns", new.state["name"])
    return arn, {"arn": arn, "owner": cloud.account_id}


def _queue(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    url = f"https://sqs.{cloud.region}.amazonaws.com/{cloud.account_id}/{new.state['name']}"
    return url, {"arn": cloud.arn("sqs", new.state["name"]), "url": url}


MESSAGING: dict[str, Answer] = {
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicSubscription:TopicSubscription": lambda cloud, new: (
        f"{new.state['topic']}:{new.uuid}",
        {"arn": f"{new.state['topic']}:{new.uuid}", "pendingConfirmation": True},
    ),
    "aws:sqs/queue:Queue": _queue,
    "aws:sqs/queuePolicy:QueuePolicy": lambda cloud, new: (new.state["queueUrl"], {}),
    "aws:cloudwatch/eventRule:EventRule": lambda cloud, new: (
        new.state["name"],
        {"arn": cloud.arn("events", f"rule/{new.state['name']}")},
    ),
    "aws:cloudwatch/eventTarget:EventTarget": lambda cloud, new: (
        f"{new.state['rule']}-{new.state['targetId']}",
        {},
    ),
}

# --------------------------------------------------------------------------- kubernetes


def _release(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    s = new.state
    return f"{s['namespace']}/{s['name']}", {
        "status": {
            "name": s["name"],
            "namespace": s["namespace"],
            "chart": s["chart"].rsplit("/", 1)[-1],
            "version": s["version"],
            "revision": 1,
            "status": "deployed",
        }
    }


def kubernetes_object(cloud: Cloud, new: New) -> tuple[str, dict[str, Any]]:
    """Any Kubernetes object: the API server adds its uid and versions."""
    metadata = {
        **new.state.get("metadata", {}),
        "uid": new.uuid,
        "resourceVersion": "1",
        "generation": 1,
    }
    return metadata["name"], {"metadata": metadata}


KUBERNETES: dict[str, Answer] = {
    "pulumi:providers:kubernetes": lambda cloud, new: (new.uuid, {}),
    "kubernetes:helm.sh/v3:Release": _release,
}

RESOURCE_ANSWERS: dict[str, Answer] = {
    **NETWORK,
    **IDENTITY,
    **EKS,
    **OBSERVABILITY,
    **MESSAGING,
    **KUBERNETES,
}
