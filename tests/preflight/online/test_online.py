"""`python -m preflight --stack S --online` end to end, through the real client stack (signing,
serialization, botocore's retries with backoff, parsing) against recorded answers served on
127.0.0.1, every client pointed there by AWS_ENDPOINT_URL: each verdict and its exit status."""

from __future__ import annotations

import json
import re

from preflight.__main__ import main
from preflight.offline.runner import ROOT
from preflight.online.replay import Recording, ReplayServer
from tests.preflight.online.support import blocked_upgrade, doc, policies, replaying, response


def online(capsys, *args: str) -> tuple[int, str]:
    status = main(["--online", *args])
    return status, capsys.readouterr().out


def test_a_ready_stack_exits_0_having_asked_every_question_once(monkeypatch, capsys):
    with replaying(monkeypatch, doc("dev-new")) as served:
        status, out = online(capsys, "--stack", "dev", "--json")
    data = json.loads(out)
    assert (status, data["verdict"], data["exitStatus"]) == (0, "ready", 0)
    assert data["caller"].endswith(":assumed-role/eks-platform-dev-deploy/github-actions")
    assert data["blockers"] == data["couldNotCheck"] == []
    assert len(data["checked"]) == 7 and data["calls"] == sum(served.served.values())
    recorded = {f"{c['service']} {c['operation']}" for c in doc("dev-new")["calls"]}
    assert set(served.served) == recorded | {"iam SimulatePrincipalPolicy"}


SAMPLE = re.compile(r"<!-- online:sample -->\n```text\n(.*?)```\n<!-- /online:sample -->", re.S)


def seconds_masked(text: str) -> str:
    return re.sub(r"calls in \d+\.\d s\)", "calls in N s)", text)


def test_an_upgrade_with_an_error_insight_is_blocked_exit_1_as_docs_online_shows(
    monkeypatch, capsys
):
    recorded = blocked_upgrade()
    monkeypatch.setenv("EKS_PLATFORM_DEPLOYED", json.dumps(recorded["deployed"]))
    with replaying(monkeypatch, recorded):
        status, out = online(capsys, "--stack", "prod", "--config", "kubernetesVersion=1.36")
    assert status == 1
    assert out.splitlines()[0].endswith(": BLOCKED")
    assert "[upgrade] EKS upgrade insight 'Deprecated APIs removed in Kubernetes v1.36'" in out
    assert "cluster.forceUpgrade: true for this one `pulumi up`" in out
    pasted = SAMPLE.search((ROOT / "docs" / "online.md").read_text())
    assert pasted, "docs/online.md lacks the <!-- online:sample --> block"
    assert seconds_masked(pasted.group(1)) == seconds_masked(out), (
        "paste this run's output into docs/online.md"
    )


def test_a_throttled_call_is_retried_with_backoff_and_then_answered(monkeypatch, capsys):
    recorded = doc("dev-new")
    call = response(recorded, "eks", "DescribeClusterVersions")
    call |= {"failFirst": 1, "error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}
    with replaying(monkeypatch, recorded, AWS_MAX_ATTEMPTS="3") as served:
        status, _ = online(capsys, "--stack", "dev")
    assert status == 0 and served.served["eks DescribeClusterVersions"] == 2


def test_throttled_after_every_attempt_is_could_not_check_exit_2(monkeypatch, capsys):
    recorded = doc("dev-new")
    call = response(recorded, "ec2", "DescribeAvailabilityZones")
    call |= {"failFirst": 99, "error": {"Code": "RequestLimitExceeded", "Message": "slow down"}}
    with replaying(monkeypatch, recorded, AWS_MAX_ATTEMPTS="2") as served:
        status, out = online(capsys, "--stack", "dev")
    assert status == 2 and served.served["ec2 DescribeAvailabilityZones"] == 2
    assert out.splitlines()[0].endswith(": COULD NOT CHECK")
    assert (
        "ec2 DescribeAvailabilityZones: throttled (RequestLimitExceeded) after 2 attempt(s)" in out
    )
    assert "zones: not checked (no answer for zones)" in out


def test_access_denied_is_could_not_check_and_names_the_call(monkeypatch, capsys):
    recorded = doc("dev-new")
    for call in recorded["calls"]:
        if call["operation"] == "GetServiceQuota":
            call.pop("response")
            call["error"] = {"Code": "AccessDeniedException", "Message": "not authorized"}
    with replaying(monkeypatch, recorded):
        status, out = online(capsys, "--stack", "dev", "--json")
    data = json.loads(out)
    assert (status, data["verdict"]) == (2, "could-not-check")
    assert data["couldNotCheck"] == [
        "service-quotas GetServiceQuota: access denied (AccessDeniedException): the caller needs "
        "it (docs/online.md)"
    ]
    assert "quotas: not checked (no answer for quotas)" in data["checked"]


def test_the_deployer_lacking_an_action_is_blocked_the_preview_role_simulated_as_itself(
    monkeypatch, capsys
):
    recorded = doc("dev-new")
    with replaying(monkeypatch, recorded) as served:
        for policy in served.policies:
            for statement in policy["Statement"]:
                if "eks:CreateCluster" in statement["Action"]:
                    statement["Action"].remove("eks:CreateCluster")
        status, out = online(capsys, "--stack", "dev")
    assert status == 1 and "may not (implicitDeny) 1 action(s) `pulumi up` needs" in out
    assert "eks:CreateCluster" in out
    with replaying(monkeypatch, recorded) as served:
        served.policies[:] = policies("dev", "preview")
        status, out = online(capsys, "--stack", "dev", "--role", "preview")
    assert status == 0 and "`pulumi preview` needs simulated, 0 refused" in out


def test_a_service_s_own_endpoint_variable_wins_over_the_shared_one(monkeypatch, capsys):
    recorded = doc("dev-new")
    eks = Recording([c for c in recorded["calls"] if c["service"] == "eks"])
    with (
        ReplayServer(eks) as eks_url,
        replaying(monkeypatch, recorded, AWS_ENDPOINT_URL_EKS=eks_url) as rest,
    ):
        status, _ = online(capsys, "--stack", "dev")
    assert status == 0
    assert {k.split()[0] for k in eks.served} == {"eks"}
    assert "eks" not in {k.split()[0] for k in rest.served}


def test_online_and_against_are_one_at_a_time(capsys):
    try:
        main(["--stack", "dev", "--online", "--against", "HEAD"])
    except SystemExit as exit_:
        assert exit_.code == 2
    assert "--against and --online: one at a time" in capsys.readouterr().err
