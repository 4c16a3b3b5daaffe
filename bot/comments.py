"""The bot's own comments: found again by a hidden marker, edited in place, never duplicated.

A marker is only trusted in a comment the bot's own account wrote, so a person who pastes one
into their comment never gets it rewritten. When the answer to creating a comment is lost, the
marker is looked for again before a second one is made.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

from bot.github.writes import create_once

MARKER_PREFIX = "<!-- mlops-bot:"


def marker(key: str) -> str:
    return f"{MARKER_PREFIX}{key} -->"


def with_marker(key: str, body: str) -> str:
    return f"{marker(key)}\n{body.rstrip()}\n"


@dataclass(frozen=True)
class CommentOutcome:
    action: str  # created, updated, unchanged
    comment_id: int
    url: str | None


def upsert_comment(issue: Any, key: str, body: str, identity: str) -> CommentOutcome:
    """Create the bot's `key` comment on a PyGithub issue, or edit it if its text changed."""
    return _write(issue, _own_comment(issue, key, identity), with_marker(key, body), key=key, identity=identity)


def _own_comment(issue: Any, key: str, identity: str) -> Any | None:
    """The bot's `key` comment: its marker, written by the bot's own account."""
    tag = marker(key)
    return next((c for c in issue.get_comments() if c.user.login == identity and c.body.startswith(tag)), None)


def _write(issue: Any, comment: Any | None, text: str, *, key: str, identity: str) -> CommentOutcome:
    if comment is None:
        # A lost answer may hide a comment GitHub made: it is read back before a second try.
        created = create_once(
            issue,
            lambda: issue.create_comment(text),
            lambda: _own_comment(issue, key, identity),
            what=f"the {key} comment",
        )
        if created.body != text:  # found on read-back, written by a run that raced this one
            created.edit(text)
        return CommentOutcome("created", created.id, created.html_url)
    if comment.body == text:
        return CommentOutcome("unchanged", comment.id, comment.html_url)
    comment.edit(text)
    return CommentOutcome("updated", comment.id, comment.html_url)


# ---- a comment made of named sections, each feature owning one -------------------------------------
_STATE = re.compile(r"<!-- mlops-bot-state:([A-Za-z0-9+/=]*) -->\s*$")


def render_sections(key: str, sections: dict[str, str]) -> str:
    """The comment text: the visible sections in order, then their sources in a hidden state line."""
    visible = "\n\n---\n\n".join(text.strip() for _, text in sorted(sections.items()) if text.strip())
    state = base64.b64encode(json.dumps(sections, sort_keys=True).encode()).decode()
    return with_marker(key, f"{visible}\n\n<!-- mlops-bot-state:{state} -->")


def read_sections(body: str) -> dict[str, str]:
    match = _STATE.search(body or "")
    if not match:
        return {}
    try:
        data = json.loads(base64.b64decode(match.group(1)))
    except (ValueError, TypeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def update_sections(issue: Any, key: str, identity: str, changes: dict[str, str]) -> CommentOutcome:
    """Set some sections of the bot's `key` comment, keeping the others; create it if needed."""
    comment = _own_comment(issue, key, identity)
    sections = read_sections(comment.body) if comment is not None else {}
    return _write(issue, comment, render_sections(key, {**sections, **changes}), key=key, identity=identity)
