"""The GitHub Actions context (event name, payload file) -> a typed event."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.errors import Location, UsageError


@dataclass(frozen=True)
class ActionsEvent:
    name: str  # issues, issue_comment, pull_request_target, schedule, ...
    action: str | None
    payload: dict[str, Any]

    @property
    def repository(self) -> str | None:
        return (self.payload.get("repository") or {}).get("full_name")

    @property
    def issue(self) -> dict[str, Any]:
        return self.payload.get("issue") or {}

    @property
    def sender(self) -> dict[str, Any]:
        return self.payload.get("sender") or {}


def load_event(
    name: str | None = None,
    path: str | None = None,
    environ: dict[str, str] | None = None,
    *,
    hint: str | None = None,
) -> ActionsEvent:
    """Read the event the workflow runs under, from arguments or GITHUB_EVENT_NAME / GITHUB_EVENT_PATH.

    `hint` names the calling command's own alternative to an event (e.g. "or use --all")."""
    environ = os.environ if environ is None else environ
    name = name or environ.get("GITHUB_EVENT_NAME")
    path = path or environ.get("GITHUB_EVENT_PATH")
    if not name or not path:
        raise UsageError(
            "no event: set GITHUB_EVENT_NAME and GITHUB_EVENT_PATH (as GitHub Actions does), "
            "or pass --event-name and --event-path" + (f", {hint}" if hint else "")
        )
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError("event payload file not found", Location(path)) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"event payload is not JSON: {exc}", Location(path)) from None
    if not isinstance(payload, dict):
        raise UsageError("event payload is not a JSON object", Location(path))
    action = payload.get("action")
    return ActionsEvent(name, action if isinstance(action, str) else None, payload)
