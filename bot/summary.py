"""What a GitHub Actions run shows of the bot: the job summary (GITHUB_STEP_SUMMARY) and annotations."""

from __future__ import annotations

import os

from bot.errors import Location


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


def error_annotation(location: Location, message: str, level: str = "error") -> str:
    """A workflow command (`::error file=…,line=…::message`) that GitHub shows beside the file's line.

    Workflow commands end at a newline and give `%`, `:` and `,` meanings: every value is escaped, so
    a file name or message with a newline can never start a command of its own.
    """
    properties = [f"file={_escape_property(location.file or '')}"]
    properties += [f"line={location.line}"] if location.line else []
    properties += [f"col={location.column}"] if location.column else []
    text = f"{location.field}: {message}" if location.field else message
    return f"::{level} {','.join(properties)}::{_escape_data(text)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
