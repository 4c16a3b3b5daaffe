"""`mlops-bot sync`: keep the Projects board in step with the ml-* issues (one event, or `--all`)."""

from __future__ import annotations

import argparse

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="reconcile every issue of the configured repositories")
    parser.add_argument("--project-url", help="the board's URL (overrides the file and MLOPS_PROJECT_URL)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument("--event-name", help="default: GITHUB_EVENT_NAME")
    parser.add_argument("--event-path", help="default: GITHUB_EVENT_PATH")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.board.report import render_summary, render_text
    from bot.board.sync import sync_all, sync_event
    from bot.config import load_config
    from bot.errors import EXIT_OK
    from bot.events import load_event
    from bot.github.client import Clients
    from bot.summary import write_summary

    config = load_config(args.config, project_url=args.project_url)
    clients = Clients.from_env()
    if args.all:
        report = sync_all(config, clients, dry_run=args.dry_run)
    else:
        event = load_event(args.event_name, args.event_path, hint="or use --all")
        report = sync_event(event, config, clients, dry_run=args.dry_run)
    log = clients.request_log
    emit(args, report.as_json(log.total, log.mutations), render_text(report, log.total, log.mutations))
    write_summary(render_summary(report))
    return EXIT_OK
