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
    expect_unknown(
        run(
            "kms-key-policy-safe",
            t.KMS_KEY,
            changed(KMS_KEY, bypassPolicyLockoutSafetyCheck=UNKNOWN_BOOL),
        ),
        "bypassPolicyLockoutSafetyCheck",
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
    expect_unknown(
        run(
            "kms-key-deletion-window",
            t.KMS_KEY,
            changed(KMS_KEY, deletionWindowInDays=UNKNOWN_NUMBER),
        ),
        "deletionWindowInDays",
    )


# ---------------------------------------------------------------------- log groups


@pytest.mark.parametrize(
    ("retention", "settings", "fragment"),
    [
        (30, None, "retentionInDays is 30: keep logs at least 90 days"),
        (ABSENT, None, "retentionInDays is not set: the logs never expire"),
        (0, None, "never expire"),
        (90, {"minRetentionDays": 365}, "keep logs at least 365 days"),
    ],
)
def test_log_retention_violations(retention: object, settings: dict | None, fragment: str) -> None:
    violations = run(
        "log-group-retention", t.LOG_GROUP, changed(LOG_GROUP, retentionInDays=retention), settings
    )
    expect(violations, fragment)
    assert violations[0].level == "mandatory"


@pytest.mark.parametrize(
    ("policy", "resource_type", "props", "path"),
    [
        ("kms-key-rotation", t.KMS_KEY, {"enableKeyRotation": UNKNOWN_BOOL}, "enableKeyRotation"),
        (
            "kms-key-rotation",
            t.KMS_KEY,
            {"rotationPeriodInDays": UNKNOWN_NUMBER},
            "rotationPeriodInDays",
        ),
        (
            "kms-key-rotation",
            t.KMS_KEY,
            {"customerMasterKeySpec": UNKNOWN_STR},
            "customerMasterKeySpec",
        ),
        (
            "log-group-retention",
            t.LOG_GROUP,
            {"retentionInDays": UNKNOWN_NUMBER},
            "retentionInDays",
        ),
    ],
)
def test_unknown_settings_are_decided_at_up(
    policy: str, resource_type: str, props: dict, path: str
) -> None:
    compliant = KMS_KEY if resource_type == t.KMS_KEY else LOG_GROUP
    expect_unknown(run(policy, resource_type, {**compliant, **props}), path)


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


# ---------------------------------------------------------------------- SNS and SQS at rest


class TestTopicEncrypted:
    def test_key_set_or_from_another_resource_passes(self) -> None:
        expect(run("sns-topic-encrypted", t.SNS_TOPIC, {"kmsMasterKeyId": "arn:aws:kms:k"}))
        expect(run("sns-topic-encrypted", t.SNS_TOPIC, {"kmsMasterKeyId": UNKNOWN_STR}))

    @pytest.mark.parametrize("key", [ABSENT, "", None])
    def test_unencrypted_topic(self, key: object) -> None:
        props = changed({"displayName": "alarms"}, kmsMasterKeyId=key)
        violations = run("sns-topic-encrypted", t.SNS_TOPIC, props)
        expect(violations, "kmsMasterKeyId is not set")
        assert violations[0].level == "advisory"


class TestQueueEncrypted:
    @pytest.mark.parametrize(
        "props",
        [
            {},  # SSE-SQS is on by default for new queues
            {"sqsManagedSseEnabled": True},
            {"sqsManagedSseEnabled": "true"},
            {"sqsManagedSseEnabled": False, "kmsMasterKeyId": "alias/queue"},
            {"kmsMasterKeyId": UNKNOWN_STR},
        ],
    )
    def test_encrypted_queues_pass(self, props: dict) -> None:
        expect(run("sqs-queue-encrypted", t.SQS_QUEUE, props))

    @pytest.mark.parametrize("managed", [False, "false", 0])
    def test_sse_switched_off_without_a_key(self, managed: object) -> None:
        violations = run("sqs-queue-encrypted", t.SQS_QUEUE, {"sqsManagedSseEnabled": managed})
        expect(violations, "stored unencrypted")
        assert violations[0].level == "advisory"

    def test_unknown_is_decided_at_up(self) -> None:
        props = {"sqsManagedSseEnabled": UNKNOWN_BOOL}
        expect_unknown(run("sqs-queue-encrypted", t.SQS_QUEUE, props), "sqsManagedSseEnabled")


PUBLIC = "resource-policy-not-public"
RESOURCE_POLICY_TYPES = [t.SQS_QUEUE, t.SQS_QUEUE_POLICY, t.SNS_TOPIC, t.SNS_TOPIC_POLICY]
EVENTS_TO_QUEUE = {
    "Effect": "Allow",
    "Principal": {"Service": "events.amazonaws.com"},
    "Action": "sqs:SendMessage",
    "Resource": "arn:aws:sqs:eu-west-1:1:q",
}


@pytest.mark.parametrize("resource_type", RESOURCE_POLICY_TYPES)
class TestResourcePolicyNotPublic:
    def test_named_principals_or_conditioned_star_pass(self, resource_type: str) -> None:
        expect(run(PUBLIC, resource_type, {"policy": document(EVENTS_TO_QUEUE)}))
        scoped = {
            **EVENTS_TO_QUEUE,
            "Principal": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:events:eu-west-1:1:rule/r"}},
        }
        expect(run(PUBLIC, resource_type, {"policy": document(scoped)}))
        expect(run(PUBLIC, resource_type, {"name": "absent: owner only"}))

    @pytest.mark.parametrize("principal", ["*", ["*"], {"AWS": "*"}, {"AWS": ["1", "*"]}])
    def test_unconditioned_star_is_mandatory(self, resource_type: str, principal: object) -> None:
        statement = {**EVENTS_TO_QUEUE, "Principal": principal}
        violations = run(PUBLIC, resource_type, {"policy": document(statement)})
        expect(violations, 'allows principal "*" without a Condition that narrows it')
        assert violations[0].level == "mandatory"

    @pytest.mark.parametrize(
        "condition",
        [
            {"StringLike": {"aws:SourceArn": "*"}},
            {"Bool": {"aws:SecureTransport": "true"}},
            {"StringEqualsIfExists": {"aws:SourceAccount": "111122223333"}},
            {"ArnLike": {"aws:SourceArn": "arn:aws:events:*"}},
        ],
    )
    def test_a_condition_that_narrows_nothing_is_mandatory(
        self, resource_type: str, condition: dict
    ) -> None:
        statement = {**EVENTS_TO_QUEUE, "Principal": "*", "Condition": condition}
        violations = run(PUBLIC, resource_type, {"policy": document(statement)})
        expect(violations, "without a Condition that narrows it")
        assert violations[0].level == "mandatory"

    def test_unknown_document_is_decided_at_up(self, resource_type: str) -> None:
        expect_unknown(run(PUBLIC, resource_type, {"policy": UNKNOWN_STR}), "policy")
