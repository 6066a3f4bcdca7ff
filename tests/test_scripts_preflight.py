"""`./scripts/preflight <stack> [args]` works from a fresh clone: it makes ./venv when there is
none (or an interrupted one), then runs `python -m preflight --stack <stack>` with the other
arguments; a wrong stack name is refused before anything is installed. In a clone of this
repository, with a stand-in `python3` that records what it is asked to do."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# python3 -m venv DIR makes DIR/bin/{python,pip}; the venv's python answers the readiness probe
# once pip has installed requirements.txt (a file `installed` beside it), and records the rest.
PYTHON3 = """#!/bin/sh
echo "python3 $*" >> "$CALLS"
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  printf '#!/bin/sh\\necho "pip $*" >> "$CALLS"\\ntouch "%s/bin/installed"\\n' "$PWD/$3" > "$3/bin/pip"
  printf '#!/bin/sh\\ncase "$1" in -c) [ -f "%s/bin/installed" ];; *) echo "venv-python $*" >> "$CALLS";; esac\\n' "$PWD/$3" > "$3/bin/python"
  chmod +x "$3/bin/pip" "$3/bin/python"
fi
"""


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh clone of this checkout's committed tree: no venv."""
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-local", str(ROOT), str(target)], check=True)
    for path in ("scripts/preflight", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "requirements.txt"):
        (target / path).write_bytes((ROOT / path).read_bytes())  # this worktree's, committed or not
    (target / "scripts" / "preflight").chmod(0o755)
    return target


def run(clone: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "python3").write_text(PYTHON3)
    (bin_dir / "python3").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:/usr/bin:/bin", "CALLS": str(tmp_path / "calls")}
    return subprocess.run(
        [str(clone / "scripts" / "preflight"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / "calls"
    return path.read_text().splitlines() if path.exists() else []


def test_a_fresh_clone_gets_its_venv_then_the_preflight_with_every_argument(clone, tmp_path):
    assert not (clone / "venv").exists()
    result = run(clone, tmp_path, "dev", "--against", "main", "--json", "--config", "azCount=2")
    assert result.returncode == 0, result.stderr
    assert calls(tmp_path) == [
        "python3 -m venv venv",
        "pip install --quiet --disable-pip-version-check -r requirements.txt",
        "venv-python -m preflight --stack dev --against main --json --config azCount=2",
    ]
    assert "installing requirements.txt" in result.stderr  # the one slow run says why


def test_a_ready_venv_is_used_as_it_is(clone, tmp_path):
    run(clone, tmp_path, "dev")
    (tmp_path / "calls").unlink()
    assert run(clone, tmp_path, "prod").returncode == 0
    assert calls(tmp_path) == ["venv-python -m preflight --stack prod"]


def test_an_interrupted_install_is_finished(clone, tmp_path):
    run(clone, tmp_path, "dev")
    (clone / "venv" / "bin" / "installed").unlink()  # pip stopped half way
    (tmp_path / "calls").unlink()
    run(clone, tmp_path, "dev")
    assert calls(tmp_path) == [
        "pip install --quiet --disable-pip-version-check -r requirements.txt",
        "venv-python -m preflight --stack dev",
    ]


@pytest.mark.parametrize("args", [(), ("staging",), ("--json",)])
def test_a_missing_or_unknown_stack_is_refused_before_any_install(clone, tmp_path, args):
    result = run(clone, tmp_path, *args)
    assert result.returncode == 2
    assert "stacks: dev prod" in result.stderr
    assert calls(tmp_path) == [] and not (clone / "venv").exists()
