"""eks_policies/kubernetes.py: Karpenter EC2NodeClass and NodePool, Auto Mode NodeClass,
EBS StorageClass, Helm charts; each compliant, violating, absent and unknown at preview, with the
shapes pulumi-kubernetes sends (camelCase inputs, numbers as floats, booleans maybe strings)."""

from __future__ import annotations

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import (
    AUTO_NODE_CLASS,
    EC2_NODE_CLASS,
    NODE_POOL,
    OCI_RELEASE,
    RELEASE,
    STORAGE_CLASS,
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

IMDS = "karpenter-node-class-imds"
VOLUMES = "karpenter-node-class-ebs-encrypted"
PUBLIC_IP = "node-class-no-public-ip"
LIMITS = "karpenter-node-pool-limits"
STORAGE = "storage-class-encrypted"
PINNED = "helm-chart-pinned"
REPOSITORY = "helm-chart-trusted-repository"
NODE_CLASS_TYPES = list(t.K8S_EC2_NODE_CLASSES)


@pytest.mark.parametrize("node_class_type", NODE_CLASS_TYPES)
class TestEc2NodeClass:
    @pytest.mark.parametrize("policy", [IMDS, VOLUMES, PUBLIC_IP])
    def test_compliant_and_karpenter_defaults_pass(self, node_class_type: str, policy: str) -> None:
        expect(run(policy, node_class_type, EC2_NODE_CLASS))
        # Karpenter's defaults: IMDSv2 with hop limit 1, the AMI family's encrypted root volume.
        bare = changed(
            EC2_NODE_CLASS, spec__metadataOptions=ABSENT, spec__blockDeviceMappings=ABSENT
        )
        expect(run(policy, node_class_type, bare))
        expect(run(policy, node_class_type, changed(EC2_NODE_CLASS, spec=ABSENT)))

    @pytest.mark.parametrize(
        ("changes", "fragment"),
        [
            ({"spec__metadataOptions__httpTokens": "optional"}, 'httpTokens is "optional"'),
            ({"spec__metadataOptions__httpPutResponseHopLimit": 2}, "HopLimit is 2"),
            ({"spec__metadataOptions__httpPutResponseHopLimit": 2.0}, "HopLimit is 2"),
            ({"spec__metadataOptions__httpPutResponseHopLimit": "3"}, "HopLimit is 3"),
            ({"spec__metadataOptions__httpPutResponseHopLimit": "many"}, "HopLimit is"),
        ],
    )
    def test_imds_violations_are_mandatory(
        self, node_class_type: str, changes: dict, fragment: str
    ) -> None:
        violations = run(IMDS, node_class_type, changed(EC2_NODE_CLASS, **changes))
        expect(violations, fragment)
        assert violations[0].level == "mandatory"

    def test_imds_switched_off_or_hop_limit_allowed_by_config(self, node_class_type: str) -> None:
        off = changed(EC2_NODE_CLASS, spec__metadataOptions={"httpEndpoint": "disabled"})
        expect(run(IMDS, node_class_type, off))
        two = changed(EC2_NODE_CLASS, spec__metadataOptions__httpPutResponseHopLimit=2)
        expect(run(IMDS, node_class_type, two, {"maxHopLimit": 2}))

    @pytest.mark.parametrize("encrypted", [False, "false", ABSENT, 0])
    def test_unencrypted_volume_is_mandatory(self, node_class_type: str, encrypted: object) -> None:
        mappings = [
            {"deviceName": "/dev/xvda", "ebs": {"encrypted": True}},
            changed(
                {"deviceName": "/dev/xvdb", "ebs": {"volumeSize": "100Gi"}},
                ebs__encrypted=encrypted,
            ),
        ]
        props = changed(EC2_NODE_CLASS, spec__blockDeviceMappings=mappings)
        violations = run(VOLUMES, node_class_type, props)
        expect(violations, "spec.blockDeviceMappings[1].ebs.encrypted is")
        assert violations[0].level == "mandatory"

    @pytest.mark.parametrize("encrypted", [True, "true", "True", 1.0])
    def test_encrypted_spellings_pass(self, node_class_type: str, encrypted: object) -> None:
        props = changed(
            EC2_NODE_CLASS, spec__blockDeviceMappings=[{"ebs": {"encrypted": encrypted}}]
        )
        expect(run(VOLUMES, node_class_type, props))

    @pytest.mark.parametrize("public", [True, "true", 1.0])
    def test_public_ip_is_mandatory(self, node_class_type: str, public: object) -> None:
        props = changed(EC2_NODE_CLASS, spec__associatePublicIPAddress=public)
        violations = run(PUBLIC_IP, node_class_type, props)
        expect(violations, "spec.associatePublicIPAddress is")
        assert violations[0].level == "mandatory"
        expect(
            run(PUBLIC_IP, node_class_type, changed(props, spec__associatePublicIPAddress=False))
        )

    @pytest.mark.parametrize(
        ("policy", "changes", "path"),
        [
            (IMDS, {"spec__metadataOptions": UNKNOWN_OBJECT}, "spec.metadataOptions"),
            (
                IMDS,
                {"spec__metadataOptions__httpTokens": UNKNOWN_STR},
                "spec.metadataOptions.httpTokens",
            ),
            (
                IMDS,
                {"spec__metadataOptions__httpPutResponseHopLimit": UNKNOWN_NUMBER},
                "spec.metadataOptions.httpPutResponseHopLimit",
            ),
            (
                IMDS,
                {
                    "spec__metadataOptions__httpEndpoint": UNKNOWN_STR,
                    "spec__metadataOptions__httpTokens": "optional",
                },
                "spec.metadataOptions.httpEndpoint",
            ),
            (VOLUMES, {"spec__blockDeviceMappings": UNKNOWN_LIST}, "spec.blockDeviceMappings"),
            (
                VOLUMES,
                {"spec__blockDeviceMappings": [UNKNOWN_OBJECT]},
                "spec.blockDeviceMappings[0].ebs.encrypted",
            ),
            (
                VOLUMES,
                {"spec__blockDeviceMappings": [{"ebs": {"encrypted": UNKNOWN_BOOL}}]},
                "spec.blockDeviceMappings[0].ebs.encrypted",
            ),
            (
                PUBLIC_IP,
                {"spec__associatePublicIPAddress": UNKNOWN_BOOL},
                "spec.associatePublicIPAddress",
            ),
            (PUBLIC_IP, {"spec": UNKNOWN_OBJECT}, "spec.associatePublicIPAddress"),
        ],
    )
    def test_unknown_is_decided_at_up(
        self, node_class_type: str, policy: str, changes: dict, path: str
    ) -> None:
        expect_unknown(run(policy, node_class_type, changed(EC2_NODE_CLASS, **changes)), path)


class TestAutoModeNodeClass:
    def test_private_and_absent_pass(self) -> None:
        expect(run(PUBLIC_IP, t.K8S_AUTO_MODE_NODE_CLASS, AUTO_NODE_CLASS))
        bare = changed(AUTO_NODE_CLASS, spec__advancedNetworking=ABSENT)
        expect(run(PUBLIC_IP, t.K8S_AUTO_MODE_NODE_CLASS, bare))

    @pytest.mark.parametrize("public", [True, "true"])
    def test_public_ip_is_mandatory(self, public: object) -> None:
        props = changed(AUTO_NODE_CLASS, spec__advancedNetworking__associatePublicIPAddress=public)
        violations = run(PUBLIC_IP, t.K8S_AUTO_MODE_NODE_CLASS, props)
        expect(violations, "spec.advancedNetworking.associatePublicIPAddress is")
        assert violations[0].level == "mandatory"

    def test_unknown_is_decided_at_up(self) -> None:
        props = changed(AUTO_NODE_CLASS, spec__advancedNetworking=UNKNOWN_OBJECT)
        path = "spec.advancedNetworking.associatePublicIPAddress"
        expect_unknown(run(PUBLIC_IP, t.K8S_AUTO_MODE_NODE_CLASS, props), path)


@pytest.mark.parametrize("pool_type", list(t.K8S_NODE_POOLS))
class TestNodePoolLimits:
    def test_limits_pass(self, pool_type: str) -> None:
        expect(run(LIMITS, pool_type, NODE_POOL))
        expect(run(LIMITS, pool_type, changed(NODE_POOL, spec__limits__cpu=UNKNOWN_NUMBER)))

    @pytest.mark.parametrize(
        ("limits", "fragment"),
        [
            (ABSENT, "no cpu, memory"),
            ({}, "no cpu, memory"),
            ({"cpu": 100}, "no memory"),
            ({"memory": "100Gi", "cpu": ""}, "no cpu"),
            ("lots", "no cpu, memory"),
        ],
    )
    def test_missing_limits(self, pool_type: str, limits: object, fragment: str) -> None:
        violations = run(LIMITS, pool_type, changed(NODE_POOL, spec__limits=limits))
        expect(violations, fragment)
        assert violations[0].level == "advisory"

    def test_unknown_is_decided_at_up(self, pool_type: str) -> None:
        expect_unknown(
            run(LIMITS, pool_type, changed(NODE_POOL, spec__limits=UNKNOWN_OBJECT)), "spec.limits"
        )
        expect_unknown(
            run(LIMITS, pool_type, changed(NODE_POOL, spec=UNKNOWN_OBJECT)), "spec.limits"
        )


class TestStorageClass:
    @pytest.mark.parametrize("encrypted", ["true", True])
    def test_encrypted_passes(self, encrypted: object) -> None:
        expect(
            run(
                STORAGE,
                t.K8S_STORAGE_CLASS,
                changed(STORAGE_CLASS, parameters__encrypted=encrypted),
            )
        )

    @pytest.mark.parametrize("encrypted", ["True", "TRUE", "1", "yes", "on", " true"])
    def test_only_the_exact_string_true_encrypts(self, encrypted: str) -> None:
        # aws-ebs-csi-driver pkg/driver/controller.go: isTrue(value) is value == "true".
        props = changed(STORAGE_CLASS, parameters__encrypted=encrypted)
        expect(run(STORAGE, t.K8S_STORAGE_CLASS, props), 'only for the string "true"')

    def test_the_driver_reads_parameter_keys_in_any_case(self) -> None:
        props = {"provisioner": "ebs.csi.aws.com", "parameters": {"Encrypted": "true"}}
        expect(run(STORAGE, t.K8S_STORAGE_CLASS, props))

    @pytest.mark.parametrize(
        "provisioner", ["ebs.csi.aws.com", "ebs.csi.eks.amazonaws.com", "kubernetes.io/aws-ebs"]
    )
    @pytest.mark.parametrize("encrypted", ["false", False, ABSENT])
    def test_unencrypted_ebs_is_mandatory(self, provisioner: str, encrypted: object) -> None:
        props = changed(STORAGE_CLASS, provisioner=provisioner, parameters__encrypted=encrypted)
        violations = run(STORAGE, t.K8S_STORAGE_CLASS, props)
        expect(violations, "parameters.encrypted is")
        assert violations[0].level == "mandatory"

    def test_absent_parameters_and_other_provisioners(self) -> None:
        expect(
            run(STORAGE, t.K8S_STORAGE_CLASS, changed(STORAGE_CLASS, parameters=ABSENT)), "absent"
        )
        efs = {"provisioner": "efs.csi.aws.com", "parameters": {"provisioningMode": "efs-ap"}}
        expect(run(STORAGE, t.K8S_STORAGE_CLASS, efs))

    @pytest.mark.parametrize(
        ("changes", "path"),
        [
            ({"provisioner": UNKNOWN_STR}, "provisioner"),
            ({"parameters__encrypted": UNKNOWN_STR}, "parameters.encrypted"),
            ({"parameters": UNKNOWN_OBJECT}, "parameters.encrypted"),
        ],
    )
    def test_unknown_is_decided_at_up(self, changes: dict, path: str) -> None:
        expect_unknown(run(STORAGE, t.K8S_STORAGE_CLASS, changed(STORAGE_CLASS, **changes)), path)


@pytest.mark.parametrize("chart_type", [t.K8S_HELM_RELEASE, t.K8S_HELM_CHART])
class TestHelmCharts:
    @pytest.mark.parametrize("props", [RELEASE, OCI_RELEASE])
    def test_pinned_charts_from_known_repositories_pass(self, chart_type: str, props: dict) -> None:
        expect(run(PINNED, chart_type, props))
        expect(run(REPOSITORY, chart_type, props))

    @pytest.mark.parametrize("version", ["v1.14.0", "1.14.0-rc.1", "1.14.0+build.5"])
    def test_exact_versions_pass(self, chart_type: str, version: str) -> None:
        expect(run(PINNED, chart_type, changed(RELEASE, version=version)))

    @pytest.mark.parametrize(
        ("version", "fragment"),
        [
            (ABSENT, "version is absent"),
            ("", "version is absent"),
            ("^1.14.0", "not an exact chart version"),
            ("~1.14", "not an exact chart version"),
            (">=1.0.0", "not an exact chart version"),
            ("1.x", "not an exact chart version"),
            ("*", "not an exact chart version"),
            ("1.14", "not an exact chart version"),
            (1.14, "not an exact chart version"),
            ("1.14.0 || 2.0.0", "not an exact chart version"),
        ],
    )
    def test_floating_versions(self, chart_type: str, version: object, fragment: str) -> None:
        violations = run(PINNED, chart_type, changed(RELEASE, version=version))
        expect(violations, fragment)
        assert violations[0].level == "advisory"

    @pytest.mark.parametrize(
        ("changes", "fragment"),
        [
            ({"repositoryOpts__repo": "http://aws.github.io/eks-charts"}, "not an https/oci"),
            ({"repositoryOpts__repo": "https://charts.example.com"}, "not an https/oci"),
            ({"repositoryOpts__repo": "https://aws.github.io/eks-charts.evil.example"}, "not an"),
            ({"repositoryOpts": ABSENT}, "names no repository"),
            ({"repositoryOpts": ABSENT, "chart": "eks/aws-load-balancer-controller"}, "names no"),
            ({"repositoryOpts": ABSENT, "chart": "./charts/local"}, "names no repository"),
            ({"repositoryOpts": ABSENT, "chart": "oci://registry.example.com/x"}, "not an"),
            # Helm pulls an oci:// chart from its own URL, whatever repositoryOpts names.
            ({"chart": "oci://evil.example.com/charts/karpenter"}, "not an"),
        ],
    )
    def test_unknown_repositories(self, chart_type: str, changes: dict, fragment: str) -> None:
        violations = run(REPOSITORY, chart_type, changed(RELEASE, **changes))
        expect(violations, fragment)
        assert violations[0].level == "advisory"

    def test_allow_list_is_configurable(self, chart_type: str) -> None:
        props = changed(RELEASE, repositoryOpts__repo="https://charts.example.com/stable")
        expect(
            run(
                REPOSITORY,
                chart_type,
                props,
                {"allowedRepositories": ["https://charts.example.com"]},
            )
        )

    @pytest.mark.parametrize(
        ("policy", "changes", "path"),
        [
            (PINNED, {"version": UNKNOWN_STR}, "version"),
            (REPOSITORY, {"repositoryOpts__repo": UNKNOWN_STR}, "repositoryOpts.repo"),
            (REPOSITORY, {"repositoryOpts": UNKNOWN_OBJECT}, "repositoryOpts.repo"),
            (REPOSITORY, {"repositoryOpts": ABSENT, "chart": UNKNOWN_STR}, "repositoryOpts.repo"),
        ],
    )
    def test_unknown_is_decided_at_up(
        self, chart_type: str, policy: str, changes: dict, path: str
    ) -> None:
        expect_unknown(run(policy, chart_type, changed(RELEASE, **changes)), path)
