"""`cluster.*`: who reaches the API endpoint and how, which logs the control plane writes, and
what protects the cluster from deletion."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass

from components.base.config import Check, section, setting
from components.base.config.kinds import Boolean, Strings

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
SECURITY_GROUP_ID = re.compile(r"^sg-([0-9a-f]{8}|[0-9a-f]{17})$")
# Where a connected network (peering, VPN, Transit Gateway) reaches a private endpoint from.
PRIVATE_RANGES = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)
PRINCIPAL_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:(role|user)/[\w+=,.@/-]{1,512}$")


def refuse_repeats(check: Check, key: str, values: tuple[str, ...]) -> None:
    """Each list entry becomes a resource named after it: a repeat would be two resources of
    one name, which the engine refuses (duplicate URN) after the plan was shown."""
    if repeated := sorted({v for v in values if values.count(v) > 1}):
        check.fail(key, list(values), f"a list without repeats ({repeated} repeat)")


def networks(
    check: Check, key: str, cidrs: tuple[str, ...]
) -> list[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    """The CIDRs of `key` that parse, each with its network; a problem for each that does not."""
    parsed = []
    for cidr in cidrs:
        try:
            parsed.append((cidr, ipaddress.ip_network(cidr)))
        except ValueError:
            check.fail(key, list(cidrs), f"valid CIDRs ({cidr!r} is not)")
    return parsed


@dataclass(frozen=True)
class EndpointAccessSettings:
    """Who may open TCP 443 to the private API endpoint besides the cluster itself: the EKS user
    guide's "allow ingress traffic on port 443 from your bastion host" / "from your connected
    network" on the cluster security group (cluster-endpoint.html, "Accessing a private only
    API server", read 2026-12-06)."""

    security_group_ids: tuple[str, ...] = setting(
        "securityGroupIds",
        Strings(doc="list of security group ids"),
        default=(),
        doc="Security groups (of this VPC or a peered one) whose members reach the private API "
        "endpoint on 443: a CI runner's or a bastion's.",
    )
    cidrs: tuple[str, ...] = setting(
        "cidrs",
        Strings(doc="list of private IPv4 CIDRs"),
        default=(),
        doc="Private networks (VPN, peering, Transit Gateway) that reach the private API endpoint "
        "on 443; public addresses go in `publicAccessCidrs`.",
    )

    @property
    def any(self) -> bool:
        return bool(self.security_group_ids or self.cidrs)

    def checked(self, check: Check) -> EndpointAccessSettings:
        refuse_repeats(check, "securityGroupIds", self.security_group_ids)
        refuse_repeats(check, "cidrs", self.cidrs)
        if bad := [g for g in self.security_group_ids if not SECURITY_GROUP_ID.match(g)]:
            check.fail(
                "securityGroupIds",
                list(self.security_group_ids),
                f"security group ids like sg-0123456789abcdef0 (not {bad})",
            )
        for cidr, network in networks(check, "cidrs", self.cidrs):
            if network.version != 4 or not any(network.subnet_of(r) for r in PRIVATE_RANGES):
                check.fail(
                    "cidrs",
                    list(self.cidrs),
                    f"private IPv4 ranges (10/8, 172.16/12, 192.168/16, 100.64/10); {cidr} is "
                    "not: a public network reaches the API through publicAccessCidrs",
                )
        return self


@dataclass(frozen=True)
class ClusterSettings:
    public_access_cidrs: tuple[str, ...] = setting(
        "publicAccessCidrs",
        Strings(doc="list of CIDRs"),
        default=(),
        doc="Empty: private endpoint only. Otherwise the public endpoint is on for exactly these "
        "CIDRs (private access stays on); `0.0.0.0/0` and `::/0` are refused.",
    )
    log_types: tuple[str, ...] = setting(
        "logTypes",
        Strings(doc="list of log types"),
        default=CONTROL_PLANE_LOG_TYPES,
        doc="Control-plane log types: `api`, `audit`, `authenticator`, `controllerManager`, "
        "`scheduler`.",
    )
    deletion_protection: bool = setting(
        "deletionProtection", Boolean(), default=False, doc="EKS deletion protection (on in prod)."
    )
    zonal_shift: bool = setting(
        "zonalShift", Boolean(), default=False, doc="ARC zonal shift for the cluster (on in prod)."
    )
    protect: bool = setting(
        "protect",
        Boolean(),
        default=False,
        doc="Pulumi `protect` on the cluster: a replace or destroy fails until unprotected (on in prod).",
    )
    endpoint_access: EndpointAccessSettings = section("endpointAccess", EndpointAccessSettings)
    force_upgrade: bool = setting(
        "forceUpgrade",
        Boolean(),
        default=False,
        doc="For the one `pulumi up` that changes the Kubernetes version: override EKS's "
        "upgrade-blocking readiness checks (upgrade insights with ERROR) and a "
        "PodDisruptionBudget that blocks a node group's rolling update (`force_update_version` "
        "of the cluster and the node groups). Refused on an update that changes no version, so "
        "it cannot stay on by accident.",
    )
    admin_principal_arns: tuple[str, ...] = setting(
        "adminPrincipalArns",
        Strings(doc="list of IAM role/user ARNs"),
        default=(),
        doc="Access entries with `AmazonEKSClusterAdminPolicy`, cluster scope.",
    )
    viewer_principal_arns: tuple[str, ...] = setting(
        "viewerPrincipalArns",
        Strings(doc="list of IAM role/user ARNs"),
        default=(),
        doc="Access entries with `AmazonEKSViewPolicy`, cluster scope.",
    )

    @property
    def public_endpoint(self) -> bool:
        return bool(self.public_access_cidrs)

    def checked(self, check: Check) -> ClusterSettings:
        for cidr, network in networks(check, "publicAccessCidrs", self.public_access_cidrs):
            if network.prefixlen == 0:
                check.fail(
                    "publicAccessCidrs",
                    list(self.public_access_cidrs),
                    f"an allow-list of your own networks; {cidr} opens the API endpoint to the internet",
                )
        if unknown := sorted(set(self.log_types) - set(CONTROL_PLANE_LOG_TYPES)):
            check.fail(
                "logTypes",
                list(self.log_types),
                f"a subset of {', '.join(CONTROL_PLANE_LOG_TYPES)} (not {unknown})",
            )
        for key, arns in (
            ("adminPrincipalArns", self.admin_principal_arns),
            ("viewerPrincipalArns", self.viewer_principal_arns),
        ):
            refuse_repeats(check, key, arns)
            if bad := [a for a in arns if not PRINCIPAL_ARN.match(a)]:
                check.fail(
                    key,
                    list(arns),
                    f"IAM role or user ARNs like arn:aws:iam::123456789012:role/name (not {bad})",
                )
        if both := sorted(set(self.admin_principal_arns) & set(self.viewer_principal_arns)):
            check.fail(
                "viewerPrincipalArns",
                list(self.viewer_principal_arns),
                f"disjoint from adminPrincipalArns (both list {both})",
            )
        # The order EKS reports them in, whatever order the stack file lists them.
        log_types = tuple(t for t in CONTROL_PLANE_LOG_TYPES if t in self.log_types)
        return dataclasses.replace(self, log_types=log_types)
