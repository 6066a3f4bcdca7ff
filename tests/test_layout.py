"""The layout stays the architecture: the top level of the design card, one folder per concern
under components/, imports that only point down (no cycles, between modules or between parts),
no constant taken from another concern and no shared literal repeated in two of them, no file
past about 400 lines, and sys.path edited in the two places listed here only."""

from __future__ import annotations

import ast
import re
import subprocess
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONCERNS = ("network", "cluster", "nodes", "addons", "monitoring", "controllers")
# The program's parts bottom up: a part imports only parts on floors below its own
# (docs/architecture.md says the same). The offline tools sit on top.
FLOORS = [
    {"components", "components.base.config"},
    {"components.base"},
    {"components.network", "components.addons"},
    {"components.cluster"},
    {"components.nodes"},
    {"components.monitoring", "components.controllers"},
    {"components.stack"},
    {"__main__"},
    {"preflight.offline"},
    {"preflight"},
    {"fleet"},
    {"benchmarks"},
]
MAY_IMPORT = {part: set().union(*FLOORS[:i]) for i, floor in enumerate(FLOORS) for part in floor}
# The offline machinery reads the project config and the add-on table, never the program.
MAY_IMPORT["preflight.offline"] = {"components.base.config"}
PARTS = set(MAY_IMPORT)
# What a newcomer sees first: the design card's entries, then what a user runs and the docs.
TOP_LEVEL = {
    "__main__.py",
    "Pulumi.yaml",
    "Pulumi.dev.yaml",
    "components",
    "policy",
    "tests",
    "requirements.txt",
    # beside the card: more stacks, what a user runs, the docs, the tooling's own files
    "preflight",
    "fleet",
    "fleet.yaml",
    "scripts",
    "benchmarks",
    "docs",
    "README.md",
    "pyproject.toml",
}
SOURCES = sorted(
    p for p in ROOT.rglob("*.py") if not {"venv", ".git"} & set(p.relative_to(ROOT).parts)
)


def part_of_module(module: str) -> str:
    """The part a dotted module name belongs to (components.network.zones -> components.network)."""
    names = module.split(".")
    if names[0] == "components" and len(names) > 1:
        depth = 3 if names[1:3] == ["base", "config"] else 2
        return ".".join(names[:depth])
    if names[0] == "preflight" and names[1:2] == ["offline"]:
        return "preflight.offline"
    return names[0]


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def part_of(path: Path) -> str:
    return part_of_module(module_of(path))


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, imported names) of every absolute import in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names]
    return found


PROGRAM = [p for p in SOURCES if part_of(p) in PARTS]


def top_level_entries() -> set[str]:
    """What the repository holds at its top (a checkout's venv and caches are not in it)."""
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    return {name.split("/")[0] for name in tracked if not name.startswith(".")}


def test_every_top_level_entry_has_a_row_in_the_layout_table():
    """Dot entries too (`.ci/`, `.github/`): a newcomer meets them in the checkout."""
    text = (ROOT / "docs" / "architecture.md").read_text()
    table = text[text.index("## Layout") : text.index("## Where to change what")]
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    for entry in sorted({name.split("/")[0] for name in tracked}):
        named = (
            entry if re.fullmatch(r"Pulumi\.[\w-]+\.yaml", entry) is None else "Pulumi.<stack>.yaml"
        )
        assert f"`{named}" in table, f"{entry} has no row in docs/architecture.md's layout table"


def test_the_top_level_is_the_design_card_and_what_a_user_runs():
    stacks = {name for name in top_level_entries() if re.fullmatch(r"Pulumi\.[\w-]+\.yaml", name)}
    assert top_level_entries() - stacks == TOP_LEVEL - {"Pulumi.dev.yaml"}
    assert "Pulumi.dev.yaml" in stacks
    assert {p.name for p in (ROOT / "components").iterdir() if p.is_dir()} - {"__pycache__"} == {
        *CONCERNS,
        "base",
        "stack",
    }


def test_every_part_is_known_to_the_floors():
    """A new folder must take its place in FLOORS, or the import rules would not see it."""
    assert {part_of(p) for p in SOURCES if part_of(p) not in {"tests", "policy"}} <= PARTS


def test_parts_import_only_the_parts_below_them():
    wrong = []
    for path in PROGRAM:
        for module, _ in imports(path):
            target = part_of_module(module)
            if (
                target in PARTS
                and target != part_of(path)
                and target not in MAY_IMPORT[part_of(path)]
            ):
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert wrong == []


def test_no_import_cycles_between_modules():
    modules = {module_of(p): p for p in PROGRAM}
    graph = defaultdict(set)
    for name, path in modules.items():
        for module, names in imports(path):
            graph[name] |= {m for m in (module, *(f"{module}.{n}" for n in names)) if m in modules}
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as cycle:
        raise AssertionError(f"import cycle: {cycle.args[1]}") from None


def concern_of(path: Path) -> str | None:
    part = part_of(path)
    return part.split(".")[1] if part.split(".")[-1] in CONCERNS else None


def test_no_concern_takes_a_constant_from_another():
    """Shared vocabulary lives in components/base; a concern takes components and views from
    below it, never another concern's constants."""
    taken = [
        f"{path.relative_to(ROOT)}: {name} from {module}"
        for path in PROGRAM
        if (concern := concern_of(path))
        for module, names in imports(path)
        if (other := part_of_module(module).split(".")[-1]) in CONCERNS and other != concern
        for name in names
        if re.fullmatch(r"[A-Z][A-Z0-9_]+", name)
    ]
    assert taken == []


def code_literals(path: Path) -> set[str]:
    """String constants of a module that name AWS things (managed policies, ARNs, global
    condition keys), outside docstrings and f-string fragments. IAM actions are left out: two
    documents granting the same action for different reasons share no constant."""
    tree = ast.parse(path.read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    in_fstrings = {
        id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings | in_fstrings
        and re.fullmatch(r"Amazon[A-Za-z0-9_]+|arn:[\w:/*.-]+|aws:[A-Z][A-Za-z]+", node.value)
    }


def test_a_shared_aws_name_is_stated_once_in_the_base():
    """An AWS-managed policy name, ARN or IAM action used by two concerns is a constant of
    components/base (e.g. CLUSTER_ADMIN_POLICY), not a literal written in each."""
    where = defaultdict(set)
    for path in PROGRAM:
        if concern := concern_of(path):
            for literal in code_literals(path):
                where[literal].add(concern)
    repeated = {literal: sorted(c) for literal, c in where.items() if len(c) > 1}
    assert repeated == {}


def test_the_literal_scan_sees_a_repeated_policy_name(tmp_path):
    """The scan above finds what it looks for (and skips docstrings)."""
    source = tmp_path / "m.py"
    source.write_text('"""AmazonEKSClusterAdminPolicy"""\nA = "AmazonEKSClusterAdminPolicy"\n')
    assert code_literals(source) == {"AmazonEKSClusterAdminPolicy"}
    source.write_text(
        '"""Doc mentioning AmazonEKSClusterAdminPolicy."""\nB = "aws:SourceAccount"\n'
    )
    assert code_literals(source) == {"aws:SourceAccount"}


def test_every_concern_has_its_settings_and_component():
    for concern in CONCERNS:
        folder = ROOT / "components" / concern
        assert (folder / "settings.py").exists() and (folder / "component.py").exists()


def test_no_source_file_past_about_400_lines():
    long = {
        str(p.relative_to(ROOT)): n for p in SOURCES if (n := len(p.read_text().splitlines())) > 430
    }
    assert long == {}


SYS_PATH_EDIT = re.compile(
    r"sys\.path(\.(insert|append|extend|remove|pop|clear)\(|\[[^\]]*\]\s*=(?!=)|\s*=(?!=))"
)


def test_sys_path_is_edited_in_two_places_only():
    """The analyzer puts the pack on the path as the CLI does (`python policy/`); the snapshot
    runner replaces the path so another checkout's program does not meet this one's."""
    editing = {
        str(p.relative_to(ROOT)): [m.group(0) for m in SYS_PATH_EDIT.finditer(p.read_text())]
        for p in SOURCES
        if p.name != "test_layout.py" and SYS_PATH_EDIT.search(p.read_text())
    }
    assert editing == {
        "preflight/offline/analyzer.py": ["sys.path.insert("],
        "preflight/offline/snapshot.py": ["sys.path[:] ="],
    }


def test_the_sys_path_pattern_sees_every_kind_of_edit():
    for edit in ("sys.path.insert(0, d)", "sys.path[:] = x", "sys.path = []", "sys.path.append(d)"):
        assert SYS_PATH_EDIT.search(edit), edit
    assert not SYS_PATH_EDIT.search("if d not in sys.path:")
    assert not SYS_PATH_EDIT.search("sys.path == x")
