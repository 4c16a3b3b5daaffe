"""`mlops-bot validate`: the configuration, the model registry, the issue forms and the workflows."""

from __future__ import annotations

import argparse

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="registry files or folders (default: the configured registry)")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.cli import github_annotations_enabled
    from bot.config import load_config
    from bot.errors import EXIT_CHECK_FAILED, EXIT_OK
    from bot.summary import error_annotation
    from bot.validation import validate_repository

    config = load_config(args.config)  # a bad configuration is a usage error (exit 2), raised as such
    report = validate_repository(config, args.paths)
    lines = [str(p) for p in report.problems]
    if github_annotations_enabled():
        lines += [error_annotation(p.location, p.message) for p in report.problems]
    emit(args, report.as_json(), "\n".join([*lines, report.summary()]))
    return EXIT_CHECK_FAILED if report.problems else EXIT_OK
