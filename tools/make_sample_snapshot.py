"""Writes the bundled sample snapshot (sample/snapshot.json) through the real snapshot code path.

About 130 issues of a fictional team over eight months: experiments with outcomes, deployments,
incidents, retraining, data and training work, evaluations and research spikes.
Deterministic; rerun after changing it: .venv/bin/python tools/make_sample_snapshot.py
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
from tools.make_sample_registry import MODELS  # noqa: E402

REPO = "acme/ml-platform"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
CHANGES = [
    ("add session-length features", "AUC", "churners browse in shorter sessions"),
    ("re-weight the minority class", "recall", "the loss currently ignores rare positives"),
    ("switch to target encoding for merchants", "precision", "one-hot merchant codes are too sparse"),
    ("add a 7-day lag feature", "WAPE", "weekly seasonality dominates demand"),
    ("distil the ranker into a smaller model", "p99 latency", "the teacher is over-parameterised"),
    ("train on deduplicated tickets", "macro F1", "duplicates leak between train and test"),
    ("add price-history embeddings", "MAPE", "elasticity depends on recent price moves"),
    ("fine-tune on hard negatives", "recall at 95% precision", "borderline images are under-represented"),
    ("use calibrated probabilities", "Brier score", "downstream thresholds assume calibration"),
    ("add graph features from co-purchases", "recall@20", "co-purchase links carry intent"),
]
OUTCOMES = ["Promote to production", "Iterate", "Abandon", "Iterate", "Promote to production", "Abandon"]
MILESTONES = [
    ("Sprint 2026-03", 1),
    ("Sprint 2026-04", 2),
    ("Sprint 2026-05", 3),
    ("Sprint 2026-06", 4),
    ("Sprint 2026-07", 5),
    ("Sprint 2026-08", 6),
    ("Sprint 2026-09", 7),
    ("Sprint 2026-10", 8),
]


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def main() -> None:
    config = load_config(ROOT / "sample" / "mlops.yml", environ={})
    rng = random.Random(7)
    raws = []
    number = 100

    def add(
        kind: str,
        label: str,
        title: str,
        values: dict,
        created: dt.datetime,
        closed_after: int | None,
        extra_labels: tuple[str, ...] = (),
    ) -> None:
        nonlocal number
        number += 1
        closed = created + dt.timedelta(days=closed_after) if closed_after is not None else None
        month = min(7, max(0, (created.year - 2026) * 12 + created.month - 3))
        title_m, num_m = MILESTONES[month]
        raws.append(
            {
                "repository": REPO,
                "number": number,
                "title": title,
                "url": f"https://github.com/{REPO}/issues/{number}",
                "state": "closed" if closed else "open",
                "body": render_body(forms()[kind], values),
                "created_at": iso(created),
                "updated_at": iso(closed or created + dt.timedelta(days=2)),
                "closed_at": iso(closed) if closed else None,
                "author": rng.choice(["ana", "bo", "chen", "dara", "eli"]),
                "milestone": {"title": title_m, "number": num_m, "due_on": None},
                "labels": [label, *extra_labels],
            }
        )

    for index in range(60):
        created = START + dt.timedelta(days=index * 3.7 + rng.random())
        model = MODELS[index % len(MODELS)]
        change, metric, reason = CHANGES[index % len(CHANGES)]
        done = created < START + dt.timedelta(days=190)
        outcome = OUTCOMES[index % len(OUTCOMES)] if done else "Not decided yet"
        delta = round(rng.uniform(-2.5, 4.5), 1)
        values = {
            "hypothesis": f"If we {change}, then {metric} will improve because {reason}.",
            "dataset": f"{model[0]}-snapshot-2026-{created.month:02d} (v{1 + index % 4})",
            "split": rng.choice(["Train / validation / test", "Time-based backtest", "Cross-validation"]),
            "features": "tenure, plan, support tickets, session length" if index % 2 else None,
            "architecture": f"{model[3][0]} {model[3][1]}",
            "hyperparameters": "learning_rate=0.05, depth=6, 400 rounds" if index % 3 else None,
            "primary_metric": f"{metric} {rng.uniform(0.6, 0.9):.3f}" if done or index % 2 else None,
            "baseline_delta": f"{delta:+.1f}" if done else None,
            "outcome": outcome if done else None,
            "notes": (
                "Gains held on every slice except new customers; keep the feature behind a flag."
                if outcome == "Promote to production"
                else "The lift came from one region only; next try stratified sampling."
                if outcome == "Iterate"
                else "No lift beyond noise across three seeds."
                if outcome == "Abandon"
                else None
            ),
        }
        extra = {
            "Promote to production": ("outcome: promote", "hypothesis: accepted"),
            "Iterate": ("outcome: iterate",),
            "Abandon": ("outcome: abandon", "hypothesis: rejected"),
        }
        add(
            "experiment",
            "ml-experiment",
            f"Experiment: {change} ({model[0]})",
            values,
            created,
            rng.randint(8, 30) if done else None,
            extra.get(outcome, ()),
        )

    for index in range(18):
        created = START + dt.timedelta(days=12 + index * 11 + rng.random())
        model = MODELS[index % len(MODELS)]
        version = model[7][min(len(model[7]) - 1, index % len(model[7]))][0]
        ticked = [
            "Model validated",
            "A/B test configured",
            "Monitoring set up",
            "Rollback tested",
            "Alerts configured",
        ][: 5 if index < 15 else 3]
        add(
            "deployment",
            "ml-deployment",
            f"Deploy {model[0]} {version}",
            {
                "model": f"{model[0]} {version}",
                "experiment": f"#{101 + index * 3}",
                "performance": f"{model[4]} {model[7][-1][2]}",
                "environment": "Production" if index % 3 else "Staging",
                "serving": "Online REST endpoint",
                "resources": "4 vCPU, 8 GiB",
                "checklist": ticked,
                "rollout": ["5% traffic", "25% traffic", "50% traffic", "100% traffic"][: 1 + index % 4],
                "rollback_plan": "Point the serving alias back to the previous version; on-call runs it.",
            },
            created,
            rng.randint(3, 12) if index < 15 else None,
            (f"rollout: {[5, 25, 50, 100][index % 4]}%",),
        )

    for index in range(12):
        created = START + dt.timedelta(days=20 + index * 16 + rng.random())
        model = MODELS[(index * 3) % len(MODELS)]
        metric, threshold, observed = [
            ("p99 latency", "200 ms for 5 minutes", "340 ms"),
            ("error rate", "1.0% in a minute", "2.3%"),
            ("feature PSI (tenure_months)", "0.25", "0.41"),
            ("score KS p-value", "0.01", "0.002"),
        ][index % 4]
        add(
            "monitoring-incident",
            "ml-monitoring",
            f"Incident: {metric} on {model[0]}",
            {
                "model": model[0],
                "metric": metric,
                "threshold": threshold,
                "observed": observed,
                "impact": "Slower checkout scoring for about 20 minutes." if index % 2 else None,
            },
            created,
            rng.randint(1, 6) if index < 10 else None,
        )

    for index in range(9):
        created = START + dt.timedelta(days=30 + index * 21 + rng.random())
        model = MODELS[(index * 5) % len(MODELS)]
        trigger = ["Performance decay", "Data drift", "New data", "Manual"][index % 4]
        add(
            "retraining",
            "ml-retraining",
            f"Retrain {model[0]} ({trigger.lower()})",
            {
                "model": model[0],
                "trigger": trigger,
                "evidence": "Weekly AUC fell from 0.85 to 0.81 over a month.",
                "incident": f"#{180 + index}",
                "plan": "Retrain on the last 12 months; compare on the May hold-out.",
            },
            created,
            rng.randint(7, 20) if index < 7 else None,
        )

    for index in range(12):
        created = START + dt.timedelta(days=5 + index * 18 + rng.random())
        kind = ["Data collection", "Data validation", "Feature engineering", "Data versioning"][index % 4]
        add(
            "data-pipeline",
            "ml-data",
            f"Data: {kind.lower()} for {MODELS[index % 8][0]}",
            {
                "task_type": kind,
                "dataset": f"{MODELS[index % 8][0]}-events",
                "description": "Add the new event source and backfill 90 days.",
                "acceptance": "Row counts within 1% of the source; no nulls in keys.",
            },
            created,
            rng.randint(4, 15) if index < 10 else None,
        )

    for index in range(8):
        created = START + dt.timedelta(days=8 + index * 25 + rng.random())
        add(
            "training-run",
            "ml-training",
            f"Train {MODELS[index][0]}",
            {
                "model": MODELS[index][0],
                "dataset": f"{MODELS[index][0]}-snapshot (v{index + 1})",
                "configuration": "seed=7; see config/train.yaml",
                "compute": "1 x A10G, 3 hours",
            },
            created,
            rng.randint(2, 6) if index < 7 else None,
        )

    for index in range(8):
        created = START + dt.timedelta(days=15 + index * 24 + rng.random())
        add(
            "evaluation",
            "ml-evaluation",
            f"Evaluate {MODELS[index][0]} on the hold-out",
            {
                "model": f"{MODELS[index][0]} {MODELS[index][7][-1][0]}",
                "dataset": "2026-05 hold-out",
                "metrics": "AUC 0.86, Brier 0.11",
                "slices": "new vs returning customers; EU vs US",
                "decision": ["Pass", "Needs work", "Pass", "Fail"][index % 4],
            },
            created,
            rng.randint(2, 8) if index < 6 else None,
        )

    for index in range(7):
        created = START + dt.timedelta(days=40 + index * 26 + rng.random())
        question = [
            "Do we need a feature store?",
            "Can we serve two ranker versions side by side?",
            "Is conformal prediction worth it for pricing?",
            "What does a shadow deployment cost?",
            "Can drift checks run on sampled traffic?",
            "Should churn use survival models?",
            "Which vector index fits the recommender?",
        ][index]
        add(
            "research-spike",
            "type-mlops",
            f"Spike: {question}",
            {
                "question": question,
                "timebox": str(3 + index % 5),
                "success": "A recommendation with its costs.",
                "findings": "Not yet: the managed option is too expensive at our volume." if index < 5 else None,
            },
            created,
            rng.randint(3, 9) if index < 5 else None,
        )

    fresh = [issue_entry(raw, config) for raw in raws]
    snapshot = merge(None, fresh, [REPO], "2026-11-01T08:00:00Z", "https://github.com")
    write_snapshot(ROOT / "sample" / "snapshot.json", snapshot)
    print(f"sample/snapshot.json: {len(fresh)} issues")


if __name__ == "__main__":
    main()
