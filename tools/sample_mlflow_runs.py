"""The bundled sample's MLflow runs, recorded: what a tracking server would answer for the churn model's
experiments, so the sample site shows runs on experiment cards while `make demo` stays offline.

Each version of churn-classifier in tools/sample_plan.py gets the run that trained it (its AUC is the
version's), tagged `mlops.issue` with the experiment that produced it, plus a weaker first attempt.
The runs reach the snapshot through the real enrichment (bot/mlflow/runs.py), from `RecordedRuns`
instead of a tracking server.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from tools.sample_plan import REPO, Plan

TRACKING_URI = "https://mlflow.acme.example"
EXPERIMENT_ID = "3"
MODEL = "churn-classifier"


class RecordedRuns:
    """A `RunSource` (bot/mlflow/runs.py) that answers from runs recorded here."""

    tracking_uri = TRACKING_URI

    def __init__(self, runs: list[dict[str, Any]]) -> None:
        self.runs = runs

    def get_run(self, run_id: str) -> dict[str, Any]:
        return next(run for run in self.runs if run["info"]["run_id"] == run_id)

    def search_experiment_ids(self) -> list[str]:
        return [EXPERIMENT_ID]

    def search_runs(self, experiment_ids: list[str], filter_string: str, limit: int) -> list[dict[str, Any]]:
        assert filter_string == "tags.`mlops.issue` LIKE '%'"  # the only search enrichment makes
        return sorted(self.runs, key=lambda run: -run["info"]["start_time"])[:limit]


def recorded_runs(plan: Plan) -> list[dict[str, Any]]:
    runs = []
    for version in (v for v in plan.versions if v.model[0] == MODEL):
        issue = next(i for i in plan.issues if i.key == version.experiment)
        started = issue.created + dt.timedelta(days=2)
        for attempt, (auc, depth) in enumerate(((version.value - 0.012, 4), (version.value, 6))):
            runs.append(
                _run(
                    f"{MODEL} {version.version} attempt {attempt + 1}",
                    started + dt.timedelta(hours=6 * attempt),
                    metrics={"auc": round(auc, 3), "f1": round(auc - 0.09, 3), "log_loss": round(1.3 - auc, 3)},
                    params={"learning_rate": "0.05", "max_depth": str(depth), "n_estimators": str(400 + 100 * attempt)},
                    issue=f"{REPO}#{issue.number}",
                )
            )
    return runs


def _run(name: str, started: dt.datetime, *, metrics: dict, params: dict, issue: str) -> dict[str, Any]:
    run_id = hashlib.sha256(name.encode()).hexdigest()[:32]
    start = int(started.timestamp() * 1000)
    return {
        "info": {
            "run_id": run_id,
            "experiment_id": EXPERIMENT_ID,
            "run_name": name,
            "status": "FINISHED",
            "start_time": start,
            "end_time": start + 3_600_000,
        },
        "data": {
            "metrics": [{"key": k, "value": v, "step": 0, "timestamp": start} for k, v in metrics.items()],
            "params": [{"key": k, "value": v} for k, v in params.items()],
            "tags": [{"key": "mlops.issue", "value": issue}, {"key": "mlflow.runName", "value": name}],
        },
    }
