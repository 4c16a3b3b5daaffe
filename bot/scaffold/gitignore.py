"""The `.gitignore` lines a team's repository needs for what the bot builds there (pure)."""

from __future__ import annotations

# The built site, and the pages `site build` generates from the registry and the snapshot.
GITIGNORE_ENTRIES = ("/site/", "/site_src/generated/")
_HEADER = "# mlops-bot: the built site and its generated pages"


def missing_entries(current: str | None) -> tuple[str, ...]:
    """The entries `current` (None: no .gitignore) lacks; `site`, `site/` and `/site` count as `/site/`."""
    present = {line.strip().strip("/") for line in (current or "").splitlines()}
    return tuple(entry for entry in GITIGNORE_ENTRIES if entry.strip("/") not in present)


def with_entries(current: str | None) -> str | None:
    """`current` with the missing entries appended under a comment; None when nothing is missing."""
    missing = missing_entries(current)
    if not missing:
        return None
    text = current or ""
    if text and not text.endswith("\n"):
        text += "\n"
    separator = "\n" if text else ""
    return text + separator + "\n".join([_HEADER, *missing]) + "\n"
