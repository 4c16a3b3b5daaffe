"""CODEOWNERS: who owns a path (the last matching rule wins, as on GitHub)."""

from __future__ import annotations

import re
from functools import cache

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


@cache
def _pattern(rule: str) -> re.Pattern[str]:
    anchored = rule.startswith("/")
    rule = rule.strip("/") if not rule.endswith("/") else rule.strip("/") + "/**"
    parts = []
    index = 0
    while index < len(rule):
        if rule.startswith("**", index):
            parts.append(".*")
            index += 2
        elif rule[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif rule[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(rule[index]))
            index += 1
    body = "".join(parts)
    prefix = "^" if anchored or "/" in rule.rstrip("/*") else "^(?:.*/)?"
    return re.compile(f"{prefix}{body}(?:/.*)?$")


def owners_of(path: str, codeowners_text: str | None) -> list[str]:
    """Owners (`@user` or `@org/team`, without the @) of `path`; empty if no rule matches."""
    owners: list[str] = []
    for raw in (codeowners_text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        rule, *names = line.split()
        if _pattern(rule).match(path):
            owners = [name.lstrip("@") for name in names if name.startswith("@")]
    return owners
