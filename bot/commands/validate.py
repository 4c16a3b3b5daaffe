"""`mlops-bot validate`: the configuration, the model registry, the issue forms and the workflows."""

from __future__ import annotations

import argparse

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="registry files or folders (default: the configured registry)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too (registry links that do not hold)")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.cli import github_annotations_enabled
    from bot.config import load_config
    from bot.errors import EXIT_CHECK_FAILED, EXIT_OK
    from bot.summary import error_annotation, without_commands
    from bot.validation import validate_repository

    config = load_config(args.config)  # a bad configuration is a usage error (exit 2), raised as such
    report = validate_repository(config, args.paths)
    text = "\n".join(
        [*(str(p) for p in report.problems), *(f"warning: {w}" for w in report.warnings), report.summary()]
    )
    if github_annotations_enabled():  # file names and values are printed as they are: no command in them
        annotations = [error_annotation(p.location, p.message) for p in report.problems]
        annotations += [error_annotation(w.location, w.message, "warning") for w in report.warnings]
        text = "\n".join([without_commands(text), *annotations])
    emit(args, report.as_json(), text)
    return EXIT_CHECK_FAILED if report.problems or (args.strict and report.warnings) else EXIT_OK
