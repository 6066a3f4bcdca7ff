"""Mutation testing of one folder, run by hand (never in CI, never by the test suite):

    venv/bin/python benchmarks/mutation.py components/network

runs mutmut on the source files that `[tool.mutmut.folders."<folder>"]` in pyproject.toml names,
against the tests listed there only, and prints the score: killed / total, then every mutant not
killed (survived, no test reached it, timed out) with its diff. mutmut is installed into this
venv first when it is missing. It runs in a scratch copy of the work tree, so the tree gets no
`mutants/` folder; `--keep` leaves the copy (then `mutmut browse` there shows each mutant).

Each mutant runs the selected tests that reached the mutated function while mutmut collected
its stats until one fails: first those that killed other mutants of that function, then the
cheapest. Tests share program runs (tests/programs.py, session
and module fixtures), so this module is also a pytest plugin (`-p benchmarks.mutation`): while
mutmut collects its stats each test runs alone, with its own fixtures and program runs, so each
test that reaches a function counts; and no session reuses a program run made by another.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = "mutmut==3.8.1"
MAX_CHILDREN = 2  # the development machine's cores
# mutmut's exit codes for a mutant (mutmut/stats.py, status_by_exit_code): 1 and 3 are killed.
KILLED = {1, 3}
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 36: "timeout"}


def folders(config: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    return config["tool"]["mutmut"]["folders"]


def mutmut_table(config: dict[str, Any], folder: str) -> str:
    """The `[tool.mutmut]` table for one folder's run: the shared settings plus its paths."""
    shared = {k: v for k, v in config["tool"]["mutmut"].items() if k != "folders"}
    chosen = folders(config)[folder]
    table = {
        **shared,
        "source_paths": chosen["source_paths"],
        "pytest_add_cli_args_test_selection": chosen["tests"],
    }
    # JSON strings, lists of strings and booleans are TOML values as well.
    return "[tool.mutmut]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in table.items())


def without_mutmut_tables(pyproject: str) -> str:
    """pyproject.toml without its `[tool.mutmut...]` tables (the last ones in the file)."""
    head, found, tail = pyproject.partition("\n[tool.mutmut]")
    assert found, "pyproject.toml has no [tool.mutmut] table"
    headers = [line for line in tail.splitlines() if line.startswith("[")]
    assert all(h.startswith("[tool.mutmut.") for h in headers), "[tool.mutmut] must come last"
    return head + "\n"


def ensure_mutmut() -> None:
    try:
        import mutmut  # noqa: F401
    except ImportError:
        print(f"installing {MUTMUT} into {sys.prefix}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", MUTMUT], check=True)


def scratch_copy(folder: str, config: dict[str, Any]) -> Path:
    """The work tree's files (tracked and new, not ignored) in a fresh directory, with a
    pyproject.toml whose [tool.mutmut] is the folder's."""
    scratch = Path(tempfile.mkdtemp(prefix="mutation-"))
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (scratch / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, scratch / name)
    pyproject = without_mutmut_tables((ROOT / "pyproject.toml").read_text())
    (scratch / "pyproject.toml").write_text(pyproject + "\n" + mutmut_table(config, folder))
    return scratch


def results(scratch: Path) -> dict[str, int | None]:
    """Exit code by mutant name, from mutmut's per-file records."""
    found: dict[str, int | None] = {}
    for meta in sorted((scratch / "mutants").rglob("*.py.meta")):
        found.update(json.loads(meta.read_text())["exit_code_by_key"])
    return found


def diff(scratch: Path, name: str) -> str:
    shown = subprocess.run(
        [sys.executable, "-m", "mutmut", "show", name], cwd=scratch, capture_output=True, text=True
    )
    return shown.stdout.strip()


def main() -> int:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", choices=sorted(folders(config)))
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args()
    ensure_mutmut()
    scratch = scratch_copy(args.folder, config)
    print(f"mutating {args.folder} in {scratch}", flush=True)
    start = time.monotonic()
    log = scratch / "mutmut.log"
    with log.open("w") as out:
        run = subprocess.run(
            [sys.executable, "-m", "mutmut", "run", "--max-children", str(MAX_CHILDREN)],
            cwd=scratch,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    elapsed = time.monotonic() - start
    found = results(scratch)
    if run.returncode != 0 or not found:
        print(log.read_text()[-4000:])
        print(f"mutmut failed (exit {run.returncode}); its log: {log}")
        return 1
    killed = sum(code in KILLED for code in found.values())
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime  # mutmut and every process it forked
    print(f"{args.folder}: {killed} / {len(found)} mutants killed ({killed / len(found):.0%})")
    print(f"in {elapsed / 60:.1f} min, {cpu / 60:.1f} CPU-min, {MAX_CHILDREN} workers")
    for name, code in sorted(found.items()):
        if code not in KILLED:
            print(f"\n{STATUS.get(code, f'exit {code}')}: {name}\n{diff(scratch, name)}")
    if not args.keep:
        shutil.rmtree(scratch)
    return 0


COSTS = Path("test-costs.json")  # each test's time alone, from the stats run (cwd: mutants/)
KILLERS = Path("killers.jsonl")  # [function, test] for each mutant a test killed
MUTANT = "__mutmut_"  # in a mutant's name, between its function and its number
_costs: dict[str, float] = {}


def pytest_sessionstart(session: Any) -> None:
    """Every test session (mutmut forks each mutant's from a process that ran others) computes
    its own program runs: none made without the mutant is reused with it."""
    if programs := sys.modules.get("tests.programs"):
        programs._run.cache_clear()


def pytest_runtest_protocol(item: Any, nextitem: Any) -> bool | None:
    """While mutmut collects its stats, each test runs alone: its fixtures of every scope are set
    up for it and torn down after it, and it makes its own program runs, so mutmut sees every
    function each test reaches (tests share them otherwise, and only the first would count)."""
    if os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return None
    from _pytest.runner import runtestprotocol

    if programs := sys.modules.get("tests.programs"):
        programs._run.cache_clear()
    start = time.monotonic()
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    runtestprotocol(item, nextitem=None)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    _costs[item.nodeid] = time.monotonic() - start
    return True


def pytest_sessionfinish(session: Any) -> None:
    if os.environ.get("MUTANT_UNDER_TEST") == "stats" and _costs:
        COSTS.write_text(json.dumps({**_read_costs(), **_costs}))


def pytest_collection_modifyitems(session: Any, config: Any, items: list[Any]) -> None:
    """A mutant's tests run those that killed other mutants of its function first, then the
    cheapest: the first failure ends the run."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if MUTANT not in mutant:
        return
    function = mutant.rsplit(MUTANT, 1)[0]
    lines = KILLERS.read_text().splitlines() if KILLERS.exists() else []
    kills = Counter(test for f, test in map(json.loads, lines) if f == function)
    costs = _read_costs()
    items.sort(key=lambda item: (-kills[item.nodeid], costs.get(item.nodeid, 0.0)))


def pytest_runtest_logreport(report: Any) -> None:
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    if report.failed and MUTANT in mutant:
        with KILLERS.open("a") as killers:  # one short line per write: appends do not mix
            killers.write(json.dumps([mutant.rsplit(MUTANT, 1)[0], report.nodeid]) + "\n")


def _read_costs() -> dict[str, float]:
    return json.loads(COSTS.read_text()) if COSTS.exists() else {}


if __name__ == "__main__":
    sys.exit(main())
