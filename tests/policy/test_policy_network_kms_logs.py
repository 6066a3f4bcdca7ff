"""Network resource policies (subnets, security groups) and KMS / log group policies."""

from __future__ import annotations

import pytest
from eks_policies import _types as t
from policy_harness import (
    ABSENT,
    ACCOUNT_ROOT_STATEMENT,
    KMS_KEY,
    LOG_GROUP,
    UNKNOWN_BOOL,
    UNKNOWN_LIST,
    UNKNOWN_STR,
    changed,
    document,
    expect,
    expect_unknown,
    run,
)

UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421"

# ---------------------------------------------------------------------- subnets


@pytest.mark.parametrize("value", [False, "false", ABSENT])
def test_subnet_without_public_ips_passes(value: object) -> None:
    expect(
        run(
            "subnet-no-public-ip-on-launch",
            t.SUBNET,
            changed({"cidrBlock": "10.0.0.0/24"}, mapPublicIpOnLaunch=value),
        )
    )


@pytest.mark.parametrize(
    ("value", "fragment"), [(True, "is true"), ("true", 'is "true"'), (UNKNOWN_BOOL, "unknown")]
)
def test_subnet_mapping_public_ips_is_advisory(value: object, fragment: str) -> None:
    violations = run(
        "subnet-no-public-ip-on-launch",
        t.SUBNET,
        {"cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": value},
    )
    expect(violations, fragment)
    assert violations[0].level == "advisory"


# ---------------------------------------------------------------------- security groups

SG = "security-group-no-open-ingress"


def rule(
    cidr: str = "10.0.0.0/16", port: object = 443, protocol: str = "tcp", **extra: object
) -> dict:
    return {"cidrBlocks": [cidr], "fromPort": port, "toPort": port, "protocol": protocol, **extra}


@pytest.mark.parametrize(
    "ingress",
    [
        ABSENT,
        [],
        [rule()],
        [rule("0.0.0.0/0", 443)],  # HTTPS from anywhere is not in the restricted list
        [rule("10.0.0.0/8", 22)],
        [rule("0.0.0.0/0", 0, "icmp", toPort=-1)],
        [{"securityGroups": ["sg-1"], "fromPort": 0, "toPort": 0, "protocol": "-1"}],
        [rule(UNKNOWN_STR, 22)],  # a CIDR from another resource (the VPC) is never 0.0.0.0/0
    ],
)
def test_inline_ingress_that_passes(ingress: object) -> None:
    for kind in (t.SECURITY_GROUP, t.DEFAULT_SECURITY_GROUP):
        expect(run(SG, kind, changed({"vpcId": "vpc-1"}, ingress=ingress)))


@pytest.mark.parametrize(
    ("ingress", "fragment"),
    [
        ([rule("0.0.0.0/0", 22)], "ingress[0]: ingress from 0.0.0.0/0 on port(s) 22"),
        ([rule(), rule("0.0.0.0/0", 3389)], "ingress[1]: ingress from 0.0.0.0/0 on port(s) 3389"),
        (
            [{"ipv6CidrBlocks": ["::/0"], "fromPort": 0, "toPort": 0, "protocol": "-1"}],
            "from ::/0 on all ports",
        ),
        ([rule("0.0.0.0/0", 0, "all", toPort=0)], "on all ports"),
        (
            [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 0, "toPort": 65535, "protocol": "tcp"}],
            "on all ports",
        ),
        (
            [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 20, "toPort": 25, "protocol": "6"}],
            "port(s) 22",
        ),
        ([rule("0.0.0.0/0", UNKNOWN_NUMBER)], "on ports unknown at preview"),
        (UNKNOWN_LIST, "ingress is unknown"),
    ],
)
def test_inline_ingress_open_to_the_internet(ingress: object, fragment: str) -> None:
    violations = run(SG, t.SECURITY_GROUP, {"vpcId": "vpc-1", "ingress": ingress})
    expect(violations, fragment)
    assert violations[0].level == "mandatory"


def test_restricted_ports_are_configurable() -> None:
    props = {"ingress": [rule("0.0.0.0/0", 80)]}
    expect(run(SG, t.SECURITY_GROUP, props))
    expect(run(SG, t.SECURITY_GROUP, props, {"restrictedPorts": [22, 80]}), "port(s) 80")


def test_legacy_security_group_rule() -> None:
    ingress = {
        "type": "ingress",
        "securityGroupId": "sg-1",
        "protocol": "tcp",
        "fromPort": 22,
        "toPort": 22,
    }
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "cidrBlocks": ["0.0.0.0/0"]}), "port(s) 22")
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "ipv6CidrBlocks": ["::/0"]}), "from ::/0")
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "cidrBlocks": ["10.0.0.0/16"]}))
    expect(
        run(SG, t.SECURITY_GROUP_RULE, {**ingress, "type": "egress", "cidrBlocks": ["0.0.0.0/0"]})
    )
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "sourceSecurityGroupId": UNKNOWN_STR}))
    expect(run(SG, t.SECURITY_GROUP_RULE, {**ingress, "type": UNKNOWN_STR}), "type is unknown")


def test_vpc_security_group_ingress_rule() -> None:
    base = {"securityGroupId": UNKNOWN_STR, "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}
    expect(run(SG, t.SECURITY_GROUP_INGRESS_RULE, {**base, "cidrIpv4": "0.0.0.0/0"}))
    expect(
        run(
            SG,
            t.SECURITY_GROUP_INGRESS_RULE,
            {**base, "cidrIpv4": "0.0.0.0/0", "fromPort": 22, "toPort": 22},
        ),
        "port(s) 22",
    )
    all_traffic = {"securityGroupId": "sg-1", "ipProtocol": "-1", "cidrIpv6": "::/0"}
    expect(run(SG, t.SECURITY_GROUP_INGRESS_RULE, all_traffic), "from ::/0 on all ports")
    expect(run(SG, t.SECURITY_GROUP_INGRESS_RULE, {**all_traffic, "cidrIpv6": UNKNOWN_STR}))
    expect(
        run(
            SG,
            t.SECURITY_GROUP_INGRESS_RULE,
            {**all_traffic, "cidrIpv6": ABSENT, "referencedSecurityGroupId": "sg-2"},
        )
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
