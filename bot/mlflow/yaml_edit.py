"""Edit a YAML file's text in place, pure: set, remove or extend top-level keys and keep every other byte.

People's comments, key order, quoting and line breaks stay as they wrote them; only the blocks of the
keys that change are written anew (PyYAML, block style, keys in the order given). Every edit is checked
by reading the result back: where the file is too unusual to edit in place (flow style at the top,
anchors shared across keys, tabs), the caller gets None and writes the whole file instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INLINE_COMMENT = re.compile(r"^[ \t]+#.*$")


class _Dumper(yaml.SafeDumper):
    """Block style, no anchors (a value used twice is written twice), no line folding."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(data: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(data), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100_000
    )


@dataclass(frozen=True)
class SetKey:
    key: str
    value: Any


@dataclass(frozen=True)
class RemoveKey:
    key: str


@dataclass(frozen=True)
class AppendItems:
    key: str  # a block sequence
    items: tuple[Any, ...]


Edit = SetKey | RemoveKey | AppendItems


def apply_edits(text: str, edits: Sequence[Edit], expected: Mapping[str, Any], before: str | None = None) -> str | None:
    """`text` with `edits` made, or None when it cannot be done in place. The result must read back as
    `expected`. New keys go before the key `before` when it is there, else at the end."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if root is None:  # empty, or only comments: every key is new
        root = yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(root, yaml.MappingNode) or root.flow_style or "\t" in text:
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    spans: dict[str, tuple[int, int, yaml.Node]] = {}
    nodes = [node for pair in root.value for node in pair]
    if len({id(node) for node in _walk(nodes)}) != sum(1 for _ in _walk(nodes)):
        return None  # an alias: the value it repeats is written once, elsewhere in the file
    for key_node, value_node in root.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.start_mark.column != 0:
            return None
        start = key_node.start_mark.line
        end = value_node.end_mark.line + (1 if value_node.end_mark.column > 0 else 0)
        while end - 1 > start and _blank_or_comment(lines[end - 1]):
            end -= 1  # comments after a block belong to what follows it
        spans[key_node.value] = (start, end, value_node)

    # (line to replace from, line to replace to, order, new lines): applied from the bottom up. Where two
    # insert at one line, the one applied later lands above: list items (0) above new keys (1).
    changes: list[tuple[int, int, int, list[str]]] = []
    appended: list[str] = []
    for edit in edits:
        if isinstance(edit, SetKey) and edit.key in spans:
            start, end, node = spans[edit.key]
            block = dump({edit.key: edit.value}).splitlines(keepends=True)
            if isinstance(node, yaml.ScalarNode) and end == start + 1 and len(block) == 1:
                rest = lines[start][node.end_mark.column :].rstrip("\n")
                if _INLINE_COMMENT.match(rest):  # `stage: production  # why` keeps its comment
                    block = [block[0].rstrip("\n") + rest + "\n"]
            changes.append((start, end, 0, block))
        elif isinstance(edit, SetKey):
            appended += dump({edit.key: edit.value}).splitlines(keepends=True)
        elif isinstance(edit, RemoveKey) and edit.key in spans:
            start, end, _ = spans[edit.key]
            changes.append((start, end, 0, []))
        elif isinstance(edit, AppendItems):
            if edit.key not in spans:
                appended += dump({edit.key: list(edit.items)}).splitlines(keepends=True)
                continue
            start, end, node = spans[edit.key]
            if not isinstance(node, yaml.SequenceNode) or node.flow_style or not node.value:
                return None
            indent = _dash_column(lines, node)
            if indent is None:
                return None
            items = dump({"x": list(edit.items)}).splitlines(keepends=True)[1:]
            changes.append((end, end, 0, [" " * indent + line if line.strip() else line for line in items]))
    if appended:
        at = spans[before][0] if before in spans else len(lines)
        changes.append((at, at, 1, appended))
    for start, end, _, block in sorted(changes, key=lambda change: change[:3], reverse=True):
        lines[start:end] = block
    result = "".join(lines)
    try:
        loaded = yaml.load(result, Loader=_Loader)
        if (loaded if loaded is not None else {}) != dict(expected):
            return None
    except yaml.YAMLError:
        return None
    return result


def _walk(nodes: list[yaml.Node]):
    for node in nodes:
        yield node
        if isinstance(node, yaml.SequenceNode):
            yield from _walk(node.value)
        elif isinstance(node, yaml.MappingNode):
            yield from _walk([part for pair in node.value for part in pair])


def _blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _dash_column(lines: list[str], node: yaml.SequenceNode) -> int | None:
    """How far a block sequence's `-` is indented (items' own marks point past the dash)."""
    first = node.value[0].start_mark
    text = lines[first.line][: first.column]
    dash = text.rstrip().rfind("-")
    if dash < 0 or text[:dash].strip():
        return None
    return dash
