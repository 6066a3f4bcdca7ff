"""Shared fixtures: the program run for each stack against the mocked cloud, once per session."""

from __future__ import annotations

import pytest

from preflight.ci_stacks import stacks
from preflight.offline.runner import ProgramRun
from tests.programs import program


@pytest.fixture(scope="session")
def dev() -> ProgramRun:
    return program("dev")


@pytest.fixture(scope="session")
def prod() -> ProgramRun:
    return program("prod")


@pytest.fixture(scope="session", params=stacks())
def stack_run(request: pytest.FixtureRequest) -> ProgramRun:
    """Each of the repository's stacks (one per Pulumi.<stack>.yaml)."""
    return program(request.param)


@pytest.fixture(scope="session")
def auto() -> ProgramRun:
    """dev in EKS Auto Mode."""
    return program("dev", {"compute": {"mode": "auto", "nodeGroups": None}})
