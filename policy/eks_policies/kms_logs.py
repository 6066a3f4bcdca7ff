"""KMS key and CloudWatch log group policies, and encryption at rest of SNS topics and SQS queues."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from . import _documents as doc
from . import _types as t
from ._policy import BaselineResourcePolicy, Benchmarks, Config, setting
from ._props import (
    UNKNOWN,
    Props,
    describe,
    fmt_number,
    get,
    has_value,
    parse_json,
    to_bool,
    to_number,
    undecided,
)

SYMMETRIC_SPEC = "SYMMETRIC_DEFAULT"
AWS_DEFAULT_DELETION_WINDOW_DAYS = 30


# ------------------------------------------------------------------ kms-key-rotation


def check_key_rotation(props: Props, config: Config) -> list[str]:
    spec = get(props, "customerMasterKeySpec", default=SYMMETRIC_SPEC)
    if spec is UNKNOWN:
        return [undecided("customerMasterKeySpec")]
    if spec != SYMMETRIC_SPEC:
        return []  # KMS rotates only symmetric encryption keys
    problems = []
    raw = get(props, "enableKeyRotation")
    rotation = to_bool(raw, default=False)
    if rotation is UNKNOWN:
        problems.append(undecided("enableKeyRotation"))
    elif rotation is not True:
        shown = "absent (AWS default: false)" if raw is None else describe(raw)
        problems.append(f"enableKeyRotation is {shown}: the key material never rotates")
    period = to_number(get(props, "rotationPeriodInDays"))
    maximum = to_number(config["maxRotationPeriodDays"])
    if period is UNKNOWN:
        problems.append(undecided("rotationPeriodInDays"))
    elif period is not None and maximum is not None and period > maximum:
        problems.append(
            f"rotationPeriodInDays is {fmt_number(period)}: rotate at least every {fmt_number(maximum)} days"
        )
    return problems


KMS_KEY_ROTATION = BaselineResourcePolicy(
    name="kms-key-rotation",
    summary="KMS keys rotate automatically",
    level=EnforcementLevel.MANDATORY,
    checks={t.KMS_KEY: check_key_rotation},
    remediation="Set enable_key_rotation=True on the aws.kms.Key.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(checkov=("CKV_AWS_7",)),
    settings={
        "maxRotationPeriodDays": setting(
            "integer", 365, "Longest rotationPeriodInDays accepted.", minimum=90, maximum=2560
        )
    },
)


# ------------------------------------------------------------------ kms-key-policy-safe


def check_key_policy(props: Props, config: Config) -> list[str]:
    problems = []
    bypass = to_bool(get(props, "bypassPolicyLockoutSafetyCheck"), default=False)
    if bypass is UNKNOWN:
        problems.append(undecided("bypassPolicyLockoutSafetyCheck"))
    elif bypass is not False:
        problems.append(
            "bypassPolicyLockoutSafetyCheck is true: a bad key policy can lock everyone out of the key"
        )
    policy = get(props, "policy")
    if policy is UNKNOWN and problems:
        return problems  # report what is certain now rather than only "unknown"
    # Absent: the AWS default policy (account root only).
    return problems + _public_statements(parse_json(policy, "policy"))


def _public_statements(document: object) -> list[str]:
    """Allow statements that any principal may use, with no Condition that narrows them to known
    accounts, organizations, sources or networks."""
    return [
        f'policy {doc.label(statement, index)} allows principal "*" without a Condition that '
        "narrows it (an exact aws:SourceAccount, aws:SourceArn, aws:PrincipalOrgID, ...)"
        for index, statement in enumerate(doc.statements(document))
        if doc.allows(statement)
        and doc.principal_is_anyone(statement)
        and not doc.narrows_principal(statement)
    ]


KMS_KEY_POLICY_SAFE = BaselineResourcePolicy(
    name="kms-key-policy-safe",
    summary='KMS key policies grant no unconditioned "*" principal and keep the lockout safety check',
    level=EnforcementLevel.MANDATORY,
    checks={t.KMS_KEY: check_key_policy},
    remediation="Name principals explicitly (the account root, service principals with "
    "aws:SourceAccount / kms:EncryptionContext conditions) and leave "
    "bypass_policy_lockout_safety_check unset.",
    severity=Severity.CRITICAL,
    benchmarks=Benchmarks(checkov=("CKV_AWS_33",)),
)


# ------------------------------------------------------------------ kms-key-deletion-window


def check_deletion_window(props: Props, config: Config) -> list[str]:
    window = to_number(get(props, "deletionWindowInDays"))
    minimum = to_number(config["minDeletionWindowDays"])
    if window is UNKNOWN:
        return [undecided("deletionWindowInDays")]
    if window is None:
        window = float(AWS_DEFAULT_DELETION_WINDOW_DAYS)
    if minimum is not None and window < minimum:
        return [
            f"deletionWindowInDays is {fmt_number(window)}: keep at least {fmt_number(minimum)} days "
            "to cancel an accidental deletion"
        ]
    return []


KMS_KEY_DELETION_WINDOW = BaselineResourcePolicy(
    name="kms-key-deletion-window",
    summary="KMS keys keep a deletion window long enough to recover",
    level=EnforcementLevel.ADVISORY,
    checks={t.KMS_KEY: check_deletion_window},
    remediation="Set deletion_window_in_days to at least minDeletionWindowDays (AWS allows 7-30).",
    severity=Severity.LOW,
    settings={
        "minDeletionWindowDays": setting(
            "integer", 7, "Shortest deletionWindowInDays accepted.", minimum=7, maximum=30
        )
    },
)


# ------------------------------------------------------------------ log-group-retention


def check_log_retention(props: Props, config: Config) -> list[str]:
    retention = to_number(get(props, "retentionInDays"))
    minimum = to_number(config["minRetentionDays"])
    if retention is UNKNOWN:
        return [undecided("retentionInDays")]
    if retention is None or retention == 0:
        return ["retentionInDays is not set: the logs never expire"]
    if minimum is not None and retention < minimum:
        return [
            f"retentionInDays is {fmt_number(retention)}: keep logs at least {fmt_number(minimum)} days"
        ]
    return []


LOG_GROUP_RETENTION = BaselineResourcePolicy(
    name="log-group-retention",
    summary="Log groups set a retention of at least the configured days",
    level=EnforcementLevel.MANDATORY,
    checks={t.LOG_GROUP: check_log_retention},
    remediation="Set retention_in_days to a CloudWatch retention value of at least minRetentionDays.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(cis="2.1.2", checkov=("CKV_AWS_66", "CKV_AWS_338")),
    settings={
        "minRetentionDays": setting(
            "integer", 90, "Shortest retentionInDays accepted.", minimum=1, maximum=3653
        )
    },
)


# ------------------------------------------------------------------ log-group-kms


def check_log_group_kms(props: Props, config: Config) -> list[str]:
    # The key ARN comes from another resource: only its presence can be checked at preview.
    if not has_value(props, "kmsKeyId"):
        return ["kmsKeyId is not set: the logs are encrypted with a CloudWatch owned key only"]
    return []


LOG_GROUP_KMS = BaselineResourcePolicy(
    name="log-group-kms",
    summary="Log groups are encrypted with a KMS key",
    level=EnforcementLevel.ADVISORY,
    checks={t.LOG_GROUP: check_log_group_kms},
    remediation="Set kms_key_id to a customer managed key whose policy lets logs.<region>.amazonaws.com use it.",
    severity=Severity.LOW,
    benchmarks=Benchmarks(checkov=("CKV_AWS_158",)),
)


# ------------------------------------------------------------------ sns-topic-encrypted


def check_topic_encrypted(props: Props, config: Config) -> list[str]:
    # The key comes from another resource: only its presence can be checked at preview.
    if not has_value(props, "kmsMasterKeyId"):
        return ["kmsMasterKeyId is not set: messages are stored unencrypted (SNS default)"]
    return []


SNS_TOPIC_ENCRYPTED = BaselineResourcePolicy(
    name="sns-topic-encrypted",
    summary="SNS topics are encrypted with a KMS key",
    level=EnforcementLevel.ADVISORY,
    checks={t.SNS_TOPIC: check_topic_encrypted},
    remediation="Set kms_master_key_id to a customer managed key; for CloudWatch alarm topics its "
    "policy must let cloudwatch.amazonaws.com use kms:Decrypt and kms:GenerateDataKey* (the AWS "
    "managed alias/aws/sns key does not).",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(checkov=("CKV_AWS_26",)),
)


# ------------------------------------------------------------------ sqs-queue-encrypted


def check_queue_encrypted(props: Props, config: Config) -> list[str]:
    if has_value(props, "kmsMasterKeyId"):
        return []
    raw = get(props, "sqsManagedSseEnabled")
    managed = to_bool(raw, default=True)  # SSE-SQS is on by default for new queues (2022)
    if managed is UNKNOWN:
        return [undecided("sqsManagedSseEnabled")]
    if managed is not True:
        return [
            f"sqsManagedSseEnabled is {describe(raw)} and kmsMasterKeyId is not set: messages are "
            "stored unencrypted"
        ]
    return []


SQS_QUEUE_ENCRYPTED = BaselineResourcePolicy(
    name="sqs-queue-encrypted",
    summary="SQS queues are encrypted (SQS managed SSE or a KMS key)",
    level=EnforcementLevel.ADVISORY,
    checks={t.SQS_QUEUE: check_queue_encrypted},
    remediation="Leave sqs_managed_sse_enabled at its default (true) or set kms_master_key_id.",
    severity=Severity.MEDIUM,
    benchmarks=Benchmarks(checkov=("CKV_AWS_27",)),
)


# ------------------------------------------------------------------ resource-policy-not-public


def check_resource_policy(props: Props, config: Config) -> list[str]:
    """SQS queue and SNS topic policies, standalone or inline; absent is owner-only."""
    return _public_statements(parse_json(get(props, "policy"), "policy"))


RESOURCE_POLICY_NOT_PUBLIC = BaselineResourcePolicy(
    name="resource-policy-not-public",
    summary='SQS queue and SNS topic policies grant no unconditioned "*" principal',
    level=EnforcementLevel.MANDATORY,
    checks=dict.fromkeys(
        (t.SQS_QUEUE, t.SQS_QUEUE_POLICY, t.SNS_TOPIC, t.SNS_TOPIC_POLICY), check_resource_policy
    ),
    remediation="Name the service or account principals that may use the queue or topic, and "
    "narrow service principals with aws:SourceArn / aws:SourceAccount conditions.",
    severity=Severity.CRITICAL,
    benchmarks=Benchmarks(checkov=("CKV_AWS_168", "CKV_AWS_169")),
)


POLICIES = [
    KMS_KEY_ROTATION,
    KMS_KEY_POLICY_SAFE,
    KMS_KEY_DELETION_WINDOW,
    LOG_GROUP_RETENTION,
    LOG_GROUP_KMS,
    SNS_TOPIC_ENCRYPTED,
    SQS_QUEUE_ENCRYPTED,
    RESOURCE_POLICY_NOT_PUBLIC,
]
