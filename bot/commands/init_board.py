"""`mlops-bot init --board`: find or create the board, give it the Status options and the stage field."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import emit
from bot.config import DEFAULT_PATH, load_config
from bot.errors import EXIT_OK


def run(args: argparse.Namespace) -> int:
    from bot.board.provision import BoardProvisioner, set_up_board
    from bot.github.client import Clients

    root = Path(args.path)
    own_file = root / DEFAULT_PATH
    config = load_config(args.config or (own_file if own_file.is_file() else None), project_url=args.project_url)
    repositories = [args.repo] if args.repo else list(config.repositories)
    clients = Clients.from_env()
    provisioner = BoardProvisioner(
        clients.board, batch_size=config.board.batch_size, pause_seconds=config.board.mutation_pause_seconds
    )
    # A board found or created here is written into the repository's own configuration file.
    remember_in = None if args.config else root
    report = set_up_board(config, provisioner, repositories, dry_run=args.dry_run, root=remember_in)
    prefix = "[dry run] " if args.dry_run else ""
    lines = [f"board: {report.board}"] + [f"{prefix}{step.describe()}" for step in report.steps]
    lines += [f"note: {note}" for note in report.notes]
    if report.values_restored or report.values_to_restore:
        count = report.values_restored or report.values_to_restore
        verb = "put back" if report.values_restored else "to put back (GitHub clears them when options change)"
        lines.append(f"{prefix}{count} item value(s) {verb}")
    if report.config_updated:
        lines.append(f"wrote project_url: {report.board} into {report.config_updated}: commit it")
    lines.append(f"{prefix}{len(report.steps)} change(s); {clients.request_log.total} request(s)")
    emit(args, {**report.as_json(), "requests": clients.request_log.total}, "\n".join(lines))
    return EXIT_OK
