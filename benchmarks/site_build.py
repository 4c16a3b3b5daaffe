"""Site build time at scale: the real `mlops-bot site build` (MkDocs + Material) on generated data.

Run: .venv/bin/python benchmarks/site_build.py [--experiments 100 1000 10000] [--versions 1000]
Prints a Markdown table (the README carries the last run's figures).
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.records.forms import forms, render_body  # noqa: E402
from bot.site.snapshot import issue_entry, merge, write_snapshot  # noqa: E402


def make_data(folder: Path, experiments: int, versions: int) -> None:
    """A registry and a snapshot whose links hold, as a real team's would: each version names an experiment
    about its own model, opened before the version (so `site build` reports no broken link)."""
    rng = random.Random(1)
    template = yaml.safe_load((ROOT / "sample/registry/churn-classifier/2.0.0.yml").read_text())
    template["links"].pop("deployment_issue", None)
    stages = ["archived", "archived", "production", "staging", "candidate"]
    models = max(1, versions // 10)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    planned = []  # (number, model, opened)
    for number in range(1, experiments + 1):
        opened = start + dt.timedelta(hours=number * 17520 / max(1, experiments))  # two years
        planned.append((number, f"model-{rng.randrange(models):03d}", opened))
    by_model: dict[str, list[tuple[int, dt.datetime]]] = {}
    for number, name, opened in planned:
        by_model.setdefault(name, []).append((number, opened))
    for index in range(versions):
        model = copy.deepcopy(template)
        name, number = f"model-{index % models:03d}", index // models
        model.update(model_name=name, version=f"1.{number}.0", stage=stages[number % 5])
        experiment, opened = rng.choice(by_model.get(name) or [(planned[0][0], planned[0][2])])
        created = (opened + dt.timedelta(days=1)).date()
        model["created"] = created.isoformat()
        for step, entry in enumerate(model.get("stage_history") or []):
            entry["date"] = (created + dt.timedelta(days=7 * step)).isoformat()
        model["links"]["experiment_issue"] = experiment
        target = folder / "registry" / name / f"1.{number}.0.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(model, sort_keys=False))
    config = load_config(ROOT / "sample" / "mlops.yml", environ={})
    form = forms()["experiment"]
    entries = []
    for number, name, created in planned:
        body = render_body(
            form,
            {
                "hypothesis": f"If we try idea {number}, then AUC will improve because of it.",
                "dataset": f"data v{number % 9}",
                "architecture": rng.choice(["xgboost 2.1", "lightgbm 4.5", "pytorch 2.4 MLP"]),
                "primary_metric": f"AUC 0.{rng.randrange(600, 900)}",
                "baseline_delta": f"{rng.uniform(-3, 3):+.1f}",
                "outcome": rng.choice(["Promote to production", "Iterate", "Abandon"]),
                "notes": "Learned **something** about the data.",
            },
        )
        stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
        entries.append(
            issue_entry(
                {
                    "repository": "acme/ml-platform",
                    "number": number,
                    "title": f"Experiment {number} ({name})",
                    "url": f"https://github.com/acme/ml-platform/issues/{number}",
                    "state": "closed",
                    "body": body,
                    "created_at": stamp,
                    "updated_at": stamp,
                    "closed_at": stamp,
                    "author": rng.choice(["ana", "bo", "chen", "dara", "eli", "fatima", "gus", "hana"]),
                    "milestone": None,
                    "labels": ["ml-experiment"],
                },
                config,
            )
        )
    snapshot = merge(None, entries, ["acme/ml-platform"], "2027-01-01T00:00:00Z", "https://github.com")
    write_snapshot(folder / "snapshot.json", snapshot)  # as `mlops-bot snapshot` writes it
    shutil.copytree(ROOT / "site_src", folder / "site_src", ignore=shutil.ignore_patterns("generated"))
    (folder / "mkdocs.yml").write_text(
        (ROOT / "mkdocs.yml").read_text().replace("config: sample/mlops.yml", "config: mlops.yml")
    )
    settings = yaml.safe_load((ROOT / "sample" / "mlops.yml").read_text())
    settings.update(registry={"path": "registry"}, site={"title": "Bench", "snapshot": "snapshot.json"})
    (folder / "mlops.yml").write_text(yaml.safe_dump(settings))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experiments", type=int, nargs="+", default=[100, 1_000, 10_000])
    parser.add_argument("--versions", type=int, default=1_000)
    args = parser.parse_args()
    print(
        "| Experiments | Model versions | Generated pages | Generation | Whole build | Generation share | Output "
        "| Search index | Largest page | Experiment log data |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for count in args.experiments:
        versions = min(args.versions, max(25, count // 10)) if count < max(args.experiments) else args.versions
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            make_data(folder, count, versions)
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "bot", "site", "build", "--config", "mlops.yml", "--format", "json"],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(done.stderr[-2000:])
            report = json.loads(
                done.stdout.strip().splitlines()[-1] if done.stdout.strip().startswith("{") is False else done.stdout
            )
            built = folder / "site"
            size = sum(p.stat().st_size for p in built.rglob("*") if p.is_file()) / 2**20
            index = (built / "search" / "search_index.json").stat().st_size / 2**20
            largest = max(built.rglob("*.html"), key=lambda p: p.stat().st_size)
            log = (built / "generated" / "experiments" / "log.json").stat().st_size / 2**20
            print(
                f"| {count:,} | {versions:,} | {report['pages']} | {report['generate_seconds']:.1f} s | {wall:.1f} s | "
                f"{100 * report['generate_seconds'] / wall:.0f} % | {size:.0f} MiB | {index:.1f} MiB | "
                f"{largest.stat().st_size / 2**20:.1f} MiB ({largest.parent.relative_to(built).as_posix()}/) | "
                f"{log:.2f} MiB |",
                flush=True,
            )


if __name__ == "__main__":
    main()
