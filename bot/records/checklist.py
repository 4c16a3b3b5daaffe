"""Deployment checklists: required items against the GFM task list someone wrote.

A required item matches a task by its text, ignoring case, emphasis, surrounding punctuation and a
trailing note ("**Rollback tested** (drill on 3 March)" matches "Rollback tested"). Written twice,
once ticked and once not, it is not complete; struck out (`~~Rollback tested~~`, `<del>`), it is not
done. An item the configuration allows may be marked not applicable with the configured marker and a
reason ("N/A: A/B test configured — batch model").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.config import ChecklistConfig
from bot.records.markdown import Task, parse_blocks, tasks

TICKED, OPEN, MISSING, NOT_APPLICABLE = "ticked", "open", "missing", "not applicable"


@dataclass(frozen=True)
class ItemResult:
    item: str
    status: str
    lines: tuple[int, ...] = ()
    note: str | None = None  # the reason for N/A, or why an N/A was refused

    @property
    def done(self) -> bool:
        return self.status in (TICKED, NOT_APPLICABLE)


@dataclass(frozen=True)
class ChecklistResult:
    items: tuple[ItemResult, ...]

    @property
    def complete(self) -> bool:
        return all(item.done for item in self.items)

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items if item.done)

    def headline(self) -> str:
        """At most 140 characters, for a commit status: "3/5 done: missing Rollback tested, ..."."""
        total = len(self.items)
        if self.complete:
            return f"{total}/{total} done: deployment checklist complete"
        pending = [i.item for i in self.items if not i.done]
        text = f"{self.done_count}/{total} done: missing {', '.join(pending)}"
        return text if len(text) <= 140 else text[:139] + "…"


@lru_cache(maxsize=8192)  # each task's text is compared with every required item
def _clean(text: str) -> str:
    """Text without emphasis markup, runs of space, or surrounding punctuation."""
    text = re.sub(r"\s+", " ", re.sub(r"[*_~`]", "", text))
    return text.strip(" \t.,;:!?-–—()[]'\"")


def _matches(task_text: str, required: str) -> str | None:
    """The trailing note if the task names the required item, else None ("" when there is no note)."""
    task, want = _clean(task_text), _clean(required).lower()
    cut = _lowered_prefix(task, want)
    if cut is None:
        return None
    rest = task[cut:]
    if rest[:1].isalnum():
        return None  # "Model validated" does not name "Model validatedness"
    return rest.strip(" -–—:()")


def _lowered_prefix(text: str, prefix: str) -> int | None:
    """How many characters of `text` lower-case to `prefix`, or None. Lower-casing may change a length
    (`İ` becomes two characters), so the cut is found by walking `text`, not by `len(prefix)`."""
    lowered = 0
    for index, character in enumerate(text):
        if lowered >= len(prefix):
            return index if text[:index].lower() == prefix else None
        lowered += len(character.lower())
    return len(text) if text.lower() == prefix else None


def evaluate(body: str | None, config: ChecklistConfig) -> ChecklistResult:
    env: dict = {}
    blocks = parse_blocks(body, env)
    found = [t for t in tasks(blocks, env) if config.blockquote_tasks == "count" or not t.in_blockquote]
    marker = _clean(config.not_applicable_marker).lower()
    results = []
    for required in config.required:
        ticked: list[Task] = []
        unticked: list[Task] = []
        not_applicable: list[tuple[Task, str]] = []
        struck: list[Task] = []
        for task in found:
            text = task.text
            if marker and _clean(text).lower().startswith(marker):
                rest = _clean(text)[len(marker) :]
                note = _matches(rest, required.text)
                if note is not None:
                    not_applicable.append((task, note))
                continue
            if _matches(text, required.text) is not None:
                (ticked if task.checked else unticked).append(task)
            elif task.text_with_struck != text and _matches(task.text_with_struck, required.text) is not None:
                struck.append(task)
        lines = tuple(sorted(t.line for t in ticked + unticked + [t for t, _ in not_applicable]))
        if not_applicable and not unticked:
            task, reason = not_applicable[0]
            if not required.allow_not_applicable:
                results.append(ItemResult(required.text, OPEN, lines, "not applicable is not allowed for this item"))
            elif not reason:
                results.append(ItemResult(required.text, OPEN, lines, "not applicable needs a reason"))
            else:
                results.append(ItemResult(required.text, NOT_APPLICABLE, lines, reason))
        elif unticked:
            note = "also listed ticked" if ticked else None
            results.append(ItemResult(required.text, OPEN, lines, note))
        elif ticked:
            results.append(ItemResult(required.text, TICKED, lines))
        elif struck:
            lines = tuple(t.line for t in struck)
            results.append(ItemResult(required.text, OPEN, lines, "struck out: struck-out text does not count"))
        else:
            results.append(ItemResult(required.text, MISSING))
    return ChecklistResult(tuple(results))
