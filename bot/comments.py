"""The bot's own comments: found again by a hidden marker, edited in place, never duplicated.

A marker is only trusted in a comment the bot's own account wrote, so a person who pastes one
into their comment never gets it rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
    text = with_marker(key, body)
    tag = marker(key)
    for comment in issue.get_comments():
        if comment.user.login == identity and comment.body.startswith(tag):
            if comment.body == text:
                return CommentOutcome("unchanged", comment.id, comment.html_url)
            comment.edit(text)
            return CommentOutcome("updated", comment.id, comment.html_url)
    created = issue.create_comment(text)
    return CommentOutcome("created", created.id, created.html_url)
