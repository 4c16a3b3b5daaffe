"""Drift between a baseline sample and a current one, pure (numpy and scipy).

PSI, numeric features: ten bins at the baseline's deciles (interior edges; the outer bins are open,
so current values outside the baseline's range still count); a bin's share is floored at 0.0001 so an
empty bin contributes a large but finite term. PSI = sum over bins of (current - baseline) x
ln(current / baseline). Categorical features: one bin per category seen in either sample, the same
floor, plus a chi-square test of homogeneity on the counts. Numeric features and scores also get the
two-sample Kolmogorov-Smirnov statistic and p-value.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from bot.errors import CheckFailed

FLOOR = 1e-4
BINS = 10


@dataclass(frozen=True)
class FeatureDrift:
    feature: str
    kind: str  # numeric or categorical
    psi: float
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    chi2_pvalue: float | None = None


def _shares(counts: np.ndarray) -> np.ndarray:
    return np.maximum(counts / counts.sum(), FLOOR)


def psi_from_shares(baseline: np.ndarray, current: np.ndarray) -> float:
    return float(np.sum((current - baseline) * np.log(current / baseline)))


def numeric_psi(baseline: np.ndarray, current: np.ndarray, bins: int = BINS) -> float:
    edges = np.unique(np.quantile(baseline, np.linspace(0, 1, bins + 1)[1:-1]))
    base_counts = np.bincount(np.searchsorted(edges, baseline, side="right"), minlength=len(edges) + 1)
    current_counts = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    return psi_from_shares(_shares(base_counts), _shares(current_counts))


def categorical_psi(baseline: list[str], current: list[str]) -> tuple[float, float]:
    """(PSI over categories, chi-square p-value). Counted in one pass: tens of thousands of categories
    cost no more than a few."""
    base_counter, current_counter = Counter(baseline), Counter(current)
    categories = sorted(base_counter.keys() | current_counter.keys())
    base_counts = np.array([base_counter[c] for c in categories], dtype=float)
    current_counts = np.array([current_counter[c] for c in categories], dtype=float)
    psi = psi_from_shares(_shares(base_counts), _shares(current_counts))
    if len(categories) < 2:
        return psi, 1.0
    table = np.vstack([base_counts, current_counts])
    table = table[:, table.sum(axis=0) > 0]
    return psi, float(stats.chi2_contingency(table).pvalue)


def check_sample(name: str, values: np.ndarray, which: str) -> None:
    if values.size == 0:
        raise CheckFailed(f"{which} sample of {name!r} is empty")
    if values.size < 2:
        raise CheckFailed(f"{which} sample of {name!r} has one value; drift needs at least two")
    bad = int(np.count_nonzero(~np.isfinite(values)))
    if bad:
        raise CheckFailed(f"{which} sample of {name!r} has {bad} missing or infinite value(s)")


def feature_drift(name: str, baseline: list, current: list) -> FeatureDrift:
    """Drift of one feature; numeric when every value present in both samples parses as a number.

    A missing value (None, an empty cell, NaN) is counted and refused as missing: it is never a category,
    and never a number."""
    base, now = _as_numbers(baseline), _as_numbers(current)
    if base is not None and now is not None:
        check_sample(name, base, "baseline")
        check_sample(name, now, "current")
        with np.errstate(all="ignore"):  # values near the float limit: refused below, not warned about
            spread = np.ptp(base)
            if spread == 0:
                raise CheckFailed(f"baseline sample of {name!r} has a single value; PSI needs spread to bin")
            psi = numeric_psi(base, now)
            ks = stats.ks_2samp(base, now)
        if not (np.isfinite(spread) and np.isfinite(psi)):
            raise CheckFailed(f"the values of {name!r} span more than a float can hold; rescale them")
        return FeatureDrift(name, "numeric", psi, float(ks.statistic), float(ks.pvalue))
    base_text, now_text = _categories(baseline), _categories(current)
    for which, sample, raw in (("baseline", base_text, baseline), ("current", now_text, current)):
        if len(sample) < 2:
            raise CheckFailed(f"{which} sample of {name!r} has fewer than two values")
        if len(sample) != len(raw):
            raise CheckFailed(f"{which} sample of {name!r} has {len(raw) - len(sample)} missing value(s)")
    psi, chi2_p = categorical_psi(base_text, now_text)
    return FeatureDrift(name, "categorical", psi, chi2_pvalue=chi2_p)


def _is_missing(value: Any) -> bool:
    return (
        value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value)
    )


def _categories(values: list) -> list[str]:
    """The values present, as text (a missing value is left out, so it is never the category "None")."""
    return [str(v) for v in values if not _is_missing(v)]


def _as_numbers(values: list) -> np.ndarray | None:
    """The values as floats (a missing one as NaN), or None when one present value is not a number."""
    try:
        return np.array([np.nan if _is_missing(v) else float(v) for v in values], dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None
