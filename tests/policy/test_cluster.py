"""eks_policies/cluster.py: endpoint, control-plane logging, secrets encryption, access config,
supported version; and its stack policies, private subnets and the cluster's log group."""

from __future__ import annotations

import pytest

from eks_policies import _types as t
from tests.policy.fixtures import (
    CLUSTER,
    Stack,
    baseline_stack,
    place,
    replace,
)
from tests.policy.runner import (
    ABSENT,
    UNKNOWN_BOOL,
    UNKNOWN_LIST,
    UNKNOWN_OBJECT,
    UNKNOWN_STR,
    changed,
    check_stack,
    expect,
    expect_unknown,
    run,
)


def endpoint(props: dict, settings: dict | None = None) -> list:
    return run("eks-endpoint-private", t.EKS_CLUSTER, props, settings)


def test_endpoint_private_only_passes() -> None:
    expect(endpoint(CLUSTER))


def test_endpoint_string_booleans_are_read_as_booleans() -> None:
    props = changed(
        CLUSTER, vpcConfig__endpointPrivateAccess="true", vpcConfig__endpointPublicAccess="false"
    )
    expect(endpoint(props))


@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"vpcConfig__endpointPublicAccess": True}, ["endpointPublicAccess is true"]),
        ({"vpcConfig__endpointPrivateAccess": False}, ["endpointPrivateAccess is false"]),
        (
            {"vpcConfig__endpointPrivateAccess": False, "vpcConfig__endpointPublicAccess": True},
            ["endpointPrivateAccess is false", "endpointPublicAccess is true"],
        ),
    ],
)
def test_endpoint_violations(changes: dict, fragments: list[str]) -> None:
    violations = endpoint(changed(CLUSTER, **changes))
    expect(violations, *fragments)
    assert {v.level for v in violations} == {"mandatory"}


def test_endpoint_absent_flags_take_aws_defaults_public_on_private_off() -> None:
    props = changed(
        CLUSTER, vpcConfig__endpointPublicAccess=ABSENT, vpcConfig__endpointPrivateAccess=ABSENT
    )
    expect(
        endpoint(props),
        "endpointPrivateAccess is absent (AWS default: false)",
        "endpointPublicAccess is absent (AWS default: true)",
    )
    expect(
        endpoint(changed(CLUSTER, vpcConfig=ABSENT)),
        "endpointPrivateAccess is absent",
        "endpointPublicAccess is absent",
    )


def test_endpoint_unknown_flag_is_decided_at_up_and_unknown_subnets_pass() -> None:
    expect_unknown(
        endpoint(changed(CLUSTER, vpcConfig__endpointPublicAccess=UNKNOWN_BOOL)),
        "vpcConfig.endpointPublicAccess",
    )
    expect_unknown(endpoint(changed(CLUSTER, vpcConfig=UNKNOWN_OBJECT)), "vpcConfig")
    expect(endpoint(changed(CLUSTER, vpcConfig__subnetIds=[UNKNOWN_STR, UNKNOWN_STR])))
    expect(endpoint(changed(CLUSTER, vpcConfig__subnetIds=UNKNOWN_LIST)))


ALLOW_PUBLIC = {"allowPublicEndpoint": True}


PUBLIC = {"vpcConfig__endpointPublicAccess": True}


def test_public_endpoint_with_allow_list_passes_only_when_config_permits() -> None:
    props = changed(CLUSTER, **PUBLIC, vpcConfig__publicAccessCidrs=["203.0.113.0/24"])
    expect(endpoint(props), "endpointPublicAccess is true")
    expect(endpoint(props, ALLOW_PUBLIC))
    expect(endpoint(props, {**ALLOW_PUBLIC, "allowedPublicCidrs": ["203.0.113.0/22"]}))
    expect(
        endpoint(props, {**ALLOW_PUBLIC, "allowedPublicCidrs": ["198.51.100.0/24"]}),
        "203.0.113.0/24 outside the allowed networks",
    )


@pytest.mark.parametrize(
    ("cidrs", "fragment"),
    [
        (["203.0.113.0/24", "0.0.0.0/0"], "opens the endpoint to the internet: 0.0.0.0/0"),
        (["::/0"], "opens the endpoint to the internet: ::/0"),
        ([], "AWS then allows 0.0.0.0/0"),
        (ABSENT, "AWS then allows 0.0.0.0/0"),
    ],
)
def test_public_endpoint_allow_list_must_not_be_open(cidrs: object, fragment: str) -> None:
    props = changed(CLUSTER, **PUBLIC, vpcConfig__publicAccessCidrs=cidrs)
    expect(endpoint(props, ALLOW_PUBLIC), fragment)


def test_unknown_allow_list_is_decided_at_up() -> None:
    props = changed(CLUSTER, **PUBLIC, vpcConfig__publicAccessCidrs=[UNKNOWN_STR])
    expect_unknown(endpoint(props, ALLOW_PUBLIC), "vpcConfig.publicAccessCidrs")


def logging(props: dict, settings: dict | None = None) -> list:
    return run("eks-control-plane-logging", t.EKS_CLUSTER, props, settings)


def test_logging_all_types_pass() -> None:
    expect(logging(CLUSTER))


def test_logging_missing_types() -> None:
    violations = logging(changed(CLUSTER, enabledClusterLogTypes=["api", "audit", "authenticator"]))
    expect(violations, "missing: controllerManager, scheduler")
    assert violations[0].level == "mandatory"


def test_logging_absent_and_unknown() -> None:
    expect(
        logging(changed(CLUSTER, enabledClusterLogTypes=ABSENT)), "enabledClusterLogTypes is absent"
    )
    expect_unknown(
        logging(changed(CLUSTER, enabledClusterLogTypes=UNKNOWN_LIST)), "enabledClusterLogTypes"
    )
    # One unknown entry cannot be all four missing types; four unknown entries could be.
    expect(logging(changed(CLUSTER, enabledClusterLogTypes=["api", UNKNOWN_STR])), "missing: audit")
    expect_unknown(
        logging(changed(CLUSTER, enabledClusterLogTypes=["api", *[UNKNOWN_STR] * 4])),
        "enabledClusterLogTypes",
    )


def test_logging_required_set_is_configurable() -> None:
    props = changed(CLUSTER, enabledClusterLogTypes=["api", "audit"])
    expect(logging(props, {"requiredLogTypes": ["api", "audit"]}))


def secrets(props: dict) -> list:
    return run("eks-secrets-encryption", t.EKS_CLUSTER, props)


def test_secrets_encryption_with_key_passes_even_when_key_arn_unknown() -> None:
    expect(secrets(CLUSTER))
    expect(secrets(changed(CLUSTER, encryptionConfig__provider__keyArn=UNKNOWN_STR)))


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"encryptionConfig": ABSENT}, "encryptionConfig is absent"),
        ({"encryptionConfig__resources": []}, 'it must include "secrets"'),
        ({"encryptionConfig__provider": ABSENT}, "provider.keyArn is not set"),
        ({"encryptionConfig__provider__keyArn": ""}, "provider.keyArn is not set"),
    ],
)
def test_secrets_encryption_violations(changes: dict, fragment: str) -> None:
    expect(secrets(changed(CLUSTER, **changes)), fragment)


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"encryptionConfig__resources": UNKNOWN_LIST}, "encryptionConfig.resources"),
        ({"encryptionConfig__resources": [UNKNOWN_STR]}, "encryptionConfig.resources"),
        ({"encryptionConfig": UNKNOWN_OBJECT}, "encryptionConfig"),
    ],
)
def test_secrets_encryption_unknown_is_decided_at_up(changes: dict, path: str) -> None:
    expect_unknown(secrets(changed(CLUSTER, **changes)), path)


def access(props: dict, settings: dict | None = None) -> list:
    return run("eks-access-config", t.EKS_CLUSTER, props, settings)


def test_access_config_api_without_creator_admin_passes() -> None:
    expect(access(CLUSTER))


def test_access_config_violations_are_advisory() -> None:
    violations = access(
        changed(
            CLUSTER,
            accessConfig__authenticationMode="CONFIG_MAP",
            accessConfig__bootstrapClusterCreatorAdminPermissions=True,
        )
    )
    expect(
        violations,
        'authenticationMode is "CONFIG_MAP"',
        "bootstrapClusterCreatorAdminPermissions is true",
    )
    assert {v.level for v in violations} == {"advisory"}


def test_access_config_absent_and_unknown() -> None:
    expect(
        access(changed(CLUSTER, accessConfig=ABSENT)),
        "authenticationMode is absent (AWS default: CONFIG_MAP)",
        "bootstrapClusterCreatorAdminPermissions is absent (AWS default: true)",
    )
    expect_unknown(
        access(changed(CLUSTER, accessConfig__authenticationMode=UNKNOWN_STR)),
        "accessConfig.authenticationMode",
    )


def test_access_config_modes_are_configurable() -> None:
    props = changed(CLUSTER, accessConfig__authenticationMode="API_AND_CONFIG_MAP")
    expect(access(props), "API_AND_CONFIG_MAP")
    expect(access(props, {"allowedAuthenticationModes": ["API", "API_AND_CONFIG_MAP"]}))


def version(props: dict, settings: dict | None = None) -> list:
    return run("eks-supported-version", t.EKS_CLUSTER, props, settings)


def test_supported_version() -> None:
    expect(version(CLUSTER))
    expect(version(changed(CLUSTER, version="1.29")), 'version "1.29" is not in standard support')
    expect(version(changed(CLUSTER, version=ABSENT)), "version is absent")
    expect_unknown(version(changed(CLUSTER, version=UNKNOWN_STR)), "version")
    expect(version(changed(CLUSTER, version="1.29"), {"allowedVersions": ["1.29"]}))


# ---------------------------------------------------------------------- eks-private-subnets


def test_cluster_in_public_subnets_is_mandatory(stack: Stack) -> None:
    place(stack.cluster, [stack.subnets[f"public-{z}"] for z in "abc"])
    violations = check_stack("eks-private-subnets", stack.resources)
    assert len(violations) == 3
    assert {v.level for v in violations} == {"mandatory"}
    assert all(v.resource_name == "cluster" for v in violations)
    assert "control plane subnet public-a is public" in violations[0].message
    assert "routes to an internet gateway" in violations[0].message
    assert "kubernetes.io/role/elb" in violations[0].message


def test_node_subnet_mapping_public_ips_is_public(stack: Stack) -> None:
    replace(stack, stack.subnets["private-b"], mapPublicIpOnLaunch=True)
    expect(
        check_stack("eks-private-subnets", stack.resources),
        "nodes: node subnet private-b is public: it maps public IPs",
    )


def test_route_to_igw_by_known_id_without_dependencies() -> None:
    stack = baseline_stack()
    route = stack.named("public-internet")
    route.refs = {"routeTableId": route.refs["routeTableId"]}  # gateway given as a literal id
    route.inputs = changed(route.inputs, gatewayId="igw-0123")
    place(stack.node_group, [stack.subnets["public-a"]])
    replace(stack, stack.subnets["public-a"], tags={"tier": "public"})
    expect(
        check_stack("eks-private-subnets", stack.resources),
        "its route table public-rt routes to an internet gateway",
    )


def test_subnets_outside_the_stack_are_not_judged_public() -> None:
    stack = baseline_stack()
    stack.node_group.refs = {**stack.node_group.refs, "subnetIds": []}
    stack.node_group.inputs = changed(stack.node_group.inputs, subnetIds=["subnet-1", "subnet-2"])
    expect(check_stack("eks-private-subnets", stack.resources))
    expect(check_stack("eks-multi-az", stack.resources))


# ---------------------------------------------------------------------- eks-cluster-log-group


def test_missing_cluster_log_group(stack: Stack) -> None:
    violations = check_stack("eks-cluster-log-group", stack.without("cluster-logs"))
    expect(violations, "no log group /aws/eks/eks-platform-test/cluster in the stack")
    assert violations[0].level == "advisory"


def test_cluster_log_group_without_retention_or_key(stack: Stack) -> None:
    replace(stack, stack.named("cluster-logs"), retentionInDays=ABSENT, kmsKeyId=ABSENT)
    expect(
        check_stack("eks-cluster-log-group", stack.resources),
        "never expires: set retentionInDays",
        "is not encrypted with a KMS key",
    )


def test_cluster_log_group_found_through_dependency_when_names_are_unknown() -> None:
    stack = baseline_stack()
    replace(stack, stack.cluster, name=UNKNOWN_STR)
    replace(stack, stack.named("cluster-logs"), name=UNKNOWN_STR)
    expect(check_stack("eks-cluster-log-group", stack.resources))
    stack.cluster.extra_dependencies = []
    expect(
        check_stack("eks-cluster-log-group", stack.resources),
        "no log group /aws/eks/<cluster name>/cluster",
    )
