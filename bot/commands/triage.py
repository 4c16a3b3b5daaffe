"""`mlops-bot triage`: answers people in issues.

- issues opened, edited or reopened: reads the body as a record of its form and keeps one bot
  comment that lists what is missing or invalid (or says all is well), edited in place;
- issue comments: runs slash commands from allowed authors, answering in that same comment;
- `--reminders` (the scheduled run): one reminder on each research spike past its time box.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import Any

from bot.cli import add_format, emit
from bot.comments import MARKER_PREFIX, update_sections, upsert_comment
from bot.config import Config, load_config
from bot.errors import EXIT_OK, ConfigError, UsageError
from bot.events import ActionsEvent, load_event
from bot.github.client import Clients
from bot.records import commands
from bot.records.forms import Form, IssueRecord, experiment_stage, form_for_labels, forms, read_record
from bot.summary import escape_cell

RECORD_KEY = "record"
REMINDER_KEY = "timebox-reminder"
EXPIRED_LABEL = "timebox-expired"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reminders", action="store_true", help="remind research spikes past their time box")
    parser.add_argument("--event-name", help="default: GITHUB_EVENT_NAME")
    parser.add_argument("--event-path", help="default: GITHUB_EVENT_PATH")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if args.reminders:
        done = remind(config, Clients.from_env())
        emit(args, {"reminded": done}, "\n".join([f"reminded {ref}" for ref in done] or ["no spike is overdue"]))
        return EXIT_OK
    event = load_event(args.event_name, args.event_path)
    if event.name == "issues" and event.action in ("opened", "edited", "reopened"):
        result = check_record(event, Clients.from_env)
    elif event.name == "issue_comment" and event.action in ("created", "edited"):
        result = run_commands(event, config, Clients.from_env)
    elif event.name in ("schedule", "workflow_dispatch"):
        done = remind(config, Clients.from_env())
        result = {"reminded": done, "message": f"{len(done)} reminder(s)"}
    else:
        result = {"message": f"{event.name}.{event.action or '-'}: nothing to do"}
    emit(args, result, result["message"])
    return EXIT_OK


def _issue(clients: Clients, event: ActionsEvent) -> Any:
    if not event.repository or not event.issue.get("number"):
        raise UsageError("the event payload names no repository or issue")
    return clients.rest.rest.get_repo(event.repository).get_issue(event.issue["number"])


def _identity(clients: Clients) -> str:
    return clients.rest.viewer_login()


# ---- records ----------------------------------------------------------------------------------------
def check_record(event: ActionsEvent, connect: Any) -> dict[str, Any]:
    labels = tuple(label.get("name", "") for label in event.issue.get("labels") or [] if isinstance(label, dict))
    form = form_for_labels(labels)
    if form is None:
        return {"message": "not an issue written from one of the forms: nothing to check"}
    record = read_record(event.issue.get("body"), form)
    stage = (
        experiment_stage(record, labels, event.issue.get("state") == "closed") if form.kind == "experiment" else None
    )
    clients = connect()
    outcome = update_sections(
        _issue(clients, event), RECORD_KEY, _identity(clients), {"1-record": render_record(form, record, stage)}
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


def render_record(form: Form, record: IssueRecord, stage: str | None) -> str:
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
        lines += [f"| {escape_cell(p.label)} | {escape_cell(p.message)} |" for p in record.problems]
    if record.extra_sections:
        kept = ", ".join(escape_cell(h)[:80] for h in list(record.extra_sections)[:10])
        lines += ["", f"Kept as written, outside the form: {kept}."]
    lines += ["", "_Edit the issue to update this check; comment `/help` for commands._"]
    return "\n".join(lines)


# ---- slash commands --------------------------------------------------------------------------------
def run_commands(event: ActionsEvent, config: Config, connect: Any) -> dict[str, Any]:
    comment = event.payload.get("comment") or {}
    author = comment.get("user") or {}
    login = str(author.get("login", ""))
    body = comment.get("body") or ""
    if author.get("type") == "Bot" or login.endswith("[bot]") or body.startswith(MARKER_PREFIX):
        return {"message": f"comment by {login or 'a bot'}: ignored (bots never command the bot)"}
    found = commands.find_commands(body)
    if not found:
        return {"message": "no command in the comment"}
    clients = connect()
    identity = _identity(clients)
    if login == identity:
        return {"message": "my own comment: ignored"}
    issue = _issue(clients, event)
    association = comment.get("author_association", "NONE")
    if association not in config.commands["allowed_associations"]:
        reply = (
            f"Sorry, {commands.safe_code(login, 40)}: commands are open to "
            f"{', '.join(a.lower() for a in config.commands['allowed_associations'])} of this repository, "
            "so nothing was changed."
        )
        update_sections(issue, RECORD_KEY, identity, {"2-commands": reply})
        return {"message": f"refused: {login} is {association}", "applied": []}
    labels = tuple(label.get("name", "") for label in event.issue.get("labels") or [] if isinstance(label, dict))
    replies, adds, removes = [], [], []
    for command in found:
        outcome = commands.apply(command, labels)
        replies.append(outcome.reply)
        labels = tuple(label for label in labels if label not in outcome.remove) + outcome.add
        adds += [label for label in outcome.add if label not in adds]
        removes += [label for label in outcome.remove if label not in removes]
    final = set(labels)
    if [label for label in adds if label in final]:
        issue.add_to_labels(*[label for label in adds if label in final])
    for label in removes:
        if label not in final:
            issue.remove_from_labels(label)
    reply = "\n\n".join([f"**Commands from {commands.safe_code(login, 40)}**", *replies])
    update_sections(issue, RECORD_KEY, identity, {"2-commands": reply})
    return {"message": "\n".join(replies), "applied": [c.name for c in found], "labels": sorted(final)}


# ---- time-box reminders ---------------------------------------------------------------------------
def remind(config: Config, clients: Clients, today: dt.datetime | None = None) -> list[str]:
    now = today or dt.datetime.now(dt.UTC)
    spike = forms().get("research-spike")
    if not config.repositories:
        raise ConfigError(
            "no repositories to remind: list them under `repositories` or set GITHUB_REPOSITORY",
            config.locate("repositories"),
        )
    if spike is None:
        return []
    identity = None
    reminded = []
    for name in config.repositories:
        repo = clients.rest.rest.get_repo(name)
        for issue in repo.get_issues(state="open", labels=list(spike.labels)):
            names = [label.name for label in issue.labels]
            if EXPIRED_LABEL in names:
                continue
            days = timebox_days(names, issue.body, spike)
            if days is None or issue.created_at + dt.timedelta(days=days) > now:
                continue
            identity = identity or _identity(clients)
            text = (
                f"**Time box reached.** This spike asked for {days} day{'s' if days != 1 else ''}, "
                f"counted from {issue.created_at:%d %B %Y}. Write down the findings and close it, or give it "
                "more time with `/timebox <days>`."
            )
            upsert_comment(issue, REMINDER_KEY, text, identity)
            issue.add_to_labels(EXPIRED_LABEL)
            reminded.append(f"{name}#{issue.number}")
    return reminded


def timebox_days(labels: list[str], body: str | None, spike: Form) -> int | None:
    for label in labels:
        match = re.fullmatch(r"timebox: (\d+)d", label)
        if match:
            return int(match.group(1))
    value = read_record(body, spike).fields.get("timebox")
    return value if isinstance(value, int) else None
