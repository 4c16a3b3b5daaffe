"""Problems of a team's YAML file on disk: an issue form against GitHub's form syntax, or a workflow
against the hardening rules. Unreadable or malformed files are problems too, never tracebacks."""

from __future__ import annotations

from pathlib import Path

from bot.errors import CheckFailed, Location
from bot.records.workflow_rules import workflow_problems
from bot.schemas import Problem, schema_problems
from bot.yaml_source import YamlDocument, parse_yaml


def read_yaml_file(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    try:
        return parse_yaml(path.read_text(encoding="utf-8"), path.as_posix(), error=CheckFailed), []
    except CheckFailed as exc:
        return None, [Problem(exc.location or Location(path.as_posix()), exc.message)]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(Location(path.as_posix()), f"cannot read: {exc}")]


def file_problems(path: Path, schema: str | None) -> list[Problem]:
    """`schema` names a JSON Schema (e.g. "issue-form"); None checks a workflow."""
    document, problems = read_yaml_file(path)
    if document is None:
        return problems
    return schema_problems(document, schema) if schema else workflow_problems(document)
