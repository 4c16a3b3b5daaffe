"""What every generated page shares: where pages live, when the data was read, how to link."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from bot.site.lineage import GitHubLinks, page_href

GENERATED = "generated"
MODELS_INDEX = f"{GENERATED}/models/index.md"
EXPERIMENTS_INDEX = f"{GENERATED}/experiments/index.md"
EXPERIMENTS_DATA = f"{GENERATED}/experiments/log.json"
BOARD_PAGE = f"{GENERATED}/board.md"
HOME_SNIPPET = f"{GENERATED}/home.md"


@dataclass(frozen=True)
class Context:
    """What every page shares: when the data was read, where GitHub is, how pages link to each other."""

    as_of: dt.datetime | None
    links: GitHubLinks
    registry_repository: str | None
    directory_urls: bool = True

    @property
    def as_of_markup(self) -> Markup:
        if self.as_of is None:
            return Markup('<p class="mlops-asof" data-search-exclude>No issue snapshot yet: issues are not shown.</p>')
        stamp = self.as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
        text = f"{self.as_of.day} {self.as_of:%B %Y, %H:%M} UTC"
        return Markup(
            '<p class="mlops-asof" data-search-exclude>As of <time datetime="{}">{}</time> (issue snapshot)</p>'
        ).format(stamp, text)

    def today(self) -> dt.datetime:
        return self.as_of or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def href(self, from_page: str, to_page: str, anchor: str = "") -> str:
        return page_href(from_page, to_page, anchor, self.directory_urls)


def timestamp(text: Any) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def days_since(since: Any, now: dt.datetime) -> int | None:
    stamp = timestamp(since)
    return None if stamp is None else max(0, (now - stamp).days)
