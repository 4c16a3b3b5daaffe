"""One Markdown parser for everything people write (issue bodies, PR bodies, comments).

markdown-it-py in CommonMark mode with GFM tables and strikethrough. Task-list items are found on its
token stream (see `tasks`): mdit-py-plugins' tasklists rule accepts only a space after the `]`,
where GFM also accepts a tab. Struck-out text (`~~x~~`, GFM's single `~x~`, `<del>`, `<s>`,
`<strike>`) is not part of a task's text: a reader sees it crossed out, so it says nothing is done.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_INPUT = 262_144  # characters read from one body; GitHub caps bodies at 65,536


def _configured() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


@cache
def parser() -> MarkdownIt:
    return _configured()


@cache
def _block_parser() -> MarkdownIt:
    # Tables hold no headings, lists or tasks, and GitHub allows ~10,000 rows in a body: read as paragraphs.
    return _configured().disable(["inline", "table"])


def parse(text: str | None) -> list[Token]:
    return parser().parse((text or "")[:MAX_INPUT])


def parse_blocks(text: str | None, env: dict | None = None) -> list[Token]:
    """The block structure only: inline tokens keep their `content` but get no children. Several times
    faster on busy text (links, emphasis); for readers that then look at a few lines (`inline_text`).
    `env` collects the reference definitions those lines may use."""
    return _block_parser().parse((text or "")[:MAX_INPUT], env)


def inline_text(content: str, env: dict | None = None) -> str:
    """One inline token's content as plain text, as `plain_text` reads it after a full parse."""
    tokens = parser().parseInline(content, env)
    return plain_text(tokens[0]) if tokens else ""


_TASK_MARKER = re.compile(r"^\[([ xX])\][ \t]")
# One inline HTML token is one tag; `[^<>]*` cannot backtrack into anything.
_STRIKE_TAG = re.compile(r"<(/?)(?:del|s|strike)(?:\s[^<>]*)?>", re.IGNORECASE)


@dataclass(frozen=True)
class Task:
    checked: bool
    text: str  # plain text after the marker, Markdown markup removed
    line: int  # 1-based line of the item in the source
    depth: int  # 0 for a top-level item
    in_blockquote: bool
    text_with_struck: str = ""  # the text including struck-out parts (to say why an item does not count)


def plain_text(inline: Token) -> str:
    """An inline token's text with its Markdown markup removed."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def visible_text(inline: Token) -> str:
    """An inline token's text with its Markdown markup and everything struck out removed."""
    chars: list[tuple[str, bool]] = []  # (character, literal): tildes in code spans are not markup
    struck = 0
    for child in inline.children or []:
        if child.type in ("s_open", "s_close"):
            struck = max(0, struck + (1 if child.type == "s_open" else -1))
        elif child.type == "html_inline" and (tag := _STRIKE_TAG.fullmatch(child.content.strip())):
            struck = max(0, struck + (-1 if tag.group(1) else 1))  # an unclosed <del> strikes the rest
        elif struck:
            continue
        elif child.type == "text":
            chars += [(c, False) for c in child.content]
        elif child.type == "code_inline":
            chars += [(c, True) for c in child.content]
        elif child.type in ("softbreak", "hardbreak"):
            chars.append((" ", True))
    return _without_single_tilde_spans(chars)


def _without_single_tilde_spans(chars: list[tuple[str, bool]]) -> str:
    """GFM also strikes text between single tildes (`~x~`), which markdown-it leaves as text. Runs of
    tildes left as text (that one, and `~~ x ~~`, which GitHub shows with its tildes) are paired in
    order and everything from one to the next dropped: erring towards striking only ever makes an
    item count less."""
    runs: list[tuple[int, int]] = []  # (first, last) index of each run of markup tildes
    for i, (c, literal) in enumerate(chars):
        if c == "~" and not literal:
            if runs and runs[-1][1] == i - 1:
                runs[-1] = (runs[-1][0], i)
            else:
                runs.append((i, i))
    keep = [True] * len(chars)
    for (start, _), (_, end) in zip(runs[::2], runs[1::2], strict=False):
        keep[start : end + 1] = [False] * (end + 1 - start)
    return "".join(c for (c, _), kept in zip(chars, keep, strict=True) if kept)


def tasks(tokens: list[Token], env: dict | None = None) -> Iterator[Task]:
    """Every GFM task-list item: a list item whose first paragraph starts with `[ ]`, `[x]` or `[X]`
    followed by a space or tab. Code blocks and HTML blocks hold no tasks; nested items count alone.

    `tokens` may come from `parse` or from `parse_blocks` (with its `env`): then only task items'
    text is parsed inline, which keeps a long body of links or tables cheap."""
    list_depth = -1
    quote_depth = 0
    for index, token in enumerate(tokens):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "blockquote_open":
            quote_depth += 1
        elif token.type == "blockquote_close":
            quote_depth -= 1
        elif token.type == "list_item_open" and index + 2 < len(tokens):
            paragraph, inline = tokens[index + 1], tokens[index + 2]
            if paragraph.type != "paragraph_open" or inline.type != "inline":
                continue
            match = _TASK_MARKER.match(inline.content)
            if not match:
                continue
            if not inline.children:  # a block-level parse: read this item's inline text now
                inline = parser().parseInline(inline.content, env)[0]
            text, written = visible_text(inline), plain_text(inline)
            line = (token.map[0] + 1) if token.map else 0
            yield Task(
                match.group(1) in "xX",
                _without_marker(text).strip(),
                line,
                list_depth,
                quote_depth > 0,
                _without_marker(written).strip(),
            )


def _without_marker(text: str) -> str:
    return _TASK_MARKER.sub("", text, count=1) if _TASK_MARKER.match(text) else text[4:]
