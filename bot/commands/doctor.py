"""`mlops-bot doctor`: check a setup end to end, one line per check with its fix. Exit 1 if one fails."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", help="owner/name (default: GITHUB_REPOSITORY, else the one configured repository)")
    parser.add_argument("--path", default=".", help="the repository's checkout (default: here)")
    parser.add_argument("--strict", action="store_true", help="fail on checks that could not be read, too")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.config import DEFAULT_PATH, load_config
    from bot.doctor.checks import diagnose
    from bot.doctor.facts import gather
    from bot.errors import EXIT_CHECK_FAILED, EXIT_OK
    from bot.github.client import require_repository

    root = Path(args.path)
    own = root / DEFAULT_PATH
    config = load_config(args.config or (own if own.is_file() else None))
    single = config.repositories[0] if len(config.repositories) == 1 else None
    repository = require_repository(args.repo or os.environ.get("GITHUB_REPOSITORY") or single)
    checks = diagnose(gather(config, repository, root, os.environ), config)
    failing = {"fail", "unknown"} if args.strict else {"fail"}
    ok = not any(c.verdict in failing for c in checks)
    counts = {v: sum(1 for c in checks if c.verdict == v) for v in ("ok", "fail", "unknown")}
    summary = f"{repository}: {counts['ok']} ok, {counts['fail']} failed, {counts['unknown']} could not be read"
    payload = {"repository": repository, "ok": ok, "checks": [vars(c) for c in checks], **counts}
    emit(args, payload, "\n".join([*(c.line() for c in checks), summary]))
    return EXIT_OK if ok else EXIT_CHECK_FAILED
