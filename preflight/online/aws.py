"""The one layer that asks AWS, read-only. Every answer lands in `Answers` as AWS gave it (the
response shapes are botocore's service models); the checks beside this module judge them.

Clients come from a boto3 session the normal way, so botocore applies the standard credential
chain, the retry configuration (`AWS_RETRY_MODE`, `AWS_MAX_ATTEMPTS` or the profile's; standard
mode with backoff when unset) and `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>`.

The calls run concurrently: independent chains (identity, cluster, add-ons, network, ...) in one
thread pool, their fan-out calls (one per add-on, node group, insight, quota, policy statement)
in another, whose tasks never wait on other tasks, so neither pool can starve. A chain that
fails leaves its answers unset and says why; the checks that need them are then not run and the
verdict is "could not check" (a blocker found elsewhere still blocks)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from components.cluster.versions import minor
from preflight.online.errors import DENIED, code_of, reason
from preflight.online.facts import INSIGHTS, QUOTAS, ami_parameter
from preflight.online.stack import StackPlan

SERVICES = ("sts", "eks", "ec2", "ssm", "service-quotas", "iam")


@dataclass
class Answers:
    """AWS's answers, as returned (None: not asked, or the call failed)."""

    caller: dict | None = None  # sts GetCallerIdentity
    cluster: dict | None = None  # eks DescribeCluster `cluster`; {} when there is no such cluster
    cluster_versions: list[dict] | None = None  # eks DescribeClusterVersions, every version
    addon_versions: dict[str, list[dict]] | None = None  # name -> DescribeAddonVersions versions
    addon_schemas: dict[str, str | None] | None = None  # name -> configurationSchema
    nodegroups: list[dict] | None = None  # DescribeNodegroup of each of the cluster's groups
    installed_addons: list[dict] | None = None  # DescribeAddon of each installed add-on
    insights: list[dict] | None = None  # upgrade insights (DescribeInsight unless PASSING)
    installed_versions: dict[str, list[dict]] = field(default_factory=dict)  # add-ons not managed
    instance_types: list[dict] | None = None  # ec2 DescribeInstanceTypes
    offerings: list[dict] | None = None  # ec2 DescribeInstanceTypeOfferings, per AZ
    ami: dict[str, str | None] | None = None  # SSM parameter -> its value (None: no such)
    zones: list[dict] | None = None  # ec2 DescribeAvailabilityZones
    subnets: list[dict] | None = None  # the stack's private subnets that exist (node subnets)
    vpcs: list[dict] | None = None  # every VPC of the region
    endpoints: list[dict] | None = None  # interface endpoints in the stack's VPC
    flow_logs: list[dict] | None = None  # an existing VPC's flow logs ([] for a VPC of its own)
    addresses: list[dict] | None = None  # ec2 DescribeAddresses
    nat_gateways: list[dict] | None = None  # counted NAT gateways, each with its `Zone`
    clusters: list[str] | None = None  # eks ListClusters
    quotas: dict[str, dict] | None = None  # QUOTAS key -> Service Quotas `Quota`
    simulation: list[dict] | None = None  # iam SimulatePrincipalPolicy EvaluationResults
    notes: list[str] = field(default_factory=list)  # what was not asked, and why


class Asker:
    """The clients of one session (made once, then shared by the threads) and the calls."""

    def __init__(self, session: boto3.Session, workers: int = 16) -> None:
        config = Config(max_pool_connections=2 * workers, connect_timeout=5, read_timeout=30)
        self.clients = {s: session.client(s, config=config) for s in SERVICES}
        self.workers = workers
        self._lock = threading.Lock()
        self.calls = 0
        self.problems: list[str] = []
        for client in self.clients.values():
            client.meta.events.register("before-parameter-build", self._count)

    def _count(self, **_: Any) -> None:
        with self._lock:
            self.calls += 1

    def call(self, service: str, operation: str, **params: Any) -> dict:
        return getattr(self.clients[service], operation)(**params)

    def pages(self, service: str, operation: str, key: str, **params: Any) -> list:
        paginator = self.clients[service].get_paginator(operation)
        return [item for page in paginator.paginate(**params) for item in page.get(key, [])]

    def gather(self, plan: StackPlan, statements: Sequence[dict]) -> Answers:
        """Every answer the checks need for `plan`; `statements` are the IAM statements whose
        actions the caller is simulated against."""
        answers = Answers()
        chains: list[tuple[str, Callable[[], None]]] = [
            (
                "sts GetCallerIdentity, iam SimulatePrincipalPolicy",
                lambda: self._identity(plan, statements, answers),
            ),
            ("eks DescribeCluster", lambda: self._cluster(plan, answers)),
            ("eks DescribeClusterVersions", lambda: self._versions(answers)),
            ("eks DescribeAddonVersions", lambda: self._addons(plan, answers)),
            ("ec2 DescribeInstanceTypes", lambda: self._instances(plan, answers)),
            ("ssm GetParameters", lambda: self._ami(plan, answers)),
            ("ec2 DescribeAvailabilityZones", lambda: self._zones(answers)),
            ("ec2 DescribeSubnets", lambda: self._subnets(plan, answers)),
            ("ec2 DescribeVpcs, DescribeVpcEndpoints", lambda: self._vpcs(plan, answers)),
            ("ec2 DescribeFlowLogs", lambda: self._flow_logs(plan, answers)),
            ("ec2 DescribeAddresses", lambda: self._addresses(answers)),
            ("ec2 DescribeNatGateways", lambda: self._nat_gateways(answers)),
            ("eks ListClusters", lambda: self._clusters(answers)),
            ("service-quotas GetServiceQuota", lambda: self._quotas(answers)),
        ]
        with (
            ThreadPoolExecutor(len(chains), "online-chain") as chain_pool,
            ThreadPoolExecutor(self.workers, "online-call") as self.pool,
        ):
            running = [(name, chain_pool.submit(run)) for name, run in chains]
            for name, future in running:
                if (error := future.exception()) is not None:
                    self.problems.append(reason(self._label(name, error), error))
        return answers

    def _label(self, chain: str, error: BaseException) -> str:
        """`<service> <Operation>` of the call that failed (else the chain's name)."""
        operation = getattr(error, "operation_name", "")
        for service, client in self.clients.items():
            if operation in client.meta.service_model.operation_names:
                return f"{service} {operation}"
        return chain

    def _all(self, calls: Iterable[Callable[[], Any]]) -> list[Any]:
        """Run independent calls concurrently; the first failure is raised once all ended."""
        futures: list[Future] = [self.pool.submit(c) for c in calls]
        return [f.result() for f in futures]

    def _identity(self, plan: StackPlan, statements: Sequence[dict], answers: Answers) -> None:
        answers.caller = caller = self.call("sts", "get_caller_identity")
        arn, account = caller["Arn"], caller["Account"]
        partition, kind_and_name = arn.split(":")[1], arn.split(":", 5)[5]
        kind, _, name = kind_and_name.partition("/")
        if kind == "root":
            answers.notes.append(f"{arn} is the account's root user: its permissions not simulated")
            return
        if not statements:  # what the stack needs is not known (check.py says why)
            return
        try:
            if kind == "assumed-role":
                role = self.call("iam", "get_role", RoleName=name.split("/")[0])
                principal = role["Role"]["Arn"]
            else:
                principal = arn
            region = [
                {
                    "ContextKeyName": "aws:RequestedRegion",
                    "ContextKeyType": "string",
                    "ContextKeyValues": [plan.region],
                }
            ]
            results = self._all(
                lambda s=s: self._simulate(principal, s, account, partition, region)
                for s in statements
            )
        except ClientError as error:
            if code_of(error) not in DENIED:
                raise
            answers.notes.append(
                f"the caller may not simulate its own permissions ({reason('iam', error)}): "
                "the actions the stack needs were not checked against its policies"
            )
            return
        answers.simulation = [r for batch in results for r in batch]

    def _simulate(
        self, principal: str, statement: dict, account: str, partition: str, context: list
    ) -> list[dict]:
        resources = statement["Resource"]
        arns = (
            [
                r.replace("<ACCOUNT_ID>", account).replace("arn:aws:", f"arn:{partition}:")
                for r in resources
            ]
            if isinstance(resources, list)
            else None
        )
        return self.pages(
            "iam",
            "simulate_principal_policy",
            "EvaluationResults",
            PolicySourceArn=principal,
            ActionNames=list(statement["Action"]),
            ContextEntries=context,
            **({"ResourceArns": arns} if arns else {}),
        )

    def _cluster(self, plan: StackPlan, answers: Answers) -> None:
        try:
            cluster = self.call("eks", "describe_cluster", name=plan.cluster_name)["cluster"]
        except ClientError as error:
            if code_of(error) != "ResourceNotFoundException":
                raise
            answers.cluster, answers.nodegroups, answers.installed_addons = {}, [], []
            answers.insights = []
            return
        name = plan.cluster_name
        upgrading = minor(cluster["version"]) != minor(plan.version)
        insight_filter = {
            "categories": [INSIGHTS["category"]],
            "kubernetesVersions": [plan.version],
        }
        groups, addons, listed = self._all(
            [
                lambda: self.pages("eks", "list_nodegroups", "nodegroups", clusterName=name),
                lambda: self.pages("eks", "list_addons", "addons", clusterName=name),
                lambda: (
                    self.pages(
                        "eks", "list_insights", "insights", clusterName=name, filter=insight_filter
                    )
                    if upgrading
                    else []
                ),
            ]
        )

        def read(operation: str, key: str, **params: Any) -> Callable[[], dict]:
            return lambda: self.call("eks", operation, clusterName=name, **params)[key]

        passing = INSIGHTS["passing"]
        described = self._all(
            [
                *(read("describe_nodegroup", "nodegroup", nodegroupName=g) for g in groups),
                *(read("describe_addon", "addon", addonName=a) for a in addons),
                *(
                    read("describe_insight", "insight", id=i["id"])
                    if i["insightStatus"]["status"] not in passing
                    else partial(dict, i)
                    for i in listed
                ),
            ]
        )
        answers.nodegroups = described[: len(groups)]
        answers.installed_addons = described[len(groups) : len(groups) + len(addons)]
        answers.insights = described[len(groups) + len(addons) :]
        unmanaged = sorted(set(addons) - {a.name for a in plan.addons})
        found = self._all(lambda n=n: self._addon_versions(n) for n in unmanaged)
        answers.installed_versions = dict(zip(unmanaged, found, strict=True))
        answers.cluster = cluster

    def _versions(self, answers: Answers) -> None:
        answers.cluster_versions = self.pages(
            "eks", "describe_cluster_versions", "clusterVersions", includeAll=True
        )

    def _addon_versions(self, name: str) -> list[dict]:
        found = self.pages("eks", "describe_addon_versions", "addons", addonName=name)
        return [v for addon in found if addon["addonName"] == name for v in addon["addonVersions"]]

    def _schema(self, name: str, version: str) -> str | None:
        try:
            return self.call(
                "eks", "describe_addon_configuration", addonName=name, addonVersion=version
            )["configurationSchema"]
        except ClientError as error:
            if code_of(error) not in {"ResourceNotFoundException", "InvalidParameterException"}:
                raise
            return None  # no such version: the version check says so

    def _addons(self, plan: StackPlan, answers: Answers) -> None:
        names = [a.name for a in plan.addons]
        configured = [a for a in plan.addons if a.configuration]
        results = self._all(
            [
                *(lambda n=n: self._addon_versions(n) for n in names),
                *(lambda a=a: self._schema(a.name, a.version) for a in configured),
            ]
        )
        answers.addon_versions = dict(zip(names, results[: len(names)], strict=True))
        answers.addon_schemas = {
            a.name: schema for a, schema in zip(configured, results[len(names) :], strict=True)
        }

    def _instances(self, plan: StackPlan, answers: Answers) -> None:
        types = sorted({t for g in plan.node_groups for t in g.instance_types})
        if not types:
            answers.instance_types, answers.offerings = [], []
            return
        answers.instance_types, answers.offerings = self._all(
            [
                lambda: self.pages(
                    "ec2",
                    "describe_instance_types",
                    "InstanceTypes",
                    Filters=[{"Name": "instance-type", "Values": types}],
                ),
                lambda: self.pages(
                    "ec2",
                    "describe_instance_type_offerings",
                    "InstanceTypeOfferings",
                    LocationType="availability-zone",
                    Filters=[
                        {"Name": "instance-type", "Values": types},
                        {"Name": "location", "Values": list(plan.zones)},
                    ],
                ),
            ]
        )

    def _ami(self, plan: StackPlan, answers: Answers) -> None:
        names = sorted({ami_parameter(g.version, g.ami_type) for g in plan.node_groups})
        batches = [names[i : i + 10] for i in range(0, len(names), 10)]  # GetParameters takes 10
        found = self._all(lambda b=b: self.call("ssm", "get_parameters", Names=b) for b in batches)
        values = {p["Name"]: p["Value"] for answer in found for p in answer["Parameters"]}
        answers.ami = {name: values.get(name) for name in names}

    def _zones(self, answers: Answers) -> None:
        answers.zones = self.call(
            "ec2",
            "describe_availability_zones",
            Filters=[{"Name": "zone-type", "Values": ["availability-zone"]}],
        )["AvailabilityZones"]

    def _subnets(self, plan: StackPlan, answers: Answers) -> None:
        # An existing VPC's node subnets by id; the stack's own private subnets by name.
        which = (
            {"SubnetIds": list(plan.node_subnet_ids)}
            if plan.node_subnet_ids
            else {"Filters": [{"Name": "tag:Name", "Values": sorted(plan.subnet_names.values())}]}
        )
        answers.subnets = self.pages("ec2", "describe_subnets", "Subnets", **which)

    def _vpcs(self, plan: StackPlan, answers: Answers) -> None:
        answers.vpcs = vpcs = self.pages("ec2", "describe_vpcs", "Vpcs")
        own = [
            v["VpcId"]
            for v in vpcs
            if (
                v["VpcId"] == plan.existing_vpc
                if plan.existing_vpc
                else _tag(v, "Name") == plan.vpc_name
            )
        ]
        answers.endpoints = (
            self.pages(
                "ec2",
                "describe_vpc_endpoints",
                "VpcEndpoints",
                Filters=[
                    {"Name": "vpc-id", "Values": own},
                    {"Name": "vpc-endpoint-type", "Values": ["Interface"]},
                ],
            )
            if own
            else []
        )

    def _flow_logs(self, plan: StackPlan, answers: Answers) -> None:
        # The stack's own VPC has its flow log (the pack checks it); an existing VPC's owner's.
        answers.flow_logs = (
            self.pages(
                "ec2",
                "describe_flow_logs",
                "FlowLogs",
                Filters=[{"Name": "resource-id", "Values": [plan.existing_vpc]}],
            )
            if plan.existing_vpc
            else []
        )

    def _addresses(self, answers: Answers) -> None:
        answers.addresses = self.call("ec2", "describe_addresses")["Addresses"]

    def _nat_gateways(self, answers: Answers) -> None:
        states = QUOTAS["natGatewaysPerZone"]["countedStates"]
        gateways = self.pages(
            "ec2",
            "describe_nat_gateways",
            "NatGateways",
            Filter=[{"Name": "state", "Values": states}],
        )
        subnet_ids = sorted({g["SubnetId"] for g in gateways if g.get("SubnetId")})
        zones = (
            {
                s["SubnetId"]: s["AvailabilityZone"]
                for s in self.pages("ec2", "describe_subnets", "Subnets", SubnetIds=subnet_ids)
            }
            if subnet_ids
            else {}
        )
        answers.nat_gateways = [
            {**g, "Zone": zones.get(g.get("SubnetId", ""), "")} for g in gateways
        ]

    def _clusters(self, answers: Answers) -> None:
        answers.clusters = self.pages("eks", "list_clusters", "clusters")

    def _quota(self, key: str) -> dict:
        codes = {"ServiceCode": QUOTAS[key]["serviceCode"], "QuotaCode": QUOTAS[key]["quotaCode"]}
        try:
            return self.call("service-quotas", "get_service_quota", **codes)["Quota"]
        except ClientError as error:
            if code_of(error) != "NoSuchResourceException":
                raise
            return self.call("service-quotas", "get_aws_default_service_quota", **codes)["Quota"]

    def _quotas(self, answers: Answers) -> None:
        keys = sorted(QUOTAS)
        answers.quotas = dict(
            zip(keys, self._all(lambda k=k: self._quota(k) for k in keys), strict=True)
        )


def _tag(resource: dict, key: str) -> str:
    return next((t["Value"] for t in resource.get("Tags") or [] if t["Key"] == key), "")
