"""Write the generated pages into the docs folder: the one place the site touches the file system."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.records.registry import read_registry
from bot.site.render import GENERATED, render_site
from bot.site.snapshot import read_snapshot


def generate(config: Config, docs_dir: str | Path) -> dict[str, int]:
    """Render every page from the configured registry and snapshot and write it under `docs_dir`.

    Invalid registry files are left out of the site (`mlops-bot validate` names them); a snapshot
    that is not one stops the build.
    """
    models, problems = read_registry(config.registry.path)
    snapshot = read_snapshot(config.site.snapshot)
    pages = render_site(models, snapshot, config, read_monitoring(config.monitoring.status_dir))
    root = Path(docs_dir)
    target = root / GENERATED
    staging = root / f".{GENERATED}.new"
    if staging.exists():
        shutil.rmtree(staging)
    for path, text in pages.items():
        destination = staging / Path(path).relative_to(GENERATED)
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text(text, encoding="utf-8")
    if target.exists():
        shutil.rmtree(target)
    staging.rename(target)  # readers never see a half-written folder
    return {
        "pages": len(pages),
        "models": len(models),
        "skipped_registry_files": len(problems),
        "issues": len((snapshot or {}).get("issues", [])),
    }


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
