"""`mlops-bot monitor`: check a monitoring report, or the drift between two samples, against the thresholds;
open or update incidents (and retraining work) for breaches, note recoveries. Exit 1 on a breach."""

from __future__ import annotations

import argparse
import os

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="the model's name in the registry")
    parser.add_argument("--metrics", help="a monitoring report (JSON or CSV)")
    parser.add_argument("--baseline", help="baseline sample of features and scores (CSV or Parquet)")
    parser.add_argument("--current", help="current sample, same columns (CSV or Parquet)")
    parser.add_argument("--score-column", default="score", help="the model's score column in the samples")
    parser.add_argument("--repo", help="where incidents go (default: GITHUB_REPOSITORY)")
    parser.add_argument("--no-issues", action="store_true", help="report only; open no issue")
    parser.add_argument(
        "--status-dir", help="write the model's status file here (default: monitoring.status_dir when write_status)"
    )
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.extras import require

    if args.baseline or args.current:
        require("monitor")  # drift needs numpy and scipy; a report needs only the core
    from bot.config import load_config
    from bot.errors import EXIT_CHECK_FAILED, EXIT_OK
    from bot.monitor.run import MonitorRequest, monitor_model

    request = MonitorRequest(
        model=args.model,
        metrics=args.metrics,
        baseline=args.baseline,
        current=args.current,
        score_column=args.score_column,
        repository=args.repo or os.environ.get("GITHUB_REPOSITORY"),
        open_issues=not args.no_issues,
        status_dir=args.status_dir,
    )
    report = monitor_model(load_config(args.config), request)
    emit(args, report.as_json(), report.as_text())
    return EXIT_CHECK_FAILED if report.breaches else EXIT_OK
