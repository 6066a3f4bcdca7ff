"""eks_policies/kms_logs.py: key rotation, key policies, deletion window, log retention and keys."""

from __future__ import annotations

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import (
    ACCOUNT_ROOT_STATEMENT,
    KMS_KEY,
    LOG_GROUP,
    document,
)
from tests.policy.runner import (
    ABSENT,
    UNKNOWN_BOOL,
    UNKNOWN_NUMBER,
    UNKNOWN_STR,
    changed,
    expect,
    expect_unknown,
    run,
)

# ---------------------------------------------------------------------- KMS


def test_compliant_key_passes_every_kms_policy() -> None:
    for policy in ("kms-key-rotation", "kms-key-policy-safe", "kms-key-deletion-window"):
        expect(run(policy, t.KMS_KEY, KMS_KEY))


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"enableKeyRotation": False}, "enableKeyRotation is false"),
        ({"enableKeyRotation": ABSENT}, "enableKeyRotation is absent (AWS default: false)"),
        ({"enableKeyRotation": UNKNOWN_BOOL}, "enableKeyRotation is unknown"),
        ({"rotationPeriodInDays": 730}, "rotationPeriodInDays is 730"),
    ],
)
def test_key_rotation_violations(changes: dict, fragment: str) -> None:
    violations = run("kms-key-rotation", t.KMS_KEY, changed(KMS_KEY, **changes))
    expect(violations, fragment)
    assert violations[0].level == "mandatory"


def test_asymmetric_keys_cannot_rotate_and_are_skipped() -> None:
    props = changed(
        KMS_KEY, enableKeyRotation=ABSENT, customerMasterKeySpec="RSA_2048", keyUsage="SIGN_VERIFY"
    )
    expect(run("kms-key-rotation", t.KMS_KEY, props))


def wildcard(**extra: object) -> dict:
    return {
        "Sid": "Anyone",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        **extra,
    }


@pytest.mark.parametrize(
    ("statement", "fragment"),
    [
        (wildcard(), "statement 'Anyone' allows principal \"*\" without a Condition"),
        (wildcard(Principal={"AWS": "*"}), 'allows principal "*"'),
        (
            wildcard(Principal={"AWS": ["arn:aws:iam::111122223333:root", "*"]}),
            'allows principal "*"',
        ),
        (
            {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::1:root"}, "Action": "kms:*"},
            "statement #2",
        ),
    ],
)
def test_key_policy_wildcard_principal(statement: dict, fragment: str) -> None:
    props = changed(KMS_KEY, policy=document(ACCOUNT_ROOT_STATEMENT, statement))
    expect(run("kms-key-policy-safe", t.KMS_KEY, props), fragment)


def test_key_policy_conditioned_wildcard_deny_and_absent_policy_pass() -> None:
    conditioned = wildcard(Condition={"StringEquals": {"kms:CallerAccount": "111122223333"}})
    expect(run("kms-key-policy-safe", t.KMS_KEY, changed(KMS_KEY, policy=document(conditioned))))
    expect(
        run(
            "kms-key-policy-safe",
            t.KMS_KEY,
            changed(KMS_KEY, policy=document(wildcard(Effect="Deny"))),
        )
    )
    expect(run("kms-key-policy-safe", t.KMS_KEY, changed(KMS_KEY, policy=ABSENT)))


def test_key_policy_lockout_check_bypass() -> None:
    expect(
        run(
            "kms-key-policy-safe", t.KMS_KEY, changed(KMS_KEY, bypassPolicyLockoutSafetyCheck=True)
        ),
        "bypassPolicyLockoutSafetyCheck is true",
    )
    expect(
        run(
            "kms-key-policy-safe",
            t.KMS_KEY,
            changed(KMS_KEY, bypassPolicyLockoutSafetyCheck=UNKNOWN_BOOL),
        ),
        "bypassPolicyLockoutSafetyCheck is unknown",
    )


def test_key_policy_unknown_document_is_the_analyzer_advisory_and_bad_json_a_violation() -> None:
    expect_unknown(
        run("kms-key-policy-safe", t.KMS_KEY, changed(KMS_KEY, policy=UNKNOWN_STR)), "policy"
    )
    # What is certain is still reported when the document itself is unknown.
    both = changed(KMS_KEY, policy=UNKNOWN_STR, bypassPolicyLockoutSafetyCheck=True)
    expect(run("kms-key-policy-safe", t.KMS_KEY, both), "bypassPolicyLockoutSafetyCheck is true")
    expect(
        run("kms-key-policy-safe", t.KMS_KEY, changed(KMS_KEY, policy="{not json")),
        "policy is not valid JSON",
    )


def test_deletion_window() -> None:
    expect(
        run("kms-key-deletion-window", t.KMS_KEY, changed(KMS_KEY, deletionWindowInDays=ABSENT))
    )  # AWS: 30
    expect(run("kms-key-deletion-window", t.KMS_KEY, changed(KMS_KEY, deletionWindowInDays=7)))
    short = changed(KMS_KEY, deletionWindowInDays=7)
    violations = run("kms-key-deletion-window", t.KMS_KEY, short, {"minDeletionWindowDays": 30})
    expect(violations, "deletionWindowInDays is 7: keep at least 30 days")
    assert violations[0].level == "advisory"
    expect(
        run(
            "kms-key-deletion-window",
            t.KMS_KEY,
            changed(KMS_KEY, deletionWindowInDays=UNKNOWN_NUMBER),
        ),
        "unknown",
    )


# ---------------------------------------------------------------------- log groups


@pytest.mark.parametrize(
    ("retention", "settings", "fragment"),
    [
        (30, None, "retentionInDays is 30: keep logs at least 90 days"),
        (ABSENT, None, "retentionInDays is not set: the logs never expire"),
        (0, None, "never expire"),
        (90, {"minRetentionDays": 365}, "keep logs at least 365 days"),
        (UNKNOWN_NUMBER, None, "retentionInDays is unknown"),
    ],
)
def test_log_retention_violations(retention: object, settings: dict | None, fragment: str) -> None:
    violations = run(
        "log-group-retention", t.LOG_GROUP, changed(LOG_GROUP, retentionInDays=retention), settings
    )
    expect(violations, fragment)
    assert violations[0].level == "mandatory"


def test_log_retention_passes_at_the_minimum() -> None:
    expect(run("log-group-retention", t.LOG_GROUP, LOG_GROUP))
    expect(
        run(
            "log-group-retention",
            t.LOG_GROUP,
            changed(LOG_GROUP, retentionInDays=30),
            {"minRetentionDays": 30},
        )
    )


def test_log_group_kms_key_presence() -> None:
    expect(run("log-group-kms", t.LOG_GROUP, LOG_GROUP))
    expect(
        run("log-group-kms", t.LOG_GROUP, changed(LOG_GROUP, kmsKeyId=UNKNOWN_STR))
    )  # same-stack key
    violations = run("log-group-kms", t.LOG_GROUP, changed(LOG_GROUP, kmsKeyId=ABSENT))
    expect(violations, "kmsKeyId is not set")
    assert violations[0].level == "advisory"
