"""The asking layer with botocore's Stubber (each request and answer checked against the service
model): the calls each chain makes and what it keeps, AWS's refusals (not found, access denied,
throttled, bad or missing credentials) turned into one line each, and clients created the normal
way, so AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> and the retry settings apply."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.stub import Stubber

from preflight.online.aws import Answers, Asker
from preflight.online.check import online_report
from preflight.online.errors import reason
from tests.preflight.online.support import doc, plan, response, stubbed_session


@pytest.fixture
def asker():
    """An asker whose fan-out runs one call at a time, in order (Stubber answers in order)."""
    made = Asker(stubbed_session(), workers=1)
    with ThreadPoolExecutor(1) as made.pool:
        yield made


def stub(asker: Asker, service: str, calls: list[dict]) -> Stubber:
    client = asker.clients[service]
    names = {v: k for k, v in client.meta.method_to_api_mapping.items()}
    stubber = Stubber(client)
    for call in calls:
        if "error" in call:
            stubber.add_client_error(
                names[call["operation"]],
                service_error_code=call["error"]["Code"],
                service_message=call["error"]["Message"],
                expected_params=call["params"],
            )
        else:
            stubber.add_response(names[call["operation"]], call["response"], call["params"])
    stubber.activate()
    return stubber


def test_a_cluster_that_upgrades_is_described_with_its_groups_addons_and_insights(asker):
    recorded = doc("prod-upgrade")
    eks = [c for c in recorded["calls"] if c["service"] == "eks"]
    order = ["DescribeCluster", "ListNodegroups", "ListAddons", "ListInsights", "DescribeNodegroup"]
    order += ["DescribeAddon", "DescribeInsight"]
    stubber = stub(asker, "eks", [c for o in order for c in eks if c["operation"] == o])
    answers = Answers()
    asker._cluster(plan("prod-upgrade"), answers)
    stubber.assert_no_pending_responses()
    assert answers.cluster["version"] == "1.35"
    assert [g["version"] for g in answers.nodegroups] == ["1.35", "1.35"]
    assert len(answers.installed_addons) == 8
    assert [i["insightStatus"]["status"] for i in answers.insights] == ["PASSING", "WARNING"]
    assert "recommendation" in answers.insights[1]  # described, the passing one only listed
    assert asker.calls == 15  # 4 lists and reads, 2 groups, 8 add-ons, 1 insight not passing


def test_no_cluster_is_a_new_stack_not_a_failure(asker):
    stubber = stub(asker, "eks", [response(doc("dev-new"), "eks", "DescribeCluster")])
    answers = Answers()
    asker._cluster(plan("dev-new"), answers)
    stubber.assert_no_pending_responses()
    assert (answers.cluster, answers.nodegroups, answers.insights) == ({}, [], [])


def test_a_quota_without_an_applied_value_falls_back_to_aws_s_default(asker):
    params = {"ServiceCode": "vpc", "QuotaCode": "L-F678F1CE"}
    stubber = Stubber(asker.clients["service-quotas"])
    stubber.add_client_error("get_service_quota", "NoSuchResourceException", "none", 400, params)
    quota = {"QuotaName": "VPCs per Region", "Value": 5.0, **params}
    stubber.add_response("get_aws_default_service_quota", {"Quota": quota}, params)
    with stubber:
        assert asker._quota("vpcs")["Value"] == 5.0


def test_a_configuration_schema_for_a_version_eks_lacks_is_none(asker):
    params = {"addonName": "coredns", "addonVersion": "v9.9.9-eksbuild.1"}
    stubber = Stubber(asker.clients["eks"])
    stubber.add_client_error(
        "describe_addon_configuration", "InvalidParameterException", "no such version", 400, params
    )
    with stubber:
        assert asker._schema("coredns", "v9.9.9-eksbuild.1") is None


def test_a_caller_that_may_not_read_its_role_gets_a_note_not_a_failure(asker):
    recorded = doc("dev-new")
    stub(asker, "sts", [response(recorded, "sts", "GetCallerIdentity")])
    stubber = Stubber(asker.clients["iam"])
    stubber.add_client_error(
        "get_role",
        "AccessDenied",
        "not authorized to perform: iam:GetRole",
        403,
        {"RoleName": "eks-platform-dev-deploy"},
    )
    answers = Answers()
    with stubber:
        asker._identity(
            plan("dev-new"), [{"Action": ["eks:DescribeCluster"], "Resource": "*"}], answers
        )
    assert answers.simulation is None and answers.caller["Account"] == "111122223333"
    assert "may not simulate its own permissions" in answers.notes[0]


def test_the_account_s_root_user_is_not_simulated(asker):
    root = {
        "UserId": "111122223333",
        "Account": "111122223333",
        "Arn": "arn:aws:iam::111122223333:root",
    }
    stubber = Stubber(asker.clients["sts"])
    stubber.add_response("get_caller_identity", root, {})
    answers = Answers()
    with stubber:
        asker._identity(
            plan("dev-new"), [{"Action": ["eks:DescribeCluster"], "Resource": "*"}], answers
        )
    assert answers.simulation is None and "root user" in answers.notes[0]


def error(code: str, message: str = "m", attempts: int = 0) -> ClientError:
    meta = {"RetryAttempts": attempts}
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": meta}, "Op"
    )


def test_each_refusal_is_one_line_saying_why() -> None:
    assert reason("eks ListClusters", error("AccessDeniedException")) == (
        "eks ListClusters: access denied (AccessDeniedException): the caller needs it "
        "(docs/online.md)"
    )
    assert reason("ec2 DescribeVpcs", error("UnauthorizedOperation")).startswith(
        "ec2 DescribeVpcs: access denied"
    )
    assert reason("ec2 DescribeVpcs", error("RequestLimitExceeded", attempts=2)) == (
        "ec2 DescribeVpcs: throttled (RequestLimitExceeded) after 3 attempt(s) with backoff"
    )
    assert "refused the credentials (ExpiredToken" in reason("sts", error("ExpiredToken"))
    assert reason("x", NoCredentialsError()).startswith("no AWS credentials")
    assert reason("eks X", error("ServerException", "boom")) == "eks X: ServerException: boom"


def test_no_credentials_is_could_not_check_before_any_call(monkeypatch) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    report = online_report("dev", environ={})
    assert report.status == 2 and report.calls == 0
    assert report.could_not_check == [
        "no AWS credentials (aws configure sso / aws sso login, or AWS_PROFILE)"
    ]


def test_clients_take_their_endpoints_and_retries_from_the_standard_settings(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8001")
    monkeypatch.setenv("AWS_ENDPOINT_URL_EKS", "http://127.0.0.1:8002")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SERVICE_QUOTAS", "http://127.0.0.1:8003")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    made = Asker(stubbed_session())
    endpoints = {s: c.meta.endpoint_url for s, c in made.clients.items()}
    assert endpoints == {
        "sts": "http://127.0.0.1:8001",
        "eks": "http://127.0.0.1:8002",
        "ec2": "http://127.0.0.1:8001",
        "ssm": "http://127.0.0.1:8001",
        "service-quotas": "http://127.0.0.1:8003",
        "iam": "http://127.0.0.1:8001",
    }
    retries = made.clients["eks"].meta.config.retries
    assert retries == {"total_max_attempts": 7, "mode": "standard"}


def test_a_failure_is_named_by_the_call_that_failed_not_its_chain(asker) -> None:
    failed = ClientError({"Error": {"Code": "Throttling"}}, "SimulatePrincipalPolicy")
    chain = "sts GetCallerIdentity, iam SimulatePrincipalPolicy"
    assert asker._label(chain, failed) == "iam SimulatePrincipalPolicy"
    failed = ClientError({"Error": {"Code": "AccessDenied"}}, "DescribeVpcEndpoints")
    assert asker._label("ec2 DescribeVpcs, DescribeVpcEndpoints", failed) == (
        "ec2 DescribeVpcEndpoints"
    )
    assert asker._label("eks DescribeCluster", RuntimeError("boom")) == "eks DescribeCluster"


def test_a_profile_that_does_not_exist_is_could_not_check(monkeypatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    report = online_report("dev", environ={})
    assert report.status == 2 and report.calls == 0
    [line] = report.could_not_check
    assert line.startswith("credentials: ") and "no-such-profile" in line
