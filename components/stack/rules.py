"""The changes to a deployed stack that must not reach AWS: those AWS rejects after part of the
change was applied, and those that destroy what the stack holds. Pure: the previous and the new
`Deployment` in, one message per refused change out, each naming the setting, why, and what to do
instead. Each rule cites where AWS says so.

`allowDisruptiveChanges` lifts only the refusals listed in DISRUPTIVE_CHANGES (changes AWS
accepts but that delete or undo things on purpose); what AWS rejects cannot be allowed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from components.base.config import PROJECT
from components.cluster.versions import utc_today
from components.stack.record import Deployment
from components.stack.settings import DISRUPTIVE_CHANGES
from components.stack.upgrade import plan_versions

PREFIX_KEYS = {
    "private": "network.privateSubnetPrefix",
    "public": "network.publicSubnetPrefix",
    "intra": "network.intraSubnetPrefix",
    "pod": "network.podSubnetPrefix",
}
# "You can't change which VPC you want to use after cluster creation" (EKS user guide,
# create-cluster): the network rules below all come back to it.
SAME_VPC = "a cluster stays in the VPC it was created in (EKS user guide, create-cluster)"


def refusals(
    previous: Deployment,
    current: Deployment,
    allowed: Collection[str] = (),
    today: dt.date | None = None,
) -> list[str]:
    """Every refused change from `previous` to `current`; empty when the update is safe."""
    assert set(allowed) <= set(DISRUPTIVE_CHANGES), "allowed changes are validated settings"
    versions = plan_versions(
        previous.running,
        current.kubernetes_version,
        allowed,
        today or utc_today(),
        managed_nodes=current.compute_mode == "managed",
    )
    found = [
        *_cluster_name(previous, current),
        *_network(previous, current),
        *_zones(previous, current),
        *versions.refusals,
        *_force_upgrade(previous, current),
    ]
    if (
        previous.deployer
        and current.deployer
        and previous.deployer != current.deployer
        and "controllers.deployerPrincipalArn" not in allowed
    ):
        found.append(
            _message(
                "controllers.deployerPrincipalArn",
                previous.deployer,
                current.deployer,
                "the controllers' cluster-admin access entry would move to another identity (and "
                "back on the next deploy by the first: CI and people would take it from each "
                "other, and a refresh without it fails). Set controllers.deployerPrincipalArn to "
                "the identity that deploys and run as it, or add "
                f'"controllers.deployerPrincipalArn" to {PROJECT}:allowDisruptiveChanges to move it',
            )
        )
    found += _compute_mode(previous, current, "compute.mode" in allowed)
    return found


def _message(key: str, before: object, after: object, why: str) -> str:
    return f"{PROJECT}:{key}: {before} -> {after}: {why}"


def _cluster_name(previous: Deployment, current: Deployment) -> list[str]:
    # `name` forces a new aws_eks_cluster (terraform-provider-aws internal/service/eks/cluster.go,
    # ForceNew; preflight/replacements.json holds it with its source).
    if previous.cluster_name == current.cluster_name:
        return []
    return [
        _message(
            "clusterName",
            previous.cluster_name,
            current.cluster_name,
            "the name is fixed at creation, so this deletes the cluster and everything in it "
            "and builds an empty one. Keep the name; a new cluster is a new stack",
        )
    ]


def _network(previous: Deployment, current: Deployment) -> list[str]:
    """The network's refusals: a change of mode says it all; otherwise each of its parts."""
    if previous.network_mode != current.network_mode:
        return _network_mode(previous, current)
    return [
        *_vpc_id(previous, current),
        *_ipam_pool(previous, current),
        *_vpc_cidr(previous, current),
        *_pod_cidr(previous, current),
        *_subnet_prefixes(previous, current),
        *(_control_plane_zones(previous, current) if previous.vpc_id == current.vpc_id else []),
    ]


def _network_mode(previous: Deployment, current: Deployment) -> list[str]:
    if previous.network_mode == "existing":
        why = (
            f"the stack would build a VPC of its own, but {SAME_VPC}: EKS refuses to move it "
            f"out of {previous.vpc_id}. Keep mode 'existing'; a network of the stack's own is a "
            "new stack (blue/green)"
        )
    else:
        why = (
            f"this deletes the stack's VPC, subnets, NAT gateways and endpoints under the "
            f"running cluster, and {SAME_VPC}. Keep mode 'create'; a cluster in the existing "
            "VPC is a new stack (blue/green)"
        )
    return [_message("network.mode", previous.network_mode, current.network_mode, why)]


def _vpc_id(previous: Deployment, current: Deployment) -> list[str]:
    if previous.vpc_id == current.vpc_id:
        return []
    return [
        _message(
            "network.vpcId",
            previous.vpc_id,
            current.vpc_id,
            f"{SAME_VPC}. Keep {previous.vpc_id}; another VPC is a new stack",
        )
    ]


def _ipam_pool(previous: Deployment, current: Deployment) -> list[str]:
    # `ipv4_ipam_pool_id` forces a new aws_vpc (internal/service/ec2/vpc_.go, ForceNew; held
    # with its source in preflight/replacements.json), from a pool, to one or to none alike.
    if previous.ipam_pool_id == current.ipam_pool_id:
        return []
    return [
        _message(
            "network.ipamPoolId",
            previous.ipam_pool_id or "(none: a literal vpcCidr)",
            current.ipam_pool_id or "(none: a literal vpcCidr)",
            f"where the VPC's range comes from is fixed at creation: a second VPC would be "
            f"built, and {SAME_VPC}. Keep it; another pool is a new stack",
        )
    ]


def _pod_cidr(previous: Deployment, current: Deployment) -> list[str]:
    # Adding a pod range is additive (a CIDR association, subnets, routes). Changing or removing
    # it disassociates the range, which AWS refuses while subnets and ENIs use it ("You must
    # detach or delete all gateways and resources that are associated with the CIDR block",
    # DisassociateVpcCidrBlock; "You must terminate all running instances in the subnet",
    # DeleteSubnet: botocore 1.44.18 ec2 service model).
    if not previous.pod_cidr or previous.pod_cidr == current.pod_cidr:
        return []
    return [
        _message(
            "network.podCidr",
            previous.pod_cidr,
            current.pod_cidr or "(none)",
            "pods hold their addresses in the pod subnets: replacing or removing them fails "
            "while those ENIs exist (DeleteSubnet, DisassociateVpcCidrBlock), after the new "
            "range was added. Keep it; drain the nodes first and then use a new stack to go "
            "without one",
        )
    ]


def _control_plane_zones(previous: Deployment, current: Deployment) -> list[str]:
    # "All subnets that you add must be in the same set of AZs as originally provided when you
    # created the cluster" (EKS user guide, network-reqs.adoc 101184ec, read 2026-12-06):
    # UpdateClusterConfig fails mid-update otherwise. Records from before have no set to compare.
    before, after = set(previous.control_plane_zones), set(current.control_plane_zones)
    if not before or not after or before == after:
        return []
    return [
        _message(
            "network.controlPlaneSubnetIds",
            sorted(before),
            sorted(after),
            "EKS takes new control-plane subnets only in the AZs the cluster was created with: "
            f"name subnets in {sorted(before)}",
        )
    ]


def pod_range_notes(previous: Deployment, current: Deployment) -> list[str]:
    """What to do after adding a pod range to a running cluster: "it can take a cluster up to
    one hour for a CIDR block that you associated with a VPC to be recognized", and until then
    the kubelet API (logs, exec, port-forward) and webhook backends fail for pods there (EKS user
    guide, network-reqs.adoc, awsdocs/amazon-eks-user-guide 101184ec, read 2026-12-06)."""
    if previous.pod_cidr or not current.pod_cidr:
        return []
    return [
        f"network.podCidr {current.pod_cidr} added to a running cluster: the control plane "
        "recognises it only after a reconciliation of up to one hour (EKS network "
        "requirements); pods that start on new network interfaces take addresses there at once, "
        "and until then `kubectl logs/exec/port-forward` and webhooks fail for them. Add the "
        "range in a quiet window and roll no nodes and restart no webhook pods (Load Balancer "
        "Controller, Karpenter, metrics-server) for an hour (docs/day2.md)"
    ]


def _vpc_cidr(previous: Deployment, current: Deployment) -> list[str]:
    # `cidr_block` forces a new aws_vpc (internal/service/ec2/vpc_.go); a cluster's VPC cannot
    # change ("You can't change which VPC you want to use after cluster creation", EKS user
    # guide, create-cluster).
    if previous.vpc_cidr == current.vpc_cidr:
        return []
    return [
        _message(
            "network.vpcCidr",
            previous.vpc_cidr,
            current.vpc_cidr,
            "a VPC's range is fixed at creation: a second VPC with every subnet and NAT gateway "
            "would be built, then EKS refuses to move the cluster into it. Keep the range; a "
            "bigger network is a new stack",
        )
    ]


def _subnet_prefixes(previous: Deployment, current: Deployment) -> list[str]:
    # `cidr_block` forces a new aws_subnet (internal/service/ec2/vpc_subnet.go); the plan gives
    # each AZ its block by prefix (components/network/subnet_plan.py), so all of them move.
    return [
        _message(
            PREFIX_KEYS.get(tier, f"network.{tier}SubnetPrefix"),
            f"/{before}",
            f"/{current.subnet_prefixes.get(tier)}",
            "every subnet of the plan is renumbered; each replacement is created before the "
            "subnet it replaces is deleted and overlaps it (InvalidSubnet.Conflict), and the NAT "
            "gateways and node groups in them would be replaced. Subnet sizes are fixed once "
            "deployed",
        )
        for tier, before in sorted(previous.subnet_prefixes.items())
        if current.subnet_prefixes.get(tier) != before
        # a pod range changed or removed is refused as that (_pod_cidr)
        and not (tier == "pod" and previous.pod_cidr != current.pod_cidr)
    ]


def _zones(previous: Deployment, current: Deployment) -> list[str]:
    before, after = previous.availability_zones, current.availability_zones
    if before == after:
        return []
    if added := [z for z in after if z not in before]:
        why = f"adds {added}"
    elif removed := [z for z in before if z not in after]:
        why = f"removes {removed}"
    else:
        why = "reorders them (each AZ's subnets have their place in the plan)"
    return [
        _message(
            "network.availabilityZones",
            list(before),
            list(after),
            f'{why}: EKS keeps the control plane in the AZs it was created with ("All subnets '
            'that you add must be in the same set of AZs as originally provided", EKS network '
            "requirements; aws/containers-roadmap#170), so the cluster update would fail after "
            f"the network changed. Keep {list(before)}; other AZs need a new stack",
        )
    ]


def _compute_mode(previous: Deployment, current: Deployment, allowed: bool) -> list[str]:
    before, after = previous.compute_mode, current.compute_mode
    if before == after or (after == "auto" and allowed):
        return []
    if after == "auto":
        why = (
            "in one update this deletes every managed node group, the EBS CSI driver and the "
            "Pod Identity agent while workloads still run on them, and EBS CSI volumes cannot be "
            "mounted by Auto Mode's driver (EKS user guide, 'Migrate to EKS Auto Mode'). Follow "
            "docs/day2.md 'Migrating compute mode', then add \"compute.mode\" to "
            f"{PROJECT}:allowDisruptiveChanges for that one update"
        )
    else:
        why = (
            "turning Auto Mode off needs its compute, block storage and load balancing "
            "capabilities disabled explicitly in one cluster update (terraform-aws-eks #3457), "
            "which this baseline does not do, and its nodes and volumes would go. Build a "
            "managed-node-group stack beside it instead"
        )
    return [_message("compute.mode", before, after, why)]


def _force_upgrade(previous: Deployment, current: Deployment) -> list[str]:
    before, after = previous.running, current.running
    if not current.force_upgrade or (before.control_plane, before.nodes) != (
        after.control_plane,
        after.nodes,
    ):
        return []
    return [
        f"{PROJECT}:cluster.forceUpgrade: true: this update changes no Kubernetes version, and "
        "forcing is for the one update that does (it overrides EKS's upgrade readiness checks "
        "and PodDisruptionBudgets). Remove it"
    ]
