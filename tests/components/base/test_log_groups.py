"""Every log group the stack creates: encrypted, the stack's retention, protected against
replacement, and kept after `pulumi destroy` only where the stack decides so."""

from __future__ import annotations

import pytest

from components.stack.settings import load_settings
from tests.programs import EVERY_OPTION, program

LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
# What a destroy leaves behind, per stack: prod keeps its audit trail; dev's goes with it, so
# destroying dev and running `pulumi up` again never meets ResourceAlreadyExistsException.
RETAINED_AFTER_DESTROY = {"dev": False, "prod": True}


@pytest.mark.parametrize("stack", sorted(RETAINED_AFTER_DESTROY))
def test_the_stack_decides_what_a_destroy_keeps(stack):
    run = program(stack, EVERY_OPTION if stack == "prod" else None)
    groups = run.of_type(LOG_GROUP)
    names = {g.inputs["name"].rsplit("/", 1)[-1] for g in groups}
    assert {"cluster", "application", "dataplane", "host", "performance"} <= names
    for group in groups:
        assert group.protect, group.name  # a replacement still fails instead of deleting logs
        assert group.retain_on_delete is RETAINED_AFTER_DESTROY[stack], group.name
        assert group.inputs["kmsKeyId"]
        assert group.inputs["retentionInDays"] == run.config["eks-platform:logRetentionDays"]
    # Keys follow the log groups: kept with them, else scheduled for deletion with the stack.
    for key in run.of_type("aws:kms/key:Key"):
        assert key.protect and key.retain_on_delete is RETAINED_AFTER_DESTROY[stack], key.name
    # ... and a kept key keeps the alias it is found by.
    for alias in run.of_type("aws:kms/alias:Alias"):
        assert alias.retain_on_delete is RETAINED_AFTER_DESTROY[stack], alias.name


def test_log_groups_are_retained_unless_a_stack_says_otherwise():
    assert load_settings({"owner": "t"}, "any").retain_logs_on_destroy is True
    assert (
        load_settings({"owner": "t", "retainLogsOnDestroy": "false"}, "any").retain_logs_on_destroy
        is False
    )
