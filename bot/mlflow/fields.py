"""What the import owns in a registry file, pure: a version's facts -> field values, by path.

Nothing is guessed: each value comes from MLflow's own record of the version (its source, its MLmodel
file, its run) or from a tag a person set. Tags set on the version win over the run's, which win over
what MLflow recorded by itself. The tags the bridge reads:

    mlops.owner                      owner (version, registered model or run)
    mlops.dataset                    provenance.dataset_snapshot_uri (else the run's training dataset input)
    mlops.environment                provenance.environment_lockfile_uri (else the model's python_env.yaml)
    mlops.git_commit                 provenance.git_commit (else the run's mlflow.source.git.commit)
    mlops.framework, mlops.framework_version   framework (else the MLmodel file's flavor)
    mlops.issue                      links.experiment_issue (12, #12, owner/repo#12 or the issue's URL)
"""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.config import MlflowConfig
from bot.mlflow.facts import ModelFile, RegisteredModelFacts, VersionFacts

FieldPath = tuple[str, ...]  # ("artifact_uri",) or ("metrics", "val/auc"): a top-level key and at most one more

MODEL_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$")
GIT_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
_ISSUE = re.compile(
    r"^\s*(?:https?://[^/\s]+/(?P<url_repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+)/issues/(?P<url_number>[1-9][0-9]*)/?"
    r"|(?:(?P<repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+))?#?(?P<number>[1-9][0-9]{0,9}))\s*$"
)
_STORAGE_URI = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$")
_NOT_STORAGE = ("runs:", "models:", "mlflow-artifacts:")  # MLflow's own indirections: the download URI is real
_VERSION_KEY = re.compile(r"^(?!python_|mlflow_)[a-z0-9_]*_version$")
REQUIRED = (
    ("artifact_uri",),
    ("framework",),
    ("signature",),
    ("provenance", "git_commit"),
    ("provenance", "dataset_snapshot_uri"),
    ("provenance", "environment_lockfile_uri"),
)
# Where a person can supply what MLflow did not say, for the report.
HINTS = {
    ("artifact_uri",): "the version's source names no storage",
    ("framework",): "log the model with an MLflow flavor, or tag mlops.framework and mlops.framework_version",
    ("signature",): "log the model with a signature",
    ("provenance", "git_commit"): "run from a git checkout, or tag mlops.git_commit",
    ("provenance", "dataset_snapshot_uri"): "log the training dataset as a run input, or tag mlops.dataset",
    ("provenance", "environment_lockfile_uri"): "tag mlops.environment",
}


def dotted(path: FieldPath) -> str:
    return ".".join(path)


def undotted(key: str) -> FieldPath:
    """`metrics.val.auc` -> ("metrics", "val.auc"): top-level keys never hold a dot; metric names may."""
    head, _, rest = key.partition(".")
    return (head, rest) if rest else (head,)


@dataclass(frozen=True)
class StageChoice:
    stage: str
    reason: str  # "alias champion", "tag deploy=prod"


@dataclass(frozen=True)
class ImportedVersion:
    """Everything the import would write for one version, before it meets the file."""

    registry_name: str
    registry_version: str
    values: Mapping[FieldPath, Any]  # owned field -> value; a field MLflow says nothing about is absent
    stage: StageChoice | None  # None: nothing maps this version to a stage
    record: Mapping[str, str]  # the file's `mlflow:` block besides `imported`
    created: str | None  # the version's creation date, for a new file's first history entry
    notes: tuple[str, ...] = field(default=())  # what MLflow said that could not be used
    unknown: frozenset[FieldPath] = frozenset()  # not read this time: left as they are, base included


def registry_name(mlflow_name: str, config: MlflowConfig) -> str | None:
    """The registry's model_name for an MLflow model: the configured one, else lower case with every other
    character run as one dash. None when that is not a valid name."""
    if mlflow_name in config.names:
        return config.names[mlflow_name]
    name = re.sub(r"[^a-z0-9._]+", "-", mlflow_name.lower()).strip("-._")
    return name if MODEL_NAME.match(name) else None


def registry_version(mlflow_version: str, config: MlflowConfig) -> str | None:
    stem = config.path.split("/", 1)[1].rsplit(".", 1)[0]
    version = stem.replace("{version}", mlflow_version)
    return version if VERSION.match(version) else None


def stage_for(version: VersionFacts, config: MlflowConfig) -> tuple[StageChoice | None, str | None]:
    """The stage the configuration maps this version to, and a note when mappings disagree (then None)."""
    choices = [StageChoice(config.stage_aliases[a], f"alias {a}") for a in version.aliases if a in config.stage_aliases]
    for key, values in config.stage_tags.items():
        value = version.tags.get(key)
        if value is not None and value in values:
            choices.append(StageChoice(values[value], f"tag {key}={value}"))
    stages = {choice.stage for choice in choices}
    if len(stages) > 1:
        said = ", ".join(f"{c.reason} -> {c.stage}" for c in choices)
        return None, f"the stage mapping disagrees ({said}); stage left as it is"
    return (choices[0] if choices else None), None


def imported_version(
    model: RegisteredModelFacts,
    version: VersionFacts,
    config: MlflowConfig,
    *,
    server_url: str,
    repositories: tuple[str, ...],
    name: str,
    version_name: str,
) -> ImportedVersion:
    run = version.run
    run_tags: Mapping[str, str] = run.tags if run else {}
    notes: list[str] = list(version.notes)

    def tag(key: str, *, model_too: bool = False) -> str | None:
        for tags in (version.tags, model.tags if model_too else {}, run_tags):
            if tags.get(key, "").strip():
                return tags[key].strip()
        return None

    values: dict[FieldPath, Any] = {}
    # Fields only the version's files could tell, when they were not read this time (see VersionFacts.files_read).
    unknown: set[FieldPath] = set()
    artifact_uri = _storage_uri(version, server_url)
    if artifact_uri:
        values[("artifact_uri",)] = artifact_uri
    elif not version.files_read:
        unknown.add(("artifact_uri",))
    framework = _framework(tag("mlops.framework"), tag("mlops.framework_version"), version.model_file)
    if framework:
        values[("framework",)] = framework
    elif not version.files_read:
        unknown.add(("framework",))
    if version.model_file and version.model_file.signature:
        signature, problem = _signature(version.model_file.signature)
        if signature:
            values[("signature",)] = signature
        elif problem:
            notes.append(problem)
    elif not version.files_read:
        unknown.add(("signature",))

    commit = tag("mlops.git_commit") or run_tags.get("mlflow.source.git.commit", "").strip()
    if commit and GIT_COMMIT.match(commit.lower()):
        values[("provenance", "git_commit")] = commit.lower()
    elif commit:
        notes.append(f"git commit {commit[:60]!r} is not a commit hash; not imported")
    dataset = tag("mlops.dataset") or _training_dataset(version)
    if dataset:
        values[("provenance", "dataset_snapshot_uri")] = dataset
    environment = tag("mlops.environment") or _environment(version.model_file, artifact_uri)
    if environment:
        values[("provenance", "environment_lockfile_uri")] = environment
    elif not version.files_read:
        unknown.add(("provenance", "environment_lockfile_uri"))

    owner = tag("mlops.owner", model_too=True)
    if owner:
        values[("owner",)] = owner
    if model.description.strip():
        values[("task",)] = model.description.strip()
    if version.description.strip():
        values[("description",)] = version.description.strip()
    created = _date(version.created_ms)
    if created:
        values[("created",)] = created

    issue = tag("mlops.issue")
    if issue:
        reference = issue_reference(issue)
        if reference:
            repository, number = reference
            if repository or len(repositories) == 1:
                values[("links", "repository")] = repository or repositories[0]
            values[("links", "experiment_issue")] = number
        else:
            notes.append(f"tag mlops.issue={issue[:60]!r} names no issue (write 12, #12 or owner/repo#12)")
    if run:
        wanted = config.metrics or tuple(sorted(run.metrics))
        for metric in wanted:
            if metric in run.metrics:
                values[("metrics", metric)] = run.metrics[metric]
        if config.metrics and config.metrics[0] in run.metrics:
            values[("headline_metric",)] = config.metrics[0]
        if run.experiment_id:
            values[("links", "mlflow_run")] = run_url(server_url, run.experiment_id, run.run_id)
    values[("links", "mlflow_model_version")] = (
        f"{server_url}/#/models/{urllib.parse.quote(version.model, safe='')}/versions/{version.version}"
    )

    stage, problem = stage_for(version, config)
    if problem:
        notes.append(problem)
    record = {"model": version.model, "version": version.version, "source": version.source}
    if version.run_id:
        record["run_id"] = version.run_id
    return ImportedVersion(name, version_name, values, stage, record, created, tuple(notes), frozenset(unknown))


def issue_reference(text: str) -> tuple[str | None, int] | None:
    """`12`, `#12`, `owner/repo#12` or an issue's URL -> (repository or None, number); None for anything else."""
    match = _ISSUE.match(text)
    if not match:
        return None
    return match["url_repo"] or match["repo"], int(match["url_number"] or match["number"])


def run_url(server_url: str, experiment_id: str, run_id: str) -> str:
    """The run's page in the tracking server's UI."""
    return f"{server_url}/#/experiments/{urllib.parse.quote(experiment_id, safe='')}/runs/{run_id}"


def _storage_uri(version: VersionFacts, server_url: str) -> str | None:
    """Where the version's files are: its source when that is a storage address, else its download URI.
    A local path becomes a file:// URI; files the tracking server keeps itself (`mlflow-artifacts:`) are
    named by the address it serves them at (its mlflow-artifacts API)."""
    for candidate in (version.source, version.artifact_uri):
        if candidate.startswith("mlflow-artifacts:"):
            path = re.sub(r"^mlflow-artifacts:(//[^/]*)?/*", "", candidate)
            return f"{server_url}/api/2.0/mlflow-artifacts/artifacts/{path}"
        if not candidate or candidate.startswith(_NOT_STORAGE):
            continue
        if candidate.startswith("/"):
            return "file://" + urllib.parse.quote(candidate)
        if _STORAGE_URI.match(candidate):
            return candidate
    return None


def needs_download_uri(version: VersionFacts) -> bool:
    """Whether only the download URI says where the files are (`models:/`, `runs:/` sources)."""
    source = version.source
    if source.startswith(("/", "mlflow-artifacts:")):
        return False
    return not (_STORAGE_URI.match(source) and not source.startswith(_NOT_STORAGE))


def _framework(name: str | None, version: str | None, model_file: ModelFile | None) -> dict[str, str] | None:
    if name and version:
        return {"name": name, "version": version}
    if model_file is None:
        return None
    for flavor, spec in model_file.flavors.items():
        if flavor == "python_function":
            continue
        found = next((str(v) for k, v in spec.items() if _VERSION_KEY.match(k) and v), None)
        if found:
            return {"name": name or flavor, "version": version or found}
    pyfunc = model_file.flavors.get("python_function") or {}
    if len(model_file.flavors) == 1 and pyfunc and model_file.mlflow_version:
        # A custom pyfunc model: its framework is MLflow's pyfunc, at the MLflow version that saved it.
        return {"name": name or "mlflow.pyfunc", "version": version or model_file.mlflow_version}
    return None


def _signature(signature: Mapping[str, Any]) -> tuple[dict[str, list[dict[str, Any]]] | None, str | None]:
    converted: dict[str, list[dict[str, Any]]] = {}
    for side in ("inputs", "outputs"):
        specs = signature.get(side)
        if not isinstance(specs, list) or not specs:
            return None, f"the signature has no {side}; not imported"
        tensors = []
        for index, spec in enumerate(specs):
            if not isinstance(spec, dict):
                return None, f"signature {side}[{index}] is not a column or tensor spec; not imported"
            tensors.append(_tensor(spec, side, index, len(specs)))
        converted[side] = tensors
    return converted, None


def _tensor(spec: Mapping[str, Any], side: str, index: int, count: int) -> dict[str, Any]:
    """One MLflow column or tensor spec -> {name, type, shape}. An unnamed tensor is named by position."""
    tensor_spec = spec.get("tensor-spec") if isinstance(spec.get("tensor-spec"), dict) else None
    name = str(spec.get("name") or "") or (side.rstrip("s") if count == 1 else f"{side.rstrip('s')}_{index}")
    if tensor_spec is not None:
        entry: dict[str, Any] = {"name": name, "type": str(tensor_spec.get("dtype") or "tensor")}
        shape = tensor_spec.get("shape")
        if isinstance(shape, list) and all(isinstance(n, int) and n >= -1 for n in shape):
            entry["shape"] = list(shape)
        return entry
    return {"name": name, "type": _type_text(spec) or "unknown"}


def _type_text(spec: Mapping[str, Any]) -> str:
    """double, string, array<double>, map<string>, object: MLflow's column types in a word."""
    kind = str(spec.get("type") or "")
    if kind == "array" and isinstance(spec.get("items"), dict):
        return f"array<{_type_text(spec['items'])}>"
    if kind == "map" and isinstance(spec.get("values"), dict):
        return f"map<{_type_text(spec['values'])}>"
    return kind


def _training_dataset(version: VersionFacts) -> str | None:
    """The run's training dataset input, where it names its source (several unmarked inputs: none)."""
    datasets = [d for d in (version.run.datasets if version.run else ()) if d.source]
    training = [d for d in datasets if d.context.lower() in ("train", "training")]
    chosen = training or (datasets if len(datasets) == 1 else [])
    return chosen[0].source if len(chosen) == 1 else None


def _environment(model_file: ModelFile | None, artifact_uri: str | None) -> str | None:
    """The environment file MLflow saved with the model (what `mlflow models serve` rebuilds it from)."""
    if model_file is None or not artifact_uri:
        return None
    env = (model_file.flavors.get("python_function") or {}).get("env")
    file = env.get("virtualenv") if isinstance(env, dict) else env if isinstance(env, str) else None
    if isinstance(file, str) and re.fullmatch(r"[A-Za-z0-9._-]+", file):
        return f"{artifact_uri.rstrip('/')}/{file}"
    return None


def _date(milliseconds: int | None) -> str | None:
    if milliseconds is None or milliseconds <= 0:
        return None
    return dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC).date().isoformat()
