"""The model catalog, pure: registry versions -> each model's summary (current stages, headline metric,
monitoring, trends across versions, lineage of every version) and its pages."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from typing import Any

from markupsafe import Markup

from bot.records.registry import STAGES as MODEL_STAGES
from bot.records.registry import ModelVersion
from bot.site import charts
from bot.site.context import GENERATED, MODELS_INDEX, Context, days_since
from bot.site.lineage import commit_sha, pull_number, version_anchor
from bot.site.templating import render_template

TREND_METRICS = 6  # charts on a model page: the headline metric and the shared ones, at most this many


def version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+_-]", version))


def open_incidents(issues: list[dict[str, Any]], context: Context) -> dict[str, list[dict[str, Any]]]:
    """Open monitoring incidents by the model their form names ("fraud-detector 3.1.0" -> fraud-detector)."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for issue in issues:
        if issue.get("kind") == "monitoring-incident" and issue["state"] == "open":
            named = str(((issue.get("record") or {}).get("fields") or {}).get("model", "")).split(" ")[0]
            found[named].append(
                {
                    "ref": f"#{issue['number']}",
                    "url": issue["url"],
                    "title": issue["title"],
                    "model": named,
                    "age": days_since(issue["created_at"], context.today()),
                }
            )
    return found


def _monitoring_view(status: dict[str, Any] | None) -> dict[str, Any] | None:
    if not status:
        return None
    signals = [s for s in status.get("signals", []) if isinstance(s, dict)]
    return {
        "latest": str(status.get("latest_window", "")),
        "breaches": sum(1 for s in signals if s.get("breached")),
        "signals": [
            {
                "signal": str(s.get("signal", "")),
                "breached": bool(s.get("breached")),
                "worst": s.get("worst"),
                "threshold": str(s.get("threshold", "")),
            }
            for s in signals
        ],
    }


def model_page(name: str) -> str:
    return f"{GENERATED}/models/{name}.md"


def model_summaries(
    models: list[ModelVersion],
    issues: list[dict[str, Any]],
    experiments: list[SimpleNamespace],
    monitoring: dict[str, dict[str, Any]],
    context: Context,
) -> list[dict[str, Any]]:
    incidents = open_incidents(issues, context)
    by_issue = {(i["repository"].lower(), i["number"]): i for i in issues}
    logged = {(e.repository.lower(), e.number): e for e in experiments}
    by_name: dict[str, list[ModelVersion]] = defaultdict(list)
    for model in models:
        by_name[model.name].append(model)
    summaries = []
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda m: version_key(m.version), reverse=True)
        current = {stage: next((v.version for v in versions if v.stage == stage), None) for stage in MODEL_STAGES}
        latest = versions[0].data
        headline_name = latest.get("headline_metric") or next(iter(latest.get("metrics") or {}), None)
        shown = next((v for v in versions if v.stage == "production"), versions[0])
        headline = None
        if headline_name and headline_name in shown.metrics:
            headline = {"name": headline_name, "value": shown.metrics[headline_name]}
        views = [_version_view(v, by_issue, logged, context) for v in versions]
        summaries.append(
            {
                "name": name,
                "page": model_page(name),
                "href": context.href(MODELS_INDEX, model_page(name)),
                "task": latest.get("task", ""),
                "owner": latest.get("owner", ""),
                "current": current,
                "headline": headline,
                "stages": sorted({v.stage for v in versions}),
                "versions": views,
                "trends": _trends(name, versions, headline_name),
                "incidents": incidents.get(name, []) if current["production"] else [],
                "monitoring": _monitoring_view(monitoring.get(name)) if current["production"] else None,
            }
        )
    return summaries


def _shared_metrics(versions: list[ModelVersion], headline: str | None) -> list[str]:
    """The headline metric, then every metric at least two versions report (at most TREND_METRICS)."""
    counted = Counter(name for v in versions for name in v.metrics)
    shared = sorted(name for name, count in counted.items() if count >= 2 or len(versions) == 1)
    if headline in counted:
        shared = [headline, *(name for name in shared if name != headline)]
    return shared[:TREND_METRICS]


def _trends(name: str, newest_first: list[ModelVersion], headline: str | None) -> dict[str, Any]:
    """Charts of each shared metric across versions (oldest first), and the comparison table's rows."""
    versions = newest_first[::-1]
    metrics_shown = _shared_metrics(versions, headline)
    charts_shown = []
    for metric in metrics_shown:
        values = [v.metrics.get(metric) for v in versions]
        charts_shown.append(
            {
                "metric": metric,
                "headline": metric == headline,
                "svg": Markup(
                    charts.trend_chart(
                        f"{name}: {metric} by version",
                        [v.version for v in versions],
                        values,
                        [v.stage for v in versions],
                    )
                ),
            }
        )
    rows = []
    previous: dict[str, float] = {}
    for v in versions:
        cells = []
        for metric in metrics_shown:
            value = v.metrics.get(metric)
            before = previous.get(metric)
            delta = None if value is None or before is None else value - before
            cells.append({"value": value, "delta": delta})
            if value is not None:
                previous[metric] = value
        rows.append({"version": v.version, "anchor": version_anchor(v.version), "stage": v.stage, "cells": cells})
    return {"metrics": metrics_shown, "charts": charts_shown if len(versions) > 1 else [], "rows": rows[::-1]}


def _code_repository(provenance: dict[str, Any], server_url: str) -> str | None:
    """The training code's repository, when the lockfile URI is a git URL on the same server."""
    match = re.match(
        r"^(?:git\+)?" + re.escape(server_url) + r"/([A-Za-z0-9-]+/[A-Za-z0-9._-]+?)(?:\.git)?(?:[@#].*)?$",
        str(provenance.get("environment_lockfile_uri", "")),
    )
    return match.group(1) if match else None


def _issue_link(
    repository: str | None,
    number: Any,
    kind: str,
    by_issue: dict[tuple[str, int], dict[str, Any]],
    context: Context,
) -> dict[str, Any] | None:
    if not repository or not isinstance(number, int):
        return None
    issue = by_issue.get((repository.lower(), number))
    return {
        "kind": kind,
        "ref": f"#{number}",
        "title": issue["title"] if issue else "",
        "url": context.links.issue(repository, number),
        "site": None,
    }


def _version_view(
    model: ModelVersion,
    by_issue: dict[tuple[str, int], dict[str, Any]],
    logged: dict[tuple[str, int], SimpleNamespace],
    context: Context,
) -> dict[str, Any]:
    data = model.data
    links = data.get("links") or {}
    issues_repository = context.links.repository(links.get("repository"))
    registry_repository = issues_repository or context.registry_repository
    experiment = _issue_link(issues_repository, links.get("experiment_issue"), "experiment", by_issue, context)
    if experiment and issues_repository:
        entry = logged.get((issues_repository.lower(), links["experiment_issue"]))
        if entry:
            experiment["site"] = context.href(model_page(model.name), entry.page, entry.anchor)
    deployment = _issue_link(issues_repository, links.get("deployment_issue"), "deployment", by_issue, context)
    provenance = data["provenance"]
    code_repository = _code_repository(provenance, context.links.server_url) or registry_repository
    file = PurePosixPath(Path(model.file).as_posix())
    card = data.get("model_card") or {}
    signature = [
        {
            "direction": direction,
            "name": t["name"],
            "type": t["type"],
            "shape": " × ".join(str(n) for n in t.get("shape", [])) or "—",
        }
        for direction in ("inputs", "outputs")
        for t in data["signature"][direction]
    ]
    history = []
    for step in data.get("stage_history") or [{"stage": model.stage, "date": data.get("created", "")}]:
        pull, sha = pull_number(step.get("pr")), commit_sha(step.get("commit"))
        history.append(
            {
                "stage": step["stage"],
                "date": step["date"],
                "by": step.get("by"),
                "note": step.get("note"),
                "pull": {"ref": f"#{pull}", "url": context.links.pull(registry_repository, pull)}
                if pull and registry_repository
                else None,
                "commit": {"ref": sha[:7], "url": context.links.commit(registry_repository, sha)}
                if sha and registry_repository
                else None,
            }
        )
    return {
        "version": model.version,
        "anchor": version_anchor(model.version),
        "stage": model.stage,
        "created": data.get("created", ""),
        "framework": f"{data['framework']['name']} {data['framework']['version']}",
        "metrics": model.metrics,
        "experiment": experiment,
        "deployment": deployment,
        "artifact_uri": data["artifact_uri"],
        "provenance": provenance,
        "commit_url": context.links.commit(code_repository, provenance["git_commit"]) if code_repository else None,
        "file": str(file),
        "file_url": context.links.file(registry_repository, str(file))
        if registry_repository and not file.is_absolute() and ".." not in file.parts
        else None,
        "signature": signature,
        "history": history,
        "card": [
            (label, card[key])
            for key, label in (
                ("intended_use", "Intended use"),
                ("out_of_scope_use", "Out-of-scope use"),
                ("limitations", "Limitations"),
                ("risks", "Risks"),
            )
            if card.get(key)
        ],
        "slices": card.get("evaluation_slices") or [],
    }


def model_pages(summaries: list[dict[str, Any]], version_count: int, context: Context) -> dict[str, str]:
    pages = {}
    for summary in summaries:
        pages[summary["page"]] = render_template("model.md.j2", model=summary, asof=context.as_of_markup)
    pages[MODELS_INDEX] = render_template(
        "models_index.md.j2", models=summaries, version_count=version_count, asof=context.as_of_markup
    )
    return pages
