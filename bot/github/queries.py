"""The GraphQL documents the bot sends, kept as `.graphql` files so tests can validate each one."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERY_DIR = Path(__file__).parent / "queries"
_OPERATION = re.compile(r"^\s*(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)


@cache
def load(name: str) -> str:
    """The document `queries/<name>.graphql`."""
    return (QUERY_DIR / f"{name}.graphql").read_text(encoding="utf-8")


def all_documents() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(QUERY_DIR.glob("*.graphql"))}


def operation_name(document: str) -> str | None:
    match = _OPERATION.search(document)
    return match.group(2) if match else None


def is_mutation(document: str) -> bool:
    match = _OPERATION.search(document)
    return bool(match) and match.group(1) == "mutation"
