"""The policy tests' shared fixture: the compliant stack, with ids known (after `up`) and unknown
(at preview, where relationships resolve only through property dependencies)."""

from __future__ import annotations

import pytest

from tests.policy.fixtures import Stack, baseline_stack


@pytest.fixture(params=[False, True], ids=["known-ids", "unknown-ids"])
def stack(request: pytest.FixtureRequest) -> Stack:
    return baseline_stack(unknown_ids=request.param)
