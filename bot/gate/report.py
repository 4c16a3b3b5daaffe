"""The gate's result as Markdown: one table for the job summary and the optional PR comment."""

from __future__ import annotations

from bot.gate.rules import GateResult
from bot.summary import escape_cell


def render_table(result: GateResult) -> str:
    rows = ["| Check | Result | Detail |", "|---|---|---|"]
    rows += [f"| {escape_cell(r.check)} | {'✅' if r.ok else '❌'} | {escape_cell(r.detail)} |" for r in result.rows]
    if result.checklist:
        rows += ["", "| Required item | Status | Note |", "|---|---|---|"]
        rows += [
            f"| {escape_cell(i.item)} | {i.status} | {escape_cell(i.note or '')} |" for i in result.checklist.items
        ]
    return "\n".join(rows)
