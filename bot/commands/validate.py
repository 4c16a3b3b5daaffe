"""`mlops-bot validate`: the configuration and the model registry, every problem with file:line."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli import add_format, emit, github_annotations_enabled
from bot.config import load_config
from bot.errors import EXIT_CHECK_FAILED, EXIT_OK, CheckFailed, ConfigError, Location
from bot.records.links import link_problems
from bot.records.registry import ModelVersion, read_model_file, read_registry
from bot.records.workflow_rules import workflow_problems
from bot.schemas import Problem, schema_problems
from bot.site.snapshot import read_snapshot
from bot.yaml_source import parse_yaml


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", help="registry files or folders (default: the configured registry)")
    parser.add_argument("--strict", action="store_true", help="fail on warnings too (registry links that do not hold)")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # a bad configuration is a usage error (exit 2), raised as such
    registry_root = config.registry["path"]
    models: list[ModelVersion] = []
    problems: list[Problem] = []
    targets = args.paths or [registry_root]
    for target in targets:
        path = Path(target)
        if path.is_dir():
            found_models, found = read_registry(path)
        elif path.is_file():
            model, found = read_model_file(path, registry_root)
            found_models = [model] if model else []
        elif args.paths:
            raise ConfigError(f"{target}: no such file or folder")
        else:
            found_models, found = [], []
        models.extend(found_models)
        problems.extend(found)

    checked_forms = checked_workflows = 0
    if not args.paths:
        for path in sorted(Path(".github/ISSUE_TEMPLATE").glob("*.yml")):
            if path.name != "config.yml":
                problems.extend(_file_problems(path, "issue-form"))
                checked_forms += 1
        for path in sorted(Path(".github/workflows").glob("*.y*ml")):
            problems.extend(_file_problems(path, None))
            checked_workflows += 1

    warnings = _link_warnings(models, config.site["snapshot"], problems)
    stages: dict[str, int] = {}
    for model in models:
        stages[model.stage] = stages.get(model.stage, 0) + 1
    names = sorted({m.name for m in models})
    summary = (
        f"configuration: ok ({config.source.file if config.source.data is not None else 'defaults'})\n"
        f"registry: {len(models)} valid version(s) of {len(names)} model(s)"
        + (f" ({', '.join(f'{n} {s}' for s, n in sorted(stages.items()))})" if stages else "")
        + f"; {checked_forms} issue form(s), {checked_workflows} workflow(s) checked; {len(problems)} problem(s)"
        + (f", {len(warnings)} warning(s)" if warnings else "")
    )
    lines = [str(p) for p in problems] + [f"warning: {w}" for w in warnings]
    if github_annotations_enabled():
        lines += [_annotation(p) for p in problems] + [_annotation(w, "warning") for w in warnings]
    emit(
        args,
        {
            "configuration": "ok",
            "models": [{"name": m.name, "version": m.version, "stage": m.stage, "file": m.file} for m in models],
            "problems": [
                {
                    "file": p.location.file,
                    "line": p.location.line,
                    "column": p.location.column,
                    "field": p.location.field,
                    "message": p.message,
                }
                for p in problems
            ],
            "warnings": [str(w) for w in warnings],
        },
        "\n".join([*lines, summary]),
    )
    return EXIT_CHECK_FAILED if problems or (args.strict and warnings) else EXIT_OK


def _link_warnings(models: list[ModelVersion], snapshot_path: str, problems: list[Problem]) -> list[Problem]:
    """Registry links checked against the snapshot, when there is one (a broken snapshot is a problem)."""
    try:
        snapshot = read_snapshot(snapshot_path)
    except CheckFailed as exc:
        problems.append(Problem(exc.location or Location(snapshot_path), exc.message))
        return []
    return link_problems(models, snapshot)


def _file_problems(path: Path, schema: str | None) -> list[Problem]:
    """An issue form against GitHub's form syntax, or a workflow against the hardening rules."""
    try:
        document = parse_yaml(path.read_text(encoding="utf-8"), path.as_posix(), error=CheckFailed)
    except CheckFailed as exc:
        return [Problem(exc.location or Location(path.as_posix()), exc.message)]
    except (OSError, UnicodeDecodeError) as exc:
        return [Problem(Location(path.as_posix()), f"cannot read: {exc}")]
    return schema_problems(document, schema) if schema else workflow_problems(document)


def _annotation(problem: Problem, level: str = "error") -> str:
    where = problem.location
    parts = (
        [f"file={where.file}"]
        + ([f"line={where.line}"] if where.line else [])
        + ([f"col={where.column}"] if where.column else [])
    )
    # Workflow commands end at a newline and treat % specially: escape both.
    message = f"{where.field + ': ' if where.field else ''}{problem.message}"
    message = message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"::{level} {','.join(parts)}::{message}"
