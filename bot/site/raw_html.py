"""Blocks of finished HTML in a generated page, held out of Python-Markdown while MkDocs renders it.

A month page of the experiment log is mostly HTML the templates already finished (and escaped): 400
experiments make about 400 KB of it. Python-Markdown passes such blocks through unchanged, but only after
parsing every tag of them with its HTML parser, and MkDocs parses them once more for anchors: together
most of the build's time on a large log. The plugin swaps each marked block for a placeholder before
Markdown runs and puts it back in the HTML after, so the page comes out the same, sooner.

The markers are HTML comments, so a page read without the plugin (Zensical, a plain `mkdocs build` of the
files) renders exactly as before. Text people wrote cannot forge a marker or a placeholder: the templates
escape `<` in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

START = "<!-- mlops:html -->"
END = "<!-- /mlops:html -->"
_ID = re.compile(r'\sid="([^"<>]*)"')  # attributes the templates wrote: never user text, always quoted


@dataclass
class HeldBlocks:
    """The blocks taken out of one page, and the placeholder prefix that stands for them."""

    prefix: str
    blocks: list[str] = field(default_factory=list)

    def placeholder(self, index: int) -> str:
        return f'<div data-mlops-held="{self.prefix}-{index}"></div>'


def hold(markdown: str, prefix: str) -> tuple[str, HeldBlocks]:
    """Swap every START…END block for a placeholder paragraph of its own; unmatched markers stay as text."""
    held = HeldBlocks(prefix)
    parts: list[str] = []
    position = 0
    while (start := markdown.find(START, position)) != -1:
        end = markdown.find(END, start + len(START))
        if end == -1:
            break
        parts.append(markdown[position:start])
        held.blocks.append(markdown[start + len(START) : end])
        parts.append(f"\n\n{held.placeholder(len(held.blocks) - 1)}\n\n")
        position = end + len(END)
    parts.append(markdown[position:])
    return "".join(parts), held


def restore(html: str, held: HeldBlocks) -> str:
    """Put each held block back where its placeholder landed in the rendered page (one pass)."""
    if not held.blocks:
        return html
    pattern = re.compile('<div data-mlops-held="' + re.escape(held.prefix) + r'-(\d+)"></div>')
    return pattern.sub(lambda match: held.blocks[int(match.group(1))], html)


def anchor_ids(held: HeldBlocks) -> set[str]:
    """The `id`s the held blocks define, which MkDocs would have collected to check links to anchors."""
    return {match.group(1) for block in held.blocks for match in _ID.finditer(block)}
