"""`mlops-bot sync`: the CLI edge of board sync (options, output, job summary)."""

from __future__ import annotations

import argparse

from bot.board.sync import SyncReport, sync_all, sync_event
from bot.cli import add_format, emit
from bot.config import load_config
from bot.errors import EXIT_OK
from bot.events import load_event
from bot.github.client import Clients
from bot.summary import escape_cell, write_summary


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--all", action="store_true", help="reconcile every issue of the configured repositories")
    parser.add_argument("--project-url", help="the board's URL (overrides the file and MLOPS_PROJECT_URL)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument("--event-name", help="default: GITHUB_EVENT_NAME")
    parser.add_argument("--event-path", help="default: GITHUB_EVENT_PATH")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config, project_url=args.project_url)
    clients = Clients.from_env()
    if args.all:
        report = sync_all(config, clients, dry_run=args.dry_run)
    else:
        report = sync_event(load_event(args.event_name, args.event_path), config, clients, dry_run=args.dry_run)
    log = clients.request_log
    emit(args, report.as_json(log.total, log.mutations), render_text(report, log.total, log.mutations))
    write_summary(render_summary(report))
    return EXIT_OK


def render_text(report: SyncReport, requests: int, mutations: int) -> str:
    lines = [f"board: {report.board}"] if report.board else []
    if report.skipped:
        lines.append(f"nothing to do: {report.skipped}")
    verb = "planned" if report.dry_run else "applied"
    lines += [("[dry run] " if report.dry_run else "") + action.describe() for action in report.actions]
    lines += [f"WIP limit exceeded in {w.column}: {w.count} items, limit {w.limit}" for w in report.wip]
    lines += report.comments
    if report.mode == "all":
        lines.append(f"{report.issues_seen} labelled issue(s) checked")
    lines.append(f"{len(report.actions)} change(s) {verb}; {requests} request(s), {mutations} mutation request(s)")
    return "\n".join(lines)


def render_summary(report: SyncReport) -> str:
    title = "Board sync" + (" (dry run)" if report.dry_run else "")
    parts = [f"### {title}", ""]
    if report.board:
        parts.append(f"Board: {escape_cell(report.board)}\n")
    if report.skipped:
        parts.append(f"Nothing to do: {escape_cell(report.skipped)}")
    if report.actions:
        parts += ["| Issue | Change | Column | Why |", "|---|---|---|---|"]
        parts += [
            f"| {escape_cell(a.issue.ref)} | {a.kind.replace('_', ' ')} | {escape_cell(a.column or '')} | "
            f"{escape_cell(a.reason)} |"
            for a in report.actions
        ]
    elif not report.skipped:
        parts.append("The board was already in step: nothing changed.")
    for overflow in report.wip:
        parts.append(
            f"\n> **WIP limit exceeded** in {escape_cell(overflow.column)}: "
            f"{overflow.count} items against a limit of {overflow.limit}."
        )
    return "\n".join(parts)
