"""Refresh the generated parts of README.md: `venv/bin/python -m preflight.readme`.

The configuration table (from the settings' declarations) and the preflight output of each
stack; tests keep both equal to what this would write."""

from __future__ import annotations

import contextlib
import io
import re

from config.reference import TABLE_END, TABLE_START, render_table
from offline.runner import ROOT
from preflight.__main__ import main
from settings import Settings

README = ROOT / "README.md"
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
    text = README.read_text()
    table = render_table(Settings) + "\n"
    text = CONFIG_TABLE.sub(lambda m: m.group(1) + table + m.group(3), text)
    for stack in STACKS:
        output = current_output(stack)
        text = block(stack).sub(lambda m, o=output: m.group(1) + o + m.group(3), text)
    README.write_text(text)


if __name__ == "__main__":
    refresh()
