"""A mocked AWS cloud for running the program offline.

It answers like AWS (through pulumi-aws 7) would: real id prefixes and ARN formats, provider
autonaming, and the result shapes of the invokes the program makes, with their filters honoured.
A resource type or invoke it does not know fails loudly instead of returning an empty answer, so
adding a resource to the program means teaching `preflight/offline/answers.py` its real outputs.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.loaders
from pulumi.runtime import mocks as pulumi_mocks

from preflight.offline import landing_zone
from preflight.offline.answers import RESOURCE_ANSWERS, New, hex_digits, kubernetes_object

ACCOUNT_ID = "111122223333"
# The mocked account's deployer: a role with a path, which its session ARN does not show.
CALLER_ARN = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/platform-deployer/pulumi"
ROLE_PATHS = {"platform-deployer": "/deploy/"}  # IAM roles that exist before the stack


@dataclass(frozen=True)
class Zone:
    """One zone as DescribeAvailabilityZones reports it."""

    name: str
    zone_id: str
    zone_type: str = "availability-zone"
    opt_in_status: str = "opt-in-not-required"
    state: str = "available"
    group_name: str = ""  # the region for AZs, the zone group for Local/Wavelength Zones


# The commercial partition's regions: botocore's endpoint data (boto3 in requirements.txt), read
# from the installed package. EKS lists an endpoint in each of them (34 in botocore 1.44.18).
_ENDPOINTS = botocore.loaders.create_loader().load_data("endpoints")
PARTITIONS: dict[str, tuple[str, ...]] = {
    p["partition"]: tuple(sorted(p["regions"])) for p in _ENDPOINTS["partitions"]
}
COMMERCIAL_REGIONS = PARTITIONS["aws"]

# AZ ids per region: the table "AWS Availability Zones"
# (docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html, read
# 2026-12-06). Which name holds which id: eight commercial regions map names to ids per account
# (az-ids.html "Regions with independently mapped Availability Zones": us-east-1, us-west-1,
# us-west-2, ap-southeast-1, ap-southeast-2, ap-northeast-1, eu-west-1, sa-east-1); every other
# region maps them the same in every account. The pairs below are one account's
# DescribeAvailabilityZones answer as recorded in github.com/networknext/next
# terraform/amazon.tfvars (commit 2a70e264d3a0, read 2026-12-06), except: the four regions the
# mocked cloud knew before (its own account's mapping, kept), ids that account did not list
# (usw1-az2, euw2-az4: next free letter) and regions it did not list (ap-east-2, ap-southeast-5/6/7,
# ca-west-1, il-central-1, mx-central-1: letter n holds az n, as in us-east-2's documented example).
# That account sees 3 of ap-northeast-1's 4 ids (apne1-az3 is constrained, not offered to newer
# accounts) and ca-central-1 has no "c" zone (cac1-az3 is not in the table).
ZONE_IDS: dict[str, str] = {
    "af-south-1": "a=afs1-az1 b=afs1-az2 c=afs1-az3",
    "ap-east-1": "a=ape1-az1 b=ape1-az2 c=ape1-az3",
    "ap-east-2": "a=ape2-az1 b=ape2-az2 c=ape2-az3",
    "ap-northeast-1": "a=apne1-az4 c=apne1-az1 d=apne1-az2",
    "ap-northeast-2": "a=apne2-az1 b=apne2-az2 c=apne2-az3 d=apne2-az4",
    "ap-northeast-3": "a=apne3-az3 b=apne3-az1 c=apne3-az2",
    "ap-south-1": "a=aps1-az1 b=aps1-az3 c=aps1-az2",
    "ap-south-2": "a=aps2-az1 b=aps2-az2 c=aps2-az3",
    "ap-southeast-1": "a=apse1-az1 b=apse1-az2 c=apse1-az3",
    "ap-southeast-2": "a=apse2-az3 b=apse2-az1 c=apse2-az2",
    "ap-southeast-3": "a=apse3-az1 b=apse3-az2 c=apse3-az3",
    "ap-southeast-4": "a=apse4-az1 b=apse4-az2 c=apse4-az3",
    "ap-southeast-5": "a=apse5-az1 b=apse5-az2 c=apse5-az3",
    "ap-southeast-6": "a=apse6-az1 b=apse6-az2 c=apse6-az3",
    "ap-southeast-7": "a=apse7-az1 b=apse7-az2 c=apse7-az3",
    "ca-central-1": "a=cac1-az1 b=cac1-az2 d=cac1-az4",
    "ca-west-1": "a=caw1-az1 b=caw1-az2 c=caw1-az3",
    "eu-central-1": "a=euc1-az2 b=euc1-az3 c=euc1-az1",
    "eu-central-2": "a=euc2-az1 b=euc2-az2 c=euc2-az3",
    "eu-north-1": "a=eun1-az1 b=eun1-az2 c=eun1-az3",
    "eu-south-1": "a=eus1-az1 b=eus1-az2 c=eus1-az3",
    "eu-south-2": "a=eus2-az1 b=eus2-az2 c=eus2-az3",
    "eu-west-1": "a=euw1-az3 b=euw1-az1 c=euw1-az2",
    "eu-west-2": "a=euw2-az2 b=euw2-az3 c=euw2-az1 d=euw2-az4",
    "eu-west-3": "a=euw3-az1 b=euw3-az2 c=euw3-az3",
    "il-central-1": "a=ilc1-az1 b=ilc1-az2 c=ilc1-az3",
    "me-central-1": "a=mec1-az1 b=mec1-az2 c=mec1-az3",
    "me-south-1": "a=mes1-az1 b=mes1-az2 c=mes1-az3",
    "mx-central-1": "a=mxc1-az1 b=mxc1-az2 c=mxc1-az3",
    "sa-east-1": "a=sae1-az1 b=sae1-az2 c=sae1-az3",
    "us-east-1": "a=use1-az6 b=use1-az1 c=use1-az2 d=use1-az4 e=use1-az3 f=use1-az5",
    "us-east-2": "a=use2-az1 b=use2-az2 c=use2-az3",
    "us-west-1": "a=usw1-az3 b=usw1-az1 c=usw1-az2",
    "us-west-2": "a=usw2-az2 b=usw2-az1 c=usw2-az3 d=usw2-az4",
}
# In us-east-1 the mocked account has opted into the Boston Local Zone, whose name sorts before
# us-east-1a (as in a real account that uses it).
OPTED_IN_LOCAL_ZONES = {
    "us-east-1": (
        Zone(
            "us-east-1-bos-1a",
            "use1-bos1-az1",
            "local-zone",
            "opted-in",
            "available",
            "us-east-1-bos-1",
        ),
    )
}


def derived_zone_ids(region: str) -> str:
    """Three AZs for a commercial region the table has no entry for (one botocore added later):
    ids by the rule the AZ table states (first three letters of the region code, its number,
    "-az", a number), which newer regions do not all follow (ap-southeast-4 is apse4)."""
    prefix = region.replace("-", "")[:3] + region.rsplit("-", 1)[1]
    return " ".join(f"{letter}={prefix}-az{n}" for n, letter in enumerate("abc", 1))


def region_zones(region: str) -> tuple[Zone, ...]:
    """The zones the mocked account sees in a commercial region: its opted-in Local Zones, then
    its AZs."""
    pairs = (pair.split("=") for pair in ZONE_IDS.get(region, derived_zone_ids(region)).split())
    azs = tuple(Zone(region + letter, zone_id, group_name=region) for letter, zone_id in pairs)
    return OPTED_IN_LOCAL_ZONES.get(region, ()) + azs


REGION_ZONES: dict[str, tuple[Zone, ...]] = {r: region_zones(r) for r in COMMERCIAL_REGIONS}


def region_problem(region: object) -> str | None:
    """Why the offline tools cannot run `region` (None when they can): one line naming the
    regions that work."""
    if region in REGION_ZONES:
        return None
    if region is None:
        return (
            "aws:region is not set: the AWS provider needs a region (offline there is no "
            f"environment to take one from); set it to one of {', '.join(COMMERCIAL_REGIONS)}"
        )
    other = next((p for p, regions in PARTITIONS.items() if region in regions), None)
    where = f"is in the {other} partition" if other else "is not an AWS region botocore knows"
    return (
        f"aws:region = {region!r} {where}; the offline tools run the commercial partition's "
        f"regions: {', '.join(COMMERCIAL_REGIONS)}"
    )


# What DescribeAddonVersions marks "defaultVersion" per Kubernetes minor: as the reviewed table
# recorded it. Today's program never asks (it reads that table); older refs did, and the change
# review runs them (`python -m preflight --against`).
ADDON_DEFAULT_VERSIONS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).resolve().parents[2] / "components" / "addons" / "versions.json").read_text()
)["kubernetes"]

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
    "aws:lambda/function:Function": "name",
}


class MockedCloud(pulumi_mocks.Mocks):
    """Answers resource registrations and invokes the way AWS would, and keeps a log of the
    invokes the program made (`invokes`: token and arguments, in order)."""

    def __init__(
        self,
        region: str,
        account_id: str = ACCOUNT_ID,
        zone_states: Mapping[str, str] | None = None,
    ) -> None:
        """`zone_states` (zone name -> state) changes what AWS answers, as between two deploys:
        an AZ impaired during an AWS event."""
        if problem := region_problem(region):
            raise ValueError(problem)
        self.region = region
        self.zones = tuple(
            dataclasses.replace(z, state=(zone_states or {}).get(z.name, z.state))
            for z in REGION_ZONES[region]
        )
        self.account_id = account_id
        # id -> state, for outputs AWS derives from it; the landing zone's subnets exist already.
        self.states: dict[str, dict] = landing_zone.subnets(self)
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
        # Without allAvailabilityZones AWS lists only zones that need no opt-in or are opted in.
        filters = {f["name"]: f["values"] for f in a.get("filters") or []}
        zones = sorted(
            (
                z
                for z in self.zones
                if (a.get("allAvailabilityZones") or z.opt_in_status != "not-opted-in")
                and (not a.get("state") or z.state == a["state"])
                and z.name not in (a.get("excludeNames") or [])
                and z.zone_id not in (a.get("excludeZoneIds") or [])
                and all(_zone_field(z, name) in values for name, values in filters.items())
            ),
            key=lambda z: z.name,  # the provider sorts by name
        )
        return {
            "id": self.region,
            "names": [z.name for z in zones],
            "zoneIds": [z.zone_id for z in zones],
            "groupNames": sorted({z.group_name for z in zones}),
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
        if name not in ADDON_DEFAULT_VERSIONS.get(kubernetes, {}):
            return {}, [
                ("addonName", f"no {name} version is published for Kubernetes {kubernetes}")
            ]
        if a.get("mostRecent"):
            raise NotImplementedError("the mocked cloud knows only the default add-on versions")
        return {
            "id": name,
            "addonName": name,
            "kubernetesVersion": kubernetes,
            "mostRecent": a.get("mostRecent"),
            "version": ADDON_DEFAULT_VERSIONS[kubernetes][name],
            "region": self.region,
        }

    def role(self, a: dict[str, Any]) -> dict[str, Any] | tuple[dict, list]:
        name = a["name"]
        if name not in ROLE_PATHS:
            return {}, [("name", f"NoSuchEntity: The role with name {name} cannot be found.")]
        path = ROLE_PATHS[name]
        return {
            "id": name,
            "name": name,
            "path": path,
            "arn": f"arn:aws:iam::{self.account_id}:role{path}{name}",
            "uniqueId": "AROA3EXAMPLEDEPLOYER",
            "assumeRolePolicy": "{}",
            "maxSessionDuration": 3600,
            "tags": {},
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


def _zone_field(zone: Zone, filter_name: str) -> str:
    """The zone's value for a DescribeAvailabilityZones filter the program uses."""
    fields = {
        "zone-type": zone.zone_type,
        "opt-in-status": zone.opt_in_status,
        "state": zone.state,
        "zone-name": zone.name,
        "zone-id": zone.zone_id,
        "group-name": zone.group_name,
    }
    if filter_name not in fields:
        raise NotImplementedError(f"the mocked cloud does not filter zones on {filter_name}")
    return fields[filter_name]


INVOKE_ANSWERS: dict[str, Callable[[MockedCloud, dict[str, Any]], Any]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": MockedCloud.availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": MockedCloud.caller_identity,
    "aws:index/getPartition:getPartition": MockedCloud.partition,
    "aws:index/getRegion:getRegion": MockedCloud.current_region,
    "aws:eks/getAddonVersion:getAddonVersion": MockedCloud.addon_version,
    "aws:iam/getRole:getRole": MockedCloud.role,
    "aws:amp/getDefaultScraperConfiguration:getDefaultScraperConfiguration": (
        MockedCloud.default_scraper_configuration
    ),
    **landing_zone.INVOKES,
}
