"""EKS relationships shared by the IAM and add-on stack policies."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from . import _types as t
from ._graph import StackGraph, StackResource
from ._props import UNKNOWN, get, to_bool


def is_auto_mode(cluster: StackResource) -> bool:
    """EKS Auto Mode runs networking, kube-proxy, DNS, storage and Pod Identity itself."""
    enabled = to_bool(get(cluster.props, "computeConfig", "enabled"), default=False)
    return enabled is True


def cluster_addons(graph: StackGraph, cluster: StackResource) -> dict[Any, list[StackResource]]:
    """The stack's add-ons of `cluster`, by add-on name (names unknown at preview under UNKNOWN)."""
    found: dict[Any, list[StackResource]] = defaultdict(list)
    for addon in graph.referrers(cluster, (t.EKS_ADDON,), ("clusterName",)):
        name = get(addon.props, "addonName")
        if isinstance(name, str) or name is UNKNOWN:
            found[name].append(addon)
    return found


def node_roles(graph: StackGraph) -> dict[str, StackResource]:
    """Roles the nodes run as: node groups' nodeRoleArn and Auto Mode's computeConfig.nodeRoleArn."""
    roles: dict[str, StackResource] = {}
    for group in graph.of_type(t.EKS_NODE_GROUP):
        for role in graph.references(group, ("nodeRoleArn",), (t.IAM_ROLE,)):
            roles[role.urn] = role
    for cluster in graph.of_type(t.EKS_CLUSTER):
        if get(cluster.props, "computeConfig", "nodeRoleArn") is None:
            continue
        for role in graph.references(cluster, ("computeConfig", "nodeRoleArn"), (t.IAM_ROLE,)):
            roles[role.urn] = role
    return roles
