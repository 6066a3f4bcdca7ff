"""Choosing the stack's availability zones from what the region offers."""

from __future__ import annotations

from collections.abc import Sequence

# AZs where EKS cannot place control-plane ENIs (EKS user guide, "Amazon EKS clusters" requirements).
EKS_UNSUPPORTED_ZONE_IDS = ("use1-az3", "usw1-az2", "cac1-az3")


def choose_zones(available: Sequence[str], pinned: Sequence[str], count: int) -> tuple[str, ...]:
    """The pinned AZs, or the first `count` available ones; ValueError says what is missing."""
    if pinned:
        if missing := [z for z in pinned if z not in available]:
            raise ValueError(
                f"{missing} not available to EKS in this region; available: {', '.join(available)}"
            )
        return tuple(pinned)
    if len(available) < count:
        raise ValueError(
            f"the region offers {len(available)} usable AZs ({', '.join(available)}), not {count}"
        )
    return tuple(available[:count])
