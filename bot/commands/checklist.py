"""`mlops-bot checklist FILE|-`: a Markdown body against the required deployment checklist, offline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli import add_format, emit

if TYPE_CHECKING:
    from bot.records.checklist import ChecklistResult


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a Markdown file, or - for standard input")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.errors import EXIT_CHECK_FAILED, EXIT_OK, Location, UsageError
    from bot.records.checklist import evaluate

    config = load_config(args.config)
    if args.file == "-":
        body = sys.stdin.read()
    else:
        try:
            body = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"cannot read: {exc.strerror if isinstance(exc, OSError) else exc}", Location(args.file)
            ) from None
    result = evaluate(body, config.checklist)
    emit(args, result_json(result), render_text(result))
    return EXIT_OK if result.complete else EXIT_CHECK_FAILED


def result_json(result: ChecklistResult) -> dict:
    return {
        "complete": result.complete,
        "summary": result.headline(),
        "items": [{"item": i.item, "status": i.status, "lines": list(i.lines), "note": i.note} for i in result.items],
    }


def render_text(result: ChecklistResult) -> str:
    lines = []
    for item in result.items:
        where = f" (line {', '.join(map(str, item.lines))})" if item.lines else ""
        note = f": {item.note}" if item.note else ""
        lines.append(f"{item.status:<8} {item.item}{where}{note}")
    lines.append(result.headline())
    return "\n".join(lines)
