"""Reading what monitoring is given: report files, and feature samples as CSV or Parquet."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from bot.errors import CheckFailed, Location, UsageError
from bot.extras import require
from bot.monitor.checks import column_name


def read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read: {exc}", Location(path)) from None


def read_sample(path: str) -> dict[str, list[Any]]:
    """A sample's columns: `{column: values}`, from CSV (strings; an empty cell is None, a missing value)
    or Parquet (typed; nulls are None)."""
    columns = _read_parquet(path) if path.endswith(".parquet") else _read_csv(path)
    return {column_name(name, Location(path, field=str(name)[:40])): values for name, values in columns.items()}


def _read_csv(path: str) -> dict[str, list[Any]]:
    reader = csv.reader(io.StringIO(read_text(path)))
    try:
        header = next(reader, None) or []
        names = [name.strip() for name in header]
        repeated = next((name for n, name in enumerate(names) if name in names[:n]), None)
        if repeated is not None:
            raise CheckFailed(f"column {repeated[:40]!r} appears twice in the header", Location(path, 1))
        columns: list[list[Any]] = [[] for _ in names]
        for record in reader:
            if not record:
                continue  # a blank line
            if len(record) != len(names):
                raise CheckFailed(
                    f"{len(record)} fields where the header has {len(names)}", Location(path, reader.line_num)
                )
            for values, cell in zip(columns, record, strict=True):
                values.append(cell if cell.strip() else None)
    except csv.Error as exc:  # a field past the csv module's limit (131,072 characters), a NUL byte
        raise CheckFailed(f"not CSV: {exc}", Location(path, reader.line_num)) from None
    if not columns or not columns[0]:
        raise CheckFailed("the sample has no rows", Location(path))
    return dict(zip(names, columns, strict=True))


def _read_parquet(path: str) -> dict[str, list[Any]]:
    require("parquet")
    import pyarrow
    import pyarrow.parquet as parquet

    try:
        return parquet.read_table(path).to_pydict()
    except (OSError, ValueError, pyarrow.ArrowException) as exc:  # ArrowException: every error pyarrow raises
        raise CheckFailed(f"not a Parquet file this bot can read: {str(exc)[:200]}", Location(path)) from None


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
