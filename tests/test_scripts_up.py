"""`./scripts/up` checks every prerequisite before it installs or deploys anything, and says
what is missing and where to get it (stand-in `pulumi` and `aws` commands on PATH)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def fake(bin_dir: Path, name: str, body: str) -> None:
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> {bin_dir}/calls\n{body}\n')
    script.chmod(0o755)


def up(bin_dir: Path, **env: str) -> subprocess.CompletedProcess:
    path = f"{bin_dir}:/usr/bin:/bin"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_"))}
    return subprocess.run(
        ["bash", str(ROOT / "scripts" / "up"), "dev"],
        env={**clean, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    found = tmp_path / "bin"
    found.mkdir()
    (found / "calls").touch()
    return found


def test_nothing_installed_lists_both_clis_and_points_to_preflight(bin_dir):
    result = up(bin_dir)
    assert result.returncode == 2
    assert "the Pulumi CLI 3.x: https://www.pulumi.com/docs/install/" in result.stderr
    assert "the AWS CLI v2" in result.stderr
    assert "python -m preflight --stack dev" in result.stderr


def test_old_cli_no_credentials_no_passphrase_all_reported_before_any_install(bin_dir):
    fake(bin_dir, "pulumi", 'case "$1" in version) echo v2.25.0;; *) exit 1;; esac')
    fake(bin_dir, "aws", "exit 255")  # sts get-caller-identity refused
    result = up(bin_dir)
    assert result.returncode == 2, result.stderr
    for expected in (
        "the Pulumi CLI 3.x (found 'v2.25.0')",
        "PULUMI_CONFIG_PASSPHRASE",
        "AWS credentials that 'aws sts get-caller-identity' accepts",
    ):
        assert expected in result.stderr
    calls = (bin_dir / "calls").read_text()
    assert "stack" not in calls and "up" not in calls.split()  # nothing selected or deployed


def test_a_remote_backend_needs_no_local_passphrase(bin_dir):
    fake(
        bin_dir,
        "pulumi",
        'case "$1" in version) echo v3.272.0;; whoami) echo "Backend URL: https://api.pulumi.com";; *) exit 1;; esac',
    )
    fake(bin_dir, "aws", "exit 255")
    result = up(bin_dir)
    assert result.returncode == 2
    assert "PULUMI_CONFIG_PASSPHRASE" not in result.stderr and "Pulumi CLI" not in result.stderr
    assert "AWS credentials" in result.stderr
