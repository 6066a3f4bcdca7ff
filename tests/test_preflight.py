"""The offline preflight command: exit codes, JSON shape, and the cost and critical-path math."""

import json
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from preflight.__main__ import main, parse_override
from preflight.cloud import ROOT
from preflight.estimates import critical_path, estimate_cost, estimate_deploy, floor_minutes

PUBLIC = 'cluster.publicAccessCidrs=["203.0.113.0/24"]'


def run_json(capsys, *argv):
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


def test_passing_stack_exits_0_with_the_documented_shape(capsys):
    code, data = run_json(capsys, "--stack", "dev")
    assert code == 0
    assert set(data) >= {"stack", "resources", "policy", "cost", "deploy"}
    assert data["stack"] == "dev"
    assert set(data["resources"]) >= {"total", "by_type"}
    assert data["resources"]["total"] == sum(data["resources"]["by_type"].values())
    assert data["policy"]["mandatory"] == [] and isinstance(data["policy"]["advisory"], list)
    assert data["cost"]["monthly_usd"] == pytest.approx(
        sum(i["monthly_usd"] for i in data["cost"]["items"]), abs=0.01
    )
    assert set(data["deploy"]) >= {"critical_path_minutes", "floor_minutes", "path"}
    assert data["deploy"]["path"][-1]["type"] == "aws:eks/addon:Addon"


def test_mandatory_violation_exits_1_and_names_the_resource(capsys):
    code, data = run_json(capsys, "--stack", "dev", "--config", PUBLIC)
    assert code == 1
    [violation] = data["policy"]["mandatory"]
    assert violation["policy"] == "eks-endpoint-private"
    assert violation["resource_type"] == "aws:eks/cluster:Cluster"


def test_settings_error_exits_2_with_the_programs_message(capsys):
    assert main(["--stack", "dev", "--config", "network.natMode=bogus"]) == 2
    err = capsys.readouterr().err
    assert 'eks-platform:network.natMode = "bogus": must be one of per-az, single, none' in err


def test_unknown_stack_exits_2(capsys):
    assert main(["--stack", "staging"]) == 2
    assert "no stack file Pulumi.staging.yaml" in capsys.readouterr().err


def test_text_report_names_every_section(capsys):
    assert main(["--stack", "prod"]) == 0
    out = capsys.readouterr().out
    for heading in (
        "Resources by component",
        "Policy verdicts",
        "Estimated monthly cost",
        "Estimated first deploy",
    ):
        assert heading in out


def test_the_module_runs_as_the_cli_does():
    result = subprocess.run(
        [sys.executable, "-m", "preflight", "--stack", "prod", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["stack"] == "prod"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (PUBLIC, {"cluster": {"publicAccessCidrs": ["203.0.113.0/24"]}}),
        ("logRetentionDays=30", {"logRetentionDays": 30}),
        ("owner=team-a", {"owner": "team-a"}),
        ("aws:region=us-east-1", {"aws:region": "us-east-1"}),
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


# --------------------------------------------------------------------------- pure math


@dataclass
class R:
    name: str
    type: str
    dependencies: tuple = ()
    inputs: dict = field(default_factory=dict)
    custom: bool = True

    @property
    def urn(self):
        return self.name

    @property
    def id(self):
        return f"id-{self.name}"


DURATIONS = {
    "default_minutes": 0.5,
    "minutes": {
        "aws:eks/cluster:Cluster": 10,
        "aws:eks/nodeGroup:NodeGroup": 3,
        "aws:eks/addon:Addon": 1,
    },
}


def graph():
    role = R("role", "aws:iam/role:Role")
    cluster = R("cluster", "aws:eks/cluster:Cluster", ("role",))
    cni = R("cni", "aws:eks/addon:Addon", ("cluster",))
    nodes = R("nodes", "aws:eks/nodeGroup:NodeGroup", ("cluster", "cni", "role"))
    dns = R("dns", "aws:eks/addon:Addon", ("nodes",))
    alarm = R("alarm", "aws:cloudwatch/metricAlarm:MetricAlarm")
    component = R("component", "eks-platform:index:Cluster", custom=False)
    return [role, cluster, cni, nodes, dns, alarm, component]


def test_critical_path_follows_the_longest_chain():
    path = critical_path(graph(), DURATIONS)
    assert [s.name for s in path] == ["role", "cluster", "cni", "nodes", "dns"]
    assert sum(s.minutes for s in path) == 0.5 + 10 + 1 + 3 + 1


def test_floor_is_cluster_node_group_and_slowest_add_on_after_nodes():
    assert floor_minutes(graph(), DURATIONS) == 10 + 3 + 1


def test_an_unnecessary_dependency_lengthens_the_path():
    resources = graph()
    resources[-2] = R("alarm", "aws:cloudwatch/metricAlarm:MetricAlarm", ("dns",))
    estimate = estimate_deploy(resources, DURATIONS)
    assert estimate.critical_path_minutes == 16.0 and estimate.ratio_to_floor == pytest.approx(
        16 / 14, abs=0.01
    )


def test_dependency_cycle_is_reported():
    with pytest.raises(ValueError, match="cycle"):
        critical_path([R("a", "t", ("b",)), R("b", "t", ("a",))], DURATIONS)


PRICES = {
    "region": "test-1",
    "as_of": "2026-11",
    "hours_per_month": 100,
    "eks_cluster_hour": 0.1,
    "nat_gateway_hour": 0.05,
    "public_ipv4_hour": 0.005,
    "interface_endpoint_az_hour": 0.01,
    "kms_key_month": 1.0,
    "ebs_gp3_gb_month": 0.1,
    "cloudwatch_log_ingest_gb": 0.5,
    "cloudwatch_alarm_month": 0.1,
    "cloudwatch_dashboard_month": 3.0,
    "spot_discount": 0.6,
    "ec2_linux_hour": {"m7i.large": 0.1},
    "assumptions": {
        "control_plane_log_gb_month": 10,
        "flow_log_gb_month": 4,
        "usage_dependent_not_included": "x",
    },
}


def test_cost_items_from_a_small_stack():
    resources = [
        R("cluster", "aws:eks/cluster:Cluster"),
        R("nat", "aws:ec2/natGateway:NatGateway"),
        R("eip", "aws:ec2/eip:Eip"),
        R(
            "ecr",
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            inputs={"vpcEndpointType": "Interface", "subnetIds": ["a", "b"]},
        ),
        R("s3", "aws:ec2/vpcEndpoint:VpcEndpoint", inputs={"vpcEndpointType": "Gateway"}),
        R(
            "lt",
            "aws:ec2/launchTemplate:LaunchTemplate",
            inputs={"blockDeviceMappings": [{"ebs": {"volumeSize": 50.0}}]},
        ),
        R(
            "ng",
            "aws:eks/nodeGroup:NodeGroup",
            inputs={
                "instanceTypes": ["m7i.large"],
                "capacityType": "SPOT",
                "scalingConfig": {"minSize": 1.0, "desiredSize": 2.0, "maxSize": 3.0},
                "launchTemplate": {"id": "id-lt"},
            },
        ),
        R("key", "aws:kms/key:Key"),
        R("cp", "aws:cloudwatch/logGroup:LogGroup", inputs={"name": "/aws/eks/c/cluster"}),
    ]
    cost = estimate_cost(resources, PRICES)
    items = {i.item.split(" (")[0]: i.monthly_usd for i in cost.items}
    assert items == {
        "EKS control plane": 10.0,
        "NAT gateways": 5.0,
        "Public IPv4 addresses": 0.5,
        "Interface VPC endpoints": 2.0,  # 2 AZs x 0.01 x 100 h; the gateway endpoint is free
        "Nodes ng": 8.0,  # 2 spot nodes x 0.1 x (1 - 0.6) x 100 h
        "Node volumes ng": 10.0,  # 2 x 50 GB x 0.1
        "KMS keys": 1.0,
        "Control-plane log ingestion": 5.0,
    }
    assert cost.monthly_usd == 41.5
