"""An issue written from a form -> its record checked, and one bot comment on what is missing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.comments import update_sections
from bot.events import ActionsEvent
from bot.github.client import Clients
from bot.records.forms import Form, IssueRecord
from bot.records.issue import read_issue
from bot.records.slash_commands import safe_code
from bot.summary import escape_cell
from bot.triage.common import RECORD_KEY, event_issue, event_labels


def check_record(event: ActionsEvent, connect: Callable[[], Clients]) -> dict[str, Any]:
    """Read the event's issue as a record of its form and keep the bot's comment on what is missing."""
    read = read_issue(event.issue.get("body"), event_labels(event), closed=event.issue.get("state") == "closed")
    if read.form is None or read.record is None:
        return {"message": "not an issue written from one of the forms: nothing to check"}
    form, record, stage = read.form, read.record, read.stage
    clients = connect()
    outcome = update_sections(
        event_issue(clients, event),
        RECORD_KEY,
        clients.rest.viewer_login(),
        {"1-record": render_record(form, record, stage)},
    )
    problems = [f"{p.label}: {p.message}" for p in record.problems]
    return {
        "message": "\n".join([*problems, f"{form.name} record: {len(problems)} problem(s); comment {outcome.action}"]),
        "kind": form.kind,
        "stage": stage,
        "fields": record.fields,
        "extra_sections": record.extra_sections,
        "problems": [{"field": p.field, "label": p.label, "message": p.message} for p in record.problems],
        "comment": outcome.action,
    }


MAX_ROWS = 25  # problems listed in the comment; the rest are counted
MAX_CELL = 300  # characters of a label or message in the table


def render_record(form: Form, record: IssueRecord, stage: str | None) -> str:
    """The record section of the bot's comment: what to fix, summarised so that it stays short however
    much is wrong (a few thousand characters at most, far inside GitHub's limit on a comment)."""
    title = f"**{form.name} record**" + (f" · stage: {stage}" if stage else "")
    if record.valid:
        lines = [title, "", "Everything the form asks for is filled in."]
    else:
        count = len(record.problems)
        lines = [
            title,
            "",
            f"{count} field{'s' if count > 1 else ''} need{'' if count > 1 else 's'} attention:",
            "",
            "| Field | What to fix |",
            "|---|---|",
        ]
        lines += [f"| {_cell(p.label)} | {_cell(p.message)} |" for p in record.problems[:MAX_ROWS]]
        if count > MAX_ROWS:
            lines += ["", f"…and {count - MAX_ROWS} more, not listed here."]
    if record.extra_sections:
        headings = list(record.extra_sections)
        kept = ", ".join(safe_code(h, 80) for h in headings[:10])  # in code: an @mention there pings no one
        more = f" and {len(headings) - 10} more" if len(headings) > 10 else ""
        lines += ["", f"Kept as written, outside the form: {kept}{more}."]
    lines += ["", "_Edit the issue to update this check; comment `/help` for commands._"]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text for a table cell, escaped, then cut (escaping can make it five times longer) where no `&lt;`
    or `\\|` is split in two."""
    escaped = escape_cell(text)
    if len(escaped) <= MAX_CELL:
        return escaped
    head = escaped[: MAX_CELL - 1]
    entity = head.rfind("&")
    if entity >= len(head) - 5 and ";" not in head[entity:]:
        head = head[:entity]
    return head.removesuffix("\\") + "…"
