"""Refresh the generated parts of the docs: `venv/bin/python -m preflight.docs`.

The configuration reference (docs/configuration.md, from the settings' declarations) and the
preflight output of each example stack (docs/preflight.md); tests keep both equal to what this
would write."""

from __future__ import annotations

import contextlib
import io
import re

from components.base.config.reference import TABLE_END, TABLE_START, render_table
from components.stack.settings import Settings
from preflight.__main__ import main
from preflight.offline.runner import ROOT

CONFIGURATION = ROOT / "docs" / "configuration.md"
PREFLIGHT = ROOT / "docs" / "preflight.md"
STACKS = ("dev", "prod")


def block(stack: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- preflight:{stack} -->\n```text\n)(.*?)(```\n<!-- /preflight:{stack} -->)",
        re.DOTALL,
    )


CONFIG_TABLE = re.compile(
    rf"({re.escape(TABLE_START)}\n)(.*?)(\n{re.escape(TABLE_END)})", re.DOTALL
)


def current_output(stack: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--stack", stack])
    return out.getvalue()


def refresh() -> None:
    table = render_table(Settings) + "\n"
    text = CONFIG_TABLE.sub(lambda m: m.group(1) + table + m.group(3), CONFIGURATION.read_text())
    CONFIGURATION.write_text(text)
    text = PREFLIGHT.read_text()
    for stack in STACKS:
        output = current_output(stack)
        text = block(stack).sub(lambda m, o=output: m.group(1) + o + m.group(3), text)
    PREFLIGHT.write_text(text)


if __name__ == "__main__":
    refresh()
