"""What a GitHub Actions run shows of the bot: the job summary (GITHUB_STEP_SUMMARY) and annotations."""

from __future__ import annotations

import os
import secrets
from typing import Literal

from bot.errors import Location

AnnotationLevel = Literal["error", "warning", "notice"]
ANNOTATION_LEVELS: tuple[AnnotationLevel, ...] = ("error", "warning", "notice")


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


def error_annotation(location: Location, message: str, level: AnnotationLevel = "error") -> str:
    """A workflow command (`::error file=…,line=…::message`) that GitHub shows beside the file's line.

    Workflow commands end at a newline and give `%`, `:` and `,` meanings: every value is escaped, so
    a file name or message with a newline can never start a command of its own.
    """
    if level not in ANNOTATION_LEVELS:
        raise ValueError(f"annotation level {level!r}: expected one of {', '.join(ANNOTATION_LEVELS)}")
    properties = [f"file={_escape_property(location.file or '')}"]
    properties += [f"line={location.line}"] if location.line else []
    properties += [f"col={location.column}"] if location.column else []
    text = f"{location.field}: {message}" if location.field else message
    return f"::{level} {','.join(properties)}::{_escape_data(text)}"


def without_commands(text: str, token: str | None = None) -> str:
    """`text` framed by GitHub's `::stop-commands::`, so the Actions runner reads no workflow command in
    it, whatever it holds (a file name or a YAML value may start a line with `::`, or hold `##[`).

    The token that resumes commands is random, so the text cannot guess it and resume them itself."""
    token = token or secrets.token_hex(16)
    while token in text:  # text that held the token could resume commands itself
        token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{text}\n::{token}::"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
