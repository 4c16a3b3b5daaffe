"""CODEOWNERS: who owns a path, as GitHub reads the file (the last matching rule wins).

Patterns follow GitHub's documented rules, which are gitignore's with differences:
- a pattern with a `/` at its start or in its middle is anchored at the root; otherwise it matches at
  any depth (`*.js`, `apps/`, `logs`);
- a pattern ending in `/` names a folder: everything below it, at any depth;
- a matched folder owns everything below it (`/docs` owns `docs/a/b.md`), except that a trailing
  `/*` owns one level only (`docs/*` owns `docs/a.md`, not `docs/build/b.md`);
- `*` and `?` never cross a `/`; `**` as a whole segment spans any number of folders;
- `!` negation, `[ ]` ranges and `\\#` escapes do not work on GitHub: such characters are literal;
- paths are case-sensitive; lines starting with `#` are comments, as is anything after ` #`;
  an owner is `@user`, `@org/team` or an e-mail address (e-mails cannot approve here, so they are dropped).

Matching walks segments with sets of positions, so no pattern can make it backtrack.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")  # GitHub's search order


@dataclass(frozen=True)
class Rule:
    segments: tuple[str, ...]
    anchored: bool
    folder_only: bool  # the pattern ended in `/`
    one_level: bool  # the pattern ended in `/*`
    owners: tuple[str, ...]  # `user` or `org/team`, without the @


def parse_rules(text: str | None) -> list[Rule]:
    rules = []
    for raw in (text or "").splitlines():
        words = raw.split()
        if not words or words[0].startswith("#"):
            continue
        pattern, names = words[0], words[1:]
        cut = next((i for i, name in enumerate(names) if name.startswith("#")), len(names))
        owners = tuple(name[1:] for name in names[:cut] if name.startswith("@") and len(name) > 1)
        rule = _rule(pattern, owners)
        if rule is not None:
            rules.append(rule)
    return rules


def _rule(pattern: str, owners: tuple[str, ...]) -> Rule | None:
    folder_only = pattern.endswith("/")
    inner = pattern.strip("/")
    if not inner:
        return None  # `/` alone names nothing GitHub matches
    anchored = pattern.startswith("/") or "/" in inner
    segments = tuple(inner.split("/"))
    if any(segment == "" for segment in segments):
        segments = tuple(segment for segment in segments if segment)
    one_level = len(segments) > 1 and segments[-1] == "*" and not folder_only
    return Rule(segments, anchored, folder_only, one_level, owners)


def owners_of(path: str, codeowners_text: str | None) -> list[str]:
    """Owners (`user` or `org/team`, without the @) of `path`; empty if no rule matches."""
    owners: tuple[str, ...] = ()
    for rule in _parsed(codeowners_text or ""):
        if matches(rule, path):
            owners = rule.owners
    return list(owners)


@lru_cache(maxsize=8)
def _parsed(text: str) -> tuple[Rule, ...]:
    return tuple(parse_rules(text))


def matches(rule: Rule, path: str) -> bool:
    parts = path.strip("/").split("/")
    count = len(parts)
    # Positions in `parts` the pattern may have consumed up to: an unanchored pattern starts anywhere.
    reached = {0} if rule.anchored else set(range(count))
    for segment in rule.segments:
        if not reached:
            return False
        if segment == "**":
            reached = set(range(min(reached), count + 1))
        else:
            reached = {k + 1 for k in reached if k < count and segment_matches(segment, parts[k])}
    if rule.one_level:
        return count in reached
    if rule.folder_only:
        return any(k < count for k in reached)
    return bool(reached)


def segment_matches(pattern: str, name: str) -> bool:
    """`*` (any run) and `?` (one character) within one path segment; linear in practice, O(n·m) at worst."""
    p = n = 0
    star = -1
    resume = 0
    while n < len(name):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == name[n]) and pattern[p] != "*":
            p += 1
            n += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, resume = p, n
            p += 1
        elif star >= 0:
            p = star + 1
            resume += 1
            n = resume
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)
