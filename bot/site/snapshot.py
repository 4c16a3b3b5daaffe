"""Issues -> the snapshot the site is built from (pure), and reading and writing it (the edges)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from bot import __version__
from bot.board.plan import target_column
from bot.config import Config
from bot.errors import CheckFailed, Location
from bot.files import replace_file
from bot.github.queries import load
from bot.records.forms import forms
from bot.records.issue import read_issue
from bot.schemas import load_schema


def issue_entry(raw: dict[str, Any], config: Config) -> dict[str, Any]:
    """One issue (as GraphQL returns it, flattened) -> its snapshot entry, record parsed."""
    labels = list(raw["labels"])
    issue = read_issue(raw.get("body"), labels, closed=raw["state"] == "closed")
    form, record = issue.form, issue.record
    return {
        "repository": raw["repository"],
        "number": raw["number"],
        "title": raw["title"],
        "url": raw["url"],
        "state": raw["state"],
        "labels": labels,
        "milestone": raw.get("milestone"),
        "author": raw.get("author"),
        "assignees": list(raw.get("assignees") or []),
        "created_at": raw["created_at"],
        "updated_at": raw["updated_at"],
        "closed_at": raw.get("closed_at"),
        "kind": form.kind if form else None,
        "column": target_column(labels, raw["state"], config.board).column,
        "stage": issue.stage,
        "record": None
        if record is None
        else {
            "fields": record.fields,
            "extra_sections": record.extra_sections,
            "problems": [f"{p.label}: {p.message}" for p in record.problems],
        },
    }


def merge(
    previous: dict[str, Any] | None,
    fresh: list[dict[str, Any]],
    repositories: list[str],
    generated_at: str,
    server_url: str,
) -> dict[str, Any]:
    """The previous snapshot with every fresh entry replacing its older self; issues of repositories no
    longer configured drop out."""
    keep = {name.lower() for name in repositories}
    entries = {
        (e["repository"].lower(), e["number"]): e
        for e in (previous or {}).get("issues", [])
        if e["repository"].lower() in keep
    }
    for entry in fresh:
        entries[(entry["repository"].lower(), entry["number"])] = entry
    return assemble(list(entries.values()), repositories, generated_at, server_url)


def assemble(
    entries: list[dict[str, Any]],
    repositories: list[str],
    generated_at: str,
    server_url: str,
    basis: str | None = None,
) -> dict[str, Any]:
    """A snapshot of `entries`, in a stable order (so an unchanged GitHub gives an unchanged file)."""
    snapshot = {
        "version": 1,
        "generated_at": generated_at,
        "server_url": server_url,
        "repositories": repositories,
        "issues": sorted(entries, key=lambda e: (e["repository"].lower(), e["number"])),
    }
    return {**snapshot, "basis": basis} if basis else snapshot


def snapshot_basis(config: Config, server_url: str) -> str:
    """A digest of everything an entry is derived from besides the issue itself: a snapshot taken with
    another basis (other labels, columns, forms, fields read, bot version or server) must be read again in full."""
    board = config.board
    derived_from = {
        "server": server_url,
        "bot": __version__,
        "columns": [[c.name, list(c.labels)] for c in board.columns],
        "closed_column": board.closed_column,
        "precedence": list(board.label_precedence),
        "forms": repr(sorted(forms().items())),
        "fields_read": load("SnapshotIssues"),  # a bot that reads more of each issue reads them all again
    }
    return hashlib.sha256(json.dumps(derived_from, sort_keys=True).encode()).hexdigest()[:16]


def issues_digest(issues: list[dict[str, Any]]) -> str:
    """A digest of the issues as written: a snapshot whose digest still matches was validated when written."""
    return hashlib.sha256(json.dumps(issues, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def validate_snapshot(data: Any, file: str) -> None:
    errors = sorted(Draft202012Validator(load_schema("snapshot")).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path)
        raise CheckFailed(
            f"{errors[0].message} (and {len(errors) - 1} more)" if len(errors) > 1 else errors[0].message,
            Location(file, field=where or None),
        )


def read_snapshot(path: str | Path) -> dict[str, Any] | None:
    path = Path(path)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CheckFailed(f"not a snapshot: {exc}", Location(str(path))) from None
    except RecursionError:  # JSON nested thousands deep
        raise CheckFailed("not a snapshot: nested too deeply", Location(str(path))) from None
    if (
        isinstance(data, dict)
        and isinstance(data.get("issues"), list)
        and data.get("digest") == issues_digest(data["issues"])
    ):
        validate_snapshot({**data, "issues": []}, str(path))  # unchanged since a validated write: the envelope
    else:
        validate_snapshot(data, str(path))
    return data


def write_snapshot(path: str | Path, data: dict[str, Any]) -> None:
    validate_snapshot(data, str(path))
    data = {**data, "digest": issues_digest(data["issues"])}
    replace_file(Path(path), (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
