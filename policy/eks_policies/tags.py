"""Required tags on taggable AWS resources (including the provider's default tags)."""

from __future__ import annotations

import json
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import _types as t
from ._policy import BaselineResourcePolicy, Config, setting
from ._props import UNKNOWN, Props, contains_unknown, get, tag_keys, undecided

# Types this baseline (and typical forks) create that accept `tags`. Routes, route table
# associations, policy attachments, KMS aliases, access policy associations and dashboards don't.
TAGGABLE_TYPES = frozenset(
    {
        t.VPC,
        t.SUBNET,
        t.ROUTE_TABLE,
        t.INTERNET_GATEWAY,
        t.NAT_GATEWAY,
        t.EIP,
        t.SECURITY_GROUP,
        t.DEFAULT_SECURITY_GROUP,
        t.SECURITY_GROUP_INGRESS_RULE,
        t.SECURITY_GROUP_EGRESS_RULE,
        t.FLOW_LOG,
        t.VPC_ENDPOINT,
        t.LOG_GROUP,
        t.KMS_KEY,
        t.IAM_ROLE,
        t.IAM_POLICY,
        t.OIDC_PROVIDER,
        t.EKS_CLUSTER,
        t.EKS_NODE_GROUP,
        t.EKS_ADDON,
        t.EKS_ACCESS_ENTRY,
        t.EKS_POD_IDENTITY_ASSOCIATION,
        t.LAUNCH_TEMPLATE,
        t.SNS_TOPIC,
        t.METRIC_ALARM,
        t.SQS_QUEUE,
        t.EVENT_RULE,
        t.AMP_WORKSPACE,
        t.AMP_SCRAPER,
    }
)


def default_tag_keys(provider_props: Props | None) -> set[str]:
    """Keys of the AWS provider's defaultTags; provider config may arrive as a JSON string."""
    default_tags = get(provider_props or {}, "defaultTags")
    if isinstance(default_tags, str):
        try:
            default_tags = json.loads(default_tags)
        except ValueError:
            return set()
    return tag_keys(get(default_tags, "tags"))


def check_required_tags(
    props: Props, config: Config, provider_props: Props | None = None
) -> list[str]:
    tags: Any = get(props, "tags")
    if tags is UNKNOWN:
        return [undecided("tags")]
    present = tag_keys(tags) | default_tag_keys(provider_props)
    missing = [key for key in config["requiredTags"] if key not in present]
    if missing and contains_unknown(get(provider_props or {}, "defaultTags")):
        return [undecided("defaultTags")]  # the provider's default tags come at `up`
    if missing:
        return [f"missing required tag(s): {', '.join(missing)}"]
    return []


REQUIRED_TAGS = BaselineResourcePolicy(
    name="required-tags",
    summary="Taggable AWS resources carry the required tags",
    level=EnforcementLevel.ADVISORY,
    checks=dict.fromkeys(TAGGABLE_TYPES, check_required_tags),
    remediation="Add the missing keys to the resource's tags, or to the AWS provider's default_tags.",
    severity=Severity.LOW,
    pass_provider=True,
    settings={
        "requiredTags": setting(
            "array",
            ["project", "stack", "owner"],
            "Tag keys every taggable resource must have.",
            items={"type": "string"},
        )
    },
)

POLICIES = [REQUIRED_TAGS]
