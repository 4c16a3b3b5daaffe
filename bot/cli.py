"""The command line: the only place that prints errors and chooses exit codes.

Exit codes: 0 success; 1 a check that did not pass; 2 a usage or configuration error;
3 a GitHub/API failure after retries.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from bot import __version__
from bot.errors import EXIT_GITHUB, EXIT_USAGE, BotError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit 2 itself; we want one path out
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mlops-bot", description="Keeps ML issues, board, registry and site in step.")
    parser.add_argument("--version", action="version", version=f"mlops-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (register, summary) in _COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("--config", help="configuration file (default: .github/mlops.yml, else defaults)")
        sub.add_argument("--verbose", "-v", action="store_true", help="log every request; show tracebacks")
        register(sub)
    return parser


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def _register_validate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="registry files or folders (default: the configured registry)")
    add_format(parser)


def _register_sync(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="reconcile every issue of the configured repositories")
    parser.add_argument("--project-url", help="the board's URL (overrides the file and MLOPS_PROJECT_URL)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument("--event-name", help="default: GITHUB_EVENT_NAME")
    parser.add_argument("--event-path", help="default: GITHUB_EVENT_PATH")
    add_format(parser)


def _run_validate(args: argparse.Namespace) -> int:
    from bot.commands_validate import run

    return run(args)


def _run_sync(args: argparse.Namespace) -> int:
    from bot.board.command import run

    return run(args)


_COMMANDS: dict[str, tuple[Callable[[argparse.ArgumentParser], None], str]] = {
    "validate": (_register_validate, "validate the configuration and model registry files"),
    "sync": (_register_sync, "keep the Projects board in step with ml-* issues"),
}
_RUNNERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": _run_validate,
    "sync": _run_sync,
}


def main(argv: Sequence[str] | None = None) -> int:
    from bot.github.client import TRANSPORT_FAILURES, describe_failure

    verbose = "--verbose" in (argv or sys.argv[1:]) or "-v" in (argv or sys.argv[1:])
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(name)s: %(message)s")
    try:
        args = build_parser().parse_args(argv)
        if not args.command:
            raise UsageError("mlops-bot: choose a command (see mlops-bot --help)")
        return _RUNNERS[args.command](args)
    except BotError as exc:
        if verbose:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except TRANSPORT_FAILURES as exc:
        if verbose:
            traceback.print_exc()
        print(f"error: {describe_failure(exc)}", file=sys.stderr)
        return EXIT_GITHUB
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_USAGE


def emit(args: argparse.Namespace, payload: Any, text: str) -> None:
    """Print a command's result as text or as JSON, as `--format` asks."""
    if getattr(args, "format", "text") == "json":
        print(json.dumps(payload, indent=2, sort_keys=True))
    else:
        print(text)


def github_annotations_enabled() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"
