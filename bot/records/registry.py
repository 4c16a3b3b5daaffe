"""The model registry: one YAML file per model version, schema-checked, and the stage rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bot.errors import CheckFailed, Location
from bot.schemas import Problem, schema_problems
from bot.yaml_source import YamlDocument, dotted, parse_yaml

STAGES = ("candidate", "staging", "production", "archived")


@dataclass(frozen=True)
class ModelVersion:
    """One validated registry file."""

    file: str
    name: str
    version: str
    stage: str
    data: dict[str, Any] = field(repr=False)
    source: YamlDocument | None = field(default=None, repr=False, compare=False)  # where each field is

    def locate(self, path: tuple[str | int, ...]) -> Location:
        """file:line:column of a field of this version (its nearest ancestor present in the file)."""
        return self.source.locate(path) if self.source else Location(self.file, field=dotted(path) or None)

    @property
    def metrics(self) -> dict[str, float]:
        return self.data.get("metrics") or {}


def check_model_document(document: YamlDocument, registry_root: str) -> tuple[ModelVersion | None, list[Problem]]:
    """Validate one parsed registry file; the model is None when any problem was found."""
    problems = schema_problems(document, "model")
    if document.data is None:
        return None, [Problem(Location(document.file, 1, 1), "the file is empty")]
    if problems:
        return None, problems
    data = document.data
    expected = PurePosixPath(registry_root) / data["model_name"] / f"{data['version']}.yml"
    actual = PurePosixPath(Path(document.file).as_posix())
    if actual.parts[-2:] != expected.parts[-2:]:
        problems.append(
            Problem(
                document.locate(["model_name"] if actual.parent.name != data["model_name"] else ["version"]),
                f"the file must be {expected} for model_name {data['model_name']!r} and version {data['version']!r}",
            )
        )
        return None, problems
    stage = data.get("stage", "candidate")
    return ModelVersion(document.file, data["model_name"], data["version"], stage, data, document), []


def transition_problem(old_stage: str | None, new_stage: str, transitions: dict[str, list[str]]) -> str | None:
    """Why moving from `old_stage` (None: a new file) to `new_stage` breaks the rules, or None."""
    if old_stage is None:
        return (
            None if new_stage == "candidate" else (f"a new model version must start as 'candidate', not {new_stage!r}")
        )
    if old_stage == new_stage:
        return None
    allowed = transitions.get(old_stage, [])
    if new_stage in allowed:
        return None
    options = ", ".join(allowed) if allowed else "nothing (it is final)"
    return f"stage {old_stage!r} may move to {options}; not to {new_stage!r}"


def read_registry(root: str | Path) -> tuple[list[ModelVersion], list[Problem]]:
    """Every `*.yml` below `root`, validated; a missing folder is an empty registry."""
    root = Path(root)
    models: list[ModelVersion] = []
    problems: list[Problem] = []
    for path in sorted(root.glob("*/*.yml")) + sorted(root.glob("*/*.yaml")):
        model, found = read_model_file(path, str(root))
        problems.extend(found)
        if model:
            models.append(model)
    seen: dict[tuple[str, str], str] = {}
    for model in models:
        key = (model.name, model.version)
        if key in seen:
            problems.append(Problem(Location(model.file, 1, 1), f"{model.name} {model.version} is also in {seen[key]}"))
        seen[key] = model.file
    return models, problems


def read_model_file(path: Path, registry_root: str) -> tuple[ModelVersion | None, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(Location(str(path)), f"cannot read: {exc}")]
    try:
        document = parse_yaml(text, str(path), error=CheckFailed)
    except CheckFailed as exc:
        return None, [Problem(exc.location or Location(str(path)), exc.message)]
    return check_model_document(document, registry_root)
