"""Team metrics, pure: snapshot issues and registry versions -> the figures the site charts."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from bot.records.registry import ModelVersion

# The 60/30/10 guideline: production work, experiments, learning.
WORK_MIX = {
    "production": ("ml-data", "ml-deployment", "ml-monitoring", "ml-retraining"),
    "experiment": ("ml-experiment", "ml-training", "ml-evaluation"),
    "learning": ("type-mlops",),
}
GUIDELINE = (60, 30, 10)


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text).replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(str(text))
        except ValueError:
            return None


def _month(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def _months_between(first: dt.date, last: dt.date) -> list[str]:
    months, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


@dataclass(frozen=True)
class Series:
    labels: list[str]
    values: list[float]


def experiment_velocity(issues: list[dict[str, Any]], weeks: int = 26) -> Series:
    days = [d for d in (_date(i["created_at"]) for i in issues if i.get("kind") == "experiment") if d]
    if not days:
        return Series([], [])
    last = max(days)
    start = last - dt.timedelta(days=last.weekday()) - dt.timedelta(weeks=weeks - 1)
    counts = Counter((d - dt.timedelta(days=d.weekday())) for d in days if d >= start)
    mondays = [start + dt.timedelta(weeks=n) for n in range(weeks)]
    return Series([m.isoformat() for m in mondays], [counts.get(m, 0) for m in mondays])


def production_dates(model: ModelVersion) -> list[dt.date]:
    return [
        d
        for d in (_date(e.get("date")) for e in model.data.get("stage_history", []) if e.get("stage") == "production")
        if d
    ]


def deployment_frequency(models: list[ModelVersion]) -> Series:
    days = [day for model in models for day in production_dates(model)]
    if not days:
        return Series([], [])
    counts = Counter(_month(d) for d in days)
    months = _months_between(min(days), max(days))
    return Series(months, [counts.get(m, 0) for m in months])


@dataclass(frozen=True)
class LeadTime:
    model: str
    version: str
    experiment: int
    experiment_url: str
    days: int
    month: str


def lead_times(models: list[ModelVersion], issues: list[dict[str, Any]]) -> list[LeadTime]:
    by_number = {(i["repository"].lower(), i["number"]): i for i in issues}
    found = []
    for model in models:
        links = model.data.get("links") or {}
        number, repository = links.get("experiment_issue"), (links.get("repository") or "").lower()
        issue = by_number.get((repository, number)) if number else None
        start, shipped = _date(issue["created_at"]) if issue else None, production_dates(model)
        if start and shipped and shipped[0] >= start:
            found.append(
                LeadTime(model.name, model.version, number, issue["url"], (shipped[0] - start).days, _month(shipped[0]))
            )
    return sorted(found, key=lambda t: (t.month, t.model, t.version))


def median_lead_time_by_month(times: list[LeadTime]) -> Series:
    months = sorted({t.month for t in times})
    return Series(months, [statistics.median(t.days for t in times if t.month == m) for m in months])


def incident_rate(issues: list[dict[str, Any]]) -> Series:
    days = [d for d in (_date(i["created_at"]) for i in issues if "ml-monitoring" in i["labels"]) if d]
    all_days = [d for d in (_date(i["created_at"]) for i in issues) if d]
    if not all_days:
        return Series([], [])
    counts = Counter(_month(d) for d in days)
    months = _months_between(min(all_days), max(all_days))
    return Series(months, [counts.get(m, 0) for m in months])


@dataclass(frozen=True)
class MixRow:
    milestone: str
    counts: tuple[int, int, int]

    @property
    def shares(self) -> tuple[float, float, float]:
        total = sum(self.counts) or 1
        return tuple(round(100 * c / total, 1) for c in self.counts)  # type: ignore[return-value]


def work_mix(issues: list[dict[str, Any]]) -> list[MixRow]:
    rows: dict[str, list[int]] = {}
    order: dict[str, tuple[int, str]] = {}
    for issue in issues:
        milestone = issue.get("milestone") or {}
        title = milestone.get("title")
        if not title:
            continue
        for index, labels in enumerate(WORK_MIX.values()):
            if set(labels) & set(issue["labels"]):
                rows.setdefault(title, [0, 0, 0])[index] += 1
                order.setdefault(title, (milestone.get("number") or 0, title))
                break
    return [MixRow(title, tuple(rows[title])) for title in sorted(rows, key=lambda t: order[t])]  # type: ignore[arg-type]
