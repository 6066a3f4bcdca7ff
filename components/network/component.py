"""Multi-AZ VPC for EKS: public, private and intra subnets per AZ (and pod subnets from a second
range, opt-in), NAT, flow logs, endpoints; or, in an existing VPC, nothing but its ids."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from components.base.component import PlatformComponent
from components.base.context import StackContext
from components.base.iam import to_json
from components.base.tags import KARPENTER_DISCOVERY, cluster_tag
from components.network import iam
from components.network.existing import LOAD_BALANCER_TAGS
from components.network.settings import NetworkSettings

# The VPC CNI (v1.18.0+, subnet discovery on) creates pods' ENIs in subnets of the node's AZ
# tagged so, choosing the one with the most free addresses (components/addons/catalog.py).
CNI_SUBNET_TAG = "kubernetes.io/role/cni"


class Network(PlatformComponent):
    """VPC with one public, private and intra subnet per AZ, and a pod subnet per AZ when the
    settings give a pod range.

    Public subnets hold load balancers and NAT gateways only; nodes and pods run in the large
    private subnets (pods mostly in the pod subnets when there are some); the EKS control-plane
    ENIs sit in intra subnets with no internet route. In `existing` mode the network is someone
    else's: checked before anything is registered (components/network/zones.py), never created.
    """

    vpc_id: pulumi.Output[str]
    public_subnet_ids: list[pulumi.Output[str]]
    private_subnet_ids: list[pulumi.Output[str]]
    intra_subnet_ids: list[pulumi.Output[str]]
    pod_subnet_ids: list[pulumi.Output[str]]
    nat_gateway_ids: list[pulumi.Output[str]]

    def __init__(
        self,
        name: str,
        settings: NetworkSettings,
        zones: Sequence[str],
        stack: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("Network", name, stack, opts)
        self.settings = settings
        self.availability_zones = list(zones)
        # What nodes in the private subnets need before they boot and pull images: their route
        # tables, the subnets' associations and the NAT routes (node groups wait for these).
        self.private_routing: list[pulumi.Resource] = []
        self.pod_subnet_ids = []
        if settings.existing:
            self._existing(settings)
        else:
            self._create(settings, zones)
        self._finish(
            {
                "vpcId": self.vpc_id,
                **({"vpcCidr": self.vpc_cidr} if self.vpc_cidr is not None else {}),
                "availabilityZones": self.availability_zones,
                "publicSubnetIds": self.public_subnet_ids,
                "privateSubnetIds": self.private_subnet_ids,
                "intraSubnetIds": self.intra_subnet_ids,
                **({"podSubnetIds": self.pod_subnet_ids} if self.pod_subnet_ids else {}),
                "natGatewayIds": self.nat_gateway_ids,
            }
        )

    def _existing(self, settings: NetworkSettings) -> None:
        """The ids the settings name: the control plane in the control-plane subnets, nodes
        (and their pods) in the node subnets."""
        self.vpc_id = pulumi.Output.from_input(settings.vpc_id)
        self.vpc_cidr = None

        def ids(values: Sequence[str]) -> list[pulumi.Output[str]]:
            return [pulumi.Output.from_input(v) for v in values]

        self.public_subnet_ids = ids(settings.public_subnet_ids)
        self.private_subnet_ids = ids(settings.node_subnet_ids)
        self.intra_subnet_ids = ids(settings.control_plane_subnet_ids)
        self.nat_gateway_ids = []
        if aws.ec2.get_vpc(id=settings.vpc_id).owner_id != self.stack.aws.account_id:
            self._participant_tags(settings)

    def _participant_tags(self, settings: NetworkSettings) -> None:
        """In a VPC shared through AWS RAM the owner's tags are invisible to this account ("VPC
        tags and tags for the resources within the shared VPC are not shared with the
        participants", VPC user guide, vpc-sharing; "tag the subnets in the participant account
        where the cluster is launched", EKS user guide, cni-subnet-selection): the load balancer
        tags the controllers read are written here, in this account, on the subnets it uses.
        Kept on destroy: another cluster of this account on the same subnets reads the same
        tags (they name no cluster), and CreateTags would have taken over a tag it wrote."""
        private, public = LOAD_BALANCER_TAGS["private"], LOAD_BALANCER_TAGS["public"]
        for subnet_ids, tags in (
            (settings.node_subnet_ids, private),
            (settings.public_subnet_ids, public),
        ):
            for subnet_id in subnet_ids:
                for key, value in tags.items():
                    aws.ec2.Tag(
                        self.child_name(f"{subnet_id}-{key.rsplit('/', 1)[-1]}"),
                        resource_id=subnet_id,
                        key=key,
                        value=value,
                        opts=self._child(retain_on_delete=True),
                    )

    def _create(self, settings: NetworkSettings, zones: Sequence[str]) -> None:
        plan = settings.plan
        assert plan is not None, "settings validation plans the subnets"
        cluster = self.stack.cluster_name
        shared = {cluster_tag(cluster): "shared"}

        vpc = aws.ec2.Vpc(
            self.child_name("vpc"),
            cidr_block=settings.vpc_cidr,
            # The range the pool previewed (components/network/ipam.py), allocated from it.
            ipv4_ipam_pool_id=settings.ipam_pool_id or None,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags(cluster),
            opts=self._child(),
        )
        self.vpc_id = vpc.id
        # Adopting the default security group with no rules removes AWS's allow-all defaults.
        aws.ec2.DefaultSecurityGroup(
            self.child_name("default-sg"),
            vpc_id=vpc.id,
            tags=self._tags(f"{cluster}-default-unused"),
            opts=self._child(),
        )

        def subnet(
            tier: str, index: int, cidr: str, extra: Mapping[str, str], **options: Any
        ) -> aws.ec2.Subnet:
            return aws.ec2.Subnet(
                self.child_name(f"{tier}-{zones[index]}"),
                vpc_id=vpc.id,
                cidr_block=cidr,
                availability_zone=zones[index],
                map_public_ip_on_launch=False,
                tags=self._tags(f"{cluster}-{tier}-{zones[index]}", {"tier": tier, **extra}),
                opts=self._child(**options),
            )

        public = [
            subnet("public", i, az.public, {"kubernetes.io/role/elb": "1", **shared})
            for i, az in enumerate(plan.azs)
        ]
        private = [
            subnet(
                "private",
                i,
                az.private,
                # Karpenter finds the node subnets by this tag (when it runs; harmless otherwise).
                {"kubernetes.io/role/internal-elb": "1", KARPENTER_DISCOVERY: cluster, **shared},
            )
            for i, az in enumerate(plan.azs)
        ]
        pod_range = (
            aws.ec2.VpcIpv4CidrBlockAssociation(
                self.child_name("pod-cidr"),
                vpc_id=vpc.id,
                cidr_block=plan.pod_cidr,
                opts=self._child(),
            )
            if plan.pod_cidr
            else None
        )
        # The cluster (in the intra subnets) is made after the pod range: the control plane
        # recognises a range associated later only after a reconciliation of up to an hour (EKS
        # user guide, network-reqs; docs/network.md).
        intra = [
            subnet("intra", i, az.intra, {}, depends_on=[pod_range] if pod_range else None)
            for i, az in enumerate(plan.azs)
        ]
        pods: list[aws.ec2.Subnet] = []
        if pod_range:
            # No load balancer or Karpenter tags: pods' ENIs only, never nodes or load balancers.
            pods = [
                subnet("pod", i, az.pod, {CNI_SUBNET_TAG: "1"}, depends_on=[pod_range])
                for i, az in enumerate(plan.azs)
            ]

        igw = aws.ec2.InternetGateway(
            self.child_name("igw"), vpc_id=vpc.id, tags=self._tags(cluster), opts=self._child()
        )
        public_rt, _ = self._route_table(
            "public", vpc, [(zones[i], sn) for i, sn in enumerate(public)]
        )
        aws.ec2.Route(
            self.child_name("public-internet"),
            route_table_id=public_rt.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=self._child(),
        )

        nat_zones = {"per-az": range(len(zones)), "single": range(1), "none": range(0)}[
            settings.nat_mode
        ]
        nats = [self._nat_gateway(zones[i], public[i], igw) for i in nat_zones]
        self.nat_gateway_ids = [n.id for n in nats]

        private_rts = []
        for i, sn in enumerate(private):
            rt, associations = self._route_table(f"private-{zones[i]}", vpc, [(zones[i], sn)])
            private_rts.append(rt)
            self.private_routing += [rt, *associations]
            if pods:
                # Pods route like their nodes: the AZ's private route table (NAT, S3 endpoint).
                self.private_routing.append(
                    aws.ec2.RouteTableAssociation(
                        self.child_name(f"pod-{zones[i]}-assoc"),
                        subnet_id=pods[i].id,
                        route_table_id=rt.id,
                        opts=self._child(),
                    )
                )
            if nats:
                # per-az: each AZ egresses through its own NAT, so losing one AZ never cuts the others.
                nat = nats[i] if settings.nat_mode == "per-az" else nats[0]
                self.private_routing += [
                    aws.ec2.Route(
                        self.child_name(f"private-{zones[i]}-nat"),
                        route_table_id=rt.id,
                        destination_cidr_block="0.0.0.0/0",
                        nat_gateway_id=nat.id,
                        opts=self._child(),
                    )
                ]
        # Intra subnets keep only the VPC-local route: control-plane ENIs need no internet.
        self._route_table("intra", vpc, [(zones[i], sn) for i, sn in enumerate(intra)])

        self._flow_logs(vpc)
        self._endpoints(vpc, private, private_rts)

        self.vpc_cidr = vpc.cidr_block
        self.public_subnet_ids = [sn.id for sn in public]
        self.private_subnet_ids = [sn.id for sn in private]
        self.intra_subnet_ids = [sn.id for sn in intra]
        self.pod_subnet_ids = [sn.id for sn in pods]

    # ------------------------------------------------------------------ helpers

    def _route_table(
        self, label: str, vpc: aws.ec2.Vpc, subnets: list[tuple[str, aws.ec2.Subnet]]
    ) -> tuple[aws.ec2.RouteTable, list[aws.ec2.RouteTableAssociation]]:
        rt = aws.ec2.RouteTable(
            self.child_name(label),
            vpc_id=vpc.id,
            tags=self._tags(f"{self.stack.cluster_name}-{label}"),
            opts=self._child(),
        )
        tier = label.split("-")[0]
        associations = [
            aws.ec2.RouteTableAssociation(
                self.child_name(f"{tier}-{zone}-assoc"),
                subnet_id=sn.id,
                route_table_id=rt.id,
                opts=self._child(),
            )
            for zone, sn in subnets
        ]
        return rt, associations

    def _nat_gateway(
        self, zone: str, subnet: aws.ec2.Subnet, igw: aws.ec2.InternetGateway
    ) -> aws.ec2.NatGateway:
        name = self.child_name(f"nat-{zone}")
        eip = aws.ec2.Eip(
            name,
            domain="vpc",
            tags=self._tags(f"{self.stack.cluster_name}-nat-{zone}"),
            opts=self._child(depends_on=[igw]),
        )
        return aws.ec2.NatGateway(
            name,
            allocation_id=eip.allocation_id,
            subnet_id=subnet.id,
            tags=self._tags(f"{self.stack.cluster_name}-nat-{zone}"),
            opts=self._child(depends_on=[igw]),
        )

    def _flow_logs(self, vpc: aws.ec2.Vpc) -> None:
        cluster = self.stack.cluster_name
        group_name = f"/aws/vpc-flow-logs/{cluster}"
        _, group = self.encrypted_log_group("flow-logs", group_name, "VPC flow logs", "flow-logs")
        role, _ = self.add_role(
            "flow-logs",
            f"Lets VPC flow logs of {cluster} write to {group_name}",
            to_json(iam.flow_logs_trust(self.stack.aws)),
            tags=self._tags(f"{cluster}-flow-logs"),
        )
        write = aws.iam.RolePolicy(
            self.child_name("flow-logs"),
            role=role.name,
            policy=group.arn.apply(lambda arn: to_json(iam.flow_logs_write(arn))),
            opts=self._child(),
        )
        aws.ec2.FlowLog(
            self.child_name("flow-logs"),
            vpc_id=vpc.id,
            traffic_type="ALL",
            log_destination_type="cloud-watch-logs",
            log_destination=group.arn,
            iam_role_arn=role.arn,
            max_aggregation_interval=60,
            tags=self._tags(f"{cluster}-flow-logs"),
            # Created before its write policy, delivery fails until it is there (and says so
            # in the flow log's status).
            opts=self._child(depends_on=[write]),
        )

    def _endpoints(
        self, vpc: aws.ec2.Vpc, private: list[aws.ec2.Subnet], private_rts: list[aws.ec2.RouteTable]
    ) -> None:
        settings, cluster, region = self.settings, self.stack.cluster_name, self.stack.aws.region
        # S3 gateway endpoint: free, and ECR image layers come from S3.
        aws.ec2.VpcEndpoint(
            self.child_name("s3"),
            vpc_id=vpc.id,
            service_name=f"com.amazonaws.{region}.s3",
            vpc_endpoint_type="Gateway",
            route_table_ids=[rt.id for rt in private_rts],
            tags=self._tags(f"{cluster}-s3"),
            opts=self._child(),
        )
        if not settings.interface_endpoints:
            return
        sg = aws.ec2.SecurityGroup(
            self.child_name("endpoints"),
            vpc_id=vpc.id,
            description="HTTPS from inside the VPC to the interface endpoints",
            tags=self._tags(f"{cluster}-endpoints"),
            opts=self._child(),
        )
        sources = [("endpoints-https", "HTTPS from the VPC", settings.vpc_cidr)]
        if settings.pod_cidr:  # pods in the pod range reach the endpoints too
            sources.append(
                ("endpoints-https-pods", "HTTPS from the pods' range", settings.pod_cidr)
            )
        for name, description, cidr in sources:
            aws.vpc.SecurityGroupIngressRule(
                self.child_name(name),
                security_group_id=sg.id,
                description=description,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_ipv4=cidr,
                tags=self._tags(f"{cluster}-{name}"),
                opts=self._child(),
            )
        for service in settings.interface_endpoint_services:
            aws.ec2.VpcEndpoint(
                self.child_name(service.replace(".", "-")),
                vpc_id=vpc.id,
                service_name=f"com.amazonaws.{region}.{service}",
                vpc_endpoint_type="Interface",
                private_dns_enabled=True,
                subnet_ids=[sn.id for sn in private],
                security_group_ids=[sg.id],
                tags=self._tags(f"{cluster}-{service}"),
                opts=self._child(),
            )
