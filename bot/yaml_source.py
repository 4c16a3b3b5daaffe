"""YAML that remembers where every value came from, so errors can name a line and column.

Every YAML file the bot reads (its configuration, registry files from a pull request, issue forms,
workflows) comes through `parse_yaml`, which holds a hostile file to fixed limits before anything
walks the data: a file of at most MAX_YAML_CHARS characters, at most MAX_NODES values once aliases
are expanded (a "billion laughs" file of a few hundred bytes names 10^9 values), nesting at most
MAX_DEPTH deep, no alias that contains itself, dates that exist and numbers that fit in a float.
Anything past them is the caller's error type with a location, never a hang or a traceback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from bot.errors import BotError, ConfigError, Location

Path = tuple[str | int, ...]

MAX_YAML_CHARS = 1_048_576  # 1 MiB: a hundred times the largest registry file or configuration we expect
MAX_NODES = 20_000  # values (scalars, lists, mappings) once every alias is expanded; real files hold < 5,000
MAX_DEPTH = 64  # lists and mappings inside each other; real files nest fewer than 10 deep
MAX_NUMBER_CHARS = 100  # a number written longer than this is refused (10^100 is still a float)


class _LimitExceeded(yaml.YAMLError):
    """Raised from inside the composer, where the node that crossed the limit has no mark yet."""


class _Refused(Exception):
    """A node the bot will not read, with the path it was reached by when that is known."""

    def __init__(self, message: str, node: yaml.Node, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.node, self.field = message, node, field


class _Bounded:
    """Mixed into a safe loader: counts nodes as it composes them, and stops a Python composer before
    Python's recursion limit. Both composers (libyaml's and PyYAML's) call `descend_resolver` once per
    node they build (never for an alias), so the work of composing is bounded before the expanded data is.
    """

    composes_in_python = False

    def __init__(self, text: str) -> None:
        super().__init__(text)  # type: ignore[call-arg]
        self.nodes_composed = 0
        self.depth = 0
        self.deepest = 0

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self.nodes_composed += 1
        self.depth += 1
        if self.depth > self.deepest:
            self.deepest = self.depth
        if self.nodes_composed > MAX_NODES:
            raise _LimitExceeded(f"more than {MAX_NODES:,} values")
        if self.depth > MAX_DEPTH and self.composes_in_python:  # libyaml stops itself at 1,000 levels
            mark = self.peek_event().start_mark  # type: ignore[attr-defined]
            raise ConstructorError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
        super().descend_resolver(current_node, current_index)  # type: ignore[misc]

    def ascend_resolver(self) -> None:
        self.depth -= 1
        super().ascend_resolver()  # type: ignore[misc]


def _refusing(construct: Callable[[Any, yaml.Node], Any], what: str) -> Callable[[Any, yaml.Node], Any]:
    """A scalar constructor that refuses, with the node's location, what PyYAML's would crash on: a date
    that does not exist, `!!int ""`, `!!bool maybe`, `!!timestamp soon`, a number past a float."""

    def checked(loader: Any, node: yaml.Node) -> Any:
        value = node.value if isinstance(node.value, str) else ""
        shown = repr(value[:40]) + ("…" if len(value) > 40 else "")
        if what == "number" and len(value) > MAX_NUMBER_CHARS:
            raise _Refused(f"{shown} is a number of over {MAX_NUMBER_CHARS} characters; quote it to keep it text", node)
        if what == "date" and not loader.timestamp_regexp.match(value):
            raise _Refused(f"{shown} is not a date", node)
        try:
            constructed = construct(loader, node)
        except (ValueError, OverflowError, LookupError) as exc:  # LookupError: "" or an unknown boolean
            reason = f" ({exc})" if isinstance(exc, ValueError | OverflowError) else ""
            raise _Refused(f"{shown} is not a valid {what}{reason}", node) from None
        if what == "number" and _too_large(constructed, value):
            raise _Refused(f"{shown} is too large for a number", node)
        return constructed

    return checked


def _too_large(value: Any, written: str) -> bool:
    """A float that overflowed to infinity (`.inf` itself is fine). An integer of at most MAX_NUMBER_CHARS
    characters is always within a float's range (16^98 is about 10^118)."""
    return isinstance(value, float) and math.isinf(value) and "inf" not in written.lower()


def _loader_class(base: type, composes_in_python: bool, foreign_tags: bool) -> type:
    loader = type("BoundedLoader", (_Bounded, base), {"composes_in_python": composes_in_python})
    for tag, what in (("int", "number"), ("float", "number"), ("timestamp", "date"), ("bool", "boolean")):
        method = getattr(yaml.constructor.SafeConstructor, f"construct_yaml_{tag}")
        loader.add_constructor(f"tag:yaml.org,2002:{tag}", _refusing(method, what))
    if foreign_tags:  # tags of other tools (`!!python/name:` in mkdocs.yml) read as None
        loader.add_multi_constructor("", lambda _loader, _suffix, _node: None)
    return loader


# libyaml's parser when PyYAML was built with it (about ten times faster); marks are the same.
LOADERS: dict[tuple[str, bool], type] = {
    ("python", foreign): _loader_class(yaml.SafeLoader, True, foreign) for foreign in (False, True)
}
if hasattr(yaml, "CSafeLoader"):
    LOADERS |= {("libyaml", foreign): _loader_class(yaml.CSafeLoader, False, foreign) for foreign in (False, True)}
PARSER = "libyaml" if ("libyaml", False) in LOADERS else "python"


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


def parse_yaml(
    text: str, file: str, error: type[BotError] = ConfigError, *, foreign_tags: bool = False
) -> YamlDocument:
    """Parse one YAML document safely, within the limits above. Syntax errors, duplicate keys and
    anything past a limit raise `error` with a location. `foreign_tags`: unknown tags read as None."""
    if len(text) > MAX_YAML_CHARS:
        raise error(f"the file has {len(text):,} characters; the limit is {MAX_YAML_CHARS:,}", Location(file))
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise error(f"not valid Unicode text (character {exc.start + 1})", Location(file)) from None
    loader = None
    paths: dict[int, Path] = {}  # id(node) -> the first path it is reached by, for errors while constructing
    try:
        loader = LOADERS[(PARSER, foreign_tags)](text)
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(file, None, {})
        _check_shape(node, text, loader.deepest)
        marks: dict[Path, tuple[int, int]] = {}
        _collect_marks(node, (), marks, paths, file, error)
        data = loader.construct_document(node)
    except _LimitExceeded as exc:
        raise error(f"the file holds {exc} (the limit)", Location(file)) from None
    except _Refused as exc:
        mark = exc.node.start_mark
        field = exc.field or dotted(paths.get(id(exc.node), ())) or None
        raise error(exc.message, Location(file, mark.line + 1, mark.column + 1, field)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(file, mark.line + 1, mark.column + 1) if mark else Location(file)
        raise error(f"invalid YAML: {exc.problem or exc.context}", where) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise error(
            f"invalid YAML: character {exc.character:#06x} is not allowed", Location(file, line, column)
        ) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {str(exc).splitlines()[0]}", Location(file)) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDocument(file, data, marks)


def _children(node: yaml.Node) -> list[tuple[str | int, yaml.Node]]:
    """A collection's children with the path part each is reached by (keys are children too)."""
    if isinstance(node, yaml.MappingNode):
        pairs: list[tuple[str | int, yaml.Node]] = []
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            pairs += [(key, key_node), (key, value_node)]
        return pairs
    if isinstance(node, yaml.SequenceNode):
        return list(enumerate(node.value))
    return []


def _check_shape(root: yaml.Node, text: str, deepest_composed: int) -> None:
    """Refuse a recursive alias, more than MAX_NODES values once aliases are expanded, or nesting past
    MAX_DEPTH. Without an anchor the composed nodes are a tree the composer has already counted and
    measured; with anchors, an alias shares its anchor's node, so each node's expanded size and height
    are computed once, bottom up: the work is linear in the file, never in the expansion. Every
    parent-child link adds at least one value to the expansion, so counting links bounds the walk too."""
    if "&" not in text and deepest_composed <= MAX_DEPTH:  # no anchor, so no alias: a tree already measured
        return
    size: dict[int, int] = {}  # id(collection) -> values in it once expanded
    height: dict[int, int] = {}  # id(collection) -> levels of nesting, itself included
    on_path: set[int] = set()
    links = 0
    stack: list[tuple[yaml.Node, list[yaml.Node] | None]] = [(root, None)]
    while stack:
        node, children = stack.pop()
        ident = id(node)
        if children is not None:  # every child collection is measured
            on_path.discard(ident)
            total, tallest = 1, 0
            for child in children:
                if type(child) is yaml.ScalarNode:
                    total, tallest = total + 1, tallest or 1
                else:
                    total, tallest = total + size[id(child)], max(tallest, height[id(child)])
            if total > MAX_NODES:
                raise _LimitExceeded(f"more than {MAX_NODES:,} values once its aliases are expanded")
            size[ident], height[ident] = total, tallest + 1
            continue
        if ident in size or type(node) is yaml.ScalarNode:
            continue
        children = _child_nodes(node)
        links += len(children)
        if links > MAX_NODES:
            raise _LimitExceeded(f"more than {MAX_NODES:,} values once its aliases are expanded")
        on_path.add(ident)
        stack.append((node, children))
        for child in children:
            if type(child) is not yaml.ScalarNode and id(child) not in size:
                if id(child) in on_path:
                    raise _Refused("an alias refers to a node that contains it (recursive alias)", child)
                stack.append((child, None))
    if height.get(id(root), 1) > MAX_DEPTH:
        node, path = root, ()
        for level in range(1, MAX_DEPTH + 1):  # follow the deepest branch to the first level past the limit
            part, node = next((p, c) for p, c in _children(node) if level + height.get(id(c), 1) > MAX_DEPTH)
            path = (*path, part)
        raise _Refused(f"nested more than {MAX_DEPTH} levels deep", node, f"{dotted(path[:3])}…{dotted(path[-2:])}")


def _child_nodes(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return node.value if isinstance(node, yaml.SequenceNode) else []


def _key_text(key_node: yaml.Node) -> str:
    if isinstance(key_node, yaml.ScalarNode):
        return key_node.value
    return f"<{key_node.id} key at line {key_node.start_mark.line + 1}>"


def _collect_marks(
    node: yaml.Node,
    path: Path,
    marks: dict[Path, tuple[int, int]],
    paths: dict[int, Path],
    file: str,
    error: type[BotError],
) -> None:
    marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    paths.setdefault(id(node), path)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = _key_text(key_node)
            if key in seen:
                where = Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                raise error(f"duplicate key {key[:80]!r} (YAML keeps only the last one)", where)
            seen.add(key)
            _collect_marks(value_node, (*path, key), marks, paths, file, error)
            # An entry is reported at its key, where a reader looks for it.
            marks[(*path, key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _collect_marks(item, (*path, index), marks, paths, file, error)
