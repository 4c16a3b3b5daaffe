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
        required=True,
        metavar="OWNER/REPO@SHA",
        help="the mlops-bot release the workflows use, pinned to its full commit SHA",
    )
    parser.add_argument("--action-version", default="v1", help="that release's version, kept beside the SHA")
    parser.add_argument("--title", default="ML team handbook", help="the site's title")
    parser.add_argument("--force", action="store_true", help="replace files and label colours you changed")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.errors import EXIT_OK
    from bot.scaffold.install import init_repository, pinned_action, repository_config

    action = pinned_action(args.action_ref, args.action_version)
    root = Path(args.path)
    report = init_repository(
        root,
        repository_config(root, args.config),
        repository=args.repo or os.environ.get("GITHUB_REPOSITORY"),
        project_url=args.project_url,
        action=action,
        title=args.title,
        force=args.force,
        dry_run=args.dry_run,
    )
    emit(args, report.as_json(), report.as_text())
    return EXIT_OK
