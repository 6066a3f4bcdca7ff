"""NodeGroup components: a hardened launch template and a managed node group per settings entry,
on the private subnets, waiting for the node role and the bootstrap add-ons."""

from preflight.review import changed_paths, forcing
from tests.programs import program

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"


def template_of(run, group):
    return next(
        t for t in run.of_type(LAUNCH_TEMPLATE) if t.id == group.inputs["launchTemplate"]["id"]
    )


def test_one_component_per_group_holding_its_template_and_node_group(prod):
    components = {c.name: c for c in prod.of_type("eks-platform:index:NodeGroup")}
    assert set(components) == {"eks-system", "eks-general"}
    for group in prod.of_type(NODE_GROUP):
        assert group.parent == components[group.name].urn
        assert template_of(prod, group).parent == group.parent


def test_node_groups_use_only_private_subnets_across_all_azs(stack_run):
    private = stack_run.outputs["privateSubnetIds"]
    groups = stack_run.of_type(NODE_GROUP)
    assert groups
    for group in groups:
        assert group.inputs["subnetIds"] == private
        assert "remoteAccess" not in group.inputs


def test_node_groups_follow_settings(prod):
    groups = {g.name: g.inputs for g in prod.of_type(NODE_GROUP)}
    system, general = groups["eks-system"], groups["eks-general"]
    assert system["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 6}
    assert system["taints"] == [
        {"key": "CriticalAddonsOnly", "value": "true", "effect": "NO_SCHEDULE"}
    ]
    assert system["labels"] == {"role": "system"}
    assert general["instanceTypes"] == ["m7i.xlarge", "m6i.xlarge", "m7a.xlarge"]
    for g in (system, general):
        assert g["amiType"] == "AL2023_x86_64_STANDARD" and g["capacityType"] == "ON_DEMAND"
        assert g["updateConfig"] == {"maxUnavailablePercentage": 33}
        assert g["nodeRepairConfig"] == {"enabled": True}
        assert "diskSize" not in g  # the launch template sets the disk


def test_node_groups_run_the_cluster_version_under_the_node_role(stack_run):
    cluster = stack_run.one("aws:eks/cluster:Cluster")
    for group in stack_run.of_type(NODE_GROUP):
        assert group.inputs["version"] == cluster.inputs["version"]
        assert group.inputs["clusterName"] == cluster.outputs["name"]
        assert group.inputs["nodeRoleArn"] == stack_run.outputs["nodeRoleArn"]
        # Through the cluster's output, not its name as a string: the group waits for the cluster.
        assert cluster.urn in group.property_dependencies["clusterName"]


def test_the_settings_own_the_desired_size_unless_an_external_autoscaler_does(stack_run):
    # No autoscaler resizes managed node groups in these stacks: each `pulumi up` sets the size.
    for group in stack_run.of_type(NODE_GROUP):
        assert group.ignore_changes == ()
    scaled = program(stack_run.stack, {"compute": {"autoscaler": "external"}})
    for group in scaled.of_type(NODE_GROUP):
        assert group.ignore_changes == ("scalingConfig.desiredSize",)


def test_a_desired_size_change_is_an_in_place_update_of_the_group(dev):
    groups = [dict(g) for g in dev.config["eks-platform:compute"]["nodeGroups"]]
    groups[0] |= {"desiredSize": 3}
    resized = program("dev", {"compute": {"nodeGroups": groups}})
    before, after = (run.one(NODE_GROUP) for run in (dev, resized))
    assert changed_paths(before.inputs, after.inputs) == ["scalingConfig.desiredSize"]
    assert forcing(NODE_GROUP, ["scalingConfig.desiredSize"]) == []


def test_node_groups_wait_for_the_node_role_permissions(stack_run):
    attachments = [
        a
        for a in stack_run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.name.startswith("eks-node-")
    ]
    assert len(attachments) == 3
    for group in stack_run.of_type(NODE_GROUP):
        assert all(a.urn in group.dependencies for a in attachments)


def test_launch_templates_require_imdsv2_hop_1_encrypted_gp3_no_ssh(stack_run):
    for group in stack_run.of_type(NODE_GROUP):
        template = template_of(stack_run, group)
        lt = template.inputs
        assert lt["metadataOptions"] == {
            "httpEndpoint": "enabled",
            "httpTokens": "required",
            "httpPutResponseHopLimit": 1,
            "instanceMetadataTags": "disabled",
        }
        [disk] = lt["blockDeviceMappings"]
        assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeType"] == "gp3"
        assert "keyName" not in lt and "networkInterfaces" not in lt
        assert group.inputs["launchTemplate"]["version"] == str(template.outputs["latestVersion"])


def test_disk_size_comes_from_settings(prod):
    sizes = {
        t.name: t.inputs["blockDeviceMappings"][0]["ebs"]["volumeSize"]
        for t in prod.of_type(LAUNCH_TEMPLATE)
    }
    assert sizes == {"eks-system": 80, "eks-general": 100}


def test_hop_limit_2_only_when_asked_and_warns():
    groups = [{"name": "system", "instanceTypes": ["m7i.large"], "metadataHopLimit": 2}]
    run = program("dev", {"compute": {"nodeGroups": groups}})
    assert run.one(LAUNCH_TEMPLATE).inputs["metadataOptions"]["httpPutResponseHopLimit"] == 2
    assert any("metadataHopLimit = 2" in w for w in run.warnings)


def test_moved_resources_keep_the_urns_they_had_under_the_cluster_as_aliases(prod):
    before = "urn:pulumi:prod::eks-platform::eks-platform:index:Cluster$"
    aliases = {
        r.urn: r.aliases for r in prod.registrations if r.type in (NODE_GROUP, LAUNCH_TEMPLATE)
    }
    assert aliases == {
        "urn:pulumi:prod::eks-platform::eks-platform:index:NodeGroup$aws:eks/nodeGroup:NodeGroup::eks-system": (
            f"{before}aws:eks/nodeGroup:NodeGroup::eks-system",
        ),
        "urn:pulumi:prod::eks-platform::eks-platform:index:NodeGroup$aws:eks/nodeGroup:NodeGroup::eks-general": (
            f"{before}aws:eks/nodeGroup:NodeGroup::eks-general",
        ),
        "urn:pulumi:prod::eks-platform::eks-platform:index:NodeGroup$aws:ec2/launchTemplate:LaunchTemplate::eks-system": (
            f"{before}aws:ec2/launchTemplate:LaunchTemplate::eks-system",
        ),
        "urn:pulumi:prod::eks-platform::eks-platform:index:NodeGroup$aws:ec2/launchTemplate:LaunchTemplate::eks-general": (
            f"{before}aws:ec2/launchTemplate:LaunchTemplate::eks-general",
        ),
    }


def test_node_groups_wait_for_the_private_routes(stack_run):
    """Route tables, their subnet associations and the NAT routes: nodes boot with egress."""
    private = set(stack_run.outputs["privateSubnetIds"])
    associations = [
        a
        for a in stack_run.of_type("aws:ec2/routeTableAssociation:RouteTableAssociation")
        if a.inputs["subnetId"] in private
    ]
    tables = {a.inputs["routeTableId"] for a in associations}
    routing = [
        *associations,
        *(t for t in stack_run.of_type("aws:ec2/routeTable:RouteTable") if t.id in tables),
        *(r for r in stack_run.of_type("aws:ec2/route:Route") if r.inputs.get("natGatewayId")),
    ]
    assert len(associations) == 3 and len(tables) == 3
    for group in stack_run.of_type(NODE_GROUP):
        for resource in routing:
            assert stack_run.waits_for(group, resource), (group.name, resource.name)
