"""Layering one config value over another."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def deep_merge(base: Any, override: Any) -> Any:
    """`override` over `base`: objects merge key by key (recursively), anything else replaces."""
    if isinstance(base, Mapping) and isinstance(override, Mapping):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
        return merged
    return override
