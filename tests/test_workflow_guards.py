"""What keeps a real run from failing halfway or reaching further than it should: AWS credentials
that outlast the steps they serve (within what the role allows), deploys queued rather than
cancelled, and pull-request code kept away from write-capable secrets and from the self-hosted
runners inside the stacks' networks."""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest

from tests.test_workflows import (
    AWS_ACTION,
    ROOT,
    RUNNING_JOB_IDS,
    job_of,
    strings,
    triggered_by_pull_requests,
    workflows,
)

CI_DOC = ROOT / "docs" / "ci.md"
# aws-actions/configure-aws-credentials at e6de0542 (v6.2.3, the pinned release), README,
# read 2026-12-06: role-duration-seconds "Defaults to 1 hour (3600 seconds). Acceptable values
# range from 15 minutes (900 seconds) to 12 hours (43200 seconds)."
ACTION_DEFAULT_SECONDS, ACTION_RANGE = 3600, (900, 43200)
# Secrets a pull request's workflow may read: read-only by how docs/ci.md step 6 has them made.
READ_ONLY_SECRETS = {"PULUMI_PREVIEW_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE"}


def sessions(job: dict[str, Any]) -> list[tuple[int, int]]:
    """(seconds the credentials last, minutes the steps they serve may take) per assumption:
    the steps up to the next assumption, each by its own timeout, or the job's when one has none
    (the job ends before its credentials could then)."""
    steps = job["steps"]
    starts = [i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith(AWS_ACTION)]
    found = []
    for number, start in enumerate(starts):
        served = steps[start + 1 : starts[number + 1] if number + 1 < len(starts) else None]
        limits = [s.get("timeout-minutes") for s in served]
        minutes = sum(limits) if all(limits) else job["timeout-minutes"]
        seconds = steps[start]["with"].get("role-duration-seconds", ACTION_DEFAULT_SECONDS)
        found.append((int(seconds), minutes))
    return found


def role_sessions() -> dict[str, int]:
    """The maximum session each role is created with in docs/ci.md step 3, by purpose."""
    declared = re.search(r"session=\(\[preview\]=(\d+) \[deploy\]=(\d+)\)", CI_DOC.read_text())
    assert declared, "docs/ci.md step 3 declares no session lengths"
    assert '--max-session-duration "${session[$purpose]}"' in CI_DOC.read_text()
    return {"preview": int(declared[1]), "deploy": int(declared[2])}


def test_the_roles_may_grant_what_the_workflows_ask_for() -> None:
    """IAM CreateRole MaxSessionDuration: 3600 to 43200 s, one hour when unset (botocore's IAM
    model, the API's own documentation)."""
    shape = (
        botocore.session.get_session()
        .get_service_model("iam")
        .shape_for("roleMaxSessionDurationType")
    )
    assert (shape.metadata["min"], shape.metadata["max"]) == (3600, 43200)
    for seconds in role_sessions().values():
        assert shape.metadata["min"] <= seconds <= shape.metadata["max"]


@pytest.mark.parametrize("key", RUNNING_JOB_IDS)
def test_credentials_outlast_the_steps_they_serve(key: str) -> None:
    job = job_of(key)
    purpose = "preview" if "AWS_PREVIEW_ROLE_ARN" in str(job) else "deploy"
    for seconds, minutes in sessions(job):
        assert ACTION_RANGE[0] <= seconds <= ACTION_RANGE[1], key
        assert minutes * 60 <= seconds, f"{key}: {minutes} min of steps on a {seconds} s session"
        assert seconds <= role_sessions()[purpose], f"{key}: the role grants less than {seconds}"


def test_the_fleet_s_gate_gets_fresh_credentials() -> None:
    found = sessions(job_of("fleet.yml:wave1"))
    assert len(found) == 2  # the update's, then the gate's


@pytest.mark.parametrize("key", RUNNING_JOB_IDS)
def test_a_group_that_never_cancels_queues_every_arrival(key: str) -> None:
    """Without `queue: max` a group keeps one pending job and cancels it for the next arrival
    (GitHub docs, "Control the concurrency of workflows and jobs"; "concurrency groups now allow
    larger queues", changelog 2026-05-07: `queue: max` with cancel-in-progress false)."""
    concurrency = job_of(key).get("concurrency")
    if isinstance(concurrency, dict) and concurrency.get("cancel-in-progress") is False:
        assert concurrency.get("queue") == "max", key


def test_pull_request_code_reads_no_write_capable_secret() -> None:
    for name, doc in workflows().items():
        if not triggered_by_pull_requests(doc):
            continue
        read = {m for _, v in strings(doc) for m in re.findall(r"\bsecrets\.(\w+)", v)}
        assert read <= READ_ONLY_SECRETS, f"{name} reads {sorted(read - READ_ONLY_SECRETS)}"


def test_pull_request_code_runs_on_github_hosted_runners_only() -> None:
    """A self-hosted deploy runner sits in a stack's network: only the deploy workflows reach
    it (docs/ci.md, Runners: a runner group restricted to them)."""
    for name, doc in workflows().items():
        if not triggered_by_pull_requests(doc):
            continue
        for job_id, job in doc["jobs"].items():
            assert job.get("runs-on") == "ubuntu-latest", f"{name}:{job_id}"
