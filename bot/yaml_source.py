"""YAML that remembers where every value came from, so errors can name a line and column."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml

from bot.errors import BotError, ConfigError, Location

Path = tuple[str | int, ...]
# libyaml's loader when PyYAML was built with it (about ten times faster); marks are the same.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file: its data and the (line, column) of every node by path."""

    file: str
    data: Any
    marks: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Iterable[str | int]) -> Location:
        """The location of `path`, or of its nearest ancestor present in the file."""
        path = tuple(path)
        for end in range(len(path), -1, -1):
            mark = self.marks.get(path[:end])
            if mark is not None:
                return Location(self.file, mark[0], mark[1], dotted(path) or None)
        return Location(self.file, None, None, dotted(path) or None)


def dotted(path: Iterable[str | int]) -> str:
    """`('columns', 'Deployment', 'wip_limit')` -> `columns.Deployment.wip_limit`; indexes as `[2]`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def parse_yaml(text: str, file: str, error: type[BotError] = ConfigError) -> YamlDocument:
    """Parse one YAML document safely. Syntax errors and duplicate keys raise `error` with a location."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, None, {})
        marks: dict[Path, tuple[int, int]] = {}
        _collect_marks(node, (), marks, file, error)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise error(f"invalid YAML: {exc.problem or exc.context}", where) from exc
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {exc}", Location(file)) from exc
    finally:
        loader.dispose()
    return YamlDocument(file, data, marks)


def _collect_marks(
    node: yaml.Node, path: Path, marks: dict[Path, tuple[int, int]], file: str, error: type[BotError]
) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.value)
            if key in seen:
                where = Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise error(f"duplicate key {key!r} (YAML keeps only the last one)", where)
            seen.add(key)
            _collect_marks(value_node, (*path, key), marks, file, error)
            # An entry is reported at its key, where a reader looks for it.
            marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_marks(item, (*path, index), marks, file, error)
    elif node.tag in _CHECKED_SCALARS:
        # PyYAML raises a bare ValueError, with no line, for `2026-02-30` or a 5,000-digit integer.
        try:
            yaml.constructor.SafeConstructor().construct_object(node)
        except ValueError as exc:
            where = Location(file, node.start_mark.line + 1, node.start_mark.column + 1, dotted(path) or None)
            raise error(f"{node.value[:40]!r} is not a valid {_SCALAR_NAMES[node.tag]}: {exc}", where) from None


_SCALAR_NAMES = {
    f"tag:yaml.org,2002:{tag}": name for tag, name in (("timestamp", "date"), ("int", "integer"), ("float", "number"))
}
_CHECKED_SCALARS = frozenset(_SCALAR_NAMES)
