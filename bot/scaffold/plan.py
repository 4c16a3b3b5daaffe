"""`mlops-bot init`, pure part: what a team's repository should hold, and how to get there from what it holds.

Files `init` wrote are listed with their digests in `.github/mlops-init.lock`: a file whose content still
matches its digest is ours to update; any other existing file is the team's and is never overwritten
without --force.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from bot.config import Config
from bot.errors import UsageError
from bot.resources import forms_dir, site_skeleton_dir
from bot.scaffold.next_steps import ACTION_PLACEHOLDER
from bot.scaffold.workflows import render_workflows

LOCK_FILE = ".github/mlops-init.lock"

# What init writes into YAML, read whole (fullmatch: `$` alone would let a trailing newline through).
_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
_PROJECT_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?/(?:orgs|users)/[A-Za-z0-9][A-Za-z0-9-]{0,38}"
    r"/projects/[1-9][0-9]{0,9}(?:/[A-Za-z0-9/._~?=&%+-]*)?"  # e.g. /views/1?layout=board
)
TITLE_LIMIT = 120


def check_init_values(*, repository: str | None, project_url: str | None, title: str) -> None:
    """Refuse values that would change the YAML init writes instead of sitting inside it as text."""
    if repository is not None and not _REPOSITORY.fullmatch(repository):
        raise UsageError(f"--repo {repository!r}: write it as OWNER/NAME (letters, digits, '-', '.', '_')")
    if project_url is not None and not _PROJECT_URL.fullmatch(project_url):
        raise UsageError(
            f"--project-url {project_url!r}: give the board's address as the browser shows it, "
            "e.g. https://github.com/orgs/acme/projects/3"
        )
    if not title.strip() or len(title) > TITLE_LIMIT or any(not c.isprintable() for c in title):
        raise UsageError(f"--title {title[:40]!r}: one line of 1 to {TITLE_LIMIT} printable characters")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def starter_config(repository: str | None, project_url: str | None) -> str:
    lines = [
        "# mlops-bot configuration: every key is optional (see the README for all of them).",
        "# yaml-language-server: $schema=https://mlops-bot.github.io/schemas/config.schema.json",
        f"project_url: {json.dumps(project_url)}"
        if project_url
        else "# project_url: https://github.com/orgs/YOUR-ORG/projects/1   # the board, as copied from the browser",
    ]
    if repository:
        lines.append(f"repositories: [{json.dumps(repository)}]")
    lines += ["registry:", "  path: registry", "site:", "  title: ML team handbook", "  snapshot: data/snapshot.json"]
    return "\n".join(lines) + "\n"


def pull_request_template(config: Config) -> str:
    items = "\n".join(f"- [ ] {item.text}" for item in config.checklist.required)
    return (
        "## What this changes\n\n\n\n## Deployment checklist\n\n"
        "Only for pull requests that deploy or promote a model; the deployment gate reads it.\n\n"
        f"{items}\n\nDeploys #\n"
    )


def desired_files(
    config: Config,
    *,
    repository: str | None,
    project_url: str | None,
    action: str,
    title: str = "ML team handbook",
) -> dict[str, str]:
    files: dict[str, str] = {}
    for path in sorted(forms_dir().glob("*.yml")):
        files[f".github/ISSUE_TEMPLATE/{path.name}"] = path.read_text(encoding="utf-8")
    files[".github/pull_request_template.md"] = pull_request_template(config)
    files[".github/mlops.yml"] = starter_config(repository, project_url)
    for name, text in render_workflows(action=action).items():
        files[f".github/workflows/{name}"] = text
    site = site_skeleton_dir()
    mkdocs = (site / "mkdocs.yml").read_text(encoding="utf-8")
    mkdocs = mkdocs.replace("config: sample/mlops.yml", "config: .github/mlops.yml")
    # A JSON string is a YAML double-quoted one; raw, not \u-escaped: YAML does not join surrogate pairs.
    site_name = f"site_name: {json.dumps(title, ensure_ascii=False)}"
    mkdocs = "\n".join(site_name if line.startswith("site_name:") else line for line in mkdocs.splitlines()) + "\n"
    files["mkdocs.yml"] = mkdocs
    for path in sorted((site / "site_src").rglob("*")):
        relative = path.relative_to(site)
        if path.is_file() and "generated" not in relative.parts:
            files[relative.as_posix()] = path.read_text(encoding="utf-8")
    # The setup page names the release these workflows pin, as the install line to copy.
    files["site_src/setup.md"] = files["site_src/setup.md"].replace(ACTION_PLACEHOLDER, action.split(" #")[0])
    return files


@dataclass(frozen=True)
class FileStep:
    path: str
    action: str  # create, update, unchanged, skip
    reason: str


def plan_files(
    desired: dict[str, str], existing: dict[str, str | None], lock: dict[str, str], force: bool
) -> list[FileStep]:
    """`existing` maps each desired path to its current text (None: absent)."""
    steps = []
    for path, text in desired.items():
        current = existing.get(path)
        if current is None:
            steps.append(FileStep(path, "create", "new"))
        elif current == text:
            steps.append(FileStep(path, "unchanged", "up to date"))
        elif force:
            steps.append(FileStep(path, "update", "--force"))
        elif lock.get(path) == digest(current):
            steps.append(FileStep(path, "update", "a newer template; you had not changed it"))
        elif path in lock:
            steps.append(FileStep(path, "skip", "you changed it since init wrote it (--force replaces it)"))
        else:
            steps.append(FileStep(path, "skip", "it was there before init (--force replaces it)"))
    return steps


@dataclass(frozen=True)
class LabelStep:
    name: str
    action: str  # create, update, unchanged, keep
    color: str
    description: str


def plan_labels(config: Config, existing: dict[str, tuple[str, str]], force: bool) -> list[LabelStep]:
    """`existing` maps lower-cased label names to (color, description). Labels are never deleted."""
    steps = []
    for name, spec in config.labels.items():
        color, description = spec.color, spec.description
        found = existing.get(name.lower())
        if found is None:
            steps.append(LabelStep(name, "create", color, description))
        elif (found[0].lower(), found[1] or "") == (color.lower(), description):
            steps.append(LabelStep(name, "unchanged", color, description))
        else:
            steps.append(LabelStep(name, "update" if force else "keep", color, description))
    return steps
