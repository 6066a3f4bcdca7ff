"""The whole readiness check: the stack as it WILL be (the program run offline, with the last
deployment's record when EKS_PLATFORM_DEPLOYED holds it), what IS (AWS, read-only, asked
concurrently), each check over both, one verdict."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

import boto3
import botocore.session
from botocore.exceptions import BotoCoreError, NoCredentialsError
from botocore.loaders import create_loader

from components.stack.guard import handed_in_record
from preflight import ci_roles
from preflight.offline.runner import run_program
from preflight.online.addons import check_addons
from preflight.online.aws import Answers, Asker
from preflight.online.capacity import check_capacity
from preflight.online.errors import reason
from preflight.online.findings import Finding, Report, dedupe
from preflight.online.identity import check_identity, check_zones
from preflight.online.network import check_network
from preflight.online.quotas import check_quotas
from preflight.online.stack import StackPlan, plan_of
from preflight.online.versions import check_kubernetes, check_upgrade

Check = Callable[[StackPlan, Answers], tuple[list[Finding], str]]


def checks(purpose: str, existing_vpc: bool = False) -> list[tuple[str, tuple[str, ...], Check]]:
    """Each check with the answers it needs (a check whose answers are missing is not run); the
    network check only for a cluster in an existing VPC (the stack's own VPC is the pack's)."""
    network = [("network", ("flow_logs", "subnets", "endpoints"), check_network)]
    return [
        ("add-ons", ("addon_versions", "addon_schemas", "cluster"), check_addons),
        ("kubernetes", ("cluster_versions", "cluster"), check_kubernetes),
        ("upgrade", ("cluster", "insights", "nodegroups", "installed_addons"), check_upgrade),
        ("capacity", ("instance_types", "offerings", "ami", "subnets"), check_capacity),
        (
            "quotas",
            ("quotas", "vpcs", "addresses", "nat_gateways", "endpoints", "clusters"),
            check_quotas,
        ),
        ("zones", ("zones", "subnets"), check_zones),
        *(network if existing_vpc else []),
        ("identity", ("caller",), partial(check_identity, purpose=purpose)),
    ]


# botocore's service models and endpoint rules, read once per process: a session made later (the
# next stack of a benchmark, a test) reuses them. Credentials and settings stay per session.
MODELS = create_loader()


def session_for(region: str) -> boto3.Session:
    """A session in the stack's region with the standard credential chain and settings."""
    core = botocore.session.get_session()
    core.register_component("data_loader", MODELS)
    return boto3.Session(botocore_session=core, region_name=region)


def online_report(
    stack: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    purpose: str = "deploy",
    session: boto3.Session | None = None,
    environ: Mapping[str, str] = os.environ,
    workers: int = 16,
) -> Report:
    """The readiness of `stack` against the account `session` reaches (default: the standard
    credential chain, in the stack's region). `purpose`: whose permissions to simulate, the
    deployer's (`deploy`) or the preview role's (`preview`)."""
    started = time.perf_counter()
    run = run_program(stack, overrides, deployed=handed_in_record(environ))
    plan = plan_of(run)
    report = Report(stack, plan.region)
    try:
        session = session or session_for(plan.region)
        if session.get_credentials() is None:
            raise NoCredentialsError()
    except BotoCoreError as error:  # also a profile that does not exist, an expired SSO login
        report.could_not_check.append(reason("credentials", error))
        report.seconds = time.perf_counter() - started
        return report
    role = ci_roles.DEPLOY if purpose == "deploy" else ci_roles.PREVIEW
    try:
        statements = ci_roles.statements(ci_roles.needed_actions(run, role), plan.region)
    except ci_roles.UnmappedError as unmapped:  # what the stack needs is not known: not simulated
        report.could_not_check.append(f"iam SimulatePrincipalPolicy: {unmapped}")
        statements = []
    asker = Asker(session, workers)
    answers = asker.gather(plan, statements)
    report.could_not_check += dedupe(asker.problems)
    if answers.caller:
        report.caller, report.account = answers.caller["Arn"], answers.caller["Account"]
    for name, needs, check in checks(purpose, bool(plan.existing_vpc)):
        missing = [n for n in needs if getattr(answers, n) is None]
        if missing:
            report.checked.append(f"{name}: not checked (no answer for {', '.join(missing)})")
            continue
        findings, summary = check(plan, answers)
        report.findings += findings
        report.checked.append(summary)
    report.calls = asker.calls
    report.seconds = time.perf_counter() - started
    return report
