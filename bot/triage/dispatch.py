"""Which triage step an Actions event (or the scheduled run) asks for."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.config import Config
from bot.events import ActionsEvent
from bot.github.client import Clients
from bot.triage.record_check import check_record
from bot.triage.reminders import remind
from bot.triage.slash_commands import run_commands


def triage(
    event: ActionsEvent | None, config: Config, connect: Callable[[], Clients] = Clients.from_env
) -> dict[str, Any]:
    """The result of the step the event asks for, with a one-line `message`; no event: the reminders."""
    if event is None or event.name in ("schedule", "workflow_dispatch"):
        done = remind(config, connect())
        return {"reminded": done, "message": "\n".join([f"reminded {ref}" for ref in done] or ["no spike is overdue"])}
    if event.name == "issues" and event.action in ("opened", "edited", "reopened"):
        return check_record(event, connect)
    if event.name == "issue_comment" and event.action in ("created", "edited"):
        return run_commands(event, config, connect)
    return {"message": f"{event.name}.{event.action or '-'}: nothing to do"}
