"""python -m preflight.ci_comment KEY BODY_FILE

Posts BODY_FILE on the pull request (env PR_NUMBER) as the comment marked KEY, editing the one an
earlier run posted rather than adding another: each push to a pull request then leaves one
review and one readiness comment per stack, as pulumi/actions does with its preview comment. The
mark is an HTML comment, which GitHub does not render. It uses GitHub's REST API for issue
comments (pull requests are issues there) with the job's token: env GH_TOKEN, GITHUB_REPOSITORY,
GITHUB_API_URL; the job needs `pull-requests: write`. Python's standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

# Whose comments may be edited: the comments the workflow's token posts are this user's.
AUTHOR = "github-actions[bot]"

Request = Callable[[str, str, Mapping[str, Any] | None], Any]


def marker(key: str) -> str:
    return f"<!-- eks-platform:{key} -->"


def earlier(comments: Sequence[Mapping[str, Any]], key: str) -> int | None:
    """The id of the last comment the workflow posted with this mark, if any."""
    found = [
        c["id"]
        for c in comments
        if c.get("user", {}).get("login") == AUTHOR and marker(key) in (c.get("body") or "")
    ]
    return found[-1] if found else None


def github(method: str, path: str, payload: Mapping[str, Any] | None = None) -> Any:
    api = os.environ.get("GITHUB_API_URL", "https://api.github.com")
    request = urllib.request.Request(
        f"{api}{path}",
        data=json.dumps(payload).encode() if payload is not None else None,
        method=method,
        headers={
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {os.environ['GH_TOKEN']}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def post(key: str, body: str, repository: str, number: str, call: Request = github) -> str:
    """Edit the earlier comment marked `key`, or create it: what was done."""
    text = f"{marker(key)}\n{body}"
    comments: list[Mapping[str, Any]] = []
    for page in range(1, 100):
        listed = call(
            "GET", f"/repos/{repository}/issues/{number}/comments?per_page=100&page={page}", None
        )
        comments += listed
        if len(listed) < 100:
            break
    found = earlier(comments, key)
    if found is None:
        call("POST", f"/repos/{repository}/issues/{number}/comments", {"body": text})
        return "created"
    call("PATCH", f"/repos/{repository}/issues/comments/{found}", {"body": text})
    return "edited"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m preflight.ci_comment")
    parser.add_argument("key", help="what the comment is, e.g. review-dev")
    parser.add_argument("body_file", type=Path)
    args = parser.parse_args(argv)
    try:
        done = post(
            args.key,
            args.body_file.read_text(),
            os.environ["GITHUB_REPOSITORY"],
            os.environ["PR_NUMBER"],
        )
    except (urllib.error.URLError, KeyError) as error:
        print(f"::error::posting the {args.key} comment: {error!r}", file=sys.stderr)
        return 2
    print(f"{done} the {args.key} comment")
    return 0


if __name__ == "__main__":
    sys.exit(main())
