"""README stays true: the configuration table is the declarations', the pasted preflight output is
what the command prints, the commands it gives exist, and every path it names is there."""

import re
from pathlib import Path

import pytest

from config.declare import walk
from config.reference import TABLE_END, TABLE_START, render_table
from preflight.readme import CONFIG_TABLE, block, current_output
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
REFRESH = "refresh it: venv/bin/python -m preflight.readme"


def test_the_configuration_table_is_generated_from_the_declarations():
    pasted = CONFIG_TABLE.search(README)
    assert pasted, f"README lacks the {TABLE_START} ... {TABLE_END} block"
    assert pasted.group(2) == render_table(Settings) + "\n", REFRESH


def test_every_declared_key_has_a_row():
    rows = set(re.findall(r"^\| `([^`]+)` \|", CONFIG_TABLE.search(README).group(2), re.MULTILINE))
    values = {f.key for f in walk(Settings) if f.declaration.section is None}
    assert values <= rows


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pasted_preflight_output_is_current(stack):
    pasted = block(stack).search(README)
    assert pasted, f"README lacks the preflight block for {stack}"
    assert pasted.group(2) == current_output(stack), REFRESH


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stack_table_shows_each_stacks_estimated_cost(stack):
    row = re.search(rf"^\| `{stack}` \(`Pulumi\.{stack}\.yaml`\) \|.*$", README, re.MULTILINE)
    estimate = re.search(r"Estimated monthly cost: ([\d.]+) USD", current_output(stack))
    assert row and estimate
    assert row.group(0).endswith(f"| {estimate.group(1)} USD |"), REFRESH + " (and the stack table)"


def test_readme_commands_exist():
    for command in ("./scripts/up", "./scripts/test"):
        assert command in README
        assert (ROOT / command).stat().st_mode & 0o111
    ci = (ROOT / ".ci" / "run").read_text()
    assert "./scripts/test" in ci


def test_every_path_the_readme_names_exists():
    named = set(re.findall(r"`((?:[\w.-]+/)+[\w.<>-]*)`", README))
    # (not tag keys such as karpenter.sh/discovery, nor names with placeholders)
    named = {p for p in named if "<" not in p and "." not in p.split("/")[0].lstrip(".")}
    assert named, "expected paths in README"
    assert sorted(p for p in named if not (ROOT / p).exists()) == []
