"""The health gate: its decisions as pure functions of what AWS said and when, and what it asks
AWS, against botocore's Stubber (the requests checked against the API model, the answers shaped
as AWS gives them)."""

from __future__ import annotations

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber

from fleet.health import (
    ACTIVE,
    ALARM,
    SETTLING,
    Observation,
    Soak,
    Verdict,
    gate,
    observe,
    stack_resources,
    verdict,
)

HEALTHY = Observation(
    "ACTIVE",
    {"eks-system-1": "ACTIVE"},
    {"coredns": "ACTIVE", "vpc-cni": "ACTIVE"},
    {"c-node-cpu": "OK", "c-pending-pods": "INSUFFICIENT_DATA"},
)


def test_the_statuses_are_those_of_the_eks_and_cloudwatch_api_models() -> None:
    """Written down from botocore 1.44.18's models (eks 2017-11-01 ClusterStatus,
    NodegroupStatus, AddonStatus; cloudwatch 2010-08-01 StateValue), 2026-12-06."""
    session = botocore.session.get_session()
    eks, cloudwatch = (session.get_service_model(s) for s in ("eks", "cloudwatch"))
    cluster = ["CREATING", "ACTIVE", "DELETING", "FAILED", "UPDATING", "PENDING"]
    nodegroup = [
        "CREATING",
        "ACTIVE",
        "UPDATING",
        "DELETING",
        "CREATE_FAILED",
        "DELETE_FAILED",
        "DEGRADED",
    ]
    addon = [
        "CREATING",
        "ACTIVE",
        "CREATE_FAILED",
        "UPDATING",
        "DELETING",
        "DELETE_FAILED",
        "DEGRADED",
        "UPDATE_FAILED",
    ]
    assert eks.shape_for("ClusterStatus").enum == cluster
    assert eks.shape_for("NodegroupStatus").enum == nodegroup
    assert eks.shape_for("AddonStatus").enum == addon
    assert cloudwatch.shape_for("StateValue").enum == ["OK", "ALARM", "INSUFFICIENT_DATA"]
    for kind, values in (("cluster", cluster), ("nodegroup", nodegroup), ("addon", addon)):
        assert ACTIVE in values and set(SETTLING[kind]) < set(values)
    assert ALARM == "ALARM"


@pytest.mark.parametrize(
    "seen, state, reasons",
    [
        (HEALTHY, "healthy", ()),
        (
            Observation("UPDATING", {"ng": "UPDATING"}, {"coredns": "ACTIVE"}),
            "settling",
            ("cluster is UPDATING", "node group ng is UPDATING"),
        ),
        (Observation("FAILED"), "unhealthy", ("cluster is FAILED",)),
        (
            Observation("ACTIVE", {"ng": "DEGRADED"}, {"coredns": "UPDATE_FAILED"}),
            "unhealthy",
            ("node group ng is DEGRADED", "add-on coredns is UPDATE_FAILED"),
        ),
        (
            Observation("ACTIVE", {}, {"coredns": "CREATING"}, {"c-failed-nodes": "ALARM"}),
            "unhealthy",
            ("alarm c-failed-nodes is in ALARM", "add-on coredns is CREATING"),
        ),
        (Observation("ACTIVE", {"ng": "DELETING"}), "unhealthy", ("node group ng is DELETING",)),
    ],
)
def test_verdicts(seen: Observation, state: str, reasons: tuple[str, ...]) -> None:
    assert verdict(seen) == Verdict(state, reasons)


HEALTHY_VERDICT, SETTLING_VERDICT = Verdict("healthy"), Verdict("settling", ("x",))
UNHEALTHY_VERDICT = Verdict("unhealthy", ("alarm",))


def test_the_soak_passes_after_its_minutes_of_health_without_a_break() -> None:
    soak = Soak(minutes=10, started=0)
    assert soak.step(HEALTHY_VERDICT, 0) is None
    assert soak.step(HEALTHY_VERDICT, 300) is None
    assert soak.step(SETTLING_VERDICT, 400) is None  # an update in between: the clock restarts
    assert soak.step(HEALTHY_VERDICT, 500) is None
    assert soak.step(HEALTHY_VERDICT, 1099) is None
    assert soak.step(HEALTHY_VERDICT, 1100) == "passed"


def test_the_soak_fails_at_once_when_anything_is_unhealthy() -> None:
    soak = Soak(minutes=10, started=0)
    assert soak.step(HEALTHY_VERDICT, 0) is None
    assert soak.step(UNHEALTHY_VERDICT, 60) == "failed"


def test_the_soak_fails_when_something_settles_too_long() -> None:
    soak = Soak(minutes=0, started=0, settle=30)
    assert soak.step(SETTLING_VERDICT, 29 * 60) is None
    assert soak.step(SETTLING_VERDICT, 30 * 60) == "failed"


def test_no_soak_passes_at_the_first_healthy_look() -> None:
    assert Soak(minutes=0, started=0).step(HEALTHY_VERDICT, 0) == "passed"


def test_the_gate_watches_on_a_clock() -> None:
    now = [0.0]
    looks = iter([Observation("UPDATING"), HEALTHY, HEALTHY, HEALTHY])
    lines: list[str] = []

    def sleep(seconds: float) -> None:
        now[0] += seconds

    passed, last = gate(lambda: next(looks), 1, lambda: now[0], sleep, lines.append, poll=30)
    assert passed and last == Verdict("healthy")
    assert lines == [
        "  0.0 min: settling (cluster is UPDATING)",
        "  0.5 min: healthy",
        "  1.0 min: healthy",
        "  1.5 min: healthy",
    ]


def clients() -> tuple[object, object]:
    eks = boto3.client("eks", region_name="eu-west-1")
    cloudwatch = boto3.client("cloudwatch", region_name="eu-west-1")
    return eks, cloudwatch


def alarm(name: str, state: str, cluster: str) -> dict:
    return {
        "AlarmName": name,
        "StateValue": state,
        "Dimensions": [{"Name": "ClusterName", "Value": cluster}],
    }


def test_the_node_groups_and_add_ons_are_the_stack_state_s() -> None:
    state = {
        "resources": [
            {"type": "aws:eks/cluster:Cluster", "outputs": {"name": "c"}},
            {"type": "aws:eks/nodeGroup:NodeGroup", "outputs": {"nodeGroupName": "system-b2c"}},
            # the old group of a replacement, deleted at the end of the update that failed
            {
                "type": "aws:eks/nodeGroup:NodeGroup",
                "delete": True,
                "outputs": {"nodeGroupName": "system-a1b"},
            },
            {"type": "aws:eks/addon:Addon", "outputs": {"addonName": "vpc-cni"}},
            {"type": "aws:eks/addon:Addon", "outputs": {"addonName": "coredns"}},
        ]
    }
    assert stack_resources(state) == (["system-b2c"], ["coredns", "vpc-cni"])
    assert stack_resources({}) == ([], [])


def test_observe_asks_aws_with_read_only_calls_and_follows_pages() -> None:
    eks, cloudwatch = clients()
    with Stubber(eks) as e, Stubber(cloudwatch) as c:
        e.add_response(
            "describe_cluster", {"cluster": {"name": "c", "status": "ACTIVE"}}, {"name": "c"}
        )
        for name, status in (("system", "ACTIVE"), ("general", "UPDATING")):
            e.add_response(
                "describe_nodegroup",
                {"nodegroup": {"nodegroupName": name, "status": status}},
                {"clusterName": "c", "nodegroupName": name},
            )
        e.add_response(
            "describe_addon",
            {"addon": {"addonName": "coredns", "status": "DEGRADED"}},
            {"clusterName": "c", "addonName": "coredns"},
        )
        c.add_response(
            "describe_alarms",
            {
                "MetricAlarms": [
                    alarm("c-node-cpu", "ALARM", "c"),
                    # another cluster named c-2: its alarms share the prefix, not the dimension
                    alarm("c-2-node-cpu", "ALARM", "c-2"),
                ],
                "NextToken": "n",
            },
            {"AlarmNamePrefix": "c-", "AlarmTypes": ["MetricAlarm"]},
        )
        c.add_response(
            "describe_alarms",
            {"MetricAlarms": [alarm("c-pending-pods", "OK", "c")]},
            {"AlarmNamePrefix": "c-", "AlarmTypes": ["MetricAlarm"], "NextToken": "n"},
        )
        seen = observe(eks, cloudwatch, "c", ["system", "general"], ["coredns"])
        e.assert_no_pending_responses()
        c.assert_no_pending_responses()
    assert seen == Observation(
        "ACTIVE",
        {"system": "ACTIVE", "general": "UPDATING"},
        {"coredns": "DEGRADED"},
        {"c-node-cpu": "ALARM", "c-pending-pods": "OK"},
    )
    assert verdict(seen).state == "unhealthy"


def test_an_add_on_degraded_while_nodes_roll_is_settling_a_node_group_degraded_is_not() -> None:
    """terraform-provider-aws waits an add-on's DEGRADED out (internal/service/eks/addon.go at
    00a35305, waitAddonCreated: Pending CREATING and DEGRADED, read 2026-12-06)."""
    assert verdict(Observation("ACTIVE", {}, {"coredns": "DEGRADED"})) == Verdict(
        "settling", ("add-on coredns is DEGRADED",)
    )
    assert verdict(Observation("ACTIVE", {"ng": "DEGRADED"})).state == "unhealthy"


def test_what_aws_does_not_answer_is_a_verdict_not_a_traceback() -> None:
    eks, cloudwatch = clients()
    with Stubber(eks) as e, Stubber(cloudwatch) as c:
        e.add_response(
            "describe_cluster", {"cluster": {"name": "c", "status": "ACTIVE"}}, {"name": "c"}
        )
        # the group was replaced under another name, or the credentials expired
        e.add_client_error(
            "describe_nodegroup",
            service_error_code="ResourceNotFoundException",
            expected_params={"clusterName": "c", "nodegroupName": "system"},
        )
        e.add_client_error(
            "describe_addon",
            service_error_code="ExpiredTokenException",
            expected_params={"clusterName": "c", "addonName": "coredns"},
        )
        c.add_client_error("describe_alarms", service_error_code="Throttling")
        seen = observe(eks, cloudwatch, "c", ["system"], ["coredns"])
    assert seen.unread == (
        "node group system: ResourceNotFoundException",
        "add-on coredns: ExpiredTokenException",
        "the alarms: Throttling",
    )
    assert verdict(seen) == Verdict(
        "unhealthy",
        (
            "could not read node group system: ResourceNotFoundException",
            "could not read add-on coredns: ExpiredTokenException",
            "could not read the alarms: Throttling",
        ),
    )
