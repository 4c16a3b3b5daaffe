"""`mlops-bot snapshot`: bring the site's snapshot of the configured repositories' ml-* issues up to date.

Incremental: with a previous snapshot, only issues updated since are read, plus one count per repository
that tells whether any were deleted, transferred or unlabelled; the result equals a `--full` read
(bot/site/refresh.py gives the request cost).
"""

from __future__ import annotations

import argparse
import os

from bot.cli import add_format, emit
from bot.errors import EXIT_OK, ConfigError


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", help="snapshot file (default: site.snapshot in the configuration)")
    parser.add_argument("--full", action="store_true", help="read everything again, ignoring the previous snapshot")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.github.client import Clients
    from bot.mlflow.runs import with_mlflow_runs
    from bot.site.refresh import refresh
    from bot.site.snapshot import read_snapshot, utc_now, write_snapshot

    config = load_config(args.config)
    if not config.repositories:
        raise ConfigError("no repositories to snapshot: list them under `repositories`", config.locate("repositories"))
    path = args.output or config.site.snapshot
    previous = None if args.full else read_snapshot(path)
    clients = Clients.from_env()
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    done = refresh(clients.rest, config, previous, server, utc_now())
    write_snapshot(path, with_mlflow_runs(done.snapshot, config.mlflow))  # runs on experiment cards, if configured
    issues, requests = len(done.snapshot["issues"]), clients.request_log.total
    whole = f"; read in full: {', '.join(done.read_in_full)}" if done.read_in_full else ""
    emit(
        args,
        {
            "file": path,
            "fetched": done.fetched,
            "dropped": done.dropped,
            "issues": issues,
            "incremental": done.since is not None,
            "read_in_full": list(done.read_in_full),
            "requests": requests,
        },
        f"{path}: {issues} issue(s); {done.fetched} read, {done.dropped} dropped"
        f"{' since ' + done.since if done.since else ''}{whole}; {requests} request(s)",
    )
    return EXIT_OK
