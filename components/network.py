"""Multi-AZ VPC for EKS: public, private and intra subnets per AZ, NAT, flow logs, endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from baseline import iam_documents as docs
from baseline.iam_documents import AwsContext
from baseline.settings import NetworkSettings
from components.audit_log import encrypted_log_group
from components.base import PlatformComponent

DISCOVERY_TAG = "karpenter.sh/discovery"


@dataclass(frozen=True)
class NetworkArgs:
    settings: NetworkSettings
    availability_zones: tuple[str, ...]
    cluster_name: str
    stack: str
    aws: AwsContext
    log_retention_days: int
    tags: Mapping[str, str]


class Network(PlatformComponent):
    """VPC with one public, private and intra subnet per AZ.

    Public subnets hold load balancers and NAT gateways only; nodes and pods run in the large
    private subnets; the EKS control-plane ENIs sit in intra subnets with no internet route.
    """

    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    intra_subnet_ids: list[pulumi.Output[str]]
    nat_gateway_ids: list[pulumi.Output[str]]

    def __init__(
        self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("eks-platform:index:Network", name, args.tags, opts)
        self._args = args
        s = args.settings
        plan = s.plan
        assert plan is not None, "settings validation plans the subnets"
        zones = args.availability_zones
        cluster_tag = {f"kubernetes.io/cluster/{args.cluster_name}": "shared"}

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=s.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags(args.cluster_name),
            opts=self._child(),
        )
        self.vpc_id = vpc.id
        self.vpc_cidr = vpc.cidr_block
        # Adopting the default security group with no rules removes AWS's allow-all defaults.
        aws.ec2.DefaultSecurityGroup(
            f"{name}-default-sg",
            vpc_id=vpc.id,
            tags=self._tags(f"{args.cluster_name}-default-unused"),
            opts=self._child(),
        )

        def subnet(tier: str, index: int, cidr: str, extra: Mapping[str, str]) -> aws.ec2.Subnet:
            return aws.ec2.Subnet(
                f"{name}-{tier}-{zones[index]}",
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zones[index],
                map_public_ip_on_launch=False,
                tags=self._tags(
                    f"{args.cluster_name}-{tier}-{zones[index]}", {"tier": tier, **extra}
                ),
                opts=self._child(),
            )

        public = [
            subnet("public", i, az.public, {"kubernetes.io/role/elb": "1", **cluster_tag})
            for i, az in enumerate(plan.azs)
        ]
        private = [
            subnet(
                "private",
                i,
                az.private,
                # Karpenter finds the node subnets by this tag (when it runs; harmless otherwise).
                {
                    "kubernetes.io/role/internal-elb": "1",
                    DISCOVERY_TAG: args.cluster_name,
                    **cluster_tag,
                },
            )
            for i, az in enumerate(plan.azs)
        ]
        intra = [subnet("intra", i, az.intra, {}) for i, az in enumerate(plan.azs)]

        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags=self._tags(args.cluster_name), opts=self._child()
        )
        public_rt = self._route_table(
            "public", vpc, [(zones[i], sn) for i, sn in enumerate(public)]
        )
        aws.ec2.Route(
            f"{name}-public-internet",
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=self._child(),
        )

        nat_zones = {"per-az": range(len(zones)), "single": range(1), "none": range(0)}[s.nat_mode]
        nats = [self._nat_gateway(zones[i], public[i], igw) for i in nat_zones]
        self.nat_gateway_ids = [n.id for n in nats]

        private_rts = []
        for i, sn in enumerate(private):
            rt = self._route_table(f"private-{zones[i]}", vpc, [(zones[i], sn)])
            private_rts.append(rt)
            if nats:
                # per-az: each AZ egresses through its own NAT, so losing one AZ never cuts the others.
                nat = nats[i] if s.nat_mode == "per-az" else nats[0]
                aws.ec2.Route(
                    f"{name}-private-{zones[i]}-nat",
                    route_table_id=rt.id,
                    destination_cidr_block="0.0.0.0/0",
                    nat_gateway_id=nat.id,
                    opts=self._child(),
                )
        # Intra subnets keep only the VPC-local route: control-plane ENIs need no internet.
        self._route_table("intra", vpc, [(zones[i], sn) for i, sn in enumerate(intra)])

        self.flow_log_group_name = self._flow_logs(vpc)
        self.endpoint_security_group_id = self._endpoints(vpc, private, private_rts)

        self.availability_zones = list(zones)
        self.public_subnet_ids = [sn.id for sn in public]
        self.private_subnet_ids = [sn.id for sn in private]
        self.intra_subnet_ids = [sn.id for sn in intra]
        self.register_outputs(
            {
                "vpcId": self.vpc_id,
                "vpcCidr": self.vpc_cidr,
                "availabilityZones": self.availability_zones,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "intraSubnetIds": self.intra_subnet_ids,
                "natGatewayIds": self.nat_gateway_ids,
                "flowLogGroupName": self.flow_log_group_name,
            }
        )

    # ------------------------------------------------------------------ helpers

    def _route_table(
        self, label: str, vpc: aws.ec2.Vpc, subnets: list[tuple[str, aws.ec2.Subnet]]
    ) -> aws.ec2.RouteTable:
        rt = aws.ec2.RouteTable(
            f"{self._name}-{label}",
            vpc_id=vpc.id,
            tags=self._tags(f"{self._args.cluster_name}-{label}"),
            opts=self._child(),
        )
        tier = label.split("-")[0]
        for zone, sn in subnets:
            aws.ec2.RouteTableAssociation(
                f"{self._name}-{tier}-{zone}-assoc",
                subnet_id=sn.id,
                route_table_id=rt.id,
                opts=self._child(),
            )
        return rt

    def _nat_gateway(
        self, zone: str, subnet: aws.ec2.Subnet, igw: aws.ec2.InternetGateway
    ) -> aws.ec2.NatGateway:
        eip = aws.ec2.Eip(
            f"{self._name}-nat-{zone}",
            domain="vpc",
            tags=self._tags(f"{self._args.cluster_name}-nat-{zone}"),
            opts=self._child(depends_on=[igw]),
        )
        return aws.ec2.NatGateway(
            f"{self._name}-nat-{zone}",
            allocation_id=eip.allocation_id,
            subnet_id=subnet.id,
            tags=self._tags(f"{self._args.cluster_name}-nat-{zone}"),
            opts=self._child(depends_on=[igw]),
        )

    def _flow_logs(self, vpc: aws.ec2.Vpc) -> str:
        a = self._args
        group_name = f"/aws/vpc-flow-logs/{a.cluster_name}"
        _, group = encrypted_log_group(
            self,
            f"{self._name}-flow-logs",
            group_name=group_name,
            key_description=f"Encrypts VPC flow logs of {a.cluster_name} ({a.stack})",
            key_alias=f"alias/eks-platform/{a.stack}/{a.cluster_name}/flow-logs",
            retention_days=a.log_retention_days,
            aws_context=a.aws,
            tags=a.tags,
        )
        role, _ = self.add_role(
            "flow-logs",
            f"Lets VPC flow logs of {a.cluster_name} write to {group_name}",
            docs.to_json(docs.flow_logs_trust(a.aws)),
            tags=self._tags(f"{a.cluster_name}-flow-logs"),
        )
        aws.iam.RolePolicy(
            f"{self._name}-flow-logs",
            role=role.name,
            policy=group.arn.apply(lambda arn: docs.to_json(docs.flow_logs_write(arn))),
            opts=self._child(),
        )
        aws.ec2.FlowLog(
            f"{self._name}-flow-logs",
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags(f"{a.cluster_name}-flow-logs"),
            opts=self._child(),
        )
        return group_name

    def _endpoints(
        self, vpc: aws.ec2.Vpc, private: list[aws.ec2.Subnet], private_rts: list[aws.ec2.RouteTable]
    ) -> pulumi.Output[str] | None:
        a, s = self._args, self._args.settings
        # S3 gateway endpoint: free, and ECR image layers come from S3.
        aws.ec2.VpcEndpoint(
            f"{self._name}-s3",
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{a.aws.region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_rts],
            tags=self._tags(f"{a.cluster_name}-s3"),
            opts=self._child(),
        )
        if not s.interface_endpoints:
            return None
        sg = aws.ec2.SecurityGroup(
            f"{self._name}-endpoints",
            vpc_id=vpc.id,
            description="HTTPS from inside the VPC to the interface endpoints",
            tags=self._tags(f"{a.cluster_name}-endpoints"),
            opts=self._child(),
        )
        aws.vpc.SecurityGroupIngressRule(
            f"{self._name}-endpoints-https",
            security_group_id=sg.id,
            description="HTTPS from the VPC",
            ip_protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_ipv4=s.vpc_cidr,
            tags=self._tags(f"{a.cluster_name}-endpoints-https"),
            opts=self._child(),
        )
        for service in s.interface_endpoint_services:
            aws.ec2.VpcEndpoint(
                f"{self._name}-{service.replace('.', '-')}",
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{a.aws.region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[sn.id for sn in private],
                security_group_ids=[sg.id],
                tags=self._tags(f"{a.cluster_name}-{service}"),
                opts=self._child(),
            )
        return sg.id
