"""`init`'s I/O: read what a checkout and a repository hold, apply the plan, keep the lock file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Config, config_from_document, load_config
from bot.errors import UsageError
from bot.github.client import Clients
from bot.github.writes import create_once
from bot.scaffold.gitignore import missing_entries, with_entries
from bot.scaffold.plan import (
    LOCK_FILE,
    FileStep,
    LabelStep,
    check_init_values,
    desired_files,
    digest,
    plan_files,
    plan_labels,
)
from bot.yaml_source import parse_yaml

PINNED_ACTION = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{40}")
ACTION_VERSION = re.compile(r"v?[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}")


def pinned_action(action_ref: str | None, version: str) -> str:
    """`owner/repo@<sha> # <version>`, as the workflows write it; a tag or branch is refused, and so is
    a version that would be more than a comment (a line break, a quote, a `#`)."""
    if not action_ref:
        raise UsageError("init: give --action-ref OWNER/REPO@SHA (the mlops-bot release the workflows use)")
    if not PINNED_ACTION.fullmatch(action_ref):
        raise UsageError(
            f"--action-ref {action_ref!r}: pin the action to a full commit SHA, e.g. "
            "acme/mlops-bot@0123456789abcdef0123456789abcdef01234567 (a tag can be moved)"
        )
    if not ACTION_VERSION.fullmatch(version):
        raise UsageError(f"--action-version {version!r}: a release name such as v1.2.0 (letters, digits, . + _ -)")
    return f"{action_ref} # {version}"


def repository_config(root: Path, config_file: str | None) -> Config:
    """The checkout's configuration (`--config`, else `.github/mlops.yml` there), else the defaults."""
    found = root / ".github" / "mlops.yml"
    source = config_file or (found if found.is_file() else None)
    return load_config(source, environ={}) if source else config_from_document(parse_yaml("", "defaults"))


@dataclass(frozen=True)
class InitReport:
    dry_run: bool
    files: list[FileStep]
    labels: list[LabelStep]
    labels_checked: bool  # False when no repository was named
    gitignore: tuple[str, ...] = ()  # the entries added to .gitignore

    @property
    def changes(self) -> int:
        return (
            sum(1 for s in self.files if s.action in ("create", "update"))
            + sum(1 for s in self.labels if s.action in ("create", "update"))
            + bool(self.gitignore)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "changes": self.changes,
            "files": [{"path": s.path, "action": s.action, "reason": s.reason} for s in self.files],
            "labels": [{"name": s.name, "action": s.action} for s in self.labels],
            "gitignore": list(self.gitignore),
        }

    def as_text(self) -> str:
        prefix = "[dry run] " if self.dry_run else ""
        lines = [
            f"{prefix}{s.action:<9} {s.path}" + (f" ({s.reason})" if s.action == "skip" else "") for s in self.files
        ]
        lines += [
            f"{prefix}{s.action:<9} label {s.name}"
            + (" (colour or description differ; --force updates)" if s.action == "keep" else "")
            for s in self.labels
        ]
        if self.gitignore:
            lines.append(f"{prefix}{'update':<9} .gitignore (adds {', '.join(self.gitignore)})")
        if not self.labels_checked:
            lines.append("labels: skipped (pass --repo owner/name or set GITHUB_REPOSITORY)")
        lines.append(f"{prefix}{self.changes} change(s)")
        return "\n".join(lines)


def init_repository(
    root: Path,
    config: Config,
    *,
    repository: str | None,
    project_url: str | None,
    action: str,
    title: str,
    force: bool,
    dry_run: bool,
    connect: Callable[[], Clients] = Clients.from_env,
) -> InitReport:
    """Plan the files and labels, and unless `dry_run` write them; GitHub is only asked when a
    repository is named."""
    check_init_values(repository=repository, project_url=project_url, title=title)
    desired = desired_files(config, repository=repository, project_url=project_url, action=action, title=title)
    lock_path = root / LOCK_FILE
    lock = json.loads(lock_path.read_text(encoding="utf-8")) if lock_path.is_file() else {}
    existing = {
        path: (root / path).read_text(encoding="utf-8") if (root / path).is_file() else None for path in desired
    }
    file_steps = plan_files(desired, existing, lock, force)
    gitignore = root / ".gitignore"
    ignore_text = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else None
    to_ignore, ignored = missing_entries(ignore_text), with_entries(ignore_text)

    label_steps: list[LabelStep] = []
    repo = None
    if repository:
        repo = connect().rest.rest.get_repo(repository)
        current = {label.name.lower(): (label.color, label.description or "") for label in repo.get_labels()}
        label_steps = plan_labels(config, current, force)

    if not dry_run:
        _write_files(root, desired, file_steps, lock)
        if ignored is not None:
            gitignore.write_text(ignored, encoding="utf-8")
        if repo is not None:
            _apply_labels(repo, label_steps)
    return InitReport(dry_run, file_steps, label_steps, labels_checked=repository is not None, gitignore=to_ignore)


def _write_files(root: Path, desired: dict[str, str], steps: list[FileStep], lock: dict[str, str]) -> None:
    for step in steps:
        if step.action in ("create", "update"):
            target = root / step.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(desired[step.path], encoding="utf-8")
            lock[step.path] = digest(desired[step.path])
        elif step.action == "unchanged":
            lock.setdefault(step.path, digest(desired[step.path]))
    lock_path = root / LOCK_FILE
    new_lock = json.dumps(dict(sorted(lock.items())), indent=1) + "\n"
    if not lock_path.is_file() or lock_path.read_text(encoding="utf-8") != new_lock:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        lock_path.write_text(new_lock, encoding="utf-8")


def _apply_labels(repo: Any, steps: list[LabelStep]) -> None:
    for step in steps:
        if step.action == "create":
            create_once(
                repo,
                lambda step=step: repo.create_label(step.name, step.color, step.description),
                lambda step=step: _label_named(repo, step.name),
                what=f"the label {step.name!r}",
            )
        elif step.action == "update":
            repo.get_label(step.name).edit(step.name, step.color, step.description)


def _label_named(repo: Any, name: str) -> Any | None:
    """The repository's label called `name` (GitHub compares label names without case), or None."""
    return next((label for label in repo.get_labels() if label.name.lower() == name.lower()), None)
