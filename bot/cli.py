"""The command line: the only place that prints errors and chooses exit codes.

Exit codes: 0 success; 1 a check that did not pass; 2 a usage or configuration error;
3 a GitHub/API failure after retries; 130 interrupted (Ctrl-C).

Only the chosen command's module is imported, and command modules import their capability inside
`run()`: `mlops-bot --help` and the start of each command stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

from bot import __version__
from bot.errors import EXIT_GITHUB, EXIT_INTERRUPTED, BotError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would exit 2 itself; we want one path out
        raise UsageError(f"{self.prog}: {message}")


# name -> (module with `register(parser)` and `run(args) -> int`, one-line summary). Modules load lazily.
COMMANDS: dict[str, tuple[str, str]] = {
    "sync": ("bot.commands.sync", "keep the Projects board in step with ml-* issues"),
    "checklist": ("bot.commands.checklist", "check a Markdown body against the required deployment checklist"),
    "check-pr": ("bot.commands.check_pr", "post the deployment gate as a commit status on a pull request"),
    "init": ("bot.commands.init", "install labels, forms, configuration, workflows and a site in a repository"),
    "doctor": ("bot.commands.doctor", "check a setup end to end: tokens, board, labels, files, status check, Pages"),
    "monitor": ("bot.commands.monitor", "check monitoring reports or drift; open incidents and retraining work"),
    "registry": ("bot.commands.registry", "import model versions into the registry files from MLflow"),
    "site": ("bot.commands.site", "build or serve the documentation site"),
    "snapshot": ("bot.commands.snapshot", "fetch the ml-* issues into the site's snapshot (incremental)"),
    "triage": ("bot.commands.triage", "check issues written from the forms; run slash commands; remind spikes"),
    "validate": ("bot.commands.validate", "validate the configuration and model registry files"),
}


def build_parser(chosen: str | None = None) -> argparse.ArgumentParser:
    """Every command by name and summary; only `chosen` (if any) loads its module for its options."""
    parser = _Parser(prog="mlops-bot", description="Keeps ML issues, board, registry and site in step.")
    parser.add_argument("--version", action="version", version=f"mlops-bot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, summary) in COMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=summary)
        sub.add_argument("--config", help="configuration file (default: .github/mlops.yml, else defaults)")
        sub.add_argument("--verbose", "-v", action="store_true", help="log every request; show tracebacks")
        if name == chosen:
            importlib.import_module(module).register(sub)
    return parser


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def _transport_failures() -> tuple[type[BaseException], ...]:
    """GitHub's and the network's exceptions, once the client is loaded (a failure implies it is): the
    CLI itself never imports PyGithub, so `--help` and offline commands start fast."""
    if "bot.github.client" not in sys.modules:
        return ()
    from bot.github.client import transport_failures

    return transport_failures()


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else argv
    verbose = "--verbose" in given or "-v" in given
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(name)s: %(message)s")
    if not verbose:  # retries are counted and a failure is one line: the libraries' own lines are noise
        for library in ("urllib3", "github"):
            logging.getLogger(library).setLevel(logging.ERROR)
    try:
        words = list(sys.argv[1:] if argv is None else argv)
        chosen = next((w for w in words if w in COMMANDS), None)
        args = build_parser(chosen).parse_args(words)
        if not args.command:
            raise UsageError("mlops-bot: choose a command (see mlops-bot --help)")
        return importlib.import_module(COMMANDS[args.command][0]).run(args)
    except BotError as exc:
        if verbose:
            traceback.print_exc()
        _say(f"error: {exc}", sys.stderr)
        return exc.exit_code
    except _transport_failures() as exc:
        from bot.github.client import describe_failure

        if verbose:
            traceback.print_exc()
        _say(f"error: {describe_failure(exc)}", sys.stderr)
        return EXIT_GITHUB
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def emit(args: argparse.Namespace, payload: Any, text: str, annotations: Sequence[str] = ()) -> None:
    """Print a command's result as text or as JSON, as `--format` asks; as text in GitHub Actions, then
    the `annotations` (workflow commands the bot wrote, their values escaped)."""
    if getattr(args, "format", "text") == "json":
        print(json.dumps(payload, indent=2, sort_keys=True))
        return
    _say(text, sys.stdout)
    if github_annotations_enabled():
        for annotation in annotations:
            print(annotation)


def _say(text: str, stream: Any) -> None:
    """Print text that may hold what people wrote (titles, file names, YAML values). In GitHub Actions it
    is framed by `::stop-commands::`, so no line of it can act as a workflow command."""
    if github_annotations_enabled():
        from bot.summary import without_commands

        text = without_commands(text)
    print(text, file=stream)


def github_annotations_enabled() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"
