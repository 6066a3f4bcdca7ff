"""eks_policies/nodes.py: launch templates (IMDSv2, hop limit, public IPs, encrypted EBS), no SSH,
no launch configurations."""

from __future__ import annotations

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import (
    LAUNCH_TEMPLATE,
    NODE_GROUP,
)
from tests.policy.runner import (
    ABSENT,
    UNKNOWN_BOOL,
    UNKNOWN_LIST,
    UNKNOWN_NUMBER,
    UNKNOWN_OBJECT,
    UNKNOWN_STR,
    changed,
    expect,
    expect_unknown,
    run,
)


def lt(policy: str, props: dict, settings: dict | None = None) -> list:
    return run(policy, t.LAUNCH_TEMPLATE, props, settings)


def test_compliant_launch_template_passes_every_node_policy() -> None:
    for policy in (
        "launch-template-imdsv2",
        "launch-template-hop-limit",
        "launch-template-no-public-ip",
        "launch-template-ebs-encrypted",
        "nodes-no-ssh",
    ):
        expect(lt(policy, LAUNCH_TEMPLATE))


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"metadataOptions__httpTokens": "optional"}, 'httpTokens is "optional"'),
        ({"metadataOptions__httpTokens": ABSENT}, "httpTokens is absent (AWS default: optional)"),
        ({"metadataOptions": ABSENT}, "metadataOptions is absent: instances accept IMDSv1"),
    ],
)
def test_imdsv2_violations(changes: dict, fragment: str) -> None:
    violations = lt("launch-template-imdsv2", changed(LAUNCH_TEMPLATE, **changes))
    expect(violations, fragment)
    assert violations[0].level == "mandatory"


def test_imds_disabled_needs_no_tokens_or_hop_limit() -> None:
    props = changed(LAUNCH_TEMPLATE, metadataOptions={"httpEndpoint": "disabled"})
    expect(lt("launch-template-imdsv2", props))
    expect(lt("launch-template-hop-limit", props))


@pytest.mark.parametrize(
    ("limit", "settings", "fragment"),
    [
        (2, None, "httpPutResponseHopLimit is 2"),
        (3, None, "httpPutResponseHopLimit is 3"),
        (3, {"maxHopLimit": 2}, "allowed at most 2"),
        (ABSENT, None, "httpPutResponseHopLimit is absent"),
        ("lots", None, 'is "lots", not a number'),
    ],
)
def test_hop_limit_violations(limit: object, settings: dict | None, fragment: str) -> None:
    violations = lt(
        "launch-template-hop-limit",
        changed(LAUNCH_TEMPLATE, metadataOptions__httpPutResponseHopLimit=limit),
        settings,
    )
    expect(violations, fragment)
    assert violations[0].level == "advisory"


def test_hop_limit_within_config_passes() -> None:
    props = changed(LAUNCH_TEMPLATE, metadataOptions__httpPutResponseHopLimit=2)
    expect(lt("launch-template-hop-limit", props, {"maxHopLimit": 2}))
    absent = changed(LAUNCH_TEMPLATE, metadataOptions__httpPutResponseHopLimit=ABSENT)
    expect(lt("launch-template-hop-limit", absent, {"maxHopLimit": 2}))
    expect(
        lt("launch-template-hop-limit", changed(LAUNCH_TEMPLATE, metadataOptions=ABSENT)),
        "metadataOptions",
    )


@pytest.mark.parametrize("value", ["true", True, "TRUE"])
def test_public_ip_string_or_bool_true_is_a_violation(value: object) -> None:
    props = changed(LAUNCH_TEMPLATE, networkInterfaces=[{"associatePublicIpAddress": value}])
    expect(lt("launch-template-no-public-ip", props), "associatePublicIpAddress is")


@pytest.mark.parametrize(
    "interfaces",
    [
        ABSENT,
        [],
        [{}],
        [{"associatePublicIpAddress": "false"}],
        [{"associatePublicIpAddress": False}],
    ],
)
def test_public_ip_absent_or_false_passes(interfaces: object) -> None:
    expect(
        lt("launch-template-no-public-ip", changed(LAUNCH_TEMPLATE, networkInterfaces=interfaces))
    )


class TestUnknownAtPreviewIsDecidedAtUp:
    """A value unknown at preview is the analyzer's advisory, never a violation."""

    @pytest.mark.parametrize(
        ("policy", "changes", "path"),
        [
            (
                "launch-template-imdsv2",
                {"metadataOptions__httpTokens": UNKNOWN_STR},
                "metadataOptions.httpTokens",
            ),
            ("launch-template-imdsv2", {"metadataOptions": UNKNOWN_OBJECT}, "metadataOptions"),
            (
                "launch-template-hop-limit",
                {"metadataOptions__httpPutResponseHopLimit": UNKNOWN_NUMBER},
                "metadataOptions.httpPutResponseHopLimit",
            ),
            ("launch-template-hop-limit", {"metadataOptions": UNKNOWN_OBJECT}, "metadataOptions"),
            (
                "launch-template-no-public-ip",
                {"networkInterfaces": [{"associatePublicIpAddress": UNKNOWN_STR}]},
                "networkInterfaces[0].associatePublicIpAddress",
            ),
            (
                "launch-template-no-public-ip",
                {"networkInterfaces": [{"associatePublicIpAddress": UNKNOWN_BOOL}]},
                "networkInterfaces[0].associatePublicIpAddress",
            ),
            (
                "launch-template-no-public-ip",
                {"networkInterfaces": [UNKNOWN_OBJECT]},
                "networkInterfaces[0].associatePublicIpAddress",
            ),
            (
                "launch-template-no-public-ip",
                {"networkInterfaces": UNKNOWN_LIST},
                "networkInterfaces",
            ),
            (
                "launch-template-ebs-encrypted",
                {
                    "blockDeviceMappings": [
                        {"deviceName": "/dev/xvda", "ebs": {"encrypted": UNKNOWN_STR}}
                    ]
                },
                "blockDeviceMappings[0] (/dev/xvda).ebs.encrypted",
            ),
            (
                "launch-template-ebs-encrypted",
                {"blockDeviceMappings": [UNKNOWN_OBJECT]},
                "blockDeviceMappings[0]",
            ),
            (
                "launch-template-ebs-encrypted",
                {"blockDeviceMappings": UNKNOWN_LIST},
                "blockDeviceMappings",
            ),
            ("nodes-no-ssh", {"keyName": UNKNOWN_STR}, "keyName"),
        ],
    )
    def test_launch_template(self, policy: str, changes: dict, path: str) -> None:
        expect_unknown(lt(policy, changed(LAUNCH_TEMPLATE, **changes)), path)

    def test_unknown_endpoint_may_disable_imds(self) -> None:
        props = changed(LAUNCH_TEMPLATE, metadataOptions={"httpEndpoint": UNKNOWN_STR})
        expect(lt("launch-template-imdsv2", props))
        expect(lt("launch-template-hop-limit", props))

    def test_node_group_and_autoscaling_group(self) -> None:
        remote = changed(NODE_GROUP, remoteAccess=UNKNOWN_OBJECT)
        expect_unknown(run("nodes-no-ssh", t.EKS_NODE_GROUP, remote), "remoteAccess")
        asg = {"minSize": 1, "maxSize": 2, "launchConfiguration": UNKNOWN_STR}
        expect_unknown(
            run("no-launch-configurations", t.AUTOSCALING_GROUP, asg), "launchConfiguration"
        )


@pytest.mark.parametrize(
    ("mappings", "fragment"),
    [
        ([{"deviceName": "/dev/xvda", "ebs": {"encrypted": "false"}}], 'ebs.encrypted is "false"'),
        (
            [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": 50}}],
            "ebs.encrypted is absent (AWS default: false)",
        ),
        (ABSENT, "blockDeviceMappings is absent"),
    ],
)
def test_ebs_encryption_violations(mappings: object, fragment: str) -> None:
    expect(
        lt("launch-template-ebs-encrypted", changed(LAUNCH_TEMPLATE, blockDeviceMappings=mappings)),
        fragment,
    )


def test_ebs_encrypted_with_unknown_key_and_instance_store_pass() -> None:
    mappings = [
        {"deviceName": "/dev/xvda", "ebs": {"encrypted": "true", "kmsKeyId": UNKNOWN_STR}},
        {"deviceName": "/dev/sdb", "virtualName": "ephemeral0"},
    ]
    expect(
        lt("launch-template-ebs-encrypted", changed(LAUNCH_TEMPLATE, blockDeviceMappings=mappings))
    )


def test_ssh_key_on_launch_template_or_remote_access_on_node_group() -> None:
    expect(lt("nodes-no-ssh", changed(LAUNCH_TEMPLATE, keyName="ops")), 'keyName is "ops"')
    expect(run("nodes-no-ssh", t.EKS_NODE_GROUP, NODE_GROUP))
    remote = changed(
        NODE_GROUP, remoteAccess={"ec2SshKey": "ops", "sourceSecurityGroupIds": ["sg-1"]}
    )
    violations = run("nodes-no-ssh", t.EKS_NODE_GROUP, remote)
    expect(violations, "remoteAccess is set")
    assert violations[0].level == "mandatory"
    expect(run("nodes-no-ssh", t.EKS_NODE_GROUP, changed(NODE_GROUP, remoteAccess=None)))


def test_launch_configurations_are_refused() -> None:
    violations = run(
        "no-launch-configurations",
        t.LAUNCH_CONFIGURATION,
        {"imageId": "ami-1", "instanceType": "t3.large"},
    )
    expect(violations, "launch configurations are deprecated")
    assert violations[0].level == "mandatory"
    asg = {"minSize": 1, "maxSize": 2}
    expect(
        run(
            "no-launch-configurations", t.AUTOSCALING_GROUP, {**asg, "launchConfiguration": "lc-1"}
        ),
        "launchConfiguration is set",
    )
    expect(
        run(
            "no-launch-configurations",
            t.AUTOSCALING_GROUP,
            {**asg, "launchTemplate": {"id": "lt-1"}},
        )
    )
    expect(run("no-launch-configurations", t.AUTOSCALING_GROUP, asg))
