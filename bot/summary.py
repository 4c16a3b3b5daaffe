"""The job summary GitHub Actions shows under a run (GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

import os


def escape_cell(text: str) -> str:
    """Text safe inside a Markdown table cell: no pipes, no line breaks, no HTML."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("\r", " ")
        .replace("\n", " ")
    )


def write_summary(markdown: str, environ: dict[str, str] | None = None) -> bool:
    path = (os.environ if environ is None else environ).get("GITHUB_STEP_SUMMARY")
    if not path:
        return False
    with open(path, "a", encoding="utf-8") as summary:
        summary.write(markdown.rstrip() + "\n\n")
    return True
