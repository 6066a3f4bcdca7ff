"""pulumi stack history --json | python -m preflight.history

Prints the commit of the stack's last successful `pulumi up` from a clean checkout that this
repository has (the `git.head` the CLI records with each update), or nothing: the deploy
workflow reviews the change against it (`python -m preflight --against`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def last_deployed_commit(
    history: Iterable[Mapping[str, Any]], known: Callable[[str], bool]
) -> str | None:
    """The newest update that succeeded, from a clean tree, at a commit `known` to this clone
    (refreshes, previews, failed updates and local uncommitted trees are no baseline)."""
    for update in history:  # newest first, as the CLI lists them
        environment = update.get("environment") or {}
        commit = environment.get("git.head", "")
        if (
            update.get("kind") == "update"
            and update.get("result") == "succeeded"
            and environment.get("git.dirty") != "true"
            and commit
            and known(commit)
        ):
            return commit
    return None


def _in_this_clone(commit: str) -> bool:
    found = subprocess.run(["git", "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    return found.returncode == 0


def main() -> int:
    text = sys.stdin.read().strip()
    commit = last_deployed_commit(json.loads(text) if text else [], _in_this_clone)
    print(commit or "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
