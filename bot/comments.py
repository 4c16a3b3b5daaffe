"""The bot's own comments: found again by a hidden marker, edited in place, never duplicated, never too long.

A marker is only trusted in a comment the bot's own account wrote, so a person who pastes one
into their comment never gets it rewritten. When the answer to creating a comment is lost, the
marker is looked for again before a second one is made. Every comment the bot writes goes through
`_write`, which holds it to GitHub's limit on a body (`MAX_BODY` characters): past it GitHub refuses
the whole comment and the issue would get nothing, so a longer text is cut with a note saying so.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from bot.github.writes import create_once

MARKER_PREFIX = "<!-- mlops-bot:"
SECTION_PREFIX = "<!-- mlops-bot-section:"
MAX_BODY = 65_536  # GitHub refuses a longer comment or issue body


def marker(key: str) -> str:
    return f"{MARKER_PREFIX}{key} -->"


def with_marker(key: str, body: str) -> str:
    return f"{marker(key)}\n{body.rstrip()}\n"


def body_size(text: str) -> int:
    """Length as GitHub may count it: in UTF-16 code units (an emoji is two), never less than in characters."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def bounded(text: str, limit: int = MAX_BODY) -> str:
    """`text` if it fits in `limit`; else its head, cut at a line break, with a note of what was left out
    (and a code fence closed if the cut fell inside one)."""
    if body_size(text) <= limit:
        return text
    note = f"\n\n_… cut here: {len(text):,} characters in all, more than GitHub shows in one comment._\n"
    budget = limit - body_size(note) - 4  # 4: a closing fence
    if budget < 200:  # too small a space for a note to help: a plain cut
        head = text[: max(limit, 0)]
        return head[: len(head) - (body_size(head) - limit)] if body_size(head) > limit else head
    head = text[:budget]
    head = head[: len(head) - (body_size(head) - budget)] if body_size(head) > budget else head
    line_end = head.rfind("\n", max(len(head) - 2_000, 0))
    head = head[:line_end] if line_end > 0 else head
    fences = sum(1 for line in head.split("\n") if line.lstrip().startswith(("```", "~~~")))
    return head + ("\n```" if fences % 2 else "") + note


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
    """The one place a comment of the bot's is created or edited."""
    text = bounded(text)
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
# Each section follows a hidden line naming it, so the comment holds its sections once (it used to carry a
# base64 copy of them all as well, which doubled its length). Sections are separated by a rule.
_SEPARATOR = "\n\n---\n\n"
_LEGACY_STATE = "<!-- mlops-bot-state:"  # how comments written before sections were named kept them


def render_sections(key: str, sections: dict[str, str]) -> str:
    """The comment text: each non-empty section in name order under its hidden name line, all of them
    within MAX_BODY (the longest sections are cut first, each with a note)."""
    shown = {name: _guarded(text.strip()) for name, text in sorted(sections.items()) if text.strip()}
    heads = {name: f"{SECTION_PREFIX}{name} -->\n" for name in shown}
    overhead = body_size(with_marker(key, "")) + sum(map(body_size, heads.values()))
    overhead += body_size(_SEPARATOR) * max(len(shown) - 1, 0)
    fitted = _fit(shown, MAX_BODY - overhead)
    return with_marker(key, _SEPARATOR.join(heads[name] + text for name, text in fitted.items()))


def _guarded(text: str) -> str:
    """A section's text with no line that could be read as a section's name line."""
    if SECTION_PREFIX not in text:
        return text
    return "\n".join(f" {line}" if line.startswith(SECTION_PREFIX) else line for line in text.split("\n"))


def _fit(sections: dict[str, str], budget: int) -> dict[str, str]:
    """Cut the longest sections to one common size, as large as lets them all fit in `budget`."""
    sizes = {name: body_size(text) for name, text in sections.items()}
    if sum(sizes.values()) <= budget:
        return sections
    cap, left, remaining = 0, max(budget, 0), len(sizes)
    for size in sorted(sizes.values()):
        if size * remaining > left:
            cap = left // remaining
            break
        left -= size
        remaining -= 1
    return {name: bounded(text, cap) if sizes[name] > cap else text for name, text in sections.items()}


def read_sections(body: str) -> dict[str, str]:
    """The sections of a comment `render_sections` wrote (or of one in the older base64 form)."""
    body = body or ""
    if SECTION_PREFIX not in body:
        return _legacy_sections(body)
    sections: dict[str, str] = {}
    name: str | None = None
    lines: list[str] = []
    for line in [*body.split("\n"), None]:
        if line is None or (line.startswith(SECTION_PREFIX) and line.rstrip().endswith(" -->")):
            if name is not None:
                text = "\n".join(lines).strip()
                if line is not None and text.endswith(_SEPARATOR.strip()):  # a rule before the next section
                    text = text.removesuffix(_SEPARATOR.strip()).strip()
                sections.setdefault(name, text)
            if line is not None:
                name, lines = line.rstrip().removeprefix(SECTION_PREFIX).removesuffix(" -->"), []
        elif name is not None:
            lines.append(line)
    return sections


def _legacy_sections(body: str) -> dict[str, str]:
    start = body.rfind(_LEGACY_STATE)
    if start < 0:
        return {}
    payload = body[start + len(_LEGACY_STATE) :].partition(" -->")[0]
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
    except (ValueError, RecursionError):  # binascii.Error and UnicodeDecodeError are ValueErrors
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def update_sections(issue: Any, key: str, identity: str, changes: dict[str, str]) -> CommentOutcome:
    """Set some sections of the bot's `key` comment, keeping the others; create it if needed."""
    comment = _own_comment(issue, key, identity)
    sections = read_sections(comment.body) if comment is not None else {}
    return _write(issue, comment, render_sections(key, {**sections, **changes}), key=key, identity=identity)
