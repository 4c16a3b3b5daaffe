"""CODEOWNERS: who owns a path (the last matching rule wins, as on GitHub).

A rule is matched by stepping through the path once with the set of rule positions it could be at
(an NFA): the work is at most the path's length times the rule's, whatever they hold. A regular
expression built from the rule could backtrack: `*-*-*-*.yml` against a long file name took hours.
"""

from __future__ import annotations

from functools import cache

CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")

ANY = "**"  # any characters, `/` included
SEGMENT = "*"  # any characters but `/`
ONE = "?"  # one character but `/`


@cache
def _compile(rule: str) -> tuple[bool, tuple[str, ...]]:
    """(anchored at the root, the rule's tokens: ANY, SEGMENT, ONE, or a character to match as it is)."""
    anchored = rule.startswith("/")
    rule = rule.strip("/") if not rule.endswith("/") else rule.strip("/") + "/**"
    tokens: list[str] = []
    index = 0
    while index < len(rule):
        if rule.startswith("**", index):
            tokens.append(ANY)
            index += 2
        else:
            tokens.append(rule[index])  # SEGMENT, ONE, or a character to match as it is
            index += 1
    # A rule with a `/` inside (not only at the end) is relative to the root; else it matches at any depth.
    return anchored or "/" in rule.rstrip("/*"), tuple(tokens)


def _closure(states: set[int], tokens: tuple[str, ...]) -> set[int]:
    """The states plus those reached by letting wildcards match nothing."""
    pending = list(states)
    while pending:
        state = pending.pop()
        if state < len(tokens) and tokens[state] in (ANY, SEGMENT) and state + 1 not in states:
            states.add(state + 1)
            pending.append(state + 1)
    return states


def matches(rule: str, path: str) -> bool:
    """Whether `rule` matches `path` or a folder above it, as GitHub reads CODEOWNERS patterns."""
    anchored, tokens = _compile(rule)
    end = len(tokens)
    states = _closure({0}, tokens)
    for char in path:
        if end in states and char == "/":
            return True  # the rule names a folder holding the path
        following = set()
        for state in states:
            if state == end:
                continue
            token = tokens[state]
            if token in (ANY, SEGMENT, ONE):
                if token == ANY or char != "/":
                    following.add(state if token != ONE else state + 1)
            elif token == char:
                following.add(state + 1)
        if not anchored and char == "/":
            following.add(0)  # an unanchored rule may start after any `/`
        states = _closure(following, tokens)
        if not states and anchored:
            return False
    return end in states


def owners_of(path: str, codeowners_text: str | None) -> list[str]:
    """Owners (`@user` or `@org/team`, without the @) of `path`; empty if no rule matches."""
    owners: list[str] = []
    for raw in (codeowners_text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        rule, *names = line.split()
        if matches(rule, path):
            owners = [name.lstrip("@") for name in names if name.startswith("@")]
    return owners
