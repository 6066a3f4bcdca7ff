"""The docs stay true: README.md is a front page of at most 150 lines; the configuration reference
is the declarations'; the pasted preflight output is what the command prints; the commands given
exist; every path named is there; every relative link and anchor resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.base.config.declare import walk
from components.base.config.reference import TABLE_END, TABLE_START, render_table
from components.stack.settings import Settings
from preflight.docs import CONFIG_TABLE, CONFIGURATION, PREFLIGHT, block, current_output

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = [*sorted((ROOT / "docs").glob("*.md")), README, ROOT / "policy" / "README.md"]
REFRESH = "refresh it: venv/bin/python -m preflight.docs"


def test_the_readme_is_a_front_page():
    assert len(README.read_text().splitlines()) <= 150


def test_the_configuration_table_is_generated_from_the_declarations():
    pasted = CONFIG_TABLE.search(CONFIGURATION.read_text())
    assert pasted, f"{CONFIGURATION.name} lacks the {TABLE_START} ... {TABLE_END} block"
    assert pasted.group(2) == render_table(Settings) + "\n", REFRESH


def test_every_declared_key_has_a_row():
    table = CONFIG_TABLE.search(CONFIGURATION.read_text()).group(2)
    rows = set(re.findall(r"^\| `([^`]+)` \|", table, re.MULTILINE))
    values = {f.key for f in walk(Settings) if f.declaration.section is None}
    assert values <= rows


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pasted_preflight_output_is_current(stack):
    pasted = block(stack).search(PREFLIGHT.read_text())
    assert pasted, f"{PREFLIGHT.name} lacks the preflight block for {stack}"
    assert pasted.group(2) == current_output(stack), REFRESH


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stack_table_shows_each_stacks_estimated_cost(stack):
    row = re.search(
        rf"^\| `{stack}` \(`Pulumi\.{stack}\.yaml`\) \|.*$", README.read_text(), re.MULTILINE
    )
    estimate = re.search(r"Estimated monthly cost: ([\d.]+) USD", current_output(stack))
    assert row and estimate
    assert row.group(0).endswith(f"| {estimate.group(1)} USD |"), "update README's stack table"


def test_readme_commands_exist():
    text = README.read_text()
    for command in ("./scripts/up", "./scripts/test"):
        assert command in text
        assert (ROOT / command).stat().st_mode & 0o111
    assert "./scripts/test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_doc_names_exists(doc):
    named = set(re.findall(r"`((?:[\w.-]+/)+[\w.<>-]*)`", doc.read_text()))
    # (not tag keys such as karpenter.sh/discovery, names with placeholders, nor the venvs a
    # checkout makes)
    named = {
        p
        for p in named
        if "<" not in p and "." not in p.split("/")[0].lstrip(".") and "venv" not in p
    }
    base = ROOT / "policy" if doc.parent.name == "policy" else ROOT
    assert sorted(p for p in named if not ((base / p).exists() or (ROOT / p).exists())) == []


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(doc: Path) -> set[str]:
    found, seen = set(), {}
    in_code = False
    for line in doc.read_text().splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and (m := re.match(r"#{1,6} (.+)", line)):
            base = slug(m.group(1))
            n = seen.get(base, 0)
            seen[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def links(doc: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.DOTALL)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_slugs_are_githubs():
    assert slug("The guard in `pulumi up`") == "the-guard-in-pulumi-up"
    assert slug("CI/CD (GitHub Actions)") == "cicd-github-actions"
    assert slug("Day-2 operations") == "day-2-operations"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(doc):
    dead = []
    for link in links(doc):
        if re.match(r"[a-z]+:", link):  # https:, mailto: ...
            continue
        path, _, anchor = link.partition("#")
        target = (doc.parent / path).resolve() if path else doc
        missing_anchor = anchor and target.suffix == ".md" and anchor not in anchors(target)
        if not target.exists() or missing_anchor:
            dead.append(link)
    assert dead == []
