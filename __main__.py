"""EKS platform baseline: settings -> network -> cluster -> add-ons."""

import pulumi

from baseline.program import availability_zones, aws_context, read_settings
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

pulumi.export("vpcId", network.vpc_id)
pulumi.export("vpcCidr", network.vpc_cidr)
pulumi.export("availabilityZones", network.availability_zones)
pulumi.export("publicSubnetIds", network.public_subnet_ids)
pulumi.export("privateSubnetIds", network.private_subnet_ids)
pulumi.export("intraSubnetIds", network.intra_subnet_ids)
pulumi.export("natGatewayIds", network.nat_gateway_ids)
