"""policy/README.md's policy table is generated, a column per config/<stack>.json, and
`eks_policies.catalog --write` rewrites it in place."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from eks_policies import ALL_POLICIES
from eks_policies.catalog import (
    README,
    REFRESH,
    TABLE_END,
    TABLE_START,
    render_policy_table,
    with_table,
)

POLICY_DIR = Path(__file__).resolve().parents[2] / "policy"


def readme_table(readme: Path) -> str:
    return (
        readme.read_text(encoding="utf-8").split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    )


def test_the_readme_table_is_the_generated_one() -> None:
    assert README == POLICY_DIR / "README.md"
    assert readme_table(README) == render_policy_table(ALL_POLICIES), (
        f"policy/README.md is stale: run `{REFRESH}`"
    )


def test_write_adds_a_new_stack_s_column_and_touches_nothing_else(tmp_path: Path) -> None:
    copy = tmp_path / "policy"
    shutil.copytree(POLICY_DIR, copy, ignore=shutil.ignore_patterns("venv", "__pycache__"))
    (copy / "config" / "staging.json").write_text(
        '{"log-group-retention": {"minRetentionDays": 90}}\n'
    )
    before = (copy / "README.md").read_text(encoding="utf-8")
    command = [sys.executable, "-m", "eks_policies.catalog", "--write"]
    assert REFRESH.endswith(" ".join(command[1:]))  # the command the stale message names
    subprocess.run(command, cwd=copy, check=True, capture_output=True, text=True)
    after = (copy / "README.md").read_text(encoding="utf-8")
    header = readme_table(copy / "README.md").splitlines()[0]
    columns = sorted({p.stem for p in (POLICY_DIR / "config").glob("*.json")} | {"staging"})
    assert header.startswith(f"| Policy | Default level | {' | '.join(columns)} | Kind |")
    assert before.split(TABLE_START)[0] == after.split(TABLE_START)[0]
    assert before.split(TABLE_END)[1] == after.split(TABLE_END)[1]
    # A second run finds nothing to change.
    subprocess.run(command, cwd=copy, check=True, capture_output=True)
    assert (copy / "README.md").read_text(encoding="utf-8") == after


def test_a_readme_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="markers"):
        with_table("# no table here\n", "| x |")
