"""Writes the bundled sample snapshot (sample/snapshot.json) through the real snapshot code path.

About 140 issues of a fictional team over eight months (the story is in tools/sample_plan.py): the experiment
behind every registry version and the deployment that released it, experiments that shipped nothing,
incidents, retraining, data and training work, evaluations and research spikes.
Deterministic; rerun after changing the plan: .venv/bin/python tools/make_sample_snapshot.py
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.records.forms import forms, render_body  # noqa: E402
from bot.site.snapshot import issue_entry, merge, write_snapshot  # noqa: E402
from tools.sample_plan import REPO, TAKEN, milestone, plan  # noqa: E402

TEAM = ["ana", "bo", "chen", "dara", "eli"]


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    config = load_config(ROOT / "sample" / "mlops.yml", environ={})
    authors = random.Random(7)
    raws = []
    for issue in plan().issues:
        raws.append(
            {
                "repository": REPO,
                "number": issue.number,
                "title": issue.title,
                "url": f"https://github.com/{REPO}/issues/{issue.number}",
                "state": "closed" if issue.closed else "open",
                "body": render_body(forms()[issue.kind], issue.values),
                "created_at": iso(issue.created),
                "updated_at": iso(issue.closed or issue.created + dt.timedelta(days=2)),
                "closed_at": iso(issue.closed) if issue.closed else None,
                "author": authors.choice(TEAM),
                # Most open work has someone on it; a few cards wait for an owner.
                "assignees": [] if authors.random() < 0.15 else [authors.choice(TEAM)],
                "milestone": milestone(issue.created),
                "labels": [issue.label, *issue.extra_labels],
            }
        )
    fresh = [issue_entry(raw, config) for raw in raws]
    snapshot = merge(None, fresh, [REPO], TAKEN, "https://github.com")
    snapshot = with_recorded_mlflow_runs(snapshot, config)
    write_snapshot(ROOT / "sample" / "snapshot.json", snapshot)
    print(f"sample/snapshot.json: {len(fresh)} issues")


def with_recorded_mlflow_runs(snapshot: dict, config) -> dict:
    """The churn experiments' MLflow runs, from tools/sample_mlflow_runs.py (recorded: no server needed)."""
    from bot.mlflow.runs import enrich_issues
    from tools.sample_mlflow_runs import RecordedRuns, recorded_runs

    runs = RecordedRuns(recorded_runs(plan()))
    return {**snapshot, "issues": enrich_issues(snapshot["issues"], runs, config.mlflow)}


if __name__ == "__main__":
    main()
