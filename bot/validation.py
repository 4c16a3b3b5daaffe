"""`validate`'s work: every problem in a repository's configuration, registry, issue forms and workflows.

Each file is read on its own, so one broken file never hides the problems of the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Config
from bot.errors import CheckFailed, ConfigError, Location
from bot.records.links import link_problems
from bot.records.registry import ModelVersion, read_model_file, read_registry
from bot.scaffold.workflow_rules import workflow_problems
from bot.schemas import Problem, schema_problems
from bot.site.snapshot import read_snapshot
from bot.yaml_source import YamlDocument, parse_yaml

FORMS_DIR = Path(".github/ISSUE_TEMPLATE")
WORKFLOWS_DIR = Path(".github/workflows")


@dataclass
class ValidationReport:
    config_file: str
    models: list[ModelVersion] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # registry links that do not hold (--strict fails)
    forms_checked: int = 0
    workflows_checked: int = 0

    def summary(self) -> str:
        stages: dict[str, int] = {}
        for model in self.models:
            stages[model.stage] = stages.get(model.stage, 0) + 1
        names = {m.name for m in self.models}
        by_stage = f" ({', '.join(f'{n} {s}' for s, n in sorted(stages.items()))})" if stages else ""
        return (
            f"configuration: ok ({self.config_file})\n"
            f"registry: {len(self.models)} valid version(s) of {len(names)} model(s){by_stage}; "
            f"{self.forms_checked} issue form(s), {self.workflows_checked} workflow(s) checked; "
            f"{len(self.problems)} problem(s)" + (f", {len(self.warnings)} warning(s)" if self.warnings else "")
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "configuration": "ok",
            "models": [{"name": m.name, "version": m.version, "stage": m.stage, "file": m.file} for m in self.models],
            "problems": [
                {
                    "file": p.location.file,
                    "line": p.location.line,
                    "column": p.location.column,
                    "field": p.location.field,
                    "message": p.message,
                }
                for p in self.problems
            ],
            "warnings": [str(w) for w in self.warnings],
        }


def validate_repository(config: Config, paths: list[str]) -> ValidationReport:
    """The named registry files or folders; with none, the configured registry, forms and workflows."""
    report = ValidationReport(config.source.file if config.source.data is not None else "defaults")
    registry_root = config.registry.path
    for target in paths or [registry_root]:
        path = Path(target)
        if path.is_dir():
            models, problems = read_registry(path)
        elif path.is_file():
            model, problems = read_model_file(path, registry_root)
            models = [model] if model else []
        elif paths:
            raise ConfigError(f"{target}: no such file or folder")
        else:
            models, problems = [], []
        report.models.extend(models)
        report.problems.extend(problems)
    try:  # registry links against the snapshot, when there is one
        report.warnings = link_problems(report.models, read_snapshot(config.site.snapshot))
    except CheckFailed as exc:
        report.problems.append(Problem(exc.location or Location(config.site.snapshot), exc.message))
    if not paths:
        for path in sorted(FORMS_DIR.glob("*.yml")):
            if path.name != "config.yml":
                report.problems.extend(file_problems(path, "issue-form"))
                report.forms_checked += 1
        for path in sorted(WORKFLOWS_DIR.glob("*.y*ml")):
            report.problems.extend(file_problems(path, None))
            report.workflows_checked += 1
    return report


def read_yaml_file(path: Path) -> tuple[YamlDocument | None, list[Problem]]:
    """The document, or why it cannot be read: an unreadable or malformed file is a problem, never a traceback."""
    try:
        return parse_yaml(path.read_text(encoding="utf-8"), path.as_posix(), error=CheckFailed), []
    except CheckFailed as exc:
        return None, [Problem(exc.location or Location(path.as_posix()), exc.message)]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(Location(path.as_posix()), f"cannot read: {exc}")]


def file_problems(path: Path, schema: str | None) -> list[Problem]:
    """An issue form against GitHub's form syntax (`schema`), or a workflow against the hardening rules."""
    document, problems = read_yaml_file(path)
    if document is None:
        return problems
    return schema_problems(document, schema) if schema else workflow_problems(document)
