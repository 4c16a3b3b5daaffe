"""Write the generated pages into the docs folder: the one place the site touches the file system.

Only pages whose text changed are written (each atomically), and pages no longer generated are removed,
so a live-reloading server sees no change when there is none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.files import replace_file
from bot.records.links import link_problems
from bot.records.registry import read_registry
from bot.schemas import Problem
from bot.site.render import GENERATED, render_site
from bot.site.snapshot import read_snapshot


@dataclass(frozen=True)
class Generated:
    """What a generation did, and what a reader should know about the data behind it."""

    pages: int
    written: int  # pages whose text changed
    removed: int  # pages no longer generated
    models: int
    issues: int
    left_out: tuple[Problem, ...]  # one per registry file left out of the site, with why
    link_warnings: tuple[Problem, ...]  # registry links that do not hold against the snapshot

    @property
    def warnings(self) -> list[str]:
        return [f"{p} (file left out of the site)" for p in self.left_out] + [str(p) for p in self.link_warnings]

    def counts(self) -> dict[str, Any]:
        return {
            "pages": self.pages,
            "written": self.written,
            "removed": self.removed,
            "models": self.models,
            "issues": self.issues,
            "skipped_registry_files": len(self.left_out),
            "link_warnings": len(self.link_warnings),
            "warnings": self.warnings,
        }


def generate(config: Config, docs_dir: str | Path) -> Generated:
    """Render every page from the configured registry and snapshot and write what changed under `docs_dir`.

    A registry file that is not a valid version is left out of the site and named; a snapshot that is not
    one stops the generation (there would be no site to speak of).
    """
    models, problems = read_registry(config.registry.path)
    snapshot = read_snapshot(config.site.snapshot)
    left_out = first_problem_per_file(problems)
    models = [m for m in models if m.file not in {p.location.file for p in left_out}]
    pages = render_site(models, snapshot, config, read_monitoring(config.monitoring.status_dir))
    written, removed = write_pages(
        Path(docs_dir) / GENERATED, {Path(p).relative_to(GENERATED): t for p, t in pages.items()}
    )
    return Generated(
        pages=len(pages),
        written=written,
        removed=removed,
        models=len(models),
        issues=len((snapshot or {}).get("issues", [])),
        left_out=tuple(left_out),
        link_warnings=tuple(link_problems(models, snapshot)),
    )


def first_problem_per_file(problems: list[Problem]) -> list[Problem]:
    """One line per file: its first problem, saying how many more `mlops-bot validate` would list."""
    by_file: dict[str | None, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.location.file, []).append(problem)
    return [
        found[0] if len(found) == 1 else Problem(found[0].location, f"{found[0].message} (and {len(found) - 1} more)")
        for found in by_file.values()
    ]


def write_pages(root: Path, pages: dict[Path, str]) -> tuple[int, int]:
    """Make `root` hold exactly `pages`; returns (pages written, files removed). Unchanged files are not
    touched, so their modification times (what file watchers see) stay as they were."""
    written = removed = 0
    for relative, text in pages.items():
        target = root / relative
        data = text.encode("utf-8")
        try:
            if target.read_bytes() == data:
                continue
        except FileNotFoundError:
            pass  # a new page: replace_file makes its folders
        replace_file(target, data)
        written += 1
    keep = {root / relative for relative in pages}
    for path in sorted(root.rglob("*"), reverse=True) if root.exists() else []:
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path not in keep:
            path.unlink()
            removed += 1
    return written, removed


def read_monitoring(folder: str | None) -> dict[str, dict[str, Any]]:
    """The latest status `mlops-bot monitor` wrote for each model (files it cannot read are skipped)."""
    statuses: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(folder).glob("*.json")) if folder else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("model"), str):
            statuses[data["model"]] = data
    return statuses
