"""A mocked AWS cloud for running the Pulumi program offline, and a recorder of what it registers.

Used by the tests and by `python -m preflight`. The mocks answer like AWS would: real id
prefixes and ARN formats, provider autonaming, and the result shapes of the invokes the
program makes. A resource type or invoke they do not know fails loudly instead of returning
an empty answer, so adding a resource to the program means teaching the mocked cloud its
real outputs.
"""

from __future__ import annotations

import copy
import hashlib
import ipaddress
import json
import logging
import runpy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _ensure_event_loop

from preflight.estimates import ancestors

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "__main__.py"
PROJECT = "eks-platform"

ACCOUNT_ID = "111122223333"
CALLER_ARN = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/platform-deployer/pulumi"

# Availability zones as DescribeAvailabilityZones reports them (name -> zone id).
REGION_ZONES: dict[str, dict[str, str]] = {
    "us-east-1": {
        "us-east-1a": "use1-az6",
        "us-east-1b": "use1-az1",
        "us-east-1c": "use1-az2",
        "us-east-1d": "use1-az4",
        "us-east-1e": "use1-az3",
        "us-east-1f": "use1-az5",
    },
    "eu-west-1": {"eu-west-1a": "euw1-az3", "eu-west-1b": "euw1-az1", "eu-west-1c": "euw1-az2"},
    "eu-central-1": {
        "eu-central-1a": "euc1-az2",
        "eu-central-1b": "euc1-az3",
        "eu-central-1c": "euc1-az1",
    },
    "us-west-2": {
        "us-west-2a": "usw2-az2",
        "us-west-2b": "usw2-az1",
        "us-west-2c": "usw2-az3",
        "us-west-2d": "usw2-az4",
    },
}

# DescribeAddonVersions "defaultVersion: true" per add-on and Kubernetes minor (November 2026).
ADDON_DEFAULT_VERSIONS: dict[str, dict[str, str]] = {
    "vpc-cni": {
        "1.34": "v1.20.4-eksbuild.2",
        "1.35": "v1.21.1-eksbuild.1",
        "1.36": "v1.21.1-eksbuild.1",
    },
    "kube-proxy": {
        "1.34": "v1.34.1-eksbuild.2",
        "1.35": "v1.35.0-eksbuild.2",
        "1.36": "v1.36.0-eksbuild.1",
    },
    "coredns": {
        "1.34": "v1.12.4-eksbuild.1",
        "1.35": "v1.13.1-eksbuild.1",
        "1.36": "v1.13.1-eksbuild.1",
    },
    "eks-pod-identity-agent": {
        "1.34": "v1.3.9-eksbuild.3",
        "1.35": "v1.3.10-eksbuild.1",
        "1.36": "v1.3.10-eksbuild.1",
    },
    "aws-ebs-csi-driver": {
        "1.34": "v1.51.1-eksbuild.1",
        "1.35": "v1.53.0-eksbuild.1",
        "1.36": "v1.53.0-eksbuild.1",
    },
    "metrics-server": {
        "1.34": "v0.8.0-eksbuild.3",
        "1.35": "v0.8.0-eksbuild.5",
        "1.36": "v0.8.0-eksbuild.5",
    },
    "eks-node-monitoring-agent": {
        "1.34": "v1.4.1-eksbuild.1",
        "1.35": "v1.4.2-eksbuild.1",
        "1.36": "v1.4.2-eksbuild.1",
    },
    "amazon-cloudwatch-observability": {
        "1.34": "v4.6.0-eksbuild.1",
        "1.35": "v4.7.0-eksbuild.1",
        "1.36": "v4.7.0-eksbuild.1",
    },
}

# The head of what GetDefaultScraperConfiguration returns (a Prometheus scrape config, YAML).
DEFAULT_SCRAPER_CONFIGURATION = """global:
  scrape_interval: 30s
scrape_configs:
  - job_name: kubernetes-apiservers
    kubernetes_sd_configs:
      - role: endpoints
    scheme: https
    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
  - job_name: kubernetes-nodes
    kubernetes_sd_configs:
      - role: node
"""

# Properties the AWS provider autonames (logical name + "-" + 7 hex digits) when left unset.
AUTONAMED = {
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "name",
    "aws:iam/rolePolicy:RolePolicy": "name",
    "aws:ec2/securityGroup:SecurityGroup": "name",
    "aws:ec2/launchTemplate:LaunchTemplate": "name",
    "aws:eks/nodeGroup:NodeGroup": "nodeGroupName",
    "aws:sns/topic:Topic": "name",
    "aws:sqs/queue:Queue": "name",
    "aws:cloudwatch/eventRule:EventRule": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:eks/cluster:Cluster": "name",
}


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _uuid(seed: str) -> str:
    return str(uuid.UUID(_hex(seed, 32)))


class MockedCloud(pulumi_mocks.Mocks):
    """Answers resource registrations and invokes the way AWS (through pulumi-aws 7) would."""

    def __init__(self, region: str, account_id: str = ACCOUNT_ID) -> None:
        if region not in REGION_ZONES:
            raise ValueError(
                f"the mocked cloud knows regions {sorted(REGION_ZONES)}, not {region!r}"
            )
        self.region = region
        self.account_id = account_id
        self.states: dict[
            str, dict
        ] = {}  # id -> state, for outputs that AWS derives from other resources

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account_id if account else ''}:{resource}"

    # ----------------------------------------------------------------- invokes
    def call(self, args: pulumi_mocks.MockCallArgs) -> dict | tuple[dict, list]:
        a = args.args
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            zones = {
                n: z
                for n, z in REGION_ZONES[self.region].items()
                if n not in (a.get("excludeNames") or [])
                and z not in (a.get("excludeZoneIds") or [])
            }
            return {
                "id": self.region,
                "names": list(zones),
                "zoneIds": list(zones.values()),
                "groupNames": [self.region] * len(zones),
                "state": a.get("state"),
                "region": self.region,
                "allAvailabilityZones": a.get("allAvailabilityZones"),
                "excludeNames": a.get("excludeNames"),
                "excludeZoneIds": a.get("excludeZoneIds"),
                "filters": a.get("filters"),
            }
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": self.account_id,
                "accountId": self.account_id,
                "arn": CALLER_ARN,
                "userId": "AROA3EXAMPLEDEPLOYER:pulumi",
            }
        if args.token == "aws:index/getPartition:getPartition":
            return {
                "id": "aws",
                "partition": "aws",
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
            }
        if args.token == "aws:index/getRegion:getRegion":
            return {
                "id": self.region,
                "region": self.region,
                "name": self.region,
                "description": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
            }
        if args.token == "aws:eks/getAddonVersion:getAddonVersion":
            name, k8s = a["addonName"], a["kubernetesVersion"]
            if k8s not in ADDON_DEFAULT_VERSIONS.get(name, {}):
                return {}, [("addonName", f"no {name} version is published for Kubernetes {k8s}")]
            return {
                "id": name,
                "addonName": name,
                "kubernetesVersion": k8s,
                "mostRecent": a.get("mostRecent"),
                "version": ADDON_DEFAULT_VERSIONS[name][k8s],
                "region": self.region,
            }
        if args.token == "aws:amp/getDefaultScraperConfiguration:getDefaultScraperConfiguration":
            return {
                "id": self.region,
                "region": self.region,
                "configuration": DEFAULT_SCRAPER_CONFIGURATION,
            }
        raise NotImplementedError(f"the mocked cloud does not answer invoke {args.token}")

    # ----------------------------------------------------------------- resources
    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict]:
        if not args.custom:
            return "", {}  # components have no provider state
        state = copy.deepcopy(dict(args.inputs))
        seed = f"{args.typ}::{args.name}"
        if (prop := AUTONAMED.get(args.typ)) and not state.get(prop):
            state[prop] = f"{args.name}-{_hex(seed, 7)}"
        resource_id, computed = self._computed(args.typ, args.name, state, seed)
        state.update(computed)
        if "tags" in state:
            state["tagsAll"] = dict(state["tags"])
        self.states[resource_id] = state
        return resource_id, state

    def _vpc_of(self, subnet_ids: list[str]) -> str:
        return next((self.states[i]["vpcId"] for i in subnet_ids if i in self.states), "")

    def _computed(self, typ: str, name: str, s: dict, seed: str) -> tuple[str, dict]:
        h8, h17 = _hex(seed, 8), _hex(seed, 17)
        ec2 = {
            "aws:ec2/vpc:Vpc": "vpc",
            "aws:ec2/subnet:Subnet": "subnet",
            "aws:ec2/internetGateway:InternetGateway": "igw",
            "aws:ec2/natGateway:NatGateway": "nat",
            "aws:ec2/routeTable:RouteTable": "rtb",
            "aws:ec2/securityGroup:SecurityGroup": "sg",
            "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
            "aws:ec2/flowLog:FlowLog": "fl",
            "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
            "aws:ec2/launchTemplate:LaunchTemplate": "lt",
            "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
            "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
        }
        if typ in ec2:
            rid = f"{ec2[typ]}-{h17}"
            resource_type = {
                "sgr": "security-group-rule",
                "sg": "security-group",
                "lt": "launch-template",
            }.get(ec2[typ], typ.split(":")[-1].lower())
            out: dict[str, Any] = {
                "arn": self.arn("ec2", f"{resource_type}/{rid}"),
                "ownerId": self.account_id,
            }
            if typ == "aws:ec2/vpc:Vpc":
                out |= {
                    "defaultSecurityGroupId": f"sg-{_hex(seed + 'sg', 17)}",
                    "mainRouteTableId": f"rtb-{_hex(seed + 'rtb', 17)}",
                    "defaultNetworkAclId": f"acl-{_hex(seed + 'acl', 17)}",
                    "ipv6CidrBlock": "",
                }
            elif typ == "aws:ec2/natGateway:NatGateway":
                # AWS takes a free address of the subnet and the Elastic IP's public address.
                subnet = ipaddress.ip_network(self.states[s["subnetId"]]["cidrBlock"])
                out |= {
                    "networkInterfaceId": f"eni-{h17}",
                    "privateIp": str(subnet[4 + int(h8[:2], 16) % (subnet.num_addresses - 5)]),
                    "publicIp": self.states[s["allocationId"]]["publicIp"],
                }
            elif typ == "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup":
                out |= {"name": "default", "description": "default VPC security group"}
            elif typ == "aws:ec2/vpcEndpoint:VpcEndpoint":
                gateway = s.get("vpcEndpointType") == "Gateway"
                out |= {
                    "prefixListId": f"pl-{h8}" if gateway else "",
                    "networkInterfaceIds": []
                    if gateway
                    else [f"eni-{_hex(seed + str(i), 17)}" for i in range(3)],
                    "dnsEntries": []
                    if gateway
                    else [
                        {
                            "dnsName": f"{rid}-{h8}."
                            f"{s['serviceName'].removeprefix(f'com.amazonaws.{self.region}.')}"
                            f".{self.region}.vpce.amazonaws.com",
                            "hostedZoneId": "Z7HUB22UULQXV",
                        }
                    ],
                    "state": "available",
                }
            elif typ == "aws:ec2/launchTemplate:LaunchTemplate":
                out |= {"latestVersion": 1, "defaultVersion": 1}
            elif typ.startswith("aws:vpc/securityGroup"):
                out |= {"securityGroupRuleId": rid}
            return rid, out
        if typ == "aws:ec2/eip:Eip":
            rid = f"eipalloc-{h17}"
            return rid, {
                "allocationId": rid,
                "publicIp": f"3.{int(h8[:2], 16)}.{int(h8[2:4], 16)}.1",
                "domain": "vpc",
            }
        if typ == "aws:ec2/route:Route":
            return f"r-{s['routeTableId']}1080289494", {"state": "active", "origin": "CreateRoute"}
        if typ == "aws:ec2/routeTableAssociation:RouteTableAssociation":
            return f"rtbassoc-{h17}", {}
        if typ == "aws:kms/key:Key":
            key_id = _uuid(seed)
            return key_id, {"keyId": key_id, "arn": self.arn("kms", f"key/{key_id}")}
        if typ == "aws:kms/alias:Alias":
            return s["name"], {
                "arn": self.arn("kms", s["name"]),
                "targetKeyArn": self.arn("kms", f"key/{s['targetKeyId']}"),
            }
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            return s["name"], {"arn": self.arn("logs", f"log-group:{s['name']}")}
        if typ == "aws:iam/role:Role":
            return s["name"], {
                "arn": self.arn("iam", f"role{s.get('path', '/')}{s['name']}", region=False),
                "uniqueId": f"AROA{h17.upper()}",
                "createDate": "2026-11-25T08:00:00Z",
            }
        if typ == "aws:iam/policy:Policy":
            return self.arn("iam", f"policy/{s['name']}", region=False), {
                "arn": self.arn("iam", f"policy/{s['name']}", region=False),
                "policyId": f"ANPA{h17.upper()}",
            }
        if typ == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            return f"{s['role']}-{_hex(seed, 26)}", {}
        if typ == "aws:iam/rolePolicy:RolePolicy":
            return f"{s['role']}:{s['name']}", {}
        if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            arn = self.arn(
                "iam", f"oidc-provider/{s['url'].removeprefix('https://')}", region=False
            )
            return arn, {"arn": arn}
        if typ == "aws:eks/cluster:Cluster":
            oidc_id = _hex(seed, 32).upper()
            return s["name"], {
                "arn": self.arn("eks", f"cluster/{s['name']}"),
                "endpoint": f"https://{oidc_id}.gr7.{self.region}.eks.amazonaws.com",
                "certificateAuthority": {
                    "data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUMvakNDQWVhZ0F3SUJBZ0lC"
                },
                "identities": [
                    {
                        "oidcs": [
                            {"issuer": f"https://oidc.eks.{self.region}.amazonaws.com/id/{oidc_id}"}
                        ]
                    }
                ],
                "vpcConfig": {
                    **s.get("vpcConfig", {}),
                    "clusterSecurityGroupId": f"sg-{_hex(seed + 'cluster-sg', 17)}",
                    "vpcId": self._vpc_of(s.get("vpcConfig", {}).get("subnetIds", [])),
                },
                "platformVersion": "eks.5",
                "status": "ACTIVE",
                "createdAt": "2026-11-25T08:00:00Z",
            }
        if typ == "aws:eks/nodeGroup:NodeGroup":
            group = s["nodeGroupName"]
            return f"{s['clusterName']}:{group}", {
                "arn": self.arn("eks", f"nodegroup/{s['clusterName']}/{group}/{_uuid(seed)}"),
                "status": "ACTIVE",
                "version": s.get("version", ""),
                "resources": [{"autoscalingGroups": [{"name": f"eks-{group}-{_uuid(seed)}"}]}],
            }
        if typ == "aws:eks/addon:Addon":
            return f"{s['clusterName']}:{s['addonName']}", {
                "arn": self.arn("eks", f"addon/{s['clusterName']}/{s['addonName']}/{_uuid(seed)}"),
                "createdAt": "2026-11-25T08:00:00Z",
            }
        if typ == "aws:eks/accessEntry:AccessEntry":
            return f"{s['clusterName']}:{s['principalArn']}", {
                "accessEntryArn": self.arn(
                    "eks", f"access-entry/{s['clusterName']}/role/{self.account_id}/{h8}"
                ),
                "kubernetesGroups": s.get("kubernetesGroups", []),
                "type": s.get("type", "STANDARD"),
                "userName": s["principalArn"],
            }
        if typ == "aws:eks/accessPolicyAssociation:AccessPolicyAssociation":
            return f"{s['clusterName']}#{s['principalArn']}#{s['policyArn']}", {
                "associatedAt": "2026-11-25T08:00:00Z"
            }
        if typ == "aws:eks/podIdentityAssociation:PodIdentityAssociation":
            aid = f"a-{h17}"
            return aid, {
                "associationId": aid,
                "associationArn": self.arn(
                    "eks", f"podidentityassociation/{s['clusterName']}/{aid}"
                ),
            }
        if typ == "aws:sns/topic:Topic":
            arn = self.arn("sns", s["name"])
            return arn, {"arn": arn, "owner": self.account_id}
        if typ == "aws:sns/topicSubscription:TopicSubscription":
            arn = f"{s['topic']}:{_uuid(seed)}"
            return arn, {"arn": arn, "pendingConfirmation": True}
        if typ == "aws:cloudwatch/dashboard:Dashboard":
            return s["dashboardName"], {
                "dashboardArn": self.arn(
                    "cloudwatch", f"dashboard/{s['dashboardName']}", region=False
                )
            }
        if typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            return s["name"], {"arn": self.arn("cloudwatch", f"alarm:{s['name']}")}
        if typ == "aws:amp/workspace:Workspace":
            wid = f"ws-{_uuid(seed)}"
            return wid, {
                "arn": self.arn("aps", f"workspace/{wid}"),
                "prometheusEndpoint": f"https://aps-workspaces.{self.region}.amazonaws.com/workspaces/{wid}/",
            }
        if typ == "aws:amp/scraper:Scraper":
            sid = f"s-{_uuid(seed)}"
            return sid, {
                "arn": self.arn("aps", f"scraper/{sid}"),
                "roleArn": self.arn(
                    "iam",
                    f"role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_{h8}",
                    region=False,
                ),
            }
        if typ == "aws:sqs/queue:Queue":
            url = f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{s['name']}"
            return url, {"arn": self.arn("sqs", s["name"]), "url": url}
        if typ == "aws:sqs/queuePolicy:QueuePolicy":
            return s["queueUrl"], {}
        if typ == "aws:cloudwatch/eventRule:EventRule":
            return s["name"], {"arn": self.arn("events", f"rule/{s['name']}")}
        if typ == "aws:cloudwatch/eventTarget:EventTarget":
            return f"{s['rule']}-{s['targetId']}", {}
        if typ == "aws:ec2/tag:Tag":
            return f"{s['resourceId']},{s['key']}", {}
        if typ == "pulumi:providers:kubernetes":
            return _uuid(seed), {}
        if typ == "kubernetes:helm.sh/v3:Release":
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
        if typ.startswith(
            "kubernetes:"
        ):  # a Kubernetes object: the API server adds uid and version
            meta = {
                **s.get("metadata", {}),
                "uid": _uuid(seed),
                "resourceVersion": "1",
                "generation": 1,
            }
            return meta["name"], {"metadata": meta}
        raise NotImplementedError(
            f"the mocked cloud does not know resource type {typ} ({name}); add its real outputs to preflight/cloud.py"
        )


# --------------------------------------------------------------------------- recording


@dataclass(frozen=True)
class Registration:
    """One resource registration as the engine would receive it, plus the mocked cloud's answer."""

    urn: str
    id: str  # provider id ("" for components)
    type: str
    name: str
    custom: bool
    inputs: dict
    outputs: dict
    parent: str | None
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    protect: bool
    retain_on_delete: bool
    ignore_changes: tuple[str, ...]
    provider: str
    delete_before_replace: bool = False
    replace_on_changes: tuple[str, ...] = ()


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps each registration's inputs, parent, dependencies and options."""

    def __init__(self, mocks: pulumi_mocks.Mocks) -> None:
        super().__init__(mocks)
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        _ensure_event_loop()
        self.registrations.append(
            Registration(
                urn=response.urn,
                id=response.id,
                type=request.type,
                name=request.name,
                custom=request.custom,
                inputs=rpc.deserialize_properties(request.object),
                outputs=self.resources[response.urn].state,
                parent=request.parent or None,
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    k: tuple(v.urns) for k, v in request.propertyDependencies.items()
                },
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                ignore_changes=tuple(request.ignoreChanges),
                provider=request.provider,
                delete_before_replace=bool(request.deleteBeforeReplace),
                replace_on_changes=tuple(request.replaceOnChanges),
            )
        )
        return response


# --------------------------------------------------------------------------- running


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass
class ProgramRun:
    stack: str
    config: dict[str, Any]
    registrations: list[Registration] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == typ]

    def one(self, typ: str) -> Registration:
        found = self.of_type(typ)
        if len(found) != 1:
            raise AssertionError(f"expected one {typ}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)

    def waits_for(self, resource: Registration, other: Registration) -> bool:
        """True when `resource` is created only after `other`, directly or through other resources."""
        return other.urn in ancestors(resource, {r.urn: r for r in self.registrations})


def stack_config(stack: str) -> dict[str, Any]:
    """The `config:` block of Pulumi.<stack>.yaml (full keys, values as written)."""
    path = ROOT / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise FileNotFoundError(f"no stack file {path.name}; stacks: {', '.join(stacks())}")
    return dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})


def stacks() -> list[str]:
    return sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))


def merge_config(base: Any, override: Any) -> Any:
    """`override` layered over `base`: objects merge key by key, anything else replaces."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = merge_config(base.get(key), value) if key in base else value
        return merged
    return override


def _as_engine_string(value: Any) -> str:
    """The CLI passes every config value as a string; structured ones as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def run_program(
    stack: str, overrides: Mapping[str, Any] | None = None, preview: bool = False
) -> ProgramRun:
    """Run __main__.py for `stack` against the mocked cloud.

    `overrides` are project config values keyed without the "eks-platform:" prefix; objects
    are merged into the stack file's objects (a None value removes the key). Exceptions the
    program raises (such as a SettingsError) propagate.
    """
    config = stack_config(stack)
    for key, value in (overrides or {}).items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        merged = merge_config(config.get(full), value)
        if merged is None:
            config.pop(full, None)
        else:
            config[full] = _drop_nones(merged)
    region = config.get("aws:region", "us-east-1")
    cloud = MockedCloud(region)
    monitor = RecordingMonitor(cloud)
    warnings = _WarningCollector()
    logger = logging.getLogger(f"preflight.{stack}")
    logger.handlers = [warnings]
    logger.propagate = False
    pulumi.runtime.set_all_config({k: _as_engine_string(v) for k, v in config.items()})
    pulumi_mocks.set_mocks(
        cloud, project=PROJECT, stack=stack, preview=preview, monitor=monitor, logger=logger
    )
    run = ProgramRun(stack=stack, config=config)

    def program() -> pulumi.Output:
        runpy.run_path(str(PROGRAM), run_name="__main__")
        exported = pulumi.runtime.settings.get_root_resource().outputs  # type: ignore[union-attr]
        return pulumi.Output.all(**exported).apply(run.outputs.update)

    pulumi.runtime.test(program)()
    run.registrations = list(monitor.registrations)
    run.warnings = warnings.messages
    return run


def _drop_nones(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_nones(v) for k, v in value.items() if v is not None}
    return value
