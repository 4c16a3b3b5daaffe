"""Writes the bundled sample registry (sample/registry): 8 models, versions in every stage.

Deterministic; rerun after changing it: .venv/bin/python tools/make_sample_registry.py
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

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

PATH = {
    "candidate": ["candidate"],
    "staging": ["candidate", "staging"],
    "production": ["candidate", "staging", "production"],
    "archived": ["candidate", "staging", "production", "archived"],
}


def main() -> None:
    root = ROOT / "sample" / "registry"
    issue = 100
    for m_index, (name, task, owner, (fw, fw_version), headline, inputs, outputs, versions) in enumerate(MODELS):
        for v_index, (version, stage, value) in enumerate(versions):
            digest = hashlib.sha1(f"{name}@{version}".encode()).hexdigest()
            month = 1 + (m_index + 2 * v_index) % 10
            history = [
                {
                    "stage": s,
                    "date": f"2026-{month + step:02d}-{3 + m_index:02d}",
                    "by": f"{owner}-lead" if s == "production" else owner,
                }
                for step, s in enumerate(PATH[stage])
            ]
            issue += 3
            record = {
                "model_name": name,
                "version": version,
                "artifact_uri": f"s3://acme-models/{name}/{version}/model.tar.gz",
                "framework": {"name": fw, "version": fw_version},
                "signature": {
                    "inputs": [{"name": n, "type": t, **({"shape": [-1]} if t != "string" else {})} for n, t in inputs],
                    "outputs": [{"name": n, "type": t} for n, t in outputs],
                },
                "provenance": {
                    "git_commit": digest,
                    "dataset_snapshot_uri": f"s3://acme-data/{name}/snapshots/2026-{month:02d}-01/",
                    "environment_lockfile_uri": f"git+https://github.com/acme/ml@{digest[:12]}#uv.lock",
                },
                "stage": stage,
                "stage_history": history,
                "owner": owner,
                "task": task,
                "created": history[0]["date"],
                "headline_metric": headline,
                "metrics": {headline: value, "latency_p99_ms": round(40 + 13 * m_index + 2 * v_index, 1)},
                "links": {
                    "repository": "acme/ml-platform",
                    "experiment_issue": issue,
                    **({"deployment_issue": issue + 1} if stage in ("production", "archived") else {}),
                },
                "model_card": {
                    "intended_use": f"{task}, for the teams listed as owners and their downstream services.",
                    "out_of_scope_use": "Decisions about individuals without human review; any market it was "
                    "not trained on.",
                    "limitations": "Trained on the last 18 months of data; seasonal effects older than that are "
                    "not represented.",
                    "risks": "Scores drift when upstream feature definitions change; monitor the input PSI.",
                    "evaluation_slices": [
                        {"name": "new customers", "metrics": {headline: round(value * 0.95, 3)}},
                        {"name": "returning customers", "metrics": {headline: round(value * 1.02, 3)}},
                    ],
                },
            }
            target = root / name / f"{version}.yml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(yaml.safe_dump(record, sort_keys=False, width=110), encoding="utf-8")


if __name__ == "__main__":
    main()
