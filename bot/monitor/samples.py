"""Reading what monitoring is given: report files, and feature samples as CSV or Parquet."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from bot.errors import CheckFailed, Location, UsageError
from bot.extras import require


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read: {exc}", Location(path)) from None


def read_sample(path: str) -> dict[str, list[Any]]:
    """A sample's columns: `{column: values}`, from CSV (strings) or Parquet (typed)."""
    if path.endswith(".parquet"):
        require("parquet")
        import pyarrow.parquet as parquet

        try:
            return parquet.read_table(path).to_pydict()
        except (OSError, ValueError) as exc:
            raise CheckFailed(f"not a Parquet file: {exc}", Location(path)) from None
    rows = list(csv.DictReader(io.StringIO(read_text(path))))
    if not rows:
        raise CheckFailed("the sample has no rows", Location(path))
    return {column: [row[column] for row in rows] for column in rows[0]}


def read_sample_pair(baseline_path: str, current_path: str) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """Both samples, which must have the same columns."""
    baseline, current = read_sample(baseline_path), read_sample(current_path)
    if set(baseline) != set(current):
        only_base = sorted(set(baseline) - set(current))
        only_now = sorted(set(current) - set(baseline))
        raise CheckFailed(
            f"the samples have different columns: only in the baseline {only_base or '-'}, "
            f"only in the current sample {only_now or '-'}",
            Location(current_path),
        )
    return baseline, current
