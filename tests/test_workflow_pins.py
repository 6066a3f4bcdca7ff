"""Every action a workflow uses is pinned to a full commit SHA, with the release it is in a
comment: a tag can be moved to other code, a commit cannot. A reusable workflow of this
repository is called in GitHub's self-repository form (`$/...`), which runs it at the caller's
own commit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_workflows import (
    AWS_ACTION,
    CHECKOUT_ACTION,
    PULUMI_ACTION,
    ROOT,
    SELF,
    SETUP_PYTHON_ACTION,
    WORKFLOW_DIR,
)

# `uses: owner/repo[/path]@<40 hex>  # vX.Y.Z`, as written in the file (YAML drops comments).
PINNED = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w.-]+(?:/[\w./-]+)?)@(?P<sha>[0-9a-f]{40})"
    r"\s+#\s+(?P<version>v\d+\.\d+\.\d+)\s*$"
)
USES = re.compile(r"^\s*(?:-\s+)?uses:")
SELF_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+\$/(\S+)\s*$")
# The commits checked against each repository's tags (`git rev-parse <tag>^{commit}` on a clone,
# 2026-11-25). aws-actions/configure-aws-credentials has no v6.3.0 tag; v6.2.3 is its newest
# v6 release (the v6 tag points at the same commit).
RELEASES = {
    CHECKOUT_ACTION: ("de0fac2e4500dabe0009e67214ff5f5447ce83dd", "v6.0.2"),
    SETUP_PYTHON_ACTION: ("a309ff8b426b58ec0e2a45f0f869d46889d02405", "v6.2.0"),
    AWS_ACTION: ("e6de054238d6b7531b4efff3b6587d9aade6a06c", "v6.2.3"),
    PULUMI_ACTION: ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}


def uses_lines() -> list[tuple[str, int, str]]:
    return [
        (path.name, number, line)
        for path in sorted(WORKFLOW_DIR.glob("*.y*ml"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if USES.match(line) and not SELF_USES.match(line)
    ]


def test_local_workflows_are_called_in_the_self_repository_form() -> None:
    """`$/...` (GitHub changelog 2026-07-30, "Reference same-repository actions with
    self-repository syntax"; zizmor's self-repository audit) instead of the workspace path
    `./...`, which a previous step could have replaced."""
    called = [
        SELF_USES.match(line)[1]
        for path in WORKFLOW_DIR.glob("*.y*ml")
        for line in path.read_text().splitlines()
        if SELF_USES.match(line)
    ]
    assert called
    for target in called:
        assert (ROOT / target).is_file() and target.startswith(SELF[2:]), target
    assert not any("uses: ./" in p.read_text() for p in WORKFLOW_DIR.glob("*.y*ml"))


def test_every_action_is_pinned_to_a_commit_with_its_release_in_a_comment() -> None:
    found = uses_lines()
    assert found
    unpinned = [
        f"{name}:{number}: {line.strip()}" for name, number, line in found if not PINNED.match(line)
    ]
    assert unpinned == [], "pin to a full commit SHA with '# vX.Y.Z' after it"


def test_each_action_is_the_one_checked_release_everywhere() -> None:
    pins = {}
    for name, number, line in uses_lines():
        match = PINNED.match(line)
        assert match, f"{name}:{number}"
        pins.setdefault(match["action"], set()).add((match["sha"], match["version"]))
    assert set(pins) == set(RELEASES)
    assert {action: {RELEASES[action]} for action in pins} == pins


def test_the_rule_refuses_tags_branches_and_silent_shas() -> None:
    sha = "de0fac2e4500dabe0009e67214ff5f5447ce83dd"
    assert PINNED.match(f"      - uses: actions/checkout@{sha}  # v6.0.2")
    for line in (
        "      - uses: actions/checkout@v6.0.2",
        "      - uses: actions/checkout@main",
        f"      - uses: actions/checkout@{sha}",
        f"      - uses: actions/checkout@{sha[:12]}  # v6.0.2",
        f"      - uses: actions/checkout@{sha}  # v6",
    ):
        assert not PINNED.match(line), line


def test_zizmor_finds_nothing_offline() -> None:
    """zizmor (default persona) audits every workflow without network access."""
    zizmor = Path(sys.executable).parent / "zizmor"
    if not zizmor.exists():
        pytest.skip("zizmor is not installed (requirements.txt)")
    result = subprocess.run(
        [str(zizmor), "--offline", "--no-progress", "--format=plain", str(WORKFLOW_DIR)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout
