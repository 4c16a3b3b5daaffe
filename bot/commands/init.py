"""`mlops-bot init`: install labels, forms, configuration, workflows and a site skeleton in a repository."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--path", default=".", help="the repository's checkout (default: here)")
    parser.add_argument("--repo", help="owner/name for the labels (default: GITHUB_REPOSITORY)")
    parser.add_argument("--project-url", help="the board, written into the new configuration")
    parser.add_argument(
        "--action-ref",
        metavar="OWNER/REPO@SHA",
        help="the mlops-bot release the workflows use, pinned to its full commit SHA (required without --board)",
    )
    parser.add_argument("--action-version", default="v1", help="that release's version, kept beside the SHA")
    parser.add_argument("--title", default="ML team handbook", help="the site's title")
    parser.add_argument("--force", action="store_true", help="replace files and label colours you changed")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    parser.add_argument(
        "--board", action="store_true", help="set up the board instead: find or create it, add its Status options"
    )
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    if args.board:
        from bot.commands import init_board

        return init_board.run(args)
    from bot.errors import EXIT_OK
    from bot.scaffold.install import init_repository, pinned_action, repository_config
    from bot.scaffold.next_steps import next_steps, render_next_steps

    action = pinned_action(args.action_ref, args.action_version)
    root = Path(args.path)
    config = repository_config(root, args.config)
    repository = args.repo or os.environ.get("GITHUB_REPOSITORY")
    project_url = args.project_url or (config.project.url if config.project else None)
    report = init_repository(
        root,
        config,
        repository=repository,
        project_url=project_url,
        action=action,
        title=args.title,
        force=args.force,
        dry_run=args.dry_run,
    )
    server = os.environ.get("GITHUB_SERVER_URL") or "https://github.com"
    steps = next_steps(
        config.gate.status_context,
        repository=repository,
        project_url=project_url,
        action_ref=args.action_ref,
        server=server,
    )
    payload = {**report.as_json(), "next_steps": [{"title": s.title, "how": s.how} for s in steps]}
    emit(args, payload, report.as_text() + "\n" + render_next_steps(steps))
    return EXIT_OK
