"""The package map holds: no import cycle between the bot's packages, and commands stay thin edges."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOT = ROOT / "bot"


def _unit(module: str) -> str:
    """`bot.board.plan` -> `bot.board`; `bot.config` -> `bot.config`: a package or a top-level module."""
    return ".".join(module.split(".")[:2])


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Every import of `bot.*` (at the top or inside functions), between units."""
    graph: dict[str, set[str]] = {}
    for path in BOT.rglob("*.py"):
        source = _unit(_module_name(path))
        edges = graph.setdefault(source, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                if name.startswith("bot.") and _unit(name) != source:
                    edges.add(_unit(name))
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, done, stack = [], set(), []

    def visit(unit: str) -> None:
        if unit in stack:
            found.append([*stack[stack.index(unit) :], unit])
            return
        if unit in done:
            return
        stack.append(unit)
        for target in sorted(graph.get(unit, ())):
            visit(target)
        stack.pop()
        done.add(unit)

    for unit in sorted(graph):
        visit(unit)
    return found


def test_no_import_cycle_between_packages():
    graph = import_graph()
    assert "bot.board" in graph and "bot.records" in graph["bot.board"]  # the graph is really read
    assert cycles(graph) == []


def test_the_pure_cores_do_no_io():
    """Planning, rules, records and rendering never reach GitHub or the command line."""
    graph = import_graph()
    for unit in ("bot.records", "bot.config", "bot.schemas", "bot.yaml_source"):
        assert not graph[unit] & {"bot.github", "bot.cli", "bot.commands"}, unit
    pure_modules = [
        "board/plan.py",
        "board/setup.py",
        "doctor/checks.py",
        "gate/rules.py",
        "monitor/checks.py",
        "monitor/drift.py",
        "scaffold/gitignore.py",
        "scaffold/next_steps.py",
        "site/render.py",
    ]
    for relative in pure_modules:
        tree = ast.parse((BOT / relative).read_text(encoding="utf-8"))
        imported = {
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        assert not {m for m in imported if m.startswith(("bot.github", "github", "requests", "bot.cli"))}, relative


def test_every_command_is_a_thin_edge():
    """`run()` parses, calls one function of its capability, and emits: about 30 lines at most."""
    lengths = {}
    for path in sorted((BOT / "commands").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name == "run":
                lengths[path.stem] = node.end_lineno - node.lineno + 1
    assert {"sync", "check_pr", "validate"} <= set(lengths)
    assert {name: n for name, n in lengths.items() if n > 35} == {}


def test_commands_import_their_capability_on_demand():
    """A command module's top level imports only the standard library, `bot.cli` and `bot.errors`: `--help`
    and the start of every command stay fast."""
    for path in sorted((BOT / "commands").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
                assert node.module in ("bot.cli", "bot.errors"), f"{path.name} imports {node.module} at the top"
