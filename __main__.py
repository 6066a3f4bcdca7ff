"""EKS platform baseline: settings -> network -> cluster -> add-ons."""

import pulumi

from baseline.addon_catalog import default_storage_class_provisioner
from baseline.program import availability_zones, aws_context, read_settings
from components.addons import Addons, AddonsArgs
from components.cluster import Cluster, ClusterArgs
from components.controllers import Controllers, ControllersArgs
from components.network import Network, NetworkArgs

settings = read_settings()
aws = aws_context()

network = Network(
    "network",
    NetworkArgs(
        settings=settings.network,
        availability_zones=availability_zones(settings),
        cluster_name=settings.cluster_name,
        stack=settings.stack,
        aws=aws,
        log_retention_days=settings.log_retention_days,
        tags=settings.common_tags,
    ),
)

cluster = Cluster(
    "eks",
    ClusterArgs(
        cluster_name=settings.cluster_name,
        kubernetes_version=settings.kubernetes_version,
        stack=settings.stack,
        settings=settings.cluster,
        compute=settings.compute,
        addons=settings.addons,
        control_plane_subnet_ids=network.intra_subnet_ids,
        node_subnet_ids=network.private_subnet_ids,
        log_retention_days=settings.log_retention_days,
        aws=aws,
        tags=settings.common_tags,
    ),
)

addons = Addons(
    "addons",
    AddonsArgs(
        target=cluster.addon_target,
        cluster_name=settings.cluster_name,
        auto_mode=settings.compute.auto_mode,
        compute=cluster.compute,
        min_nodes=sum(group.min_size for group in settings.compute.node_groups),
        monitoring=settings.monitoring,
        control_plane_log_group=cluster.control_plane_log_group,
        private_subnet_ids=network.private_subnet_ids,
        cluster_security_group_id=cluster.cluster_security_group_id,
        cluster_arn=cluster.cluster_arn,
        tags=settings.common_tags,
    ),
)

# Opt-in: needs the Kubernetes API, so `pulumi up` must run where the endpoint is reachable.
if settings.controllers.enabled:
    Controllers(
        "controllers",
        ControllersArgs(
            settings=settings.controllers,
            cluster_name=settings.cluster_name,
            eks_cluster_name=cluster.cluster_name,
            kubeconfig=cluster.kubeconfig,
            vpc_id=network.vpc_id,
            cluster_security_group_id=cluster.cluster_security_group_id,
            default_storage_class_provisioner=default_storage_class_provisioner(
                settings.addons, settings.compute.auto_mode
            ),
            runs_on=[*cluster.compute, *addons.addons.values()],
            aws=aws,
            tags=settings.common_tags,
        ),
    )

pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("intraSubnetIds", network.intra_subnet_ids)
pulumi.export("natGatewayIds", network.nat_gateway_ids)
pulumi.export("clusterName", cluster.cluster_name)
pulumi.export("clusterEndpoint", cluster.endpoint)
pulumi.export("clusterCertificateAuthority", cluster.certificate_authority)
pulumi.export("clusterSecurityGroupId", cluster.cluster_security_group_id)
pulumi.export("oidcProviderArn", cluster.oidc_provider_arn)
pulumi.export("oidcIssuerUrl", cluster.oidc_issuer_url)
pulumi.export("nodeRoleArn", cluster.node_role_arn)
pulumi.export("kubeconfig", cluster.kubeconfig)
pulumi.export("addonVersions", {**cluster.addon_versions, **addons.addon_versions})
pulumi.export("alarmTopicArn", addons.alarm_topic.arn)
pulumi.export("dashboardName", addons.dashboard.dashboard_name)
pulumi.export("prometheusEndpoint", addons.prometheus_endpoint)
