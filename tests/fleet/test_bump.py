"""`fleet bump` edits one line (or inserts a few) of each stack file: one test per shape the stack
files use, comments and layout kept byte for byte, and nothing written when any stack refuses."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest
import yaml

from fleet.bump import BumpError, bump_fleet, edit, settings_key
from fleet.inventory import ROOT

FILE = """\
# A stack. Comments stay.
config:
  aws:region: eu-west-1
  eks-platform:owner: platform-team  # who
  eks-platform:kubernetesVersion: "1.34" # pinned for now

  # the network
  eks-platform:network:
    vpcCidr: 10.10.0.0/16
    azCount: 3
  eks-platform:addons:
    overrides:
      coredns:
        version: 'v1.11.1-eksbuild.1'
  eks-platform:compute:
    nodeGroups:
      - name: system
        minSize: 2   # two
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def bumped(text: str, key: str, value: str) -> str:
    parsed = settings_key(key)
    after = edit(text, parsed.path, parsed.value(value))
    expected = yaml.safe_load(text)
    node = expected["config"]
    for part in parsed.path[:-1]:
        node = node.setdefault(part, {})
    node[parsed.path[-1]] = parsed.value(value)
    assert yaml.safe_load(after) == expected  # exactly the intended change
    return after


def test_a_value_in_place_keeps_its_comment() -> None:
    after = bumped(FILE, "kubernetesVersion", "1.35")
    assert changed_lines(FILE, after) == [
        '-  eks-platform:kubernetesVersion: "1.34" # pinned for now',
        '+  eks-platform:kubernetesVersion: "1.35" # pinned for now',
    ]


def test_a_top_level_key_not_yet_set_goes_beside_its_siblings() -> None:
    after = bumped(FILE, "logRetentionDays", "60")
    assert changed_lines(FILE, after) == ["+  eks-platform:logRetentionDays: 60"]
    lines = after.splitlines()
    assert (
        lines.index("  eks-platform:logRetentionDays: 60")
        == lines.index('  eks-platform:kubernetesVersion: "1.34" # pinned for now') + 1
    )


def test_a_nested_value_in_place() -> None:
    after = bumped(FILE, "network.azCount", "2")
    assert changed_lines(FILE, after) == ["-    azCount: 3", "+    azCount: 2"]


def test_a_single_quoted_value_becomes_double_quoted() -> None:
    after = bumped(FILE, "addons.overrides.coredns.version", "v1.11.3-eksbuild.2")
    assert changed_lines(FILE, after) == [
        "-        version: 'v1.11.1-eksbuild.1'",
        '+        version: "v1.11.3-eksbuild.2"',
    ]


def test_a_key_missing_from_an_existing_section() -> None:
    after = bumped(FILE, "network.natMode", "single")
    assert changed_lines(FILE, after) == ['+    natMode: "single"']
    assert '    azCount: 3\n    natMode: "single"\n' in after


def test_part_of_the_path_exists() -> None:
    after = bumped(FILE, "addons.overrides.vpc-cni.version", "v1.19.2-eksbuild.1")
    assert changed_lines(FILE, after) == [
        "+      vpc-cni:",
        '+        version: "v1.19.2-eksbuild.1"',
    ]


def test_a_section_the_file_does_not_have() -> None:
    after = bumped(FILE, "controllers.karpenterChartVersion", "1.8.1")
    assert changed_lines(FILE, after) == [
        "+  eks-platform:controllers:",
        '+    karpenterChartVersion: "1.8.1"',
    ]
    assert after.endswith(
        '        minSize: 2   # two\n  eks-platform:controllers:\n    karpenterChartVersion: "1.8.1"\n'
    )


def test_a_file_without_a_final_newline() -> None:
    text = 'config:\n  aws:region: eu-west-1\n  eks-platform:kubernetesVersion: "1.34"'
    after = bumped(text, "kubernetesVersion", "1.35")
    assert after == 'config:\n  aws:region: eu-west-1\n  eks-platform:kubernetesVersion: "1.35"\n'


def test_four_space_indentation_is_kept() -> None:
    text = "config:\n    aws:region: eu-west-1\n    eks-platform:network:\n        azCount: 3\n"
    after = bumped(text, "network.natMode", "single")
    assert after.endswith('        azCount: 3\n        natMode: "single"\n')


@pytest.mark.parametrize(
    "text, why",
    [
        ("config:\n  eks-platform:network: {azCount: 3}\n", "written inline"),
        ("config:\n  eks-platform:kubernetesVersion: >\n    1.34\n", "does not hold a plain value"),
        ("stacks: []\n", "no `config:` mapping"),
    ],
)
def test_shapes_a_bump_leaves_to_a_person(text: str, why: str) -> None:
    path = settings_key("network.azCount" if "network" in text else "kubernetesVersion").path
    with pytest.raises(BumpError, match=why):
        edit(text, path, "x")


@pytest.mark.parametrize(
    "key, why",
    [
        ("network", "not a setting a bump can change"),
        ("compute.nodeGroups.minSize", "not a setting a bump can change"),
        ("tags", "not a setting a bump can change"),
        ("addons.overrides.no-such-addon.version", "not a setting a bump can change"),
        ("kubernetesVersoin", "did you mean kubernetesVersion"),
    ],
)
def test_keys_a_bump_refuses(key: str, why: str) -> None:
    with pytest.raises(BumpError, match=why):
        settings_key(key)


def test_a_value_the_key_refuses_names_both() -> None:
    with pytest.raises(BumpError) as refused:
        settings_key("addons.overrides.coredns.version").value("1.11")
    assert str(refused.value) == (
        "addons.overrides.coredns.version = '1.11': must be an EKS add-on version such as "
        "v1.19.2-eksbuild.1"
    )


@pytest.fixture
def stacks(tmp_path: Path) -> Path:
    for stack in ("dev", "prod"):
        shutil.copy2(ROOT / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    return tmp_path


def test_the_repository_s_stack_files_gain_one_line_each(stacks: Path) -> None:
    before = {s: (stacks / f"Pulumi.{s}.yaml").read_text() for s in ("dev", "prod")}
    assert bump_fleet(["dev", "prod"], "kubernetesVersion", "1.35", stacks) == ["dev", "prod"]
    for stack, text in before.items():
        after = (stacks / f"Pulumi.{stack}.yaml").read_text()
        assert changed_lines(text, after) == ['+  eks-platform:kubernetesVersion: "1.35"']
    # already there: nothing to edit
    assert bump_fleet(["dev", "prod"], "kubernetesVersion", "1.35", stacks) == []


def test_nothing_is_written_when_one_stack_refuses_the_value(stacks: Path) -> None:
    before = {p.name: p.read_text() for p in stacks.iterdir()}
    with pytest.raises(BumpError) as refused:
        # dev keeps 30 days of logs on purpose; a value CloudWatch lacks is refused everywhere
        bump_fleet(["dev", "prod"], "logRetentionDays", "42", stacks)
    assert "must be a CloudWatch Logs retention" in str(refused.value)
    with pytest.raises(BumpError) as refused:
        bump_fleet(["dev", "prod"], "kubernetesVersion", "1.20", stacks)
    problems = str(refused.value).splitlines()
    assert [p.split(":")[0] for p in problems] == ["Pulumi.dev.yaml", "Pulumi.prod.yaml"]
    assert all("eks-platform:kubernetesVersion = " in p for p in problems)
    assert {p.name: p.read_text() for p in stacks.iterdir()} == before
