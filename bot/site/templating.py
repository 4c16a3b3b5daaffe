"""Markup for the site's pages: the Jinja2 environment, and what makes user text safe in it.

Everything people wrote reaches the page through Jinja2 with HTML autoescaping, inside HTML
blocks that Markdown leaves alone; where Markdown is welcome (hypotheses, notes, model cards) it is
rendered by markdown-it with raw HTML off and then sanitized with nh3, keeping only plain tags and
http(s) or mailto links. URLs pass `safe_url`: anything but http(s) becomes "#".
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "code",
    "pre",
    "ul",
    "ol",
    "li",
    "blockquote",
    "a",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "h4",
    "h5",
    "h6",
    "hr",
}


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(["table", "strikethrough"])


# One line with no inline Markdown, not starting like a block (heading, quote, list, code).
_PLAIN = re.compile(r"(?![ \t]*(?:[#>+*-]|\d+[.)])|[ ]{4})[^\\`*_\[\]<>&~|\n\r]*")


def markdown_filter(text: Any) -> Markup:
    """User Markdown -> sanitized HTML."""
    if text is None or text == "":
        return Markup("")
    if _PLAIN.fullmatch(str(text)):  # nothing Markdown would act on: one escaped paragraph
        return Markup("<p>") + Markup.escape(str(text).strip()) + Markup("</p>")
    html = _markdown().render(str(text)[:20_000])
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    # Markdown would treat a blank line inside our HTML block as its end; keep the block whole.
    return Markup(re.sub(r"\n\s*\n", "\n", clean).strip())


def safe_url(url: Any) -> str:
    text = str(url or "")
    return text if re.match(r"^https?://[^\s\"'<>]+$", text) else "#"


def yaml_string(text: Any) -> Markup:
    """A one-line YAML string for front matter (JSON's quoting is valid YAML), HTML-escaped first:
    MkDocs themes insert front-matter values such as tags into pages without escaping them."""
    return Markup(json.dumps(str(escape(re.sub(r"\s+", " ", str(text))[:60]))))


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("bot.site", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = markdown_filter
    env.filters["safe_url"] = safe_url
    env.filters["yaml_string"] = yaml_string
    env.globals["zip"] = zip
    return env


def render_template(template: str, **context: Any) -> str:
    """One page from its template."""
    return environment().get_template(template).render(**context)
