"""The bundled sample's story, told once: eight models, their versions with dated stage changes, and the
issues of the team that made them, numbered in the order they were opened as GitHub numbers them.

Every registry link holds by construction: a version's experiment is an experiment of that model opened
before the version, and its deployment issue deploys that very version. `make_sample_registry.py` and
`make_sample_snapshot.py` write the two halves; run both after changing this file.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

REPO = "acme/ml-platform"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TAKEN = "2026-11-01T08:00:00Z"  # when the sample snapshot was "taken"
FIRST_NUMBER = 101

MODELS = [
    # name, task, owner, framework, headline metric, inputs, outputs, versions [(version, stage, metric)]
    (
        "churn-classifier",
        "Predict which subscribers cancel within 30 days",
        "retention-ml",
        ("xgboost", "2.1.1"),
        "auc",
        [("tenure_months", "int64"), ("plan", "string"), ("support_tickets_90d", "int64")],
        [("churn_probability", "float32")],
        [
            ("1.0.0", "archived", 0.812),
            ("1.1.0", "archived", 0.826),
            ("2.0.0", "production", 0.851),
            ("2.1.0", "staging", 0.858),
            ("2.2.0", "candidate", 0.861),
        ],
    ),
    (
        "fraud-detector",
        "Score card transactions for fraud in real time",
        "risk-ml",
        ("lightgbm", "4.5.0"),
        "precision_at_1pct_fpr",
        [("amount", "float64"), ("merchant_category", "string"), ("velocity_1h", "int32")],
        [("fraud_score", "float32")],
        [("3.0.0", "archived", 0.61), ("3.1.0", "production", 0.66), ("3.2.0", "candidate", 0.67)],
    ),
    (
        "demand-forecast",
        "Forecast daily units per store and product",
        "supply-ml",
        ("pytorch", "2.5.1"),
        "wape",
        [("store_id", "string"), ("sku", "string"), ("history", "float32")],
        [("units", "float32")],
        [("0.9.0", "archived", 0.241), ("1.0.0", "production", 0.198), ("1.1.0", "staging", 0.187)],
    ),
    (
        "search-ranker",
        "Order search results by predicted click-through",
        "search-ml",
        ("tensorflow", "2.17.0"),
        "ndcg_at_10",
        [("query_embedding", "float32"), ("doc_features", "float32")],
        [("relevance", "float32")],
        [
            ("5.0.0", "archived", 0.402),
            ("5.1.0", "production", 0.431),
            ("5.2.0", "staging", 0.437),
            ("6.0.0", "candidate", 0.445),
        ],
    ),
    (
        "product-recommender",
        "Suggest products from browsing history",
        "growth-ml",
        ("pytorch", "2.5.1"),
        "recall_at_20",
        [("user_id", "string"), ("recent_items", "string")],
        [("item_scores", "float32")],
        [("1.0.0", "production", 0.288), ("1.1.0", "candidate", 0.301)],
    ),
    (
        "ticket-router",
        "Route support tickets to the right queue",
        "support-ml",
        ("scikit-learn", "1.5.2"),
        "macro_f1",
        [("subject", "string"), ("body", "string")],
        [("queue", "string"), ("confidence", "float32")],
        [("0.3.0", "archived", 0.71), ("0.4.0", "production", 0.76), ("0.5.0", "staging", 0.78)],
    ),
    (
        "price-elasticity",
        "Estimate demand response to price changes",
        "pricing-ml",
        ("statsmodels", "0.14.4"),
        "mape",
        [("price", "float64"), ("category", "string"), ("season", "string")],
        [("elasticity", "float64")],
        [("2.0.0", "production", 0.094), ("2.1.0", "candidate", 0.089)],
    ),
    (
        "image-moderation",
        "Flag user images that break content rules",
        "trust-ml",
        ("onnx", "1.17.0"),
        "recall_at_95_precision",
        [("image", "uint8")],
        [("labels", "float32")],
        [("1.0.0", "archived", 0.83), ("1.2.0", "staging", 0.88), ("1.3.0", "candidate", 0.89)],
    ),
]

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
MILESTONES = [(f"Sprint 2026-{month:02d}", month - 2) for month in range(3, 11)]
OUTCOME_LABELS = {
    "Promote to production": ("outcome: promote", "hypothesis: accepted"),
    "Iterate": ("outcome: iterate",),
    "Abandon": ("outcome: abandon", "hypothesis: rejected"),
}
# A version reaches staging this many days after it is registered, production after these many more.
TO_STAGING, TO_PRODUCTION = 9, 10
REACHED = {
    "candidate": ("candidate",),
    "staging": ("candidate", "staging"),
    "production": ("candidate", "staging", "production"),
    "archived": ("candidate", "staging", "production", "archived"),
}


@dataclass
class PlannedIssue:
    key: str  # how the rest of the plan refers to it
    kind: str  # the issue form
    label: str
    title: str
    values: dict[str, Any]
    created: dt.datetime
    closed: dt.datetime | None = None
    extra_labels: tuple[str, ...] = ()
    refs: dict[str, str] = field(default_factory=dict)  # form field -> key of the issue it names ("#123")
    number: int = 0


@dataclass(frozen=True)
class VersionPlan:
    model: tuple  # its row of MODELS
    index: int  # position among the model's versions
    version: str
    stage: str
    value: float
    history: tuple[tuple[str, dt.date], ...]  # (stage, date), oldest first
    experiment: str  # key of the experiment that produced it
    deployment: str | None  # key of the deployment issue that released it

    @property
    def name(self) -> str:
        return self.model[0]

    @property
    def created(self) -> dt.date:
        return self.history[0][1]

    def reached(self, stage: str) -> dt.date | None:
        return next((day for s, day in self.history if s == stage), None)


@dataclass(frozen=True)
class Plan:
    versions: list[VersionPlan]
    issues: list[PlannedIssue]  # numbered, oldest first

    def number(self, key: str) -> int:
        return next(i.number for i in self.issues if i.key == key)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=dt.UTC)


def plan() -> Plan:
    rng = random.Random(7)
    versions = _versions()
    issues = _version_issues(versions, rng) + _other_experiments(rng) + _operations(versions, rng)
    issues.sort(key=lambda i: (i.created, i.key))
    for offset, issue in enumerate(issues):
        issue.number = FIRST_NUMBER + offset
    by_key = {i.key: i for i in issues}
    for issue in issues:
        for name, key in issue.refs.items():
            issue.values[name] = f"#{by_key[key].number}"
    return Plan(versions, issues)


def _versions() -> list[VersionPlan]:
    found = []
    for m_index, model in enumerate(MODELS):
        rows = model[7]
        created = [START.date() + dt.timedelta(days=6 + 4 * m_index + 46 * v) for v in range(len(rows))]
        promoted = [
            created[v] + dt.timedelta(days=TO_STAGING + TO_PRODUCTION) if "production" in REACHED[stage] else None
            for v, (_, stage, _) in enumerate(rows)
        ]
        for v_index, (version, stage, value) in enumerate(rows):
            history = [("candidate", created[v_index])]
            if "staging" in REACHED[stage]:
                history.append(("staging", created[v_index] + dt.timedelta(days=TO_STAGING)))
            if promoted[v_index]:
                history.append(("production", promoted[v_index]))
            if stage == "archived":  # retired when the next version went to production, or after two months
                later = [day for day in promoted[v_index + 1 :] if day]
                history.append(("archived", later[0] if later else promoted[v_index] + dt.timedelta(days=60)))
            key = f"{model[0]}@{version}"
            found.append(
                VersionPlan(
                    model,
                    v_index,
                    version,
                    stage,
                    value,
                    tuple(history),
                    f"experiment:{key}",
                    f"deployment:{key}" if stage != "candidate" else None,
                )
            )
    return found


def _experiment_values(model: tuple, index: int, created: dt.datetime, outcome: str | None, rng: random.Random):
    change, metric, reason = CHANGES[index % len(CHANGES)]
    decided = outcome is not None
    return change, {
        "hypothesis": f"If we {change}, then {metric} will improve because {reason}.",
        "dataset": f"{model[0]}-snapshot-2026-{created.month:02d} (v{1 + index % 4})",
        "split": rng.choice(["Train / validation / test", "Time-based backtest", "Cross-validation"]),
        "features": "tenure, plan, support tickets, session length" if index % 2 else None,
        "architecture": f"{model[3][0]} {model[3][1]}",
        "hyperparameters": "learning_rate=0.05, depth=6, 400 rounds" if index % 3 else None,
        "primary_metric": f"{metric} {rng.uniform(0.6, 0.9):.3f}" if decided or index % 2 else None,
        "baseline_delta": f"{rng.uniform(-2.5, 4.5):+.1f}" if decided else None,
        "outcome": outcome,
        "notes": {
            "Promote to production": "Gains held on every slice except new customers; keep the feature behind a flag.",
            "Iterate": "The lift came from one region only; next try stratified sampling.",
            "Abandon": "No lift beyond noise across three seeds.",
        }.get(outcome or ""),
    }


def _version_issues(versions: list[VersionPlan], rng: random.Random) -> list[PlannedIssue]:
    """The experiment behind each version, and the deployment issue of each version released."""
    issues = []
    for index, version in enumerate(versions):
        lead = 12 + (version.index * 5 + index) % 11  # days from the experiment to the registered version
        opened = at(version.created - dt.timedelta(days=lead), 9 + index % 8, (7 * index) % 60)
        decided = version.stage != "candidate"
        outcome = "Promote to production" if decided else None
        change, values = _experiment_values(version.model, index, opened, outcome, rng)
        issues.append(
            PlannedIssue(
                version.experiment,
                "experiment",
                "ml-experiment",
                f"Experiment: {change} ({version.name})",
                values,
                opened,
                at(version.created, 17) if decided else None,
                OUTCOME_LABELS.get(outcome or "", ()),
            )
        )
        if version.deployment is None:
            continue
        production = version.reached("production")
        released = production or version.reached("staging")
        ticked = ["Model validated", "A/B test configured", "Monitoring set up", "Rollback tested", "Alerts configured"]
        issues.append(
            PlannedIssue(
                version.deployment,
                "deployment",
                "ml-deployment",
                f"Deploy {version.name} {version.version}",
                {
                    "model": f"{version.name} {version.version}",
                    "performance": f"{version.model[4]} {version.value}",
                    "environment": "Production" if production else "Staging",
                    "serving": "Online REST endpoint",
                    "resources": "4 vCPU, 8 GiB",
                    "checklist": ticked if production else ticked[:3],
                    "rollout": ["5% traffic", "25% traffic", "50% traffic", "100% traffic"][: 4 if production else 1],
                    "rollback_plan": "Point the serving alias back to the previous version; on-call runs it.",
                },
                at(released - dt.timedelta(days=4), 11, index % 60),
                at(released, 15) if production else None,
                ("rollout: 100%",) if production else ("rollout: 5%",),
                refs={"experiment": version.experiment},
            )
        )
    return issues


def _other_experiments(rng: random.Random) -> list[PlannedIssue]:
    """Experiments that shipped nothing: iterated on, abandoned, or still running."""
    issues = []
    for index in range(35):
        model = MODELS[(index * 3) % len(MODELS)]
        opened = START + dt.timedelta(days=index * 6.1 + rng.random())
        running = opened > START + dt.timedelta(days=185)
        outcome = None if running else ("Iterate", "Abandon", "Iterate", "Abandon", "Abandon")[index % 5]
        change, values = _experiment_values(model, index + 3, opened, outcome, rng)
        issues.append(
            PlannedIssue(
                f"experiment:other:{index}",
                "experiment",
                "ml-experiment",
                f"Experiment: {change} ({model[0]})",
                values,
                opened,
                None if running else opened + dt.timedelta(days=rng.randint(8, 30)),
                OUTCOME_LABELS.get(outcome or "", ()),
            )
        )
    return issues


def _in_production(versions: list[VersionPlan], name: str, day: dt.date) -> VersionPlan | None:
    """The version of `name` serving on `day`."""
    live = [
        v
        for v in versions
        if v.name == name and (v.reached("production") or dt.date.max) <= day < (v.reached("archived") or dt.date.max)
    ]
    return live[-1] if live else None


def _operations(versions: list[VersionPlan], rng: random.Random) -> list[PlannedIssue]:
    """Incidents on models in production, retraining they led to, and the rest of the team's work."""
    issues = []
    incidents = []
    for index in range(12):
        opened = START + dt.timedelta(days=40 + index * 15 + rng.random())
        serving = [v for m in MODELS if (v := _in_production(versions, m[0], opened.date()))]
        version = serving[index % len(serving)]
        metric, threshold, observed = [
            ("p99 latency", "200 ms for 5 minutes", "340 ms"),
            ("error rate", "1.0% in a minute", "2.3%"),
            ("feature PSI (tenure_months)", "0.25", "0.41"),
            ("score KS p-value", "0.01", "0.002"),
        ][index % 4]
        incident = PlannedIssue(
            f"incident:{index}",
            "monitoring-incident",
            "ml-monitoring",
            f"Incident: {metric} on {version.name}",
            {
                "model": f"{version.name} {version.version}",
                "metric": metric,
                "threshold": threshold,
                "observed": observed,
                "impact": "Slower checkout scoring for about 20 minutes." if index % 2 else None,
            },
            opened,
            opened + dt.timedelta(days=rng.randint(1, 6)) if index < 10 else None,
        )
        incidents.append(incident)
    issues += incidents
    for index, incident in enumerate(incidents[:9]):
        name = incident.values["model"].split()[0]
        trigger = ["Performance decay", "Data drift", "New data", "Manual"][index % 4]
        opened = incident.created + dt.timedelta(hours=6)
        issues.append(
            PlannedIssue(
                f"retraining:{index}",
                "retraining",
                "ml-retraining",
                f"Retrain {name} ({trigger.lower()})",
                {
                    "model": name,
                    "trigger": trigger,
                    "evidence": "The weekly headline metric fell by four points over a month.",
                    "plan": "Retrain on the last 12 months; compare on the May hold-out.",
                },
                opened,
                opened + dt.timedelta(days=rng.randint(7, 20)) if index < 7 else None,
                refs={"incident": incident.key},
            )
        )
    for index in range(12):
        opened = START + dt.timedelta(days=5 + index * 18 + rng.random())
        kind = ["Data collection", "Data validation", "Feature engineering", "Data versioning"][index % 4]
        name = MODELS[index % 8][0]
        issues.append(
            PlannedIssue(
                f"data:{index}",
                "data-pipeline",
                "ml-data",
                f"Data: {kind.lower()} for {name}",
                {
                    "task_type": kind,
                    "dataset": f"{name}-events",
                    "description": "Add the new event source and backfill 90 days.",
                    "acceptance": "Row counts within 1% of the source; no nulls in keys.",
                },
                opened,
                opened + dt.timedelta(days=rng.randint(4, 15)) if index < 10 else None,
            )
        )
    for index, version in enumerate(v for v in versions if v.index == 1):  # the second version of each model
        opened = at(version.created - dt.timedelta(days=6), 14)
        issues.append(
            PlannedIssue(
                f"training:{index}",
                "training-run",
                "ml-training",
                f"Train {version.name} {version.version}",
                {
                    "model": f"{version.name} {version.version}",
                    "dataset": f"{version.name}-snapshot (v{index + 1})",
                    "configuration": "seed=7; see config/train.yaml",
                    "compute": "1 x A10G, 3 hours",
                },
                opened,
                opened + dt.timedelta(days=rng.randint(2, 6)),
            )
        )
    latest = {v.name: v for v in versions}
    for index, version in enumerate(latest.values()):
        opened = at(version.created + dt.timedelta(days=3), 13)
        issues.append(
            PlannedIssue(
                f"evaluation:{index}",
                "evaluation",
                "ml-evaluation",
                f"Evaluate {version.name} {version.version} on the hold-out",
                {
                    "model": f"{version.name} {version.version}",
                    "dataset": "2026-05 hold-out",
                    "metrics": f"{version.model[4]} {version.value}",
                    "slices": "new vs returning customers; EU vs US",
                    "decision": ["Pass", "Needs work", "Pass", "Fail"][index % 4],
                },
                opened,
                opened + dt.timedelta(days=rng.randint(2, 8)) if index < 6 else None,
            )
        )
    questions = [
        "Do we need a feature store?",
        "Can we serve two ranker versions side by side?",
        "Is conformal prediction worth it for pricing?",
        "What does a shadow deployment cost?",
        "Can drift checks run on sampled traffic?",
        "Should churn use survival models?",
        "Which vector index fits the recommender?",
    ]
    for index, question in enumerate(questions):
        opened = START + dt.timedelta(days=40 + index * 26 + rng.random())
        issues.append(
            PlannedIssue(
                f"spike:{index}",
                "research-spike",
                "type-mlops",
                f"Spike: {question}",
                {
                    "question": question,
                    "timebox": str(3 + index % 5),
                    "success": "A recommendation with its costs.",
                    "findings": "Not yet: the managed option is too expensive at our volume." if index < 5 else None,
                },
                opened,
                opened + dt.timedelta(days=rng.randint(3, 9)) if index < 5 else None,
            )
        )
    return issues


def milestone(moment: dt.datetime) -> dict[str, Any]:
    month = min(len(MILESTONES) - 1, max(0, (moment.year - 2026) * 12 + moment.month - 3))
    title, number = MILESTONES[month]
    return {"title": title, "number": number, "due_on": None}
