"""Research spikes past their time box: one reminder each, and a label that says so."""

from __future__ import annotations

import datetime as dt

from bot.comments import upsert_comment
from bot.config import Config
from bot.errors import ConfigError
from bot.github.client import Clients
from bot.github.writes import add_labels
from bot.records.forms import Form, forms, read_record

REMINDER_KEY = "timebox-reminder"
EXPIRED_LABEL = "timebox-expired"


def remind(config: Config, clients: Clients, today: dt.datetime | None = None) -> list[str]:
    now = today or dt.datetime.now(dt.UTC)
    spike = forms().get("research-spike")
    if not config.repositories:
        raise ConfigError(
            "no repositories to remind: list them under `repositories` or set GITHUB_REPOSITORY",
            config.locate("repositories"),
        )
    if spike is None:
        return []
    identity = None
    reminded = []
    for name in config.repositories:
        repo = clients.rest.rest.get_repo(name)
        for issue in repo.get_issues(state="open", labels=list(spike.labels)):
            names = [label.name for label in issue.labels]
            if EXPIRED_LABEL in names:
                continue
            days = timebox_days(names, issue.body, spike)
            if days is None or issue.created_at + dt.timedelta(days=days) > now:
                continue
            identity = identity or clients.rest.viewer_login()
            text = (
                f"**Time box reached.** This spike asked for {days} day{'s' if days != 1 else ''}, "
                f"counted from {issue.created_at:%d %B %Y}. Write down the findings and close it, or give it "
                "more time with `/timebox <days>`."
            )
            upsert_comment(issue, REMINDER_KEY, text, identity)
            add_labels(issue, [EXPIRED_LABEL])
            reminded.append(f"{name}#{issue.number}")
    return reminded


def timebox_days(labels: list[str], body: str | None, spike: Form) -> int | None:
    """The spike's time box in days (1 to 90: anything else is no time box, never an overflowing date)."""
    for label in labels:
        days = label.removeprefix("timebox: ").removesuffix("d")
        if label.startswith("timebox: ") and label.endswith("d") and days.isascii() and days.isdigit():
            return int(days) if len(days) <= 2 and 1 <= int(days) <= 90 else None
    value = read_record(body, spike).fields.get("timebox")
    return value if isinstance(value, int) and 1 <= value <= 90 else None
