"""Time and request cost of `registry import mlflow` against a real MLflow tracking server.

Starts `mlflow server` on 127.0.0.1 (SQLite; without MLflow's basic-auth app, which checks a password hash
on every request and would time itself, not the import) with the tests' data (tests/mlflow_server.py),
registers M more models of V versions each from the logged model of one run (through MLflow's REST API),
then imports every model into an empty registry, imports again (nothing new: no file written), and
imports once more after moving one alias per model. Each import is the real one (bot/mlflow/importer.py,
its client over HTTP); the last row is the command line as users run it, start-up included.

Run: .venv/bin/python benchmarks/mlflow_import.py [--models 20] [--versions 10]
Prints a Markdown table (the README carries the last run's figures).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.mlflow.client import MlflowClient  # noqa: E402
from bot.mlflow.importer import ImportOptions, run_import  # noqa: E402
from tests.mlflow_server import ADMIN, running_server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=20)
    parser.add_argument("--versions", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, running_server(Path(folder), auth=False) as server:
        template = server.rest("GET", "model-versions/get", {"name": "churn-classifier", "version": "1"})
        source = template["model_version"]
        started = time.perf_counter()
        for m in range(args.models):
            name = f"bench-model-{m:03d}"
            server.rest("POST", "registered-models/create", {"name": name})
            for _ in range(args.versions):
                server.rest(
                    "POST",
                    "model-versions/create",
                    {"name": name, "source": source["source"], "run_id": source["run_id"],
                     "model_id": source["source"].removeprefix("models:/")},
                )  # fmt: skip
            server.rest("POST", "registered-models/alias", {"name": name, "alias": "champion", "version": "1"})
        setup = time.perf_counter() - started

        project = Path(folder) / "project"
        (project / ".github").mkdir(parents=True)
        (project / ".github" / "mlops.yml").write_text(
            f"registry: {{path: {project / 'registry'}}}\nmlflow:\n  tracking_uri: {server.url}\n"
            "  stages: {aliases: {champion: production, challenger: staging}}\n  metrics: [auc, f1]\n"
        )
        config = load_config(project / ".github" / "mlops.yml", environ={})
        environ = {"MLFLOW_TRACKING_USERNAME": ADMIN[0], "MLFLOW_TRACKING_PASSWORD": ADMIN[1]}
        rows = []

        def measure(label: str) -> None:
            client = MlflowClient(server.url, environ=environ)
            report = run_import(config, client, ImportOptions())
            counts = report.counts()
            rows.append(
                (
                    label,
                    report.models,
                    report.versions,
                    report.seconds,
                    report.requests.total,
                    report.requests.total / max(1, report.models),
                    report.requests.total / max(1, report.versions),
                    len(report.written),
                    counts["stage_changes"],
                )
            )

        measure("first import (empty registry)")
        measure("rerun, nothing new")
        for m in range(args.models):
            server.rest(
                "POST", "registered-models/alias", {"name": f"bench-model-{m:03d}", "alias": "champion", "version": "2"}
            )
        measure("rerun after one alias moved per model")
        command = [sys.executable, "-m", "bot", "registry", "import", "mlflow", "--config", ".github/mlops.yml"]
        started = time.perf_counter()
        done = subprocess.run(
            command, cwd=project, env={**os.environ, **environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True
        )
        cli_seconds = time.perf_counter() - started
        assert done.returncode == 0, done.stderr

    print(f"Setup: {args.models} models x {args.versions} versions registered in {setup:.1f}s, plus the tests' data.\n")
    print(
        "| import | models | versions | seconds | requests | per model | per version | files written | stage changes |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, models, versions, seconds, requests, per_model, per_version, written, moves in rows:
        print(
            f"| {label} | {models} | {versions} | {seconds:.2f} | {requests} | {per_model:.1f} | {per_version:.2f} "
            f"| {written} | {moves} |"
        )
    print(f"| `mlops-bot registry import mlflow` (command line, start-up included) | | | {cli_seconds:.2f} | | | | | |")


if __name__ == "__main__":
    main()
