"""preflight.ci_comment: each push to a pull request edits the workflow's earlier comment of the
same kind instead of adding another; a comment by someone else, or of another kind, is left
alone. GitHub's REST API stood in for by a recording function."""

from __future__ import annotations

from typing import Any

import pytest

from preflight import ci_comment

BOT = {"login": "github-actions[bot]"}


class FakeGitHub:
    """The issue-comment endpoints of one pull request, recording every call."""

    def __init__(self, comments: list[dict[str, Any]]) -> None:
        self.comments = comments
        self.calls: list[tuple[str, str, Any]] = []

    def __call__(self, method: str, path: str, payload: Any) -> Any:
        self.calls.append((method, path, payload))
        if method == "GET":
            page = int(path.rsplit("page=", 1)[1])
            return self.comments[(page - 1) * 100 : page * 100]
        return {"id": 1}


def test_the_first_push_creates_the_comment_with_its_mark() -> None:
    github = FakeGitHub([{"id": 5, "user": {"login": "alice"}, "body": "looks good"}])
    assert ci_comment.post("review-dev", "the review", "o/r", "7", github) == "created"
    method, path, payload = github.calls[-1]
    assert (method, path) == ("POST", "/repos/o/r/issues/7/comments")
    assert payload == {"body": "<!-- eks-platform:review-dev -->\nthe review"}


def test_a_later_push_edits_the_workflow_s_last_comment_of_that_kind() -> None:
    comments = [
        {"id": 11, "user": BOT, "body": "<!-- eks-platform:review-dev -->\nold"},
        {"id": 12, "user": BOT, "body": "<!-- eks-platform:readiness-dev -->\nother kind"},
        {"id": 13, "user": BOT, "body": "<!-- eks-platform:review-prod -->\nother stack"},
        # a person quoting the mark is never edited
        {"id": 14, "user": {"login": "alice"}, "body": "<!-- eks-platform:review-dev -->"},
    ]
    github = FakeGitHub(comments)
    assert ci_comment.post("review-dev", "new", "o/r", "7", github) == "edited"
    assert github.calls[-1] == (
        "PATCH",
        "/repos/o/r/issues/comments/11",
        {"body": "<!-- eks-platform:review-dev -->\nnew"},
    )


def test_every_page_of_comments_is_searched() -> None:
    comments = [{"id": n, "user": {"login": "alice"}, "body": "x"} for n in range(150)]
    comments.append({"id": 999, "user": BOT, "body": "<!-- eks-platform:review-dev -->"})
    github = FakeGitHub(comments)
    assert ci_comment.post("review-dev", "new", "o/r", "7", github) == "edited"
    pages = [p for m, p, _ in github.calls if m == "GET"]
    assert pages == [
        "/repos/o/r/issues/7/comments?per_page=100&page=1",
        "/repos/o/r/issues/7/comments?per_page=100&page=2",
    ]
    assert github.calls[-1][1] == "/repos/o/r/issues/comments/999"


def test_the_command_needs_the_pull_request_and_says_so(tmp_path, monkeypatch, capsys) -> None:
    body = tmp_path / "comment"
    body.write_text("text")
    monkeypatch.delenv("PR_NUMBER", raising=False)
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    assert ci_comment.main(["review-dev", str(body)]) == 2
    assert "::error::posting the review-dev comment" in capsys.readouterr().err


@pytest.mark.parametrize("key", ["review-dev", "readiness-prod"])
def test_the_mark_is_an_html_comment_github_does_not_show(key: str) -> None:
    assert ci_comment.marker(key) == f"<!-- eks-platform:{key} -->"
