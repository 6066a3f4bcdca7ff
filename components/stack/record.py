"""What each deployment records in the stack output `deployment`: the settings that AWS does not
let change freely once resources exist. Read back by the next `pulumi up` and by the change review."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.stack.settings import Settings

OUTPUT = "deployment"  # the stack output that holds the record


@dataclass(frozen=True)
class Deployment:
    availability_zones: tuple[str, ...]
    vpc_cidr: str
    subnet_prefixes: Mapping[str, int]  # tier -> prefix length, as the subnet plan laid them out
    kubernetes_version: str
    compute_mode: str
    cluster_name: str
    deployer: str = ""  # who holds the controllers' cluster-admin entry ("" when they are off)

    @classmethod
    def of(cls, settings: Settings, zones: Sequence[str], deployer: str = "") -> Deployment:
        plan = settings.network.plan
        assert plan is not None, "validated settings always have a subnet plan"
        return cls(
            availability_zones=tuple(zones),
            vpc_cidr=settings.network.vpc_cidr,
            subnet_prefixes={
                "private": plan.private_prefix,
                "public": plan.public_prefix,
                "intra": plan.intra_prefix,
            },
            kubernetes_version=settings.kubernetes_version,
            compute_mode=settings.compute.mode,
            cluster_name=settings.cluster_name,
            deployer=deployer,
        )

    def as_output(self) -> dict[str, Any]:
        return {
            "availabilityZones": list(self.availability_zones),
            "vpcCidr": self.vpc_cidr,
            "subnetPrefixes": dict(self.subnet_prefixes),
            "kubernetesVersion": self.kubernetes_version,
            "computeMode": self.compute_mode,
            "clusterName": self.cluster_name,
            "deployer": self.deployer,
        }

    @classmethod
    def from_output(cls, data: Mapping[str, Any]) -> Deployment:
        """The record as `as_output` wrote it; ValueError naming what is missing or malformed."""
        try:
            return cls(
                availability_zones=tuple(str(z) for z in data["availabilityZones"]),
                vpc_cidr=str(data["vpcCidr"]),
                subnet_prefixes={str(k): int(v) for k, v in data["subnetPrefixes"].items()},
                kubernetes_version=str(data["kubernetesVersion"]),
                compute_mode=str(data["computeMode"]),
                cluster_name=str(data["clusterName"]),
                deployer=str(data.get("deployer") or ""),  # records before the controllers' access
            )
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"not a deployment record ({type(error).__name__}: {error})") from None
