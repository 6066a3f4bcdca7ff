"""EKS platform: validated settings -> day-2 guard -> stack context -> network -> cluster -> node
groups -> add-ons -> monitoring -> in-cluster controllers (opt-in) -> stack outputs."""

import pulumi

from components.addons.component import Addons
from components.base.context import aws_context
from components.cluster.component import Cluster
from components.controllers.component import Controllers, deployer_principal
from components.monitoring.component import Monitoring
from components.network.component import Network
from components.network.zones import availability_zones
from components.nodes.component import Capacity, NodeGroup
from components.stack.guard import guarded_deployment, last_deployment
from components.stack.record import OUTPUT
from components.stack.settings import read_settings

settings = read_settings()  # every problem at once, before any resource is registered
aws = aws_context()  # account, partition, region, caller
previous = last_deployment()  # what the last `pulumi up` recorded; None for a new stack
zones = availability_zones(settings.network, previous.availability_zones if previous else ())
deployer = deployer_principal(settings.controllers, aws, settings.cluster.viewer_principal_arns)
# Refuses what EKS would reject or what would destroy what the stack holds, all at once.
deployment = guarded_deployment(settings, zones, deployer, previous)
versions = deployment.running  # what the control plane and node groups run (a rollback differs)
stack = settings.context(aws)  # what every component shares: names, tags, retention, AWS

network = Network("network", settings.network, zones, stack)
cluster = Cluster(
    "eks",
    settings.cluster,
    network,
    stack,
    kubernetes_version=settings.kubernetes_version,
    versions=versions,
    compute=settings.compute,
    addons=settings.addons,
    node_role=deployment.node_role,
)
node_groups = [
    NodeGroup(cluster.child_name(group.name), group, cluster, network, stack)
    for group in settings.compute.node_groups
]
capacity = Capacity.of(cluster, node_groups)
addons = Addons("addons", cluster.addon_target, capacity.ready, stack)
monitoring = Monitoring(
    "monitoring", settings.monitoring, cluster, capacity, addons, network, stack
)
# Opt-in: needs the Kubernetes API, so `pulumi up` must run where the endpoint is reachable.
if settings.controllers.enabled:
    Controllers(
        "controllers",
        settings.controllers,
        cluster,
        network,
        capacity,
        addons,
        stack,
        deployer=deployment.deployer,
    )

pulumi.export(OUTPUT, deployment.as_output())
for component in (network, cluster, addons, monitoring):
    for output, value in component.outputs.items():
        pulumi.export(output, value)
