"""What the triage steps share: the keys of the bot's comments and the issue an event is about."""

from __future__ import annotations

from typing import Any

from bot.errors import UsageError
from bot.events import ActionsEvent
from bot.github.client import Clients

RECORD_KEY = "record"  # the bot's one comment per issue: the record check, then command answers


def event_issue(clients: Clients, event: ActionsEvent) -> Any:
    if not event.repository or not event.issue.get("number"):
        raise UsageError("the event payload names no repository or issue")
    return clients.rest.rest.get_repo(event.repository).get_issue(event.issue["number"])


def event_labels(event: ActionsEvent) -> tuple[str, ...]:
    return tuple(label.get("name", "") for label in event.issue.get("labels") or [] if isinstance(label, dict))
