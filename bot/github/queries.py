"""The GraphQL documents the bot sends, kept as `.graphql` files so tests can validate each one.

Shared fragments live in `queries/fragments/`; `load` appends the ones a document spreads (and the
ones those spread), so every document sent is complete on its own.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

QUERY_DIR = Path(__file__).parent / "queries"
FRAGMENT_DIR = QUERY_DIR / "fragments"
_OPERATION = re.compile(r"^\s*(query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)
_SPREAD = re.compile(r"\.\.\.\s*([_A-Za-z][_0-9A-Za-z]*)")


@cache
def fragments() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(FRAGMENT_DIR.glob("*.graphql"))}


def with_fragments(document: str) -> str:
    """The document followed by every shared fragment it needs, each once."""
    needed: list[str] = []
    pending = [name for name in _SPREAD.findall(document) if name in fragments()]
    while pending:
        name = pending.pop(0)
        if name not in needed:
            needed.append(name)
            pending += [n for n in _SPREAD.findall(fragments()[name]) if n in fragments()]
    return "\n".join([document, *(fragments()[name] for name in needed)])


@cache
def load(name: str) -> str:
    """The document `queries/<name>.graphql`, with its fragments."""
    return with_fragments((QUERY_DIR / f"{name}.graphql").read_text(encoding="utf-8"))


def all_documents() -> dict[str, str]:
    return {path.stem: load(path.stem) for path in sorted(QUERY_DIR.glob("*.graphql"))}


def operation_name(document: str) -> str | None:
    match = _OPERATION.search(document)
    return match.group(2) if match else None


def is_mutation(document: str) -> bool:
    match = _OPERATION.search(document)
    return bool(match) and match.group(1) == "mutation"
