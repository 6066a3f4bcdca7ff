"""`./scripts/up` checks every prerequisite before it installs or deploys anything (Python 3.11
among them), says what is missing and where to get it, never puts a stack in the local backend
unless told to (--local, which PULUMI_BACKEND_URL may not override), names the stack as CI does
(PULUMI_ORG), and then deploys as before: venvs, the deployment record, adoption in the stack's
region, the readiness check against the account (blocked stops, could not check goes on, no
verdict stops), the policy pack, AZ pinning. Stand-in `pulumi`, `aws` and venv commands on PATH
/ in a copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# `pulumi` that answers like a CLI 3.x logged in to `backend` ("" = logged in nowhere).
PULUMI = """case "$1" in
  version) echo v3.272.0;;
  whoami) [ -n "{backend}" ] && echo "Backend URL: {backend}" || exit 1;;
  stack) [ "$2" = output ] && {{ [ -f "$(dirname "$0")/deployed" ] && echo '{{"availabilityZones": ["eu-west-1a", "eu-west-1b"]}}' || exit 1; }}; exit 0;;
  up) touch "$(dirname "$0")/deployed";;
  config) [ "$2" = get ] && exit 1; exit 0;;
esac"""


def fake(bin_dir: Path, name: str, body: str, log: Path | None = None) -> None:
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> {log or bin_dir / "calls"}\n{body}\n')
    script.chmod(0o755)


def up(bin_dir: Path, *args: str, root: Path = ROOT, **env: str) -> subprocess.CompletedProcess:
    path = f"{bin_dir}:/usr/bin:/bin"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_"))}
    return subprocess.run(
        ["bash", str(root / "scripts" / "up"), "dev", *args],
        env={**clean, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def calls(bin_dir: Path) -> list[str]:
    return (bin_dir / "calls").read_text().splitlines()


@pytest.fixture
def bin_dir(tmp_path: Path) -> Path:
    found = tmp_path / "bin"
    found.mkdir()
    (found / "calls").touch()
    return found


@pytest.fixture
def checkout(tmp_path: Path, bin_dir: Path) -> Path:
    """A copy of what scripts/up touches, with stand-in venvs that record their calls."""
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy2(ROOT / "scripts" / "up", root / "scripts" / "up")
    for name in ("Pulumi.dev.yaml", "requirements.txt", "policy/requirements.txt"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, root / name)
    for venv in ("venv", "policy/venv"):
        (root / venv / "bin").mkdir(parents=True)
        fake(root / venv / "bin", "pip", "", log=bin_dir / "calls")
        # The venv's python: records preflight.adopt (with the region it sees) and the online
        # check (which answers with ONLINE_STATUS, default 0: ready), runs the rest.
        python = root / venv / "bin" / "python"
        python.write_text(
            f'#!/bin/sh\ncase "$*" in *preflight.adopt*) echo "adopt AWS_REGION=$AWS_REGION $*" >> {bin_dir}/calls;;\n'
            f'*--online*) echo "online $*" >> {bin_dir}/calls; '
            f'echo "${{ONLINE_SAYS-online: stack dev in eu-west-1 as arn: VERDICT}}"; '
            'exit "${ONLINE_STATUS:-0}";;\n'
            f'*) exec {sys.executable} "$@";; esac\n'
        )
        python.chmod(0o755)
    return root


def test_nothing_installed_lists_both_clis_and_points_to_the_offline_preflight(bin_dir):
    result = up(bin_dir)
    assert result.returncode == 2
    assert "the Pulumi CLI 3.x: https://www.pulumi.com/docs/install/" in result.stderr
    assert "the AWS CLI v2" in result.stderr
    assert "./scripts/preflight dev" in result.stderr


def test_old_cli_no_backend_no_credentials_all_reported_before_any_install(bin_dir):
    fake(bin_dir, "pulumi", 'case "$1" in version) echo v2.25.0;; *) exit 1;; esac')
    fake(bin_dir, "aws", "exit 255")  # sts get-caller-identity refused
    result = up(bin_dir)
    assert result.returncode == 2, result.stderr
    for expected in (
        "the Pulumi CLI 3.x (found 'v2.25.0')",
        "a state backend: 'pulumi login s3://<bucket>'",
        "--local",
        "AWS credentials that 'aws sts get-caller-identity' accepts",
    ):
        assert expected in result.stderr
    assert not [
        c for c in calls(bin_dir) if c.startswith(("pulumi login", "pulumi stack", "pulumi up"))
    ]


def test_logged_in_nowhere_is_refused_never_logged_in_locally(bin_dir):
    fake(bin_dir, "pulumi", PULUMI.format(backend=""))
    fake(bin_dir, "aws", "exit 0")
    result = up(bin_dir)
    assert result.returncode == 2
    assert "docs/ci.md step 4" in result.stderr and "where CI cannot see it" in result.stderr
    assert "pulumi login --local" not in calls(bin_dir)


def test_the_local_backend_needs_local_on_purpose(bin_dir):
    fake(bin_dir, "pulumi", PULUMI.format(backend="file://~"))
    fake(bin_dir, "aws", "exit 0")
    result = up(bin_dir, PULUMI_CONFIG_PASSPHRASE="x")
    assert result.returncode == 2
    assert "logged in to the local one (file://~)" in result.stderr and "--local" in result.stderr


def test_a_self_managed_backend_needs_the_passphrase_pulumi_cloud_does_not(bin_dir):
    fake(bin_dir, "aws", "exit 255")
    fake(bin_dir, "pulumi", PULUMI.format(backend="s3://team-state"))
    assert "PULUMI_CONFIG_PASSPHRASE" in up(bin_dir).stderr
    fake(bin_dir, "pulumi", PULUMI.format(backend="https://api.pulumi.com"))
    result = up(bin_dir)
    assert result.returncode == 2
    assert "PULUMI_CONFIG_PASSPHRASE" not in result.stderr and "Pulumi CLI" not in result.stderr
    assert "state backend" not in result.stderr and "AWS credentials" in result.stderr


def test_deploys_to_the_backend_logged_in_then_pins_the_zones(bin_dir, checkout):
    fake(bin_dir, "pulumi", PULUMI.format(backend="s3://team-state"))
    fake(bin_dir, "aws", "exit 0")
    result = up(bin_dir, "--yes", root=checkout, PULUMI_CONFIG_PASSPHRASE="x")
    assert result.returncode == 0, result.stderr
    made = calls(bin_dir)
    assert "pulumi login --local" not in made
    order = [
        "pulumi stack select --create dev",
        # The read-only check first: nothing changes (not even the state) when it blocks.
        "online -m preflight --stack dev --online",
        "adopt AWS_REGION=eu-west-1 -m preflight.adopt --stack dev --pulumi-stack dev --run",
        "pulumi up --stack dev --policy-pack policy --policy-pack-config policy/config/dev.json --yes",
        "pulumi config set --path eks-platform:network.availabilityZones[0] eu-west-1a --stack dev",
        "pulumi config set --path eks-platform:network.availabilityZones[1] eu-west-1b --stack dev",
    ]
    assert [c for c in made if c in order] == order
    assert any(c.startswith("pip install") and "-r requirements.txt" in c for c in made)
    assert any(c.startswith("pip install") and "-r policy/requirements.txt" in c for c in made)


def test_local_logs_in_locally_on_purpose(bin_dir, checkout):
    fake(bin_dir, "pulumi", PULUMI.format(backend=""))
    fake(bin_dir, "aws", "exit 0")
    result = up(bin_dir, "--local", root=checkout, PULUMI_CONFIG_PASSPHRASE="x")
    assert result.returncode == 0, result.stderr
    made = calls(bin_dir)
    assert made.index("pulumi login --local") < made.index("pulumi stack select --create dev")
    assert (
        "pulumi up --stack dev --policy-pack policy --policy-pack-config policy/config/dev.json"
        in made
    )


def test_a_blocked_readiness_check_stops_before_pulumi_up(bin_dir, checkout):
    fake(bin_dir, "pulumi", PULUMI.format(backend="s3://team-state"))
    fake(bin_dir, "aws", "exit 0")
    said = "online: stack dev in eu-west-1 as arn: BLOCKED"
    result = up(
        bin_dir, root=checkout, PULUMI_CONFIG_PASSPHRASE="x", ONLINE_STATUS="1", ONLINE_SAYS=said
    )
    assert result.returncode == 1
    assert "not ready (above): change what each blocker names" in result.stderr
    made = calls(bin_dir)
    assert "online -m preflight --stack dev --online" in made
    assert not [c for c in made if c.startswith("pulumi up") or c.startswith("adopt")]


def test_a_readiness_check_that_could_not_ask_everything_warns_and_deploys(bin_dir, checkout):
    fake(bin_dir, "pulumi", PULUMI.format(backend="s3://team-state"))
    fake(bin_dir, "aws", "exit 0")
    result = up(bin_dir, root=checkout, PULUMI_CONFIG_PASSPHRASE="x", ONLINE_STATUS="2")
    assert result.returncode == 0, result.stderr
    assert "could not ask everything (above): deploying anyway" in result.stderr
    assert any(c.startswith("pulumi up --stack dev") for c in calls(bin_dir))


@pytest.mark.parametrize("status", ["1", "3"])
def test_a_readiness_check_without_a_verdict_stops_and_says_so(bin_dir, checkout, status):
    fake(bin_dir, "pulumi", PULUMI.format(backend="s3://team-state"))
    fake(bin_dir, "aws", "exit 0")
    result = up(
        bin_dir,
        root=checkout,
        PULUMI_CONFIG_PASSPHRASE="x",
        ONLINE_STATUS=status,
        ONLINE_SAYS="Traceback (most recent call last):",
    )
    assert result.returncode == 1
    assert f"failed without a verdict (exit {status}, above)" in result.stderr
    assert "not ready" not in result.stderr
    assert not [c for c in calls(bin_dir) if c.startswith("pulumi up")]


def test_the_stack_is_named_as_ci_names_it_with_pulumi_org(bin_dir, checkout):
    fake(bin_dir, "pulumi", PULUMI.format(backend="https://api.pulumi.com"))
    fake(bin_dir, "aws", "exit 0")
    result = up(bin_dir, root=checkout, PULUMI_ORG="my-org")
    assert result.returncode == 0, result.stderr
    made = calls(bin_dir)
    assert "pulumi stack select --create my-org/dev" in made
    assert any(c.startswith("pulumi up --stack my-org/dev ") for c in made)
    assert any("--pulumi-stack my-org/dev" in c for c in made if c.startswith("adopt"))


def test_local_is_refused_while_a_backend_url_would_override_it(bin_dir):
    fake(bin_dir, "pulumi", PULUMI.format(backend="s3://team-state"))
    fake(bin_dir, "aws", "exit 0")
    result = up(
        bin_dir, "--local", PULUMI_BACKEND_URL="s3://team-state", PULUMI_CONFIG_PASSPHRASE="x"
    )
    assert result.returncode == 2
    assert "no PULUMI_BACKEND_URL with --local: it is s3://team-state" in result.stderr
    assert "pulumi login --local" not in calls(bin_dir)


def test_python_older_than_3_11_is_a_missing_prerequisite(bin_dir, checkout):
    fake(bin_dir, "pulumi", PULUMI.format(backend="s3://team-state"))
    fake(bin_dir, "aws", "exit 0")
    fake(bin_dir, "python3", 'case "$1" in -c) exit 1;; --version) echo Python 3.9.2;; esac')
    result = up(bin_dir, root=checkout, PULUMI_CONFIG_PASSPHRASE="x")
    assert result.returncode == 2
    assert "Python 3.11 or later as python3 (found 'Python 3.9.2')" in result.stderr
    assert not [c for c in calls(bin_dir) if c.startswith(("pip install", "pulumi stack"))]
