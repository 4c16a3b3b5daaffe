"""A comment's slash commands -> label changes on its issue, answered in the bot's comment."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.comments import MARKER_PREFIX, update_sections
from bot.config import Config
from bot.events import ActionsEvent
from bot.github.client import Clients
from bot.records import slash_commands as commands
from bot.triage.common import RECORD_KEY, event_issue, event_labels


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
    clients = connect()
    identity = clients.rest.viewer_login()
    if login == identity:
        return {"message": "my own comment: ignored"}
    issue = event_issue(clients, event)
    association = comment.get("author_association", "NONE")
    if association not in config.commands.allowed_associations:
        reply = (
            f"Sorry, {commands.safe_code(login, 40)}: commands are open to "
            f"{', '.join(a.lower() for a in config.commands.allowed_associations)} of this repository, "
            "so nothing was changed."
        )
        update_sections(issue, RECORD_KEY, identity, {"2-commands": reply})
        return {"message": f"refused: {login} is {association}", "applied": []}
    labels = event_labels(event)
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
