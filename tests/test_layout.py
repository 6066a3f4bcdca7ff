"""The layout stays the architecture: one folder per concern, imports that only point down (no
cycles, between modules or between folders), no constants taken from another component, no
file past about 400 lines, and sys.path edited in one place only."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The program's parts bottom up: a part imports only parts on floors below its own (the README's
# Architecture section says the same). The offline tools sit beside the program.
FLOORS = [
    {"config"},
    {"stack"},
    {"network", "addons"},
    {"cluster"},
    {"nodes"},
    {"monitoring", "controllers"},
    {"settings"},
    {"day2"},
    {"__main__"},
]
MAY_IMPORT = {part: set().union(*FLOORS[:i]) for i, floor in enumerate(FLOORS) for part in floor}
MAY_IMPORT |= {"offline": {"config"}, "preflight": {"config", "offline", "settings", "day2"}}
PARTS = set(MAY_IMPORT)
SOURCES = sorted(
    p for p in ROOT.rglob("*.py") if not {"venv", ".git"} & set(p.relative_to(ROOT).parts)
)


def part_of(path: Path) -> str:
    first = path.relative_to(ROOT).parts[0]
    return "__main__" if first == "__main__.py" else first


def module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


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


def test_parts_import_only_the_parts_below_them():
    wrong = []
    for path in PROGRAM:
        for module, _ in imports(path):
            target = module.split(".")[0]
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


CONCERNS = ("network", "cluster", "nodes", "addons", "monitoring", "controllers")


def test_no_concern_takes_a_constant_from_another():
    """Shared vocabulary lives in stack/; a concern takes components and views from below it,
    never another concern's constants."""
    taken = [
        f"{path.relative_to(ROOT)}: {name} from {module}"
        for path in PROGRAM
        if part_of(path) in CONCERNS
        for module, names in imports(path)
        if module.split(".")[0] in CONCERNS and module.split(".")[0] != part_of(path)
        for name in names
        if re.fullmatch(r"[A-Z][A-Z0-9_]+", name)
    ]
    assert taken == []


def test_every_concern_has_its_settings_and_component():
    for concern in CONCERNS:
        assert (ROOT / concern / "settings.py").exists() and (
            ROOT / concern / "component.py"
        ).exists()
    assert not [
        name for name in ("baseline", "components", "common", "utils") if (ROOT / name).exists()
    ]


def test_no_source_file_past_about_400_lines():
    long = {
        str(p.relative_to(ROOT)): n for p in SOURCES if (n := len(p.read_text().splitlines())) > 430
    }
    assert long == {}


def test_sys_path_is_edited_in_one_place():
    edit = "sys.path." + "insert"  # (spelled so that this file does not match)
    editing = [str(p.relative_to(ROOT)) for p in SOURCES if edit in p.read_text()]
    assert editing == ["offline/analyzer.py"]
