"""The recorded answers (recorded/*.json: see each file's `about`) and what the tests build from
them: a replay server on 127.0.0.1 and the answers the asking layer gathers through it."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from preflight import ci_roles
from preflight.offline.runner import ROOT, run_program
from preflight.online.aws import Answers, Asker
from preflight.online.check import session_for
from preflight.online.replay import Recording, ReplayServer, endpoint_environment
from preflight.online.stack import StackPlan, plan_of

RECORDED = Path(__file__).with_name("recorded")
SCENARIOS = ("dev-new", "prod-deployed", "prod-upgrade")


@functools.cache
def _doc(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text())


def doc(name: str) -> dict[str, Any]:
    """A recording (a fresh copy: tests change answers in it)."""
    return copy.deepcopy(_doc(name))


def policies(stack: str, purpose: str = "deploy") -> list[dict]:
    """The role's generated policies (docs/ci/iam/): what the replayed IAM simulates against."""
    files = sorted((ROOT / "docs" / "ci" / "iam").glob(f"{stack}-{purpose}-policy-*.json"))
    return [json.loads(p.read_text()) for p in files]


def recording(document: dict[str, Any], purpose: str = "deploy") -> Recording:
    return Recording(document["calls"], policies(document["stack"], purpose))


def environ_of(document: dict[str, Any]) -> dict[str, str]:
    """The environment a workflow gives the check: the last deployment's record, if any."""
    record = document.get("deployed")
    return {"EKS_PLATFORM_DEPLOYED": json.dumps(record)} if record else {}


@contextmanager
def replaying(
    monkeypatch: pytest.MonkeyPatch, document: dict[str, Any], **extra: str
) -> Iterator[Recording]:
    """The recording served on 127.0.0.1, every client pointed at it by AWS_ENDPOINT_URL."""
    served = recording(document)
    with ReplayServer(served) as url:
        for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_DEFAULT_REGION", "AWS_REGION"):
            monkeypatch.delenv(key, raising=False)
        for key, value in {**endpoint_environment(url), **extra}.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        yield served


@functools.cache
def _planned(name: str) -> tuple[Any, StackPlan]:
    document = _doc(name)
    run = run_program(document["stack"], document.get("config"), deployed=document.get("deployed"))
    return run, plan_of(run)


def plan(name: str) -> StackPlan:
    return _planned(name)[1]


_GATHERED: dict[str, Answers] = {}


def answers(name: str, monkeypatch: pytest.MonkeyPatch) -> Answers:
    """What the asking layer gathers for a scenario through the replay server (a fresh copy)."""
    if name not in _GATHERED:
        run, planned = _planned(name)
        statements = ci_roles.statements(
            ci_roles.needed_actions(run, ci_roles.DEPLOY), planned.region
        )
        with replaying(monkeypatch, _doc(name)):
            asker = Asker(session_for(planned.region))
            gathered = asker.gather(planned, statements)
        assert asker.problems == [], asker.problems
        _GATHERED[name] = gathered
    return copy.deepcopy(_GATHERED[name])


def stubbed_session() -> boto3.Session:
    """A session in eu-west-1 with test credentials (botocore's Stubber never sends them)."""
    session = session_for("eu-west-1")
    session._session.set_credentials("AKIDTEST", "x")
    return session


def response(document: dict[str, Any], service: str, operation: str, **params: Any) -> dict:
    """The recorded answer of one call (the first of that operation when no params are given)."""
    for call in document["calls"]:
        if (call["service"], call["operation"]) == (service, operation) and (
            not params or all(call["params"].get(k) == v for k, v in params.items())
        ):
            return call
    raise KeyError(f"{service} {operation} {params}")


def blocked_upgrade() -> dict[str, Any]:
    """prod-upgrade with its deprecated-API insight at ERROR: the sample in docs/online.md."""
    recorded = doc("prod-upgrade")
    for call in recorded["calls"]:
        if call["operation"] == "DescribeInsight":
            call["response"]["insight"]["insightStatus"]["status"] = "ERROR"
        if call["operation"] == "ListInsights":
            call["response"]["insights"][1]["insightStatus"]["status"] = "ERROR"
    return recorded
