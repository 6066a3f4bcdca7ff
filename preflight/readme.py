"""Refresh the preflight output pasted in README.md: `venv/bin/python -m preflight.readme`."""

from __future__ import annotations

import contextlib
import io
import re

from preflight.__main__ import main
from preflight.cloud import ROOT

README = ROOT / "README.md"


def block(stack: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- preflight:{stack} -->\n```text\n)(.*?)(```\n<!-- /preflight:{stack} -->)",
        re.DOTALL,
    )


def current_output(stack: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--stack", stack])
    return out.getvalue()


def refresh() -> None:
    text = README.read_text()
    for stack in ("dev", "prod"):
        output = current_output(stack)
        text = block(stack).sub(lambda m, o=output: m.group(1) + o + m.group(3), text)
    README.write_text(text)


if __name__ == "__main__":
    refresh()
