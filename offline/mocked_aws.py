"""A mocked AWS cloud for running the program offline.

It answers like AWS (through pulumi-aws 7) would: real id prefixes and ARN formats, provider
autonaming, and the result shapes of the invokes the program makes, with their filters honoured.
A resource type or invoke it does not know fails loudly instead of returning an empty answer, so
adding a resource to the program means teaching `offline/answers.py` its real outputs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks

from offline.answers import RESOURCE_ANSWERS, New, hex_digits, kubernetes_object

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


class MockedCloud(pulumi_mocks.Mocks):
    """Answers resource registrations and invokes the way AWS would, and keeps a log of the
    invokes the program made (`invokes`: token and arguments, in order)."""

    def __init__(self, region: str, account_id: str = ACCOUNT_ID) -> None:
        if region not in REGION_ZONES:
            raise ValueError(
                f"the mocked cloud knows regions {sorted(REGION_ZONES)}, not {region!r}"
            )
        self.region = region
        self.account_id = account_id
        self.states: dict[str, dict] = {}  # id -> state, for outputs AWS derives from it
        self.invokes: list[tuple[str, dict[str, Any]]] = []

    def arn(self, service: str, resource: str, region: bool = True, account: bool = True) -> str:
        return f"arn:aws:{service}:{self.region if region else ''}:{self.account_id if account else ''}:{resource}"

    # ----------------------------------------------------------------- invokes

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict | tuple[dict, list]:
        self.invokes.append((args.token, dict(args.args)))
        answer = INVOKE_ANSWERS.get(args.token)
        if answer is None:
            raise NotImplementedError(f"the mocked cloud does not answer invoke {args.token}")
        return answer(self, args.args)

    def availability_zones(self, a: dict[str, Any]) -> dict[str, Any]:
        zones = {
            name: zone_id
            for name, zone_id in REGION_ZONES[self.region].items()
            if name not in (a.get("excludeNames") or [])
            and zone_id not in (a.get("excludeZoneIds") or [])
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

    def caller_identity(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.account_id,
            "accountId": self.account_id,
            "arn": CALLER_ARN,
            "userId": "AROA3EXAMPLEDEPLOYER:pulumi",
        }

    def partition(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": "aws",
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
        }

    def current_region(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.region,
            "region": self.region,
            "name": self.region,
            "description": self.region,
            "endpoint": f"ec2.{self.region}.amazonaws.com",
        }

    def addon_version(self, a: dict[str, Any]) -> dict[str, Any] | tuple[dict, list]:
        name, kubernetes = a["addonName"], a["kubernetesVersion"]
        if kubernetes not in ADDON_DEFAULT_VERSIONS.get(name, {}):
            return {}, [
                ("addonName", f"no {name} version is published for Kubernetes {kubernetes}")
            ]
        # DescribeAddonVersions marks one version per Kubernetes minor as the default; the most
        # recent one is the newest build, which this table does not hold.
        if a.get("mostRecent"):
            raise NotImplementedError("the mocked cloud knows only the default add-on versions")
        return {
            "id": name,
            "addonName": name,
            "kubernetesVersion": kubernetes,
            "mostRecent": a.get("mostRecent"),
            "version": ADDON_DEFAULT_VERSIONS[name][kubernetes],
            "region": self.region,
        }

    def default_scraper_configuration(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self.region,
            "region": self.region,
            "configuration": DEFAULT_SCRAPER_CONFIGURATION,
        }

    # ----------------------------------------------------------------- resources

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict]:
        if not args.custom:
            return "", {}  # components have no provider state
        state = copy.deepcopy(dict(args.inputs))
        if (prop := AUTONAMED.get(args.typ)) and not state.get(prop):
            state[prop] = f"{args.name}-{hex_digits(f'{args.typ}::{args.name}', 7)}"
        answer = RESOURCE_ANSWERS.get(args.typ)
        if answer is None and args.typ.startswith("kubernetes:"):
            answer = kubernetes_object
        if answer is None:
            raise NotImplementedError(
                f"the mocked cloud does not know resource type {args.typ} ({args.name}); "
                "add its real outputs to offline/answers.py"
            )
        resource_id, computed = answer(self, New(args.typ, args.name, state))
        state.update(computed)
        if "tags" in state:
            state["tagsAll"] = dict(state["tags"])
        self.states[resource_id] = state
        return resource_id, state


INVOKE_ANSWERS: dict[str, Callable[[MockedCloud, dict[str, Any]], Any]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": MockedCloud.availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": MockedCloud.caller_identity,
    "aws:index/getPartition:getPartition": MockedCloud.partition,
    "aws:index/getRegion:getRegion": MockedCloud.current_region,
    "aws:eks/getAddonVersion:getAddonVersion": MockedCloud.addon_version,
    "aws:amp/getDefaultScraperConfiguration:getDefaultScraperConfiguration": (
        MockedCloud.default_scraper_configuration
    ),
}
