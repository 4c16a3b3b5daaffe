"""`.github/mlops.yml` -> a frozen `Config`, schema-checked, with errors that name line and field.

An empty or missing file means the defaults below, which follow the team's methodology.
"""

from __future__ import annotations

import copy
import hashlib
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from bot.errors import ConfigError, Location
from bot.schemas import schema_problems
from bot.yaml_source import YamlDocument, parse_yaml

DEFAULT_PATH = ".github/mlops.yml"

# Columns in lifecycle order: where several labels apply, the one furthest along wins.
DEFAULTS: dict[str, Any] = {
    "status_field": "Status",
    "stage_field": None,
    "columns": {
        "Backlog": {"labels": ["ml-retraining", "type-mlops"]},
        "Data Prep": {"labels": ["ml-data"]},
        "Experiment": {"labels": ["ml-experiment", "ml-training"]},
        "Evaluation": {"labels": ["ml-evaluation"]},
        "Deployment": {"labels": ["ml-deployment"]},
        "Monitoring": {"labels": ["ml-monitoring"]},
        "Done": {"labels": []},
    },
    "closed_column": "Done",
    "label_precedence": [],
    "unlabeled_items": "archive",
    "sync": {"batch_size": 50, "mutation_pause_seconds": 1.0},
    "labels": {
        "type-mlops": {"color": "5319e7", "description": "MLOps work: research spikes, tooling, process"},
        "ml-data": {"color": "0e8a16", "description": "Data pipeline: collection, validation, features, versioning"},
        "ml-experiment": {"color": "1d76db", "description": "Experiment: a hypothesis tested on data"},
        "ml-training": {"color": "0052cc", "description": "Model training run"},
        "ml-evaluation": {"color": "fbca04", "description": "Model validation before release"},
        "ml-deployment": {"color": "d93f0b", "description": "Model deployment to staging or production"},
        "ml-monitoring": {"color": "b60205", "description": "Production monitoring and incidents"},
        "ml-retraining": {"color": "c5def5", "description": "Model update: decay, new data, drift or manual"},
    },
    "checklist": {
        "required": [
            "Model validated",
            "A/B test configured",
            "Monitoring set up",
            "Rollback tested",
            "Alerts configured",
        ],
        "not_applicable_marker": "N/A:",
        "blockquote_tasks": "count",
        "source": "pr",
    },
    "gate": {
        "status_context": "mlops/deployment-checklist",
        "deployment_paths": ["registry/**", "deploy/**", "serving/**"],
        "comment": False,
    },
    "registry": {
        "path": "registry",
        "transitions": {
            "candidate": ["staging", "archived"],
            "staging": ["production", "archived"],
            "production": ["staging", "archived"],
            "archived": [],
        },
        "production_approvers": {"users": [], "teams": [], "codeowners": True},
    },
    "monitoring": {
        "thresholds": {
            "p99_latency_ms": {"max": 200, "window_minutes": 1, "consecutive_windows": 5},
            "error_rate_percent": {"max": 1.0, "window_minutes": 1, "consecutive_windows": 1},
            "feature_psi": {"max": 0.25},
            "score_ks_pvalue": {"min": 0.01},
            "brier_degradation_percent": {"max": 15},
            "custom": {},
        },
        "open_retraining_issue": True,
        "recovery_windows": 3,
        "close_on_recovery": False,
        "status_dir": None,
        "write_status": False,
    },
    "commands": {"allowed_associations": ["OWNER", "MEMBER", "COLLABORATOR"]},
    "site": {"title": "ML team handbook", "snapshot": "data/snapshot.json"},
    "mlflow": {
        "tracking_uri": None,
        "models": [],
        "names": {},
        "stages": {"aliases": {}, "tags": {}},
        "metrics": [],
        "params": [],
        "path": "{model}/{version}.yml",
    },
}

_PROJECT_URL = re.compile(
    r"^(?P<scheme>https?)://(?P<host>[^/\s]+)/(?P<kind>orgs|users)/(?P<owner>[A-Za-z0-9][A-Za-z0-9-]*)"
    r"/projects/(?P<number>[1-9][0-9]*)(?:/.*)?$"
)


@dataclass(frozen=True)
class ProjectRef:
    """A Projects (v2) board, as named by its URL."""

    host: str
    owner_kind: Literal["organization", "user"]
    owner: str
    number: int
    scheme: str = "https"

    @property
    def url(self) -> str:
        kind = "orgs" if self.owner_kind == "organization" else "users"
        return f"{self.scheme}://{self.host}/{kind}/{self.owner}/projects/{self.number}"

    @classmethod
    def parse(cls, url: str, location: Location | None = None) -> ProjectRef:
        match = _PROJECT_URL.match(url.strip())
        if not match:
            raise ConfigError(
                f"{url!r} is not a project URL; copy it from the browser, e.g. "
                "https://github.com/orgs/acme/projects/3 or https://github.com/users/jo/projects/1",
                location,
            )
        kind = "organization" if match["kind"] == "orgs" else "user"
        return cls(match["host"], kind, match["owner"], int(match["number"]), match["scheme"])


@dataclass(frozen=True)
class Column:
    name: str
    labels: tuple[str, ...]
    wip_limit: int | None


@dataclass(frozen=True)
class BoardConfig:
    status_field: str
    stage_field: str | None
    columns: tuple[Column, ...]
    closed_column: str
    label_precedence: tuple[str, ...]  # effective order, first wins
    unlabeled_items: str
    batch_size: int
    mutation_pause_seconds: float

    @property
    def mapped_labels(self) -> frozenset[str]:
        return frozenset(label for column in self.columns for label in column.labels)

    def column_for_label(self, label: str) -> str | None:
        for column in self.columns:
            if label in column.labels:
                return column.name
        return None

    def wip_limit(self, column_name: str) -> int | None:
        return next((c.wip_limit for c in self.columns if c.name == column_name), None)


@dataclass(frozen=True)
class RequiredItem:
    text: str
    allow_not_applicable: bool


@dataclass(frozen=True)
class ChecklistConfig:
    required: tuple[RequiredItem, ...]
    not_applicable_marker: str
    blockquote_tasks: str
    source: str


@dataclass(frozen=True)
class LabelSpec:
    color: str  # six hex digits, no `#`
    description: str


MAX_STATUS_CONTEXT = 255  # GitHub's limit on a commit status context (the schema keeps status_context to 200)


@dataclass(frozen=True)
class GateConfig:
    status_context: str  # the commit status the gate posts (and branch protection requires)
    deployment_paths: tuple[str, ...]  # glob patterns: a pull request touching one is a deployment
    comment: bool  # also keep one PR comment with the gate's table

    def context_for(self, base: str, default_branch: str) -> str:
        """The status context of a pull request into `base`. Into the default branch: `status_context`, the
        one branch protection requires. Into any other branch: `status_context (base)`, a context of that
        branch alone, so a pass judged against one base (a branch the author made, or one the promotion
        already reached) never stands on the commit for another."""
        if base == default_branch:
            return self.status_context
        context = f"{self.status_context} ({base})"
        if len(context) <= MAX_STATUS_CONTEXT:
            return context
        digest = hashlib.sha256(base.encode("utf-8")).hexdigest()[:8]  # a branch name may be 255 bytes long
        room = max(0, MAX_STATUS_CONTEXT - len(self.status_context) - len(" (… )") - len(digest))
        return f"{self.status_context} ({base[:room]}… {digest})"[:MAX_STATUS_CONTEXT]


@dataclass(frozen=True)
class ProductionApprovers:
    users: tuple[str, ...]
    teams: tuple[str, ...]  # org/slug
    codeowners: bool  # the registry file's code owners may approve too


@dataclass(frozen=True)
class RegistryConfig:
    path: str
    transitions: Mapping[str, tuple[str, ...]]  # stage -> the stages it may move to
    production_approvers: ProductionApprovers


@dataclass(frozen=True)
class Threshold:
    """A monitored value's bounds: past `max` or `min` for `consecutive_windows` windows in a row is a breach."""

    max: float | None = None
    min: float | None = None
    consecutive_windows: int = 1
    window_minutes: int | None = None

    def is_past(self, value: float) -> bool:
        return (self.max is not None and value > self.max) or (self.min is not None and value < self.min)

    def rule(self, unit: str = "") -> str:
        """`above 200 ms`, `below 0.01`, or both joined by `or`."""
        parts = [f"above {self.max:g}{unit}"] if self.max is not None else []
        parts += [f"below {self.min:g}{unit}"] if self.min is not None else []
        return " or ".join(parts)

    def describe(self) -> str:
        """The rule with how long it must hold: `above 200 for 5 consecutive windows`."""
        windows = self.consecutive_windows
        return self.rule() + (f" for {windows} consecutive windows" if windows > 1 else " in any window")

    def window_text(self) -> str:
        """How long the rule must hold, in minutes where the window length is known."""
        if not self.window_minutes:
            return "each report"
        if self.consecutive_windows > 1:
            return f"{self.consecutive_windows * self.window_minutes} consecutive minutes"
        return f"any {self.window_minutes}-minute window"

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Threshold:
        return cls(
            max=spec.get("max"),
            min=spec.get("min"),
            consecutive_windows=int(spec.get("consecutive_windows", 1)),
            window_minutes=spec.get("window_minutes"),
        )


@dataclass(frozen=True)
class MonitoringConfig:
    thresholds: Mapping[str, Threshold]  # p99_latency_ms, error_rate_percent, feature_psi, score_ks_pvalue, ...
    custom_thresholds: Mapping[str, Threshold]  # report column -> its bounds
    open_retraining_issue: bool
    recovery_windows: int
    close_on_recovery: bool
    status_dir: str | None  # where status files are kept (the site reads them)
    write_status: bool  # `monitor` writes a status file there after each check


@dataclass(frozen=True)
class CommandsConfig:
    allowed_associations: tuple[str, ...]  # author associations that may run slash commands


@dataclass(frozen=True)
class SiteConfig:
    title: str
    snapshot: str  # the snapshot file of issues the site is built from
    url: str | None  # where the site is published, for links from issues


@dataclass(frozen=True)
class MlflowConfig:
    """The MLflow bridge: where the tracking server is and how its registry maps onto the repository's."""

    configured: bool  # the file has an `mlflow:` section (the snapshot reads runs only then)
    tracking_uri: str | None  # else --tracking-uri or MLFLOW_TRACKING_URI
    models: tuple[str, ...]  # registered models to import; empty: every one
    names: Mapping[str, str]  # MLflow model name -> registry model_name, where the default spelling will not do
    stage_aliases: Mapping[str, str]  # alias -> stage
    stage_tags: Mapping[str, Mapping[str, str]]  # version tag key -> tag value -> stage
    metrics: tuple[str, ...]  # run metrics to import and show, in this order; empty: every one
    params: tuple[str, ...]  # run parameters to show on experiment cards; empty: every one
    path: str  # file of one version under registry.path: "{model}/{version}.yml"


@dataclass(frozen=True)
class Config:
    """Everything the bot reads from `.github/mlops.yml`, defaults filled in."""

    source: YamlDocument
    project: ProjectRef | None
    repositories: tuple[str, ...]
    board: BoardConfig
    checklist: ChecklistConfig
    labels: Mapping[str, LabelSpec]
    gate: GateConfig
    registry: RegistryConfig
    monitoring: MonitoringConfig
    commands: CommandsConfig
    site: SiteConfig
    mlflow: MlflowConfig

    def locate(self, *path: str | int) -> Location:
        return self.source.locate(path)


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    project_url: str | None = None,
    environ: dict[str, str] | None = None,
) -> Config:
    """Read, validate and complete the configuration.

    `path` None means `.github/mlops.yml` if it exists, else the defaults; a path given
    explicitly must exist. The board URL comes from `project_url` (the command line), then
    `MLOPS_PROJECT_URL`, then the file.
    """
    environ = os.environ if environ is None else environ
    if path is None:
        file = Path(DEFAULT_PATH)
        text = file.read_text(encoding="utf-8") if file.is_file() else ""
    else:
        file = Path(path)
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("configuration file not found", Location(str(file))) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read configuration: {exc}", Location(str(file))) from None
    return config_from_document(
        parse_yaml(text, str(file)),
        project_url=project_url or environ.get("MLOPS_PROJECT_URL") or None,
        default_repository=environ.get("GITHUB_REPOSITORY") or None,
    )


def config_from_document(
    document: YamlDocument, *, project_url: str | None = None, default_repository: str | None = None
) -> Config:
    problems = schema_problems(document, "config")
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        raise ConfigError(first.message + more, first.location)
    merged = _merge(DEFAULTS, document.data or {})

    if project_url:
        project = ProjectRef.parse(project_url, Location(field="--project-url / MLOPS_PROJECT_URL"))
    elif merged.get("project_url"):
        project = ProjectRef.parse(merged["project_url"], document.locate(["project_url"]))
    else:
        project = None

    repositories = tuple(merged.get("repositories") or ([default_repository] if default_repository else []))
    return Config(
        source=document,
        project=project,
        repositories=repositories,
        board=_board(merged, document),
        checklist=_checklist(merged["checklist"]),
        labels={
            name: LabelSpec(str((spec or {}).get("color", "ededed")), str((spec or {}).get("description", "")))
            for name, spec in merged["labels"].items()
        },
        gate=_gate(merged["gate"]),
        registry=_registry(merged["registry"], document),
        monitoring=_monitoring(merged["monitoring"]),
        commands=CommandsConfig(tuple(merged["commands"]["allowed_associations"])),
        site=SiteConfig(merged["site"]["title"], merged["site"]["snapshot"], merged["site"].get("url")),
        mlflow=_mlflow(merged["mlflow"], configured=isinstance(document.data, dict) and "mlflow" in document.data),
    )


def _gate(section: dict[str, Any]) -> GateConfig:
    return GateConfig(section["status_context"], tuple(section["deployment_paths"]), bool(section["comment"]))


def _registry(section: dict[str, Any], document: YamlDocument) -> RegistryConfig:
    approvers = section["production_approvers"]
    # One spelling of the folder: the gate finds it in git trees by name, so `./registry` or `registry/.`
    # must not hide the registry from it.
    path = posixpath.normpath(str(section["path"]))
    if path == ".":
        raise ConfigError(
            "names the repository itself: give the registry a folder of its own",
            document.locate(["registry", "path"]),
        )
    return RegistryConfig(
        path=path,
        transitions={stage: tuple(targets) for stage, targets in section["transitions"].items()},
        production_approvers=ProductionApprovers(
            tuple(approvers.get("users", ())), tuple(approvers.get("teams", ())), bool(approvers.get("codeowners"))
        ),
    )


def _monitoring(section: dict[str, Any]) -> MonitoringConfig:
    thresholds = section["thresholds"]
    return MonitoringConfig(
        thresholds={key: Threshold.from_spec(spec) for key, spec in thresholds.items() if key != "custom"},
        custom_thresholds={name: Threshold.from_spec(spec) for name, spec in (thresholds.get("custom") or {}).items()},
        open_retraining_issue=bool(section["open_retraining_issue"]),
        recovery_windows=int(section["recovery_windows"]),
        close_on_recovery=bool(section["close_on_recovery"]),
        status_dir=section.get("status_dir"),
        write_status=bool(section.get("write_status")),
    )


def _mlflow(section: dict[str, Any], configured: bool) -> MlflowConfig:
    stages = section.get("stages") or {}
    return MlflowConfig(
        configured=configured,
        tracking_uri=section.get("tracking_uri"),
        models=tuple(section.get("models") or ()),
        names=dict(section.get("names") or {}),
        stage_aliases=dict(stages.get("aliases") or {}),
        stage_tags={key: dict(values or {}) for key, values in (stages.get("tags") or {}).items()},
        metrics=tuple(section.get("metrics") or ()),
        params=tuple(section.get("params") or ()),
        path=section.get("path") or "{model}/{version}.yml",
    )


def _merge(defaults: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Sections that are settings merge key by key; `columns` and lists replace the default whole."""
    merged = copy.deepcopy(defaults)
    for key, value in overrides.items():
        if key in {"sync", "checklist", "gate", "registry", "monitoring", "commands", "site", "labels", "mlflow"}:
            section = merged.setdefault(key, {})
            for inner_key, inner_value in (value or {}).items():
                if key == "monitoring" and inner_key == "thresholds":
                    section[inner_key] = {**section.get(inner_key, {}), **(inner_value or {})}
                else:
                    section[inner_key] = copy.deepcopy(inner_value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _board(merged: dict[str, Any], document: YamlDocument) -> BoardConfig:
    columns = tuple(
        Column(name, tuple((spec or {}).get("labels", [])), (spec or {}).get("wip_limit"))
        for name, spec in merged["columns"].items()
    )
    names = [c.name for c in columns]
    owner_of: dict[str, str] = {}
    for column in columns:
        for index, label in enumerate(column.labels):
            if label in owner_of:
                raise ConfigError(
                    f"label {label!r} is mapped to both {owner_of[label]!r} and {column.name!r}",
                    document.locate(["columns", column.name, "labels", index]),
                )
            owner_of[label] = column.name
    if merged["closed_column"] not in names:
        raise ConfigError(
            f"{merged['closed_column']!r} is not one of the columns ({', '.join(names)})",
            document.locate(["closed_column"]),
        )
    for index, label in enumerate(merged["label_precedence"]):
        if label not in owner_of:
            raise ConfigError(f"{label!r} is not mapped to any column", document.locate(["label_precedence", index]))
    # Explicit precedence first; then every other mapped label, furthest column first.
    lifecycle = [label for column in reversed(columns) for label in column.labels]
    explicit = list(merged["label_precedence"])
    precedence = tuple(explicit + [label for label in lifecycle if label not in explicit])
    return BoardConfig(
        status_field=merged["status_field"],
        stage_field=merged.get("stage_field"),
        columns=columns,
        closed_column=merged["closed_column"],
        label_precedence=precedence,
        unlabeled_items=merged["unlabeled_items"],
        batch_size=merged["sync"]["batch_size"],
        mutation_pause_seconds=float(merged["sync"]["mutation_pause_seconds"]),
    )


def _checklist(section: dict[str, Any]) -> ChecklistConfig:
    required = tuple(
        RequiredItem(entry, False)
        if isinstance(entry, str)
        else RequiredItem(entry["item"], bool(entry.get("allow_not_applicable", False)))
        for entry in section["required"]
    )
    return ChecklistConfig(
        required=required,
        not_applicable_marker=section["not_applicable_marker"],
        blockquote_tasks=section["blockquote_tasks"],
        source=section["source"],
    )
