"""Slash commands in issue comments, pure: comment text -> commands -> label changes and a reply.

Commands record their effect as labels (`outcome: promote`, `hypothesis: accepted`, `rollout: 25%`,
`timebox: 5d`): visible on the issue and the board, idempotent, and never a rewrite of what people
wrote. Only lines that start with `/` in ordinary paragraphs count; code blocks and quotes do not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.records.markdown import parse_blocks

MAX_COMMANDS = 10
HELP = """Commands (one per line, in a comment):

| Command | Effect |
|---|---|
| `/outcome promote\\|iterate\\|abandon` | records the experiment's outcome (label `outcome: …`) |
| `/hypothesis accepted\\|rejected` | records the verdict on the hypothesis (label `hypothesis: …`) |
| `/rollout 5\\|25\\|50\\|100` | records the share of traffic the deployment serves (label `rollout: …%`) |
| `/timebox <days>` | sets a research spike's time box, 1 to 90 days (label `timebox: …d`) |
| `/help` | shows this table |"""

_CHOICES = {
    "outcome": ("outcome", ("promote", "iterate", "abandon")),
    "hypothesis": ("hypothesis", ("accepted", "rejected")),
    "rollout": ("rollout", ("5", "25", "50", "100")),
}

KNOWN = frozenset({*_CHOICES, "timebox", "help"})


@dataclass(frozen=True)
class Command:
    name: str
    argument: str
    line: int


@dataclass(frozen=True)
class Outcome:
    command: Command
    ok: bool
    reply: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


def find_commands(body: str | None) -> list[Command]:
    """The commands of a comment, at most MAX_COMMANDS. Only the block structure is parsed: a command is
    a whole line of a paragraph, so links or emphasis around it never matter (and never cost seconds)."""
    found = []
    for index, token in enumerate(tokens := parse_blocks(body)):
        # Only paragraphs directly in the document: not in quotes or lists, never in code.
        if token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open":
            first_line = (token.map[0] if token.map else 0) + 1
            for offset, text in enumerate(token.content.splitlines()):
                match = re.match(r"^/([A-Za-z][\w-]{0,30})(?:[ \t]+(.*))?$", text.strip())
                if match:
                    found.append(Command(match.group(1).lower(), (match.group(2) or "").strip(), first_line + offset))
    return found[:MAX_COMMANDS]


def safe_code(text: str, limit: int = 60) -> str:
    """User text shown inside a code span: no backticks, no line breaks, bounded length."""
    cleaned = re.sub(r"[`\r\n\t]", " ", text[:limit])
    return f"`{cleaned}`" if cleaned.strip() else "`(empty)`"


def apply(command: Command, labels: tuple[str, ...]) -> Outcome:
    """What a command does to an issue carrying `labels`."""
    shown = safe_code(f"/{command.name} {command.argument}".strip())
    if command.name == "help":
        return Outcome(command, True, HELP)
    if command.name in _CHOICES:
        prefix, choices = _CHOICES[command.name]
        value = command.argument.lower().rstrip("%")
        if value not in choices:
            return Outcome(command, False, f"{shown}: expected one of {', '.join(choices)}.")
        label = f"{prefix}: {value}%" if prefix == "rollout" else f"{prefix}: {value}"
        return _set_label(command, labels, prefix, label, shown)
    if command.name == "timebox":
        days = command.argument.lower().removesuffix("days").removesuffix("d").strip()
        # ASCII digits only, and few of them: "²" is a digit to isdigit() but not to int(), and int() refuses
        # a number of more than 4,300 digits.
        if not (days.isascii() and days.isdigit() and len(days) <= 2) or not 1 <= int(days) <= 90:
            return Outcome(command, False, f"{shown}: give the time box as a whole number of days, 1 to 90.")
        outcome = _set_label(command, labels, "timebox", f"timebox: {int(days)}d", shown)
        # A new time box earns a new reminder.
        return Outcome(
            command,
            outcome.ok,
            outcome.reply,
            outcome.add,
            (*outcome.remove, *(["timebox-expired"] if "timebox-expired" in labels else [])),
        )
    return Outcome(command, False, f"{shown} is not a command I know.\n\n{HELP}")


def _set_label(command: Command, labels: tuple[str, ...], prefix: str, label: str, shown: str) -> Outcome:
    stale = tuple(existing for existing in labels if existing.startswith(f"{prefix}:") and existing != label)
    if label in labels and not stale:
        return Outcome(command, True, f"{shown}: already recorded as `{label}`.")
    return Outcome(command, True, f"{shown}: recorded as `{label}`.", (label,) if label not in labels else (), stale)
