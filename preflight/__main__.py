"""python -m preflight --stack <name> [--against GIT_REF | --online] [--json] [--config key=value ...]

The verdict of `pulumi preview --policy-pack policy` without credentials: runs the program for
a stack against the mocked cloud, then reports the resources, the policy pack's verdicts, an
estimated monthly cost and an estimated first-deploy time. With --against, the change review
instead: what `pulumi up` would create, update, replace and delete going from the stack as
deployed at GIT_REF to the working tree, and the changes to refuse. With --online, a read-only
readiness check against the AWS account (docs/online.md): exit 0 ready, 1 blocked, 2 could not
check.

Exit status: 0 when no mandatory policy is violated (nothing is refused), 1 when one is, 2 when
the stack's settings are invalid (the program's own message), the stack or the ref does not exist.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from components.base.config import SettingsError
from components.base.config.merge import deep_merge
from preflight.offline.runner import ROOT, ProgramRun, run_program, stacks

# Each path imports what only it needs when it runs: the online check's fresh process would
# otherwise pay for the change review, the policy pack and the cost tables (docs/online.md).
if TYPE_CHECKING:
    from preflight.offline.analyzer import Violation
    from preflight.offline.recorder import Registration


def parse_override(text: str) -> dict[str, Any]:
    """`cluster.publicAccessCidrs=["203.0.113.0/24"]` -> {"cluster": {"publicAccessCidrs": [...]}}.

    Keys are project keys (or `namespace:key`); a dotted key sets a field of an object; the
    value is JSON when it parses as JSON, else a string.
    """
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--config wants key=value, got {text!r}")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    path = [key] if ":" in key else key.split(".")
    for part in reversed(path[1:]):
        value = {part: value}
    return {path[0]: value}


def component_tree(registrations: Sequence[Registration]) -> list[dict[str, Any]]:
    """Each component with the number of resources of each type it holds."""
    children: dict[str | None, list[Registration]] = defaultdict(list)
    for r in registrations:
        children[r.parent].append(r)
    components = [r for r in registrations if not r.custom]
    return [
        {
            "name": c.name,
            "type": c.type,
            "total": len(children[c.urn]),
            "by_type": _counts(r.type for r in children[c.urn]),
        }
        for c in sorted(components, key=lambda c: c.name)
    ]


def _counts(types: Iterable[str]) -> dict[str, int]:
    """Count per type, largest first, ties by name: the same order on every run."""
    return dict(sorted(Counter(types).items(), key=lambda kv: (-kv[1], kv[0])))


# An existing VPC's subnets by tier, under the names the program exports them (the network's
# outputs: control-plane subnets are the intra tier's place, node subnets the private tier's).
EXISTING_TIERS = {
    "control plane": "intraSubnetIds",
    "nodes": "privateSubnetIds",
    "public": "publicSubnetIds",
}


def existing_vpc(run: ProgramRun) -> dict[str, Any] | None:
    """The existing VPC the stack goes into (`network.mode: existing`) and the subnet ids of each
    tier, as the program exports them; None for a VPC of the stack's own."""
    if (run.outputs.get("deployment") or {}).get("networkMode") != "existing":
        return None
    return {
        "id": run.outputs.get("vpcId"),
        "subnet_ids": {
            tier: list(run.outputs.get(key) or []) for tier, key in EXISTING_TIERS.items()
        },
    }


ACCESS_POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"


def cluster_admins(registrations: Sequence[Registration]) -> list[str]:
    """The principals the stack gives cluster admin (an access policy association with EKS's
    cluster-admin policy), in registration order: who can run kubectl after `pulumi up`."""
    from components.base.iam import CLUSTER_ADMIN_POLICY

    return list(
        dict.fromkeys(
            str(r.inputs.get("principalArn"))
            for r in registrations
            if r.type == ACCESS_POLICY_ASSOCIATION
            and str(r.inputs.get("policyArn", "")).endswith(f"/{CLUSTER_ADMIN_POLICY}")
        )
    )


def report(
    run: ProgramRun, violations: Sequence[Violation], policy_config: str | None
) -> dict[str, Any]:
    resources = [r for r in run.registrations if r.custom]
    from preflight.estimates import (
        REFERENCE_REGION,
        estimate_cost,
        estimate_deploy,
        priced_elsewhere,
        stack_region,
        subnet_plan,
    )

    cost = estimate_cost(run.registrations)
    deploy = estimate_deploy(run.registrations)
    plan = subnet_plan(run.registrations)
    reference = None
    if cost.unpriced and cost.region != REFERENCE_REGION:
        usd, count = priced_elsewhere(run.registrations, cost.unpriced, REFERENCE_REGION)
        reference = {"region": REFERENCE_REGION, "usd": usd, "items": count}
    return {
        "stack": run.stack,
        "resources": {
            "total": len(resources),
            "by_type": _counts(r.type for r in resources),
            "components": component_tree(run.registrations),
        },
        "policy": {
            "config": policy_config,
            **{
                level: [
                    {
                        "policy": v.policy,
                        "resource_type": v.resource_type,
                        "resource": v.resource_name,
                        "message": v.message,
                    }
                    for v in sorted(
                        violations,
                        key=lambda v: (v.policy, v.resource_type, v.resource_name, v.message),
                    )
                    if v.level == level
                ]
                for level in ("mandatory", "advisory")
            },
        },
        "network": {
            "region": stack_region(run.registrations),
            "availability_zones": list(plan) or list(run.outputs.get("availabilityZones") or []),
            "subnets": [
                {"availability_zone": az, "kind": kind, "cidr": cidr}
                for az, subnets in plan.items()
                for kind, cidr in subnets
            ],
            "existing_vpc": existing_vpc(run),
        },
        "cluster_admins": cluster_admins(run.registrations),
        "cost": {
            "monthly_usd": cost.monthly_usd,
            "at_least": cost.at_least,
            "region": cost.region,
            "prices_as_of": cost.as_of,
            "sources": list(cost.sources),
            "items": [i.as_dict() for i in cost.items],
            "unpriced": [i.as_dict() for i in cost.unpriced],
            "unpriced_at_reference_prices": reference,
            "not_included": list(cost.not_included),
        },
        "deploy": {
            "critical_path_minutes": deploy.critical_path_minutes,
            "floor_minutes": deploy.floor_minutes,
            "ratio_to_floor": deploy.ratio_to_floor,
            "path": [
                {"resource": s.name, "type": s.type, "minutes": s.minutes} for s in deploy.path
            ],
        },
        "warnings": run.warnings,
    }


def render(data: dict[str, Any]) -> str:
    lines = [f"preflight: stack {data['stack']}: {data['resources']['total']} resources", ""]
    lines.append("Resources by component")
    for c in data["resources"]["components"]:
        lines.append(f"  {c['name']} ({c['type']}): {c['total']}")
        lines += [f"    {count:>3}  {typ}" for typ, count in c["by_type"].items()]
    policy = data["policy"]
    lines += [
        "",
        f"Policy verdicts ({policy['config'] or 'default levels'}): "
        f"{len(policy['mandatory'])} mandatory, {len(policy['advisory'])} advisory",
    ]
    for level in ("mandatory", "advisory"):
        lines += [
            f"  [{level}] {v['policy']} {v['resource_type']}::{v['resource']}: {v['message']}"
            for v in policy[level]
        ]
    network = data["network"]
    zones = network["availability_zones"]
    if existing := network.get("existing_vpc"):
        lines += [
            "",
            f"Network: existing VPC {existing['id']}, {len(zones)} AZs in {network['region']} "
            f"({', '.join(zones)}); its subnets per tier",
        ]
        lines += [
            f"  {tier}: {', '.join(ids)}" for tier, ids in existing["subnet_ids"].items() if ids
        ]
    else:
        lines += [
            "",
            f"Network: {len(zones)} AZs in {network['region']} ({', '.join(zones)}); subnets per AZ",
        ]
        for az in zones:
            subnets = [
                f"{s['kind']} {s['cidr']}"
                for s in network["subnets"]
                if s["availability_zone"] == az
            ]
            lines.append(f"  {az}: {', '.join(subnets)}")
    admins = data["cluster_admins"]
    lines += ["", f"Cluster admins: {', '.join(admins) if admins else 'nobody (see Warnings)'}"]
    cost = data["cost"]
    unpriced = cost["unpriced"]
    total = f"{cost['monthly_usd']:.2f} USD"
    if cost["at_least"]:
        total = f"at least {total} ({len(unpriced)} item(s) unpriced, listed below)"
    lines += [
        "",
        f"Estimated monthly cost: {total}, {cost['region']} list prices ({cost['prices_as_of']})",
    ]
    for i in cost["items"]:
        note = f"  ({i['note']})" if "note" in i else ""
        lines.append(f"  {i['monthly_usd']:>9.2f}  {i['item']}: {i['formula']}{note}")
    lines += [f"   unpriced  {i['item']}: {i['formula']}  ({i['note']})" for i in unpriced]
    if reference := cost["unpriced_at_reference_prices"]:
        lines.append(
            f"  At {reference['region']} prices {reference['items']} of the unpriced items would "
            f"add {reference['usd']:.2f} USD: a reference only, prices differ by region."
        )
    lines += ["  Prices:", *[f"    {s}" for s in cost["sources"]]]
    lines.append(f"  Not included: {'; '.join(cost['not_included'])}.")
    deploy = data["deploy"]
    lines += [
        "",
        f"Estimated first deploy: {deploy['critical_path_minutes']} min on the critical path; "
        f"floor {deploy['floor_minutes']} min (cluster -> node group -> slowest add-on that needs "
        f"nodes), ratio {deploy['ratio_to_floor']}",
    ]
    lines += [f"  {s['minutes']:>5.1f} min  {s['type']}  {s['resource']}" for s in deploy["path"]]
    if data["warnings"]:
        lines += ["", "Warnings", *[f"  {w}" for w in data["warnings"]]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m preflight", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("--stack", required=True, help=f"stack to check ({', '.join(stacks())})")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument(
        "--config",
        action="append",
        default=[],
        type=parse_override,
        metavar="KEY=VALUE",
        help="override a setting for this run, e.g. cluster.publicAccessCidrs='[\"203.0.113.0/24\"]'",
    )
    parser.add_argument(
        "--against",
        metavar="GIT_REF",
        help="review the change from the stack as deployed at this git ref (e.g. the last deployed commit)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="check the stack against the AWS account, read-only (docs/online.md)",
    )
    parser.add_argument(
        "--role",
        choices=("deploy", "preview"),
        default="deploy",
        help="with --online: whose permissions to simulate, the deployer's or the preview role's",
    )
    parser.add_argument(
        "--policy-config",
        help="policy pack config (default: policy/config/<stack>.json when it exists)",
    )
    args = parser.parse_args(argv)

    overrides: dict[str, Any] = {}
    for override in args.config:
        for key, value in override.items():
            overrides[key] = deep_merge(overrides.get(key), value) if key in overrides else value
    if args.against and args.online:
        parser.error("--against and --online: one at a time")
    if args.against:
        return _review(args.stack, args.against, overrides, args.json)
    if args.online:
        return _online(args.stack, overrides, args.json, args.role)
    from preflight.offline.analyzer import PackConfigError, evaluate

    try:
        run = run_program(args.stack, overrides)
        policy_config = _policy_config(args.stack, args.policy_config)
        violations = evaluate(run.registrations, ROOT / policy_config if policy_config else None)
    except (SettingsError, FileNotFoundError, PackConfigError, ValueError) as error:
        # The user's mistake (settings, a stack or policy config that does not exist or does
        # not parse): one message and exit status 2, never a traceback.
        if args.json:
            print(json.dumps({"stack": args.stack, "error": str(error)}, indent=2))
        else:
            print(f"preflight: stack {args.stack}: {error}", file=sys.stderr)
        return 2
    data = report(run, violations, policy_config)
    if policy_config is None:
        data["warnings"].append(
            f"no policy/config/{args.stack}.json: the pack's default levels judged this stack "
            "(CI passes that file to `pulumi preview`; copy dev.json or prod.json)"
        )
    print(json.dumps(data, indent=2) if args.json else render(data))
    return 1 if data["policy"]["mandatory"] else 0


def _policy_config(stack: str, given: str | None) -> str | None:
    """The policy pack config to judge with (relative to the project): the one given, else
    policy/config/<stack>.json when it exists; a given one that does not exist is an error."""
    if given:
        if not (ROOT / given).is_file():
            raise FileNotFoundError(f"--policy-config {given}: no such file")
        return given
    default = ROOT / "policy" / "config" / f"{stack}.json"
    return str(default.relative_to(ROOT)) if default.exists() else None


def _review(stack: str, ref: str, overrides: dict[str, Any], as_json: bool) -> int:
    from components.stack.guard import handed_in_record
    from preflight.against import BadInput, change_review, render_review

    try:
        # The deployed stack's own record, when the deploy hands it in as it does to `pulumi up`.
        data = change_review(stack, ref, overrides, record=handed_in_record())
    except (BadInput, ValueError) as error:
        if as_json:
            print(
                json.dumps({"stack": stack, "against": {"ref": ref}, "error": str(error)}, indent=2)
            )
        else:
            print(f"preflight: stack {stack} against {ref}: {error}", file=sys.stderr)
        return 2
    print(json.dumps(data, indent=2) if as_json else render_review(data))
    return 1 if data["changes"]["refused"] else 0


def _online(stack: str, overrides: dict[str, Any], as_json: bool, role: str) -> int:
    from preflight.ci_roles import UnmappedError
    from preflight.online.check import online_report
    from preflight.online.findings import render as render_online

    try:
        report = online_report(stack, overrides, purpose=role)
    except (SettingsError, FileNotFoundError, ValueError, UnmappedError) as error:
        if as_json:
            print(json.dumps({"stack": stack, "online": True, "error": str(error)}, indent=2))
        else:
            print(f"preflight: stack {stack} online: {error}", file=sys.stderr)
        return 2
    data = report.as_dict()
    print(json.dumps(data, indent=2) if as_json else render_online(data))
    return report.status


if __name__ == "__main__":
    sys.exit(main())
