"""The settings of each network mode, as the network tests run dev with them: a pod range, an
existing VPC (the mocked landing zone's, one node subnet without a route out so the endpoints are
looked up too) and a VPC range from the organisation's IPAM pool (a stack never deployed)."""

from __future__ import annotations

from typing import Any

from preflight.offline import landing_zone

REGION = "eu-west-1"  # dev's
SHARED_VPC = landing_zone._ids(REGION)["vpc"]


def shared_subnet(name: str) -> str:
    return landing_zone.shared_subnet_id(REGION, name)


POD_RANGE: dict[str, Any] = {"network": {"podCidr": "100.64.0.0/16"}}
EXISTING_VPC: dict[str, Any] = {
    "network": {
        "vpcCidr": None,
        "natMode": None,
        "interfaceEndpoints": None,
        "mode": "existing",
        "vpcId": SHARED_VPC,
        "controlPlaneSubnetIds": [shared_subnet(f"control-{i}") for i in range(3)],
        "nodeSubnetIds": [
            shared_subnet("isolated-0"),
            shared_subnet("node-1"),
            shared_subnet("node-2"),
        ],
        "publicSubnetIds": [shared_subnet(f"public-{i}") for i in range(3)],
    }
}
IPAM_POOL: dict[str, Any] = {
    "network": {"vpcCidr": None, "ipamPoolId": landing_zone.IPAM_POOL, "ipamNetmaskLength": 16}
}
MODES = {"pod range": POD_RANGE, "existing VPC": EXISTING_VPC, "IPAM pool": IPAM_POOL}
