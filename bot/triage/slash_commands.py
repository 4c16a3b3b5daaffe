"""A comment's slash commands -> label changes on its issue, answered in the bot's comment.

- Commands act on the issue's labels as they are when the command runs (read from GitHub), never on
  the copy in the event, which may be minutes old when the job starts.
- A command runs once, when its comment is written. Editing a comment never runs it again: an old
  `/outcome promote` edited months later must not undo what later commands recorded. When an edit
  changes the commands, the bot says so and asks for a new comment.
- Pull requests are not records: commands there change nothing and get a one-line answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.comments import MARKER_PREFIX, update_sections
from bot.config import Config
from bot.events import ActionsEvent
from bot.github.client import Clients
from bot.github.writes import add_labels, remove_label
from bot.records import slash_commands as commands
from bot.triage.common import RECORD_KEY, event_issue

SECTION = "2-commands"
ON_PULL_REQUEST = "Commands act on issues only: nothing was changed on this pull request."


def run_commands(event: ActionsEvent, config: Config, connect: Callable[[], Clients]) -> dict[str, Any]:
    """Run the slash commands of the event's comment, if its author may, and answer in the bot's comment."""
    comment = event.payload.get("comment") or {}
    author = comment.get("user") or {}
    login = str(author.get("login", ""))
    body = comment.get("body") or ""
    if author.get("type") == "Bot" or login.endswith("[bot]") or body.startswith(MARKER_PREFIX):
        return {"message": f"comment by {login or 'a bot'}: ignored (bots never command the bot)"}
    found = commands.find_commands(body)
    if not found:
        return {"message": "no command in the comment"}
    allowed = comment.get("author_association", "NONE") in config.commands.allowed_associations
    if event.issue.get("pull_request") is not None:
        if not allowed or not any(c.name in commands.KNOWN for c in found):
            return {"message": "a pull request: commands ignored", "applied": []}
        return _answer(event, connect, login, ON_PULL_REQUEST, "a pull request: commands ignored")
    if event.action == "edited":
        return _edited(event, connect, login, found, allowed)
    if not allowed:
        reply = (
            f"Sorry, {commands.safe_code(login, 40)}: commands are open to "
            f"{', '.join(a.lower() for a in config.commands.allowed_associations)} of this repository, "
            "so nothing was changed."
        )
        refused = f"refused: {login} is {comment.get('author_association', 'NONE')}"
        return {**_answer(event, connect, login, reply, refused), "applied": []}
    clients = connect()
    identity = clients.rest.viewer_login()
    if login == identity:
        return {"message": "my own comment: ignored"}
    issue = event_issue(clients, event)
    labels = tuple(label.name for label in issue.get_labels())  # as they are now, not as the event saw them
    replies, adds, removes = [], [], []
    for command in found:
        outcome = commands.apply(command, labels)
        replies.append(outcome.reply)
        labels = tuple(label for label in labels if label not in outcome.remove) + outcome.add
        adds += [label for label in outcome.add if label not in adds]
        removes += [label for label in outcome.remove if label not in removes]
    final = set(labels)
    add_labels(issue, [label for label in adds if label in final])
    for label in removes:
        if label not in final:
            remove_label(issue, label)
    reply = "\n\n".join([f"**Commands from {commands.safe_code(login, 40)}**", *replies])
    update_sections(issue, RECORD_KEY, identity, {SECTION: reply})
    return {"message": "\n".join(replies), "applied": [c.name for c in found], "labels": sorted(final)}


def _edited(
    event: ActionsEvent,
    connect: Callable[[], Clients],
    login: str,
    found: list[commands.Command],
    allowed: bool,
) -> dict[str, Any]:
    """An edited comment: never run again; if the edit changed its commands, say how to run them."""
    previous = ((event.payload.get("changes") or {}).get("body") or {}).get("from")
    before = [(c.name, c.argument) for c in commands.find_commands(previous)] if isinstance(previous, str) else None
    unchanged = before is None or before == [(c.name, c.argument) for c in found]
    message = "an edited comment: commands run only when a comment is written, so nothing was changed"
    if unchanged or not allowed:
        return {"message": message, "applied": []}
    reply = (
        f"{commands.safe_code(login, 40)} edited a comment's commands. Commands run once, when a comment "
        "is written, so nothing was changed: write the command in a new comment."
    )
    return {**_answer(event, connect, login, reply, message), "applied": []}


def _answer(
    event: ActionsEvent, connect: Callable[[], Clients], login: str, reply: str, message: str
) -> dict[str, Any]:
    """Only the bot's answer, in its one comment on the issue or pull request; no label changes."""
    clients = connect()
    identity = clients.rest.viewer_login()
    if login == identity:
        return {"message": "my own comment: ignored"}
    update_sections(event_issue(clients, event), RECORD_KEY, identity, {SECTION: reply})
    return {"message": message}
