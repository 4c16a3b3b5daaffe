"""`mlops-bot init`: install labels, forms, configuration, workflows and a site skeleton in a repository."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

from bot.cli import add_format, emit
from bot.config import config_from_document, load_config
from bot.errors import EXIT_OK, UsageError
from bot.github.client import Clients
from bot.yaml_source import parse_yaml

PINNED_ACTION = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{40}$")


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
    from bot.init import LOCK_FILE, desired_files, digest, plan_files, plan_labels  # jinja2: not for --help

    if not PINNED_ACTION.match(args.action_ref):
        raise UsageError(
            f"--action-ref {args.action_ref!r}: pin the action to a full commit SHA, e.g. "
            "acme/mlops-bot@0123456789abcdef0123456789abcdef01234567 (a tag can be moved)"
        )
    action = f"{args.action_ref} # {args.action_version}"
    root = Path(args.path)
    config_path = root / ".github" / "mlops.yml"
    source = args.config or (config_path if config_path.is_file() else None)
    config = load_config(source, environ={}) if source else config_from_document(parse_yaml("", "defaults"))
    repository = args.repo or os.environ.get("GITHUB_REPOSITORY")
    desired = desired_files(
        config, repository=repository, project_url=args.project_url, action=action, title=args.title
    )
    lock_path = root / LOCK_FILE
    lock = json.loads(lock_path.read_text(encoding="utf-8")) if lock_path.is_file() else {}
    existing = {
        path: (root / path).read_text(encoding="utf-8") if (root / path).is_file() else None for path in desired
    }
    file_steps = plan_files(desired, existing, lock, args.force)

    label_steps = []
    clients = None
    if repository:
        clients = Clients.from_env()
        repo = clients.rest.rest.get_repo(repository)
        current = {label.name.lower(): (label.color, label.description or "") for label in repo.get_labels()}
        label_steps = plan_labels(config, current, args.force)

    if not args.dry_run:
        for step in file_steps:
            if step.action in ("create", "update"):
                target = root / step.path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(desired[step.path], encoding="utf-8")
                lock[step.path] = digest(desired[step.path])
            elif step.action == "unchanged":
                lock.setdefault(step.path, digest(desired[step.path]))
        new_lock = json.dumps(dict(sorted(lock.items())), indent=1) + "\n"
        if not lock_path.is_file() or lock_path.read_text(encoding="utf-8") != new_lock:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock_path.write_text(new_lock, encoding="utf-8")
        if clients and repository:
            repo = clients.rest.rest.get_repo(repository)
            for step in label_steps:
                if step.action == "create":
                    repo.create_label(step.name, step.color, step.description)
                elif step.action == "update":
                    repo.get_label(step.name).edit(step.name, step.color, step.description)

    prefix = "[dry run] " if args.dry_run else ""
    lines = [f"{prefix}{s.action:<9} {s.path}" + (f" ({s.reason})" if s.action == "skip" else "") for s in file_steps]
    lines += [
        f"{prefix}{s.action:<9} label {s.name}"
        + (" (colour or description differ; --force updates)" if s.action == "keep" else "")
        for s in label_steps
    ]
    if not repository:
        lines.append("labels: skipped (pass --repo owner/name or set GITHUB_REPOSITORY)")
    changed = sum(1 for s in file_steps if s.action in ("create", "update")) + sum(
        1 for s in label_steps if s.action in ("create", "update")
    )
    lines.append(f"{prefix}{changed} change(s)")
    emit(
        args,
        {
            "dry_run": args.dry_run,
            "changes": changed,
            "files": [{"path": s.path, "action": s.action, "reason": s.reason} for s in file_steps],
            "labels": [{"name": s.name, "action": s.action} for s in label_steps],
        },
        "\n".join(lines),
    )
    return EXIT_OK
