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
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

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
    absent: tuple[str, ...] = ()  # the report's columns this window has no value for (empty, null)


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


MAX_NAME = 100  # characters of a report column (a feature's name lands in issue titles and markers)


def read_report(text: str, file: str) -> list[Window]:
    """A monitoring report: JSON (`{"windows": [...]}` or a list) or CSV with a `timestamp` column.

    Every window needs an ISO 8601 timestamp, later than the one before (all with a UTC offset, or all
    without); every other field is a number, or empty/null for a value the window does not have."""
    if text.lstrip().startswith(("{", "[")):
        rows = _json_rows(text, file)
    else:
        rows = _csv_rows(text, file)
    if not rows:
        raise CheckFailed("the report has no windows", Location(file))
    windows = []
    previous: dt.datetime | None = None
    for where, row in rows:
        stamp = row.get("timestamp")
        moment = _moment(stamp, where("timestamp"))
        if previous is not None:
            if (moment.tzinfo is None) != (previous.tzinfo is None):
                raise CheckFailed(
                    f"timestamp {stamp!r} {'has no' if moment.tzinfo is None else 'has a'} UTC offset, unlike the "
                    "first window's: give every timestamp one (e.g. Z), or none",
                    where("timestamp"),
                )
            if moment <= previous:
                raise CheckFailed("windows must be in time order, one per timestamp", where("timestamp"))
        previous = moment
        values, absent = {}, []
        for key, raw in row.items():
            if key == "timestamp":
                continue
            number = _number(raw, where, key)
            if number is None:  # no value in this window: reported if the column is monitored
                absent.append(key)
            else:
                values[key] = number
        windows.append(Window(str(stamp), values, tuple(absent)))
    return windows


Where = Callable[[str], Location]


def _json_rows(text: str, file: str) -> list[tuple[Where, dict[str, Any]]]:
    try:  # integers as floats: a 10,000-digit integer becomes inf (refused below), not a ValueError
        data = json.loads(text, parse_int=float)
    except json.JSONDecodeError as exc:
        raise CheckFailed(f"not JSON: {exc.msg}", Location(file, exc.lineno, exc.colno)) from None
    except (ValueError, RecursionError) as exc:
        raise CheckFailed(f"not JSON: {str(exc)[:80] or 'nested too deeply'}", Location(file)) from None
    windows = data.get("windows") if isinstance(data, dict) else data
    if not isinstance(windows, list):
        raise CheckFailed("expected a list of windows, or an object with `windows`", Location(file))
    rows = []
    for index, window in enumerate(windows):
        if not isinstance(window, dict):
            raise CheckFailed("every window must be an object", Location(file, field=f"windows[{index}]"))
        row = {_column(k, file): v for k, v in window.items() if k != "feature_psi"}
        psi = window.get("feature_psi")
        if psi is not None and not isinstance(psi, dict):
            raise CheckFailed(
                "feature_psi must be an object of feature: PSI", Location(file, field=f"windows[{index}].feature_psi")
            )
        for feature, value in (psi or {}).items():
            row[_column(f"psi_{feature}", file)] = value
        rows.append((partial(_json_field, file, index), row))
    return rows


def _json_field(file: str, index: int, key: str) -> Location:
    return Location(file, field=f"windows[{index}].{key}")


def _csv_rows(text: str, file: str) -> list[tuple[Where, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        header = next(reader, None)
        if header is None:
            return []
        names = [_column(name.strip(), file) for name in header]
        repeated = next((name for n, name in enumerate(names) if name in names[:n]), None)
        if repeated is not None:
            raise CheckFailed(f"column {repeated!r} appears twice in the header", Location(file, 1))
        for record in reader:
            if not record:
                continue  # a blank line
            line = reader.line_num
            if len(record) != len(names):
                raise CheckFailed(f"{len(record)} fields where the header has {len(names)}", Location(file, line))
            rows.append((partial(_csv_field, file, line), dict(zip(names, record, strict=True))))
    except csv.Error as exc:  # a field past the csv module's limit (131,072 characters), a NUL byte
        raise CheckFailed(f"not CSV: {exc}", Location(file, reader.line_num)) from None
    return rows


def _csv_field(file: str, line: int, key: str) -> Location:
    return Location(file, line, field=key)


def _column(name: str, file: str) -> str:
    return column_name(name, Location(file))


def column_name(name: Any, where: Location) -> str:
    """A column (feature) name fit for issue titles, hidden markers and tables: short, printable, no markup."""
    text = str(name)
    if not text or len(text) > MAX_NAME or not text.isprintable() or any(c in text for c in "<>|`"):
        raise CheckFailed(
            f"column {text[:40]!r} must be 1 to {MAX_NAME} printable characters without < > | or `", where
        )
    return text


def _moment(stamp: Any, where: Location) -> dt.datetime:
    if stamp is None or stamp == "":
        raise CheckFailed("every window needs a timestamp (ISO 8601)", where)
    if not isinstance(stamp, str):
        raise CheckFailed(f"timestamp {_shown(stamp)} is not ISO 8601 text", where)
    try:
        return dt.datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        raise CheckFailed(f"timestamp {stamp[:40]!r} is not ISO 8601", where) from None


def _number(raw: Any, where: Where, key: str) -> float | None:
    """A finite float, or None for an empty cell or a JSON null (a value the window does not have)."""
    if isinstance(raw, float) and math.isfinite(raw):  # JSON numbers (integers are read as floats)
        return raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise CheckFailed(f"{_shown(raw)} is not a number", where(key))
    try:
        number = float(raw)
    except (ValueError, OverflowError):
        raise CheckFailed(f"{_shown(raw)} is not a number", where(key)) from None
    if not math.isfinite(number):
        raise CheckFailed(f"{_shown(raw)} is not a finite number", where(key))
    return number


def _shown(raw: Any) -> str:
    """A value for an error message: a short repr of text or a number, the JSON kind of anything else."""
    if isinstance(raw, str):
        return repr(raw[:40]) + ("…" if len(raw) > 40 else "")
    if isinstance(raw, bool):
        return f"JSON {str(raw).lower()}"
    if isinstance(raw, int | float):
        return repr(raw)
    return "a JSON " + ("array" if isinstance(raw, list) else "object")


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
    columns = set().union(*(w.values for w in windows), *(w.absent for w in windows))
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
