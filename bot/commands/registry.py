"""`mlops-bot registry import mlflow`: write the registry's files from an MLflow model registry."""

from __future__ import annotations

import argparse

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(parser))
    source = actions.add_parser("import", help="import model versions from another registry")
    source.add_argument("source", choices=["mlflow"], help="where the models are registered")
    source.add_argument(
        "--tracking-uri", help="the tracking server (default: mlflow.tracking_uri, MLFLOW_TRACKING_URI)"
    )
    source.add_argument("--model", action="append", default=[], help="an MLflow model to import (repeatable)")
    source.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
    source.add_argument("--force", action="store_true", help="take MLflow's value where a person changed one")
    # The command's own options, also accepted after the action (SUPPRESS: not to hide them when given before).
    source.add_argument("--config", default=argparse.SUPPRESS, help="configuration file (default: .github/mlops.yml)")
    source.add_argument("--verbose", "-v", action="store_true", default=argparse.SUPPRESS, help="log every request")
    add_format(source)


def run(args: argparse.Namespace) -> int:
    import os

    from bot.config import load_config
    from bot.errors import EXIT_OK, UsageError
    from bot.mlflow.client import MlflowClient
    from bot.mlflow.importer import ImportOptions, as_json, describe, run_import

    config = load_config(args.config)
    uri = args.tracking_uri or config.mlflow.tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise UsageError("no MLflow tracking server: give --tracking-uri, mlflow.tracking_uri or MLFLOW_TRACKING_URI")
    options = ImportOptions(models=tuple(args.model), force=args.force, dry_run=args.dry_run)
    report = run_import(config, MlflowClient(uri), options)
    emit(args, as_json(report), "\n".join(describe(report)))
    return EXIT_OK
