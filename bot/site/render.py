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
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
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
from bot.site.lineage import (
    GitHubLinks,
    ModelMatcher,
    commit_sha,
    experiment_anchor,
    page_href,
    pull_number,
    slug,
    version_anchor,
    versions_by_experiment,
)

GENERATED = "generated"
OUTCOMES = (
    ("promote", "Promoted", "Promote to production"),
    ("iterate", "Iterate", "Iterate"),
    ("abandon", "Abandoned", "Abandon"),
    ("undecided", "Undecided", None),
)
BOARD_ITEMS_SHOWN = 50
DONE_RECENT_DAYS = 14  # the board's Done column shows what closed in the last two weeks
TREND_METRICS = 6
MODELS_INDEX = f"{GENERATED}/models/index.md"
EXPERIMENTS_INDEX = f"{GENERATED}/experiments/index.md"
EXPERIMENTS_DATA = f"{GENERATED}/experiments/log.json"
BOARD_PAGE = f"{GENERATED}/board.md"
HOME_SNIPPET = f"{GENERATED}/home.md"
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


@dataclass(frozen=True)
class Context:
    """What every page shares: when the data was read, where GitHub is, how pages link to each other."""

    as_of: dt.datetime | None
    links: GitHubLinks
    registry_repository: str | None
    directory_urls: bool = True

    @property
    def as_of_markup(self) -> Markup:
        if self.as_of is None:
            return Markup('<p class="mlops-asof" data-search-exclude>No issue snapshot yet: issues are not shown.</p>')
        stamp = self.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
        text = f"{self.as_of.day} {self.as_of:%B %Y, %H:%M} UTC"
        return Markup(
            '<p class="mlops-asof" data-search-exclude>As of <time datetime="{}">{}</time> (issue snapshot)</p>'
        ).format(stamp, text)

    def today(self) -> dt.datetime:
        return self.as_of or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def href(self, from_page: str, to_page: str, anchor: str = "") -> str:
        return page_href(from_page, to_page, anchor, self.directory_urls)


def _timestamp(text: Any) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _days(since: Any, now: dt.datetime) -> int | None:
    stamp = _timestamp(since)
    return None if stamp is None else max(0, (now - stamp).days)


def render_site(
    models: list[ModelVersion],
    snapshot: dict[str, Any] | None,
    config: Config,
    monitoring: dict[str, dict[str, Any]] | None = None,
    *,
    directory_urls: bool = True,
) -> dict[str, str]:
    """Every generated page (and the experiment log's data file), by its path under the docs folder.
    `monitoring` holds each model's latest status as `mlops-bot monitor` wrote it."""
    issues = (snapshot or {}).get("issues", [])
    context = Context(
        as_of=_timestamp((snapshot or {}).get("generated_at")) if snapshot else None,
        links=GitHubLinks.from_snapshot(snapshot),
        registry_repository=next(iter(config.repositories), None),
        directory_urls=directory_urls,
    )
    experiments = _experiment_views(issues, models, context)
    summaries = _model_summaries(models, issues, experiments, monitoring or {}, context)
    board = _board_columns(issues, config, context)
    pages: dict[str, str] = {}
    pages.update(_model_pages(summaries, len(models), context))
    pages.update(_experiment_pages(experiments, context))
    pages[BOARD_PAGE] = _render("board.md.j2", columns=board, asof=context.as_of_markup)
    pages[f"{GENERATED}/metrics.md"] = _metrics_page(models, issues, context)
    pages[f"{GENERATED}/thresholds.md"] = _render(
        "thresholds.md.j2", rows=threshold_rows(config), asof=context.as_of_markup
    )
    pages[HOME_SNIPPET] = _home(summaries, issues, board, experiments, context)
    return pages


# ---- models ---------------------------------------------------------------------------------------
def _version_key(version: str) -> tuple:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.+_-]", version))


def _open_incidents(issues: list[dict[str, Any]], context: Context) -> dict[str, list[dict[str, Any]]]:
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
                    "age": _days(issue["created_at"], context.today()),
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


def _model_page(name: str) -> str:
    return f"{GENERATED}/models/{name}.md"


def _model_summaries(
    models: list[ModelVersion],
    issues: list[dict[str, Any]],
    experiments: list[SimpleNamespace],
    monitoring: dict[str, dict[str, Any]],
    context: Context,
) -> list[dict[str, Any]]:
    incidents = _open_incidents(issues, context)
    by_issue = {(i["repository"].lower(), i["number"]): i for i in issues}
    logged = {(e.repository.lower(), e.number): e for e in experiments}
    by_name: dict[str, list[ModelVersion]] = defaultdict(list)
    for model in models:
        by_name[model.name].append(model)
    summaries = []
    for name in sorted(by_name):
        versions = sorted(by_name[name], key=lambda m: _version_key(m.version), reverse=True)
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
                "page": _model_page(name),
                "href": context.href(MODELS_INDEX, _model_page(name)),
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
            experiment["site"] = context.href(_model_page(model.name), entry.page, entry.anchor)
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


def _model_pages(summaries: list[dict[str, Any]], version_count: int, context: Context) -> dict[str, str]:
    pages = {}
    for summary in summaries:
        pages[summary["page"]] = _render("model.md.j2", model=summary, asof=context.as_of_markup)
    pages[MODELS_INDEX] = _render(
        "models_index.md.j2", models=summaries, version_count=version_count, asof=context.as_of_markup
    )
    return pages


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


def _owner(issue: dict[str, Any]) -> str:
    """Who carries the issue: its first assignee when the snapshot records assignees, else its author."""
    assignees = [a for a in issue.get("assignees") or [] if isinstance(a, str) and a]
    return assignees[0] if assignees else str(issue.get("author") or "")


def _experiment_views(
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
                model_href=context.href(page, _model_page(model)) if model in matcher.names else None,
                produced=[
                    {
                        "text": f"{p.model} {p.version}",
                        "stage": p.stage,
                        "href": context.href(page, _model_page(p.model), version_anchor(p.version)),
                    }
                    for p in sorted(versions, key=lambda p: (p.model, _version_key(p.version)))
                ],
                labels=[label for label in issue["labels"] if label != "ml-experiment"],
                fields=_Fields({k: v for k, v in fields.items() if isinstance(v, str | int | float)}),
                baseline=baseline if isinstance(baseline, int | float) else None,
                problems=record.get("problems") or [],
            )
        )
    views.sort(key=lambda v: (v.created_at, v.ref), reverse=True)
    return views


def _experiment_pages(experiments: list[SimpleNamespace], context: Context) -> dict[str, str]:
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
        pages[entries[0].page] = _render(
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
    pages[EXPERIMENTS_INDEX] = _render(
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


# ---- board ---------------------------------------------------------------------------------------------
def _board_columns(issues: list[dict[str, Any]], config: Config, context: Context) -> list[dict[str, Any]]:
    now = context.today()
    recent = now - dt.timedelta(days=DONE_RECENT_DAYS)
    columns = []
    for column in config.board.columns:
        closed_column = column.name == config.board.closed_column
        in_column = [i for i in issues if i.get("column") == column.name and (i["state"] == "open" or closed_column)]
        live = [i for i in in_column if i["state"] == "open"]
        if closed_column:
            in_column = [i for i in in_column if (_timestamp(i.get("closed_at") or i["updated_at"]) or now) >= recent]
        in_column.sort(key=lambda i: i.get("closed_at") or i["updated_at"], reverse=True)
        shown = in_column[:BOARD_ITEMS_SHOWN]
        entries = []
        for i in shown:
            assignees = i.get("assignees")
            entries.append(
                {
                    "ref": f"#{i['number']}",
                    "url": i["url"],
                    "title": i["title"],
                    "labels": [label for label in i["labels"] if label not in config.board.mapped_labels][:4],
                    "age": _days(i["created_at"], now),
                    "closed": _days(i.get("closed_at"), now) if i["state"] == "closed" else None,
                    "assignees": [a for a in assignees if isinstance(a, str)][:3]
                    if isinstance(assignees, list)
                    else None,
                    "author": i.get("author"),
                }
            )
        columns.append(
            {
                "name": column.name,
                "anchor": f"column-{slug(column.name)}",
                "limit": column.wip_limit,
                "count": len(in_column) if closed_column else len(live),
                "done": closed_column,
                "over": column.wip_limit is not None and len(live) > column.wip_limit,
                "entries": entries,
                "hidden": len(in_column) - len(shown),
            }
        )
    return columns


# ---- home ----------------------------------------------------------------------------------------------------
def _home(
    summaries: list[dict[str, Any]],
    issues: list[dict[str, Any]],
    board: list[dict[str, Any]],
    experiments: list[SimpleNamespace],
    context: Context,
) -> str:
    """The home page's "at a glance" block, a snippet `site_src/index.md` includes."""
    production = [
        {
            "name": s["name"],
            "href": context.href("index.md", s["page"], version_anchor(s["current"]["production"])),
            "version": s["current"]["production"],
            "headline": s["headline"],
            "monitoring": s["monitoring"],
            "incidents": len(s["incidents"]),
        }
        for s in summaries
        if s["current"]["production"]
    ]
    incidents = sorted(
        (entry for found in _open_incidents(issues, context).values() for entry in found),
        key=lambda e: (e["age"] is None, -(e["age"] or 0)),
    )
    today = context.today()
    this_month = today.strftime("%Y-%m")
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    decided = [e for e in experiments if e.outcome_key != "undecided" and str(e.closed_at or "")[:7] == this_month]
    return _render(
        "home.md.j2",
        asof=context.as_of_markup,
        has_snapshot=context.as_of is not None,
        production=production,
        incidents=incidents,
        over=[{**c, "href": context.href("index.md", BOARD_PAGE, c["anchor"])} for c in board if c["over"]],
        month_title=f"{today:%B %Y}",
        decided=[
            {
                "ref": e.ref,
                "title": e.title,
                "outcome": e.outcome_title,
                "outcome_key": e.outcome_key,
                "href": context.href("index.md", e.page, e.anchor),
            }
            for e in decided
        ],
        decided_last_month=sum(
            1 for e in experiments if e.outcome_key != "undecided" and str(e.closed_at or "")[:7] == last_month
        ),
        models_href=context.href("index.md", MODELS_INDEX),
        log_href=context.href("index.md", EXPERIMENTS_INDEX),
    )


# ---- metrics --------------------------------------------------------------------------------------------
def _metrics_page(models: list[ModelVersion], issues: list[dict[str, Any]], context: Context) -> str:
    velocity = metrics.experiment_velocity(issues)
    deployments = metrics.deployment_frequency(models)
    times = metrics.lead_times(models, issues)
    median = metrics.median_lead_time_by_month(times)
    incidents = metrics.incident_rate(issues)
    mix = metrics.work_mix(issues)
    return _render(
        "metrics.md.j2",
        asof=context.as_of_markup,
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
