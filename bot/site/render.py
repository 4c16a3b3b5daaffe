"""Site pages, pure: registry versions, the issue snapshot and the configuration -> {path: markdown}.

Everything people wrote reaches the page through Jinja2 with HTML autoescaping, inside HTML
blocks that Markdown leaves alone; where Markdown is welcome (hypotheses, notes, model cards) it is
rendered by markdown-it with raw HTML off and then sanitized with nh3, keeping only plain tags and
http(s) or mailto links. URLs pass `safe_url`: anything but http(s) becomes "#".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter, defaultdict
from functools import cache
from types import SimpleNamespace
from typing import Any

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from bot.config import Config
from bot.records.forms import STAGES
from bot.records.registry import STAGES as MODEL_STAGES
from bot.records.registry import ModelVersion
from bot.site import charts, metrics

GENERATED = "generated"
OUTCOMES = (
    ("promote", "Promoted", "Promote to production"),
    ("iterate", "Iterate", "Iterate"),
    ("abandon", "Abandoned", "Abandon"),
    ("undecided", "Undecided", None),
)
BOARD_ITEMS_SHOWN = 50
_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "h4",
    "h5",
    "h6",
    "hr",
}


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


# One line with no inline Markdown, not starting like a block (heading, quote, list, code).
_PLAIN = re.compile(r"(?![ \t]*(?:[#>+*-]|\d+[.)])|[ ]{4})[^\\`*_\[\]<>&~|\n\r]*")


def markdown_filter(text: Any) -> Markup:
    """User Markdown -> sanitized HTML."""
    if text is None or text == "":
        return Markup("")
    if _PLAIN.fullmatch(str(text)):  # nothing Markdown would act on: one escaped paragraph
        return Markup("<p>") + Markup.escape(str(text).strip()) + Markup("</p>")
    html = _markdown().render(str(text)[:20_000])
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Markdown would treat a blank line inside our HTML block as its end; keep the block whole.
    return Markup(re.sub(r"\n\s*\n", "\n", clean).strip())


def safe_url(url: Any) -> str:
    text = str(url or "")
    return text if re.match(r"^https?://[^\s\"'<>]+$", text) else "#"


def yaml_string(text: Any) -> Markup:
    """A one-line YAML string for front matter (JSON's quoting is valid YAML), HTML-escaped first:
    MkDocs themes insert front-matter values such as tags into pages without escaping them."""
    return Markup(json.dumps(str(escape(re.sub(r"\s+", " ", str(text))[:60]))))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.site", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = markdown_filter
    env.filters["safe_url"] = safe_url
    env.filters["yaml_string"] = yaml_string
    env.globals["zip"] = zip
    return env


def _render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def render_site(
    models: list[ModelVersion],
    snapshot: dict[str, Any] | None,
    config: Config,
    monitoring: dict[str, dict[str, Any]] | None = None,
) -> dict[str, str]:
    """Every generated page, by its path under the docs folder. `monitoring` holds each model's latest
    status as `mlops-bot monitor` wrote it."""
    issues = (snapshot or {}).get("issues", [])
    pages: dict[str, str] = {}
    pages.update(_model_pages(models, issues, monitoring or {}))
    pages.update(_experiment_pages(issues))
    pages[f"{GENERATED}/board.md"] = _board_page(issues, config)
    pages[f"{GENERATED}/metrics.md"] = _metrics_page(models, issues, (snapshot or {}).get("generated_at", "never"))
    pages[f"{GENERATED}/thresholds.md"] = _thresholds(config)
    return pages


# ---- models ---------------------------------------------------------------------------------------
def _version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+_-]", version))


def _open_incidents(issues: list[dict[str, Any]]) -> dict[str, list[dict[str, str]]]:
    """Open monitoring incidents by the model their form names ("fraud-detector 3.1.0" -> fraud-detector)."""
    found: dict[str, list[dict[str, str]]] = defaultdict(list)
    for issue in issues:
        if issue.get("kind") == "monitoring-incident" and issue["state"] == "open":
            named = str(((issue.get("record") or {}).get("fields") or {}).get("model", "")).split(" ")[0]
            found[named].append({"ref": f"#{issue['number']}", "url": issue["url"], "title": issue["title"]})
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


def _model_pages(
    models: list[ModelVersion], issues: list[dict[str, Any]], monitoring: dict[str, dict[str, Any]]
) -> dict[str, str]:
    incidents = _open_incidents(issues)
    by_name: dict[str, list[ModelVersion]] = defaultdict(list)
    for model in models:
        by_name[model.name].append(model)
    summaries = []
    pages = {}
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda m: _version_key(m.version), reverse=True)
        current = {stage: next((v.version for v in versions if v.stage == stage), None) for stage in MODEL_STAGES}
        latest = versions[0].data
        headline_name = latest.get("headline_metric") or next(iter(latest.get("metrics") or {}), None)
        shown = next((v for v in versions if v.stage == "production"), versions[0])
        headline = None
        if headline_name and headline_name in shown.metrics:
            headline = {"name": headline_name, "value": shown.metrics[headline_name]}
        summary = {
            "name": name,
            "task": latest.get("task", ""),
            "owner": latest.get("owner", ""),
            "current": current,
            "headline": headline,
            "stages": sorted({v.stage for v in versions}),
            "metric_names": sorted({k for v in versions for k in v.metrics})[:6],
            "versions": [_version_view(v) for v in versions],
            "incidents": incidents.get(name, []) if current["production"] else [],
            "monitoring": _monitoring_view(monitoring.get(name)) if current["production"] else None,
        }
        summaries.append(summary)
        pages[f"{GENERATED}/models/{name}.md"] = _render("model.md.j2", model=summary)
    pages[f"{GENERATED}/models/index.md"] = _render("models_index.md.j2", models=summaries, version_count=len(models))
    return pages


def _version_view(model: ModelVersion) -> dict[str, Any]:
    data = model.data
    links = data.get("links") or {}
    repository = links.get("repository")
    link_list = []
    for key, text in (("experiment_issue", "experiment"), ("deployment_issue", "deployment")):
        if repository and links.get(key):
            link_list.append(
                {"text": f"{text} #{links[key]}", "url": f"https://github.com/{repository}/issues/{links[key]}"}
            )
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
    return {
        "version": model.version,
        "anchor": re.sub(r"[^a-z0-9]+", "-", model.version.lower()),
        "stage": model.stage,
        "created": data.get("created", ""),
        "framework": f"{data['framework']['name']} {data['framework']['version']}",
        "metrics": model.metrics,
        "links": link_list,
        "artifact_uri": data["artifact_uri"],
        "provenance": data["provenance"],
        "signature": signature,
        "history": [
            {"stage": step["stage"], "date": step["date"], "by": step.get("by"), "note": step.get("note")}
            for step in data.get("stage_history") or [{"stage": model.stage, "date": data.get("created", "")}]
        ],
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


# ---- experiments -------------------------------------------------------------------------------------
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


def _month_of(issue: dict[str, Any]) -> str:
    return str(issue["created_at"])[:7]


def _experiment_pages(issues: list[dict[str, Any]]) -> dict[str, str]:
    experiments = [i for i in issues if i.get("kind") == "experiment"]
    by_month: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for issue in experiments:
        by_month[_month_of(issue)].append(issue)
    outcomes = [{"key": key, "title": title} for key, title, _ in OUTCOMES]
    titles = {key: title for key, title, _ in OUTCOMES}
    months = []
    pages = {}
    for month in sorted(by_month, reverse=True):
        if not re.fullmatch(r"\d{4}-\d{2}", month):
            continue
        entries = sorted(by_month[month], key=lambda i: i["created_at"], reverse=True)
        counted = Counter(_outcome_key(i) for i in entries)
        title = dt.date(int(month[:4]), int(month[5:]), 1).strftime("%B %Y")
        months.append({"slug": month, "title": title, "count": len(entries), "outcomes": counted})
        views = []
        for issue in entries:
            fields = (issue.get("record") or {}).get("fields") or {}
            baseline = fields.get("baseline_delta")
            key = _outcome_key(issue)
            views.append(
                SimpleNamespace(
                    **{
                        "ref": f"{issue['repository']}#{issue['number']}",
                        "url": issue["url"],
                        "title": issue["title"],
                        "anchor": f"e-{re.sub(r'[^a-z0-9]+', '-', issue['repository'].lower())}-{issue['number']}",
                        "stage": issue.get("stage") or "Ideation",
                        "outcome_key": key,
                        "outcome_title": titles[key],
                        "created": str(issue["created_at"])[:10],
                        "author": issue.get("author"),
                        "fields": _Fields({k: v for k, v in fields.items() if isinstance(v, str | int | float)}),
                        "baseline": baseline if isinstance(baseline, int | float) else None,
                        "problems": (issue.get("record") or {}).get("problems") or [],
                    }
                )
            )
        pages[f"{GENERATED}/experiments/{month}.md"] = _render(
            "experiments_month.md.j2",
            month={
                "title": title,
                "tags": sorted(
                    {titles[v.outcome_key] for v in views}
                    | {label for issue in entries for label in issue["labels"] if label != "ml-experiment"}
                )[:30],
            },
            experiments=views,
            outcomes=outcomes,
            stages=STAGES,
        )
    pages[f"{GENERATED}/experiments/index.md"] = _render(
        "experiments_index.md.j2", months=months, outcomes=outcomes, total=len(experiments)
    )
    return pages


# ---- board ---------------------------------------------------------------------------------------------
def _board_page(issues: list[dict[str, Any]], config: Config) -> str:
    columns = []
    for column in config.board.columns:
        in_column = [
            i
            for i in issues
            if i.get("column") == column.name and (i["state"] == "open" or column.name == config.board.closed_column)
        ]
        live = [i for i in in_column if i["state"] == "open"]
        in_column.sort(key=lambda i: i.get("closed_at") or i["updated_at"], reverse=True)
        shown = in_column[:BOARD_ITEMS_SHOWN]
        count = len(live) if column.name != config.board.closed_column else len(in_column)
        columns.append(
            {
                "name": column.name,
                "limit": column.wip_limit,
                "count": count,
                "over": column.wip_limit is not None and len(live) > column.wip_limit,
                "entries": [
                    {
                        "ref": f"#{i['number']}",
                        "url": i["url"],
                        "title": i["title"],
                        "labels": [label for label in i["labels"] if label not in config.board.mapped_labels][:4],
                    }
                    for i in shown
                ],
                "hidden": len(in_column) - len(shown),
            }
        )
    return _render("board.md.j2", columns=columns)


# ---- metrics --------------------------------------------------------------------------------------------
def _metrics_page(models: list[ModelVersion], issues: list[dict[str, Any]], generated_at: str) -> str:
    velocity = metrics.experiment_velocity(issues)
    deployments = metrics.deployment_frequency(models)
    times = metrics.lead_times(models, issues)
    median = metrics.median_lead_time_by_month(times)
    incidents = metrics.incident_rate(issues)
    mix = metrics.work_mix(issues)
    return _render(
        "metrics.md.j2",
        generated_at=generated_at,
        velocity=list(zip(velocity.labels, velocity.values, strict=True)),
        velocity_chart=Markup(
            charts.bar_chart("Experiments per week", [w[5:] for w in velocity.labels], velocity.values)
        ),
        deployments=list(zip(deployments.labels, deployments.values, strict=True)),
        deployment_chart=Markup(
            charts.bar_chart("Models to production per month", deployments.labels, deployments.values)
        ),
        lead_times=times,
        lead_time_chart=Markup(charts.bar_chart("Median lead time (days)", median.labels, median.values, " d")),
        incidents=list(zip(incidents.labels, incidents.values, strict=True)),
        incident_chart=Markup(charts.bar_chart("Incidents per month", incidents.labels, incidents.values)),
        mix=mix,
        mix_chart=Markup(
            charts.stacked_bar_chart(
                "Work mix per milestone (%)",
                [row.milestone.removeprefix("Sprint ") for row in mix],
                [list(row.shares) for row in mix],
                ["production", "experiment", "learning"],
                unit="%",
                reference=list(metrics.GUIDELINE),
            )
        ),
    )


# ---- monitoring thresholds ----------------------------------------------------------------------------------
def threshold_rows(config: Config) -> list[dict[str, str]]:
    names = {
        "p99_latency_ms": ("p99 latency", " ms"),
        "error_rate_percent": ("error rate", " %"),
        "feature_psi": ("feature drift (PSI, per feature)", ""),
        "score_ks_pvalue": ("score drift (KS p-value)", ""),
        "brier_degradation_percent": ("Brier score degradation vs baseline", " %"),
    }
    rows = []
    for key, threshold in {**config.monitoring.thresholds, **config.monitoring.custom_thresholds}.items():
        label, unit = names.get(key, (key, ""))
        rows.append({"signal": label, "rule": threshold.rule(unit), "window": threshold.window_text()})
    return rows


def _thresholds(config: Config) -> str:
    return _render("thresholds.md.j2", rows=threshold_rows(config))
