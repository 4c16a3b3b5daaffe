"""The home page's "at a glance" block, pure: what an ML lead checks first each morning."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from bot.site.catalog import open_incidents
from bot.site.context import BOARD_PAGE, EXPERIMENTS_INDEX, MODELS_INDEX, Context
from bot.site.lineage import version_anchor
from bot.site.templating import render_template


def home_glance(
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
        (entry for found in open_incidents(issues, context).values() for entry in found),
        key=lambda e: (e["age"] is None, -(e["age"] or 0)),
    )
    today = context.today()
    this_month = today.strftime("%Y-%m")
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    decided = [e for e in experiments if e.outcome_key != "undecided" and str(e.closed_at or "")[:7] == this_month]
    return render_template(
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
