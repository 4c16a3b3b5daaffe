"""`mlops-bot init --board`: find or create the board, give it the Status options and the stage field."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import emit


def run(args: argparse.Namespace) -> int:
    from bot.board.provision import BoardProvisioner, set_up_board
    from bot.config import DEFAULT_PATH, load_config
    from bot.errors import EXIT_OK
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
    requests = clients.request_log.total
    emit(args, {**report.as_json(), "requests": requests}, report.as_text(requests))
    return EXIT_OK
