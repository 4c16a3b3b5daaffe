"""Site pages, pure: registry versions, the issue snapshot and the configuration -> {path: markdown}.

Each part of the site has its module (catalog, experiment_log, board, home); this one puts them
together, with the team metrics and the monitoring thresholds. User text is made safe in
`bot.site.templating`.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from bot.config import Config
from bot.records.registry import ModelVersion
from bot.site import charts, metrics
from bot.site.board import board_columns
from bot.site.catalog import model_pages, model_summaries
from bot.site.context import BOARD_PAGE, GENERATED, HOME_SNIPPET, Context, timestamp
from bot.site.experiment_log import experiment_pages, experiment_views
from bot.site.home import home_glance
from bot.site.lineage import GitHubLinks
from bot.site.templating import markdown_filter, render_template, safe_url

__all__ = ["GENERATED", "markdown_filter", "render_site", "safe_url", "threshold_rows"]


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
        as_of=timestamp((snapshot or {}).get("generated_at")) if snapshot else None,
        links=GitHubLinks.from_snapshot(snapshot),
        registry_repository=next(iter(config.repositories), None),
        directory_urls=directory_urls,
    )
    experiments = experiment_views(issues, models, context)
    summaries = model_summaries(models, issues, experiments, monitoring or {}, context)
    board = board_columns(issues, config, context)
    pages: dict[str, str] = {}
    pages.update(model_pages(summaries, len(models), context))
    pages.update(experiment_pages(experiments, context))
    pages[BOARD_PAGE] = render_template("board.md.j2", columns=board, asof=context.as_of_markup)
    pages[f"{GENERATED}/metrics.md"] = _metrics_page(models, issues, context)
    pages[f"{GENERATED}/thresholds.md"] = render_template(
        "thresholds.md.j2", rows=threshold_rows(config), asof=context.as_of_markup
    )
    pages[HOME_SNIPPET] = home_glance(summaries, issues, board, experiments, context)
    return pages


# ---- metrics --------------------------------------------------------------------------------------------
def _metrics_page(models: list[ModelVersion], issues: list[dict[str, Any]], context: Context) -> str:
    velocity = metrics.experiment_velocity(issues)
    deployments = metrics.deployment_frequency(models)
    times = metrics.lead_times(models, issues)
    median = metrics.median_lead_time_by_month(times)
    incidents = metrics.incident_rate(issues)
    mix = metrics.work_mix(issues)
    return render_template(
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
