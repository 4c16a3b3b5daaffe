"""A sync run's report for people: the command's text and the job summary's Markdown."""

from __future__ import annotations

from bot.board.sync import SyncReport
from bot.summary import escape_cell


def render_text(report: SyncReport, requests: int, mutations: int) -> str:
    lines = [f"board: {report.board}"] if report.board else []
    if report.skipped:
        lines.append(f"nothing to do: {report.skipped}")
    verb = "planned" if report.dry_run else "applied"
    lines += [("[dry run] " if report.dry_run else "") + action.describe() for action in report.actions]
    lines += [f"WIP limit exceeded in {w.column}: {w.count} items, limit {w.limit}" for w in report.wip]
    lines += report.comments
    if report.mode == "all":
        lines.append(f"{report.issues_seen} labelled issue(s) checked")
    lines.append(f"{len(report.actions)} change(s) {verb}; {requests} request(s), {mutations} mutation request(s)")
    return "\n".join(lines)


def render_summary(report: SyncReport) -> str:
    title = "Board sync" + (" (dry run)" if report.dry_run else "")
    parts = [f"### {title}", ""]
    if report.board:
        parts.append(f"Board: {escape_cell(report.board)}\n")
    if report.skipped:
        parts.append(f"Nothing to do: {escape_cell(report.skipped)}")
    if report.actions:
        parts += ["| Issue | Change | Column | Why |", "|---|---|---|---|"]
        parts += [
            f"| {escape_cell(a.issue.ref)} | {a.kind.replace('_', ' ')} | {escape_cell(a.column or '')} | "
            f"{escape_cell(a.reason)} |"
            for a in report.actions
        ]
    elif not report.skipped:
        parts.append("The board was already in step: nothing changed.")
    for overflow in report.wip:
        parts.append(
            f"\n> **WIP limit exceeded** in {escape_cell(overflow.column)}: "
            f"{overflow.count} items against a limit of {overflow.limit}."
        )
    return "\n".join(parts)
