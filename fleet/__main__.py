"""python -m fleet {review,plan,matrix,bump} ...

The fleet of fleet.yaml, offline:
  review [--against REF] [--json]   every stack's change review and policy verdicts, in parallel
  plan                              the waves in order, with the gates between them
  matrix --wave N                   the GitHub Actions `strategy.matrix` of one wave (JSON)
  matrix --outputs N                fleet.yml's plan-job outputs for N wave jobs
  bump KEY VALUE [--wave N]         set one setting in the stack files, then review the fleet

Exit status: 0 fine; 1 a stack is refused (review, bump); 2 bad input: an invalid fleet.yaml
(every problem listed), an unknown ref, wave or key, settings a stack refuses.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from fleet import waves as planning
from fleet.bump import BumpError, bump_fleet
from fleet.inventory import InventoryError, load_inventory
from fleet.review import exit_status, render, review_fleet


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fleet",
        description="The stacks of fleet.yaml, reviewed together and planned in waves.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    review = commands.add_parser("review", help="every stack's change review and policy verdicts")
    review.add_argument("--against", default="HEAD", metavar="GIT_REF", help="default: HEAD")
    review.add_argument("--json", action="store_true", help="one JSON object instead of text")
    commands.add_parser("plan", help="the waves in order, with their gates")
    matrix = commands.add_parser("matrix", help="GitHub Actions matrices")
    which = matrix.add_mutually_exclusive_group(required=True)
    which.add_argument("--wave", type=int, metavar="N", help="the matrix of wave N")
    which.add_argument(
        "--outputs", type=int, metavar="JOBS", help="name=value lines for $GITHUB_OUTPUT"
    )
    bump = commands.add_parser("bump", help="set one setting in the stack files, then review")
    bump.add_argument("key", help="e.g. kubernetesVersion, addons.overrides.coredns.version")
    bump.add_argument("value")
    bump.add_argument("--wave", type=int, metavar="N", help="only the stacks of wave N")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        inventory = load_inventory()
        if args.command == "plan":
            print(planning.render_plan(planning.plan(inventory)))
            return 0
        if args.command == "matrix":
            if args.wave is not None:
                [wave] = planning.plan(inventory, args.wave)
                print(json.dumps(planning.matrix(wave)))
                return 0
            variables = json.loads(os.environ.get("REPOSITORY_VARIABLES") or "{}")
            outputs = planning.job_outputs(planning.plan(inventory), args.outputs, variables)
            print("\n".join(f"{k}={v}" for k, v in outputs.items()))
            return 0
        stacks = None
        if args.command == "bump":
            targets = [s.stack for w in planning.plan(inventory, args.wave) for s in w.stacks]
            edited = bump_fleet(targets, args.key, args.value)
            print(
                f"fleet bump: {args.key} = {args.value} in "
                + (", ".join(f"Pulumi.{s}.yaml" for s in edited) or "no stack file (all had it)"),
                file=sys.stderr,
            )
            stacks, args.against, args.json = edited, "HEAD", False
            if not edited:
                return 0
    except (InventoryError, BumpError) as error:
        prefix = "::error::" if os.environ.get("GITHUB_ACTIONS") == "true" else "fleet: "
        print("\n".join(prefix + line for line in str(error).splitlines()), file=sys.stderr)
        return 2
    results = review_fleet(inventory, args.against, stacks)
    if args.json:
        print(json.dumps({"against": args.against, "stacks": results}, indent=2))
    else:
        print(render(inventory, args.against, results))
    return exit_status(results)


if __name__ == "__main__":
    sys.exit(main())
