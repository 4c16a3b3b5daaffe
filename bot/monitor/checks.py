"""Monitoring reports against thresholds, pure: windows of metrics -> one result per signal.

A signal breaches when its value is past the threshold for `consecutive_windows` windows in a row
(p99 latency: 5 one-minute windows by default; error rate: any one window). It is within its
threshold again once the last `recovery_windows` windows all are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.config import MonitoringConfig, Threshold
from bot.errors import CheckFailed, Location

if TYPE_CHECKING:  # drift needs numpy and scipy; checking a report does not
    from bot.monitor.drift import FeatureDrift

RETRAINING_TRIGGER = {
    "performance-decay": "Performance decay",
    "feature-drift": "Data drift",
    "score-drift": "Data drift",
}


@dataclass(frozen=True)
class Window:
    timestamp: str
    values: dict[str, float]


@dataclass(frozen=True)
class SignalResult:
    key: str  # latency, error-rate, feature-drift:<feature>, score-drift, performance-decay, custom:<name>
    signal: str  # for people: "p99 latency (ms)"
    threshold: str  # "above 200 for 5 consecutive windows"
    breached: bool  # past the threshold long enough somewhere in the report, and not back since
    within_now: bool  # the last recovery windows are all within the threshold
    worst: float
    evidence: list[tuple[str, float]] = field(default_factory=list)

    @property
    def trigger_group(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def retraining_trigger(self) -> str | None:
        return RETRAINING_TRIGGER.get(self.trigger_group)


def read_report(text: str, file: str) -> list[Window]:
    """A monitoring report: JSON (`{"windows": [...]}` or a list) or CSV with a `timestamp` column."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CheckFailed(f"not JSON: {exc}", Location(file)) from None
        rows = data.get("windows") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise CheckFailed("expected a list of windows, or an object with `windows`", Location(file))
        flat = []
        for row in rows:
            if not isinstance(row, dict):
                raise CheckFailed("every window must be an object", Location(file))
            entry = {k: v for k, v in row.items() if k != "feature_psi"}
            for feature, value in (row.get("feature_psi") or {}).items():
                entry[f"psi_{feature}"] = value
            flat.append(entry)
        rows, first_line = flat, None
    else:
        rows = list(csv.DictReader(io.StringIO(text)))
        first_line = 2
    if not rows:
        raise CheckFailed("the report has no windows", Location(file))
    windows = []
    previous = None
    for index, row in enumerate(rows):
        line = first_line + index if first_line else None
        where = Location(file, line, field=None if line else f"windows[{index}]")
        stamp = str(row.get("timestamp") or "")
        try:
            moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            raise CheckFailed(f"timestamp {stamp[:40]!r} is missing or not ISO 8601", where) from None
        if previous and moment <= previous:
            raise CheckFailed("windows must be in time order, one per timestamp", where)
        previous = moment
        values = {}
        for key, raw in row.items():
            if key == "timestamp":
                continue
            try:
                number = float(raw)
            except (TypeError, ValueError):
                raise CheckFailed(f"{key}: {str(raw)[:40]!r} is not a number", where) from None
            if not math.isfinite(number):
                raise CheckFailed(f"{key}: {raw!r} is not a finite number", where)
            values[key] = number
        windows.append(Window(stamp, values))
    return windows


def evaluate(series: list[tuple[str, float]], threshold: Threshold, recovery_windows: int) -> tuple[bool, bool]:
    """(breached and not recovered since, within threshold for the last recovery windows)."""
    run, last_breach_end = 0, None
    for index, (_, value) in enumerate(series):
        run = run + 1 if threshold.is_past(value) else 0
        if run >= threshold.consecutive_windows:
            last_breach_end = index
    tail = series[-recovery_windows:]
    within_now = len(tail) >= recovery_windows and not any(threshold.is_past(v) for _, v in tail)
    breached = last_breach_end is not None and not (within_now and last_breach_end < len(series) - recovery_windows)
    return breached, within_now


def check_windows(windows: list[Window], monitoring: MonitoringConfig, file: str) -> list[SignalResult]:
    """One result per monitored signal the report has columns for, judged against the configuration."""
    thresholds, recovery_windows = monitoring.thresholds, monitoring.recovery_windows
    columns = set().union(*(w.values for w in windows))
    signals: list[tuple[str, str, Threshold, list[tuple[str, float]]]] = []

    def series(column: str) -> list[tuple[str, float]]:
        missing = [w.timestamp for w in windows if column not in w.values]
        if missing:
            raise CheckFailed(f"column {column!r} has no value in window {missing[0]}", Location(file))
        return [(w.timestamp, w.values[column]) for w in windows]

    if "p99_latency_ms" in columns:
        signals.append(("latency", "p99 latency (ms)", thresholds["p99_latency_ms"], series("p99_latency_ms")))
    if "error_rate_percent" in columns:
        signals.append(("error-rate", "error rate (%)", thresholds["error_rate_percent"], series("error_rate_percent")))
    for column in sorted(c for c in columns if c.startswith("psi_")):
        feature = column.removeprefix("psi_")
        signals.append((f"feature-drift:{feature}", f"PSI of {feature}", thresholds["feature_psi"], series(column)))
    if "score_ks_pvalue" in columns:
        signals.append(("score-drift", "score KS p-value", thresholds["score_ks_pvalue"], series("score_ks_pvalue")))
    if "brier" in columns:
        if "brier_baseline" not in columns:
            raise CheckFailed("the report has `brier` but no `brier_baseline` to compare it with", Location(file))
        degradation = []
        for (stamp, brier), (_, base) in zip(series("brier"), series("brier_baseline"), strict=True):
            if base <= 0:
                raise CheckFailed(f"brier_baseline must be positive (window {stamp})", Location(file))
            degradation.append((stamp, round(100 * (brier - base) / base, 3)))
        signals.append(
            ("performance-decay", "Brier score degradation (%)", thresholds["brier_degradation_percent"], degradation)
        )
    for name, spec in monitoring.custom_thresholds.items():
        if name not in columns:
            raise CheckFailed(f"the configuration checks {name!r}, but the report has no such column", Location(file))
        signals.append((f"custom:{name}", name, spec, series(name)))
    if not signals:
        raise CheckFailed(
            "the report has none of the monitored columns (p99_latency_ms, error_rate_percent, "
            "psi_<feature>, score_ks_pvalue, brier with brier_baseline)",
            Location(file),
        )
    results = []
    for key, label, threshold, values in signals:
        breached, within_now = evaluate(values, threshold, recovery_windows)
        worst = max(v for _, v in values) if threshold.max is not None else min(v for _, v in values)
        results.append(
            SignalResult(
                key,
                label,
                threshold.describe(),
                breached,
                within_now,
                worst,
                [(t, v) for t, v in values if threshold.is_past(v)][-10:] or values[-3:],
            )
        )
    return results


def drift_results(drift: list[FeatureDrift], monitoring: MonitoringConfig, score_column: str) -> list[SignalResult]:
    """Drift between two samples as signals: PSI per feature, and the KS p-value of the model's score."""
    stamp = "current sample"
    psi, ks = monitoring.thresholds["feature_psi"], monitoring.thresholds["score_ks_pvalue"]
    results = []
    for item in drift:
        results.append(
            SignalResult(
                f"feature-drift:{item.feature}",
                f"PSI of {item.feature}",
                psi.rule(),
                psi.is_past(item.psi),
                not psi.is_past(item.psi),
                item.psi,
                [(stamp, round(item.psi, 6))],
            )
        )
        if item.feature == score_column and item.ks_pvalue is not None:
            results.append(
                SignalResult(
                    "score-drift",
                    "score KS p-value",
                    ks.rule(),
                    ks.is_past(item.ks_pvalue),
                    not ks.is_past(item.ks_pvalue),
                    item.ks_pvalue,
                    [(stamp, item.ks_pvalue)],
                )
            )
    return results
