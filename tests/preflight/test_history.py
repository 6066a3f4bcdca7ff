"""The deploy workflow's baseline: the last successful update from a clean tree at a commit the
clone has; nothing otherwise (the review is then skipped, not failed)."""

from preflight.history import last_deployed_commit


def update(commit: str, kind: str = "update", result: str = "succeeded", dirty: str = "false"):
    return {"kind": kind, "result": result, "environment": {"git.head": commit, "git.dirty": dirty}}


def test_the_newest_clean_successful_update_at_a_known_commit():
    history = [
        update("a" * 40, kind="refresh"),
        update("b" * 40, result="failed"),
        update("c" * 40, dirty="true"),
        update("d" * 40),  # not in this clone (a local commit pushed nowhere)
        update("e" * 40),
        update("f" * 40),
    ]
    assert last_deployed_commit(history, lambda c: c != "d" * 40) == "e" * 40


def test_no_baseline_for_a_stack_never_deployed_from_git():
    assert last_deployed_commit([], lambda c: True) is None
    assert last_deployed_commit([{"kind": "update", "result": "succeeded"}], lambda c: True) is None
