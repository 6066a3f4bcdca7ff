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

from pulumi.runtime import mocks as pulumi_mocks

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


def _azs(region: str, zone_ids: dict[str, str]) -> tuple[Zone, ...]:
    return tuple(
        Zone(region + suffix, zone_id, group_name=region) for suffix, zone_id in zone_ids.items()
    )


# The zones the mocked account sees per region. In us-east-1 it has opted into the Boston Local
# Zone, whose name sorts before us-east-1a (as in a real account that uses it).
REGION_ZONES: dict[str, tuple[Zone, ...]] = {
    "us-east-1": (
        Zone(
            "us-east-1-bos-1a",
            "use1-bos1-az1",
            "local-zone",
            "opted-in",
            "available",
            "us-east-1-bos-1",
        ),
        *_azs(
            "us-east-1",
            {
                "a": "use1-az6",
                "b": "use1-az1",
                "c": "use1-az2",
                "d": "use1-az4",
                "e": "use1-az3",
                "f": "use1-az5",
            },
        ),
    ),
    "eu-west-1": _azs("eu-west-1", {"a": "euw1-az3", "b": "euw1-az1", "c": "euw1-az2"}),
    "eu-central-1": _azs("eu-central-1", {"a": "euc1-az2", "b": "euc1-az3", "c": "euc1-az1"}),
    "us-west-2": _azs(
        "us-west-2", {"a": "usw2-az2", "b": "usw2-az1", "c": "usw2-az3", "d": "usw2-az4"}
    ),
}

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
        if region not in REGION_ZONES:
            raise ValueError(
                f"the mocked cloud knows regions {sorted(REGION_ZONES)}, not {region!r}"
            )
        self.region = region
        self.zones = tuple(
            dataclasses.replace(z, state=(zone_states or {}).get(z.name, z.state))
            for z in REGION_ZONES[region]
        )
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
}
