"""The experiment log, pure: experiment issues -> their month pages, the index and its JSON data."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from pathlib import PurePosixPath
from types import SimpleNamespace
from typing import Any

from bot.records.forms import STAGES
from bot.records.registry import ModelVersion
from bot.site.catalog import model_page, version_key
from bot.site.context import EXPERIMENTS_DATA, EXPERIMENTS_INDEX, GENERATED, Context
from bot.site.lineage import ModelMatcher, experiment_anchor, slug, version_anchor, versions_by_experiment
from bot.site.templating import render_template

OUTCOMES = (
    ("promote", "Promoted", "Promote to production"),
    ("iterate", "Iterate", "Iterate"),
    ("abandon", "Abandoned", "Abandon"),
    ("undecided", "Undecided", None),
)


def _outcome_key(issue: dict[str, Any]) -> str:
    for label in issue["labels"]:
        if label.startswith("outcome: "):
            key = label.removeprefix("outcome: ")
            if key in ("promote", "iterate", "abandon"):
                return key
    chosen = ((issue.get("record") or {}).get("fields") or {}).get("outcome")
    return next((key for key, _, form_value in OUTCOMES if form_value and form_value == chosen), "undecided")


class _Fields(dict):
    """A record's fields for templates: a field the issue left empty reads as ""."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name, "")


def _owner(issue: dict[str, Any]) -> str:
    """Who carries the issue: its first assignee when the snapshot records assignees, else its author."""
    assignees = [a for a in issue.get("assignees") or [] if isinstance(a, str) and a]
    return assignees[0] if assignees else str(issue.get("author") or "")


def experiment_views(
    issues: list[dict[str, Any]], models: list[ModelVersion], context: Context
) -> list[SimpleNamespace]:
    """Every experiment in the snapshot (newest first) with what the pages show of it."""
    produced = versions_by_experiment(models)
    matcher = ModelMatcher(m.name for m in models)
    titles = {key: title for key, title, _ in OUTCOMES}
    views = []
    for issue in issues:
        if issue.get("kind") != "experiment":
            continue
        month = str(issue["created_at"])[:7]
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            continue
        record = issue.get("record") or {}
        fields = record.get("fields") or {}
        baseline = fields.get("baseline_delta")
        key = _outcome_key(issue)
        page = f"{GENERATED}/experiments/{month}.md"
        versions = produced.get((issue["repository"].lower(), issue["number"]), [])
        model = matcher.model_of(issue, versions)
        views.append(
            SimpleNamespace(
                repository=issue["repository"],
                number=issue["number"],
                ref=f"{issue['repository']}#{issue['number']}",
                url=issue["url"],
                title=issue["title"],
                anchor=experiment_anchor(issue["repository"], issue["number"]),
                page=page,
                month=month,
                stage=issue.get("stage") or "Ideation",
                outcome_key=key,
                outcome_title=titles[key],
                created=str(issue["created_at"])[:10],
                created_at=str(issue["created_at"]),
                closed_at=issue.get("closed_at"),
                author=issue.get("author"),
                owner=_owner(issue),
                model=model,
                model_href=context.href(page, model_page(model)) if model in matcher.names else None,
                produced=[
                    {
                        "text": f"{p.model} {p.version}",
                        "stage": p.stage,
                        "href": context.href(page, model_page(p.model), version_anchor(p.version)),
                    }
                    for p in sorted(versions, key=lambda p: (p.model, version_key(p.version)))
                ],
                labels=[label for label in issue["labels"] if label != "ml-experiment"],
                fields=_Fields({k: v for k, v in fields.items() if isinstance(v, str | int | float)}),
                baseline=baseline if isinstance(baseline, int | float) else None,
                problems=record.get("problems") or [],
                mlflow_runs=issue.get("mlflow_runs") or [],  # bot/mlflow/runs.py, shown by mlflow_runs.md.j2
            )
        )
    views.sort(key=lambda v: (v.created_at, v.ref), reverse=True)
    return views


def experiment_pages(experiments: list[SimpleNamespace], context: Context) -> dict[str, str]:
    by_month: dict[str, list[SimpleNamespace]] = defaultdict(list)
    for view in experiments:
        by_month[view.month].append(view)
    outcomes = [{"key": key, "title": title} for key, title, _ in OUTCOMES]
    months = []
    pages = {}
    for month in sorted(by_month, reverse=True):
        entries = by_month[month]
        title = dt.date(int(month[:4]), int(month[5:]), 1).strftime("%B %Y")
        months.append(
            {
                "slug": month,
                "href": context.href(EXPERIMENTS_INDEX, entries[0].page),
                "title": title,
                "count": len(entries),
                "outcomes": Counter(e.outcome_key for e in entries),
            }
        )
        pages[entries[0].page] = render_template(
            "experiments_month.md.j2",
            month={
                "title": title,
                "tags": sorted({e.outcome_title for e in entries} | {label for e in entries for label in e.labels})[
                    :30
                ],
            },
            experiments=entries,
            outcomes=outcomes,
            stages=STAGES,
            models=sorted({e.model for e in entries if e.model}),
            asof=context.as_of_markup,
        )
    pages[EXPERIMENTS_INDEX] = render_template(
        "experiments_index.md.j2",
        months=months,
        outcomes=outcomes,
        total=len(experiments),
        asof=context.as_of_markup,
        data_file=PurePosixPath(EXPERIMENTS_DATA).name,
    )
    pages[EXPERIMENTS_DATA] = experiment_log_data(experiments, context)
    return pages


def experiment_log_data(experiments: list[SimpleNamespace], context: Context) -> str:
    """The experiment log as compact JSON for the index page's script: repeated values (models, owners,
    stages, outcomes, months) are stored once and referred to by position, so 10,000 experiments stay small."""
    tables: dict[str, dict[str, int]] = {"models": {}, "owners": {}, "months": {}, "repositories": {}}

    def index(table: str, value: str) -> int:
        return tables[table].setdefault(value, len(tables[table]))

    stages = {stage: n for n, stage in enumerate(STAGES)}
    outcomes = {key: n for n, (key, _, _) in enumerate(OUTCOMES)}
    rows = [
        [
            e.number,
            index("repositories", e.repository),
            e.title,
            index("months", e.month),
            e.created,
            index("models", e.model),
            index("owners", e.owner),
            outcomes[e.outcome_key],
            stages.get(e.stage, 0),
            str(e.fields.primary_metric)[:80],
            e.baseline,
        ]
        for e in experiments
    ]
    data = {
        "as_of": context.as_of.strftime("%Y-%m-%dT%H:%M:%SZ") if context.as_of else None,
        "columns": [
            "number",
            "repository",
            "title",
            "month",
            "created",
            "model",
            "owner",
            "outcome",
            "stage",
            "primary_metric",
            "baseline_delta",
        ],
        "repositories": [{"name": name, "anchor": f"e-{slug(name)}"} for name in tables["repositories"]],
        "months": [
            {"slug": m, "href": context.href(EXPERIMENTS_INDEX, f"{GENERATED}/experiments/{m}.md")}
            for m in tables["months"]
        ],
        "models": list(tables["models"]),
        "owners": list(tables["owners"]),
        "stages": list(STAGES),
        "outcomes": [{"key": key, "title": title} for key, title, _ in OUTCOMES],
        "experiments": rows,
    }
    # Inside <script> or HTML nothing here is parsed as markup; JSON escaping of "<" keeps it so anyway.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c") + "\n"
