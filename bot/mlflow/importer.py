"""`registry import mlflow`: read MLflow's registry, plan every version's file, then write.

Everything is read before anything is written, so a server that goes away mid-import leaves the
registry as it was. The requests: one search for the registered models (or one read per model named),
one search for their versions (per model named), then per version its run, its MLmodel file and, where
its source is one of MLflow's indirections (`models:/`, `runs:/`), its download URI, several at a time.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Config
from bot.errors import CheckFailed
from bot.files import replace_file
from bot.mlflow.client import MlflowClient, MlflowNotFound, MlflowRefused, RequestCount
from bot.mlflow.facts import ModelFile, RegisteredModelFacts, RunFacts, VersionFacts
from bot.mlflow.fields import HINTS, imported_version, needs_download_uri, registry_name, registry_version, undotted
from bot.mlflow.plan import DeletedVersion, FilePlan, ImportPlan, plan_file
from bot.yaml_source import parse_yaml

WORKERS = 8
T = TypeVar("T")


@dataclass(frozen=True)
class ImportOptions:
    models: tuple[str, ...] = ()  # MLflow names; empty: the configured ones, else every model
    force: bool = False
    dry_run: bool = False
    today: dt.date | None = None  # the date of stage history entries (default: today, UTC)


@dataclass
class ImportReport:
    plan: ImportPlan
    models: int
    versions: int
    requests: RequestCount
    seconds: float
    dry_run: bool
    written: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = defaultdict(int)
        for file in self.plan.files:
            counted[file.action] += 1
        return {
            "created": counted["create"],
            "updated": counted["update"],
            "unchanged": counted["unchanged"],
            "conflicts": sum(len(f.conflicts) for f in self.plan.files),
            "stage_changes": sum(1 for f in self.plan.files if f.stage_change and f.stage_change.old is not None),
            "incomplete": sum(1 for f in self.plan.files if f.missing),
            "deleted_in_mlflow": len(self.plan.deleted),
            "problems": len(self.plan.problems),
        }


def run_import(config: Config, client: MlflowClient, options: ImportOptions) -> ImportReport:
    started = time.perf_counter()
    today = options.today or dt.datetime.now(dt.UTC).date()
    names = options.models or config.mlflow.models
    models, versions = _read_registry(client, names)
    plan = ImportPlan()
    chosen = _registry_names(models, config, plan.problems)
    root = Path(config.registry.path)
    targets: list[tuple[VersionFacts, str, str, Path, tuple[str, dict[str, Any]] | None]] = []
    for version in versions:
        if version.model not in chosen:
            continue
        if version.status != "READY":
            plan.problems.append(f"{version.model} {version.version}: not imported: its status is {version.status}")
            continue
        version_name = registry_version(version.version, config.mlflow)
        if version_name is None:
            plan.problems.append(
                f"{version.model} {version.version}: mlflow.path {config.mlflow.path!r} makes no valid registry version"
            )
            continue
        name = chosen[version.model]
        path = root / config.mlflow.path.replace("{model}", name).replace("{version}", version.version)
        if not path.resolve().is_relative_to(root.resolve()):
            plan.problems.append(f"{path.as_posix()}: not written: a symbolic link leads it out of {root.as_posix()}")
            continue
        existing = _read_existing(path, plan.problems)
        if existing is False:
            continue
        if existing and not _mirrors(existing[1], version):
            plan.problems.append(
                f"{path.as_posix()}: not merged: it mirrors another MLflow model version "
                f"({existing[1]['mlflow'].get('model')} {existing[1]['mlflow'].get('version')}), not "
                f"{version.model} {version.version}; mlflow.names or mlflow.path must tell them apart"
            )
            continue
        targets.append((version, name, version_name, path, existing or None))

    reuse = {(v.model, v.version) for v, *_, existing in targets if not options.force and _same_source(existing, v)}
    read = _read_versions(client, [target[0] for target in targets], reuse, plan.problems)
    by_model = {model.name: model for model in models}
    for version, name, version_name, path, existing in targets:
        facts = read.get((version.model, version.version))
        if facts is None:
            continue  # MLflow refused to give its run or files: reported, its file untouched
        imported = imported_version(
            by_model[version.model],
            facts,
            config.mlflow,
            server_url=client.tracking_uri,
            repositories=config.repositories,
            name=name,
            version_name=version_name,
        )
        plan.files.append(
            plan_file(
                path.as_posix(),
                existing,
                imported,
                force=options.force,
                today=today,
                transitions=config.registry.transitions,
            )
        )
    imported_files = _imported_files(root)
    listed = {(v.model, v.version) for v in versions}
    looked_at = {model.name for model in models}
    for (model, version), (path, stage) in sorted(imported_files.items()):
        if (model in looked_at or not names) and (model, version) not in listed:
            plan.deleted.append(DeletedVersion(path, model, version, stage))

    report = ImportReport(
        plan, len(chosen), len(plan.files), client.requests, time.perf_counter() - started, options.dry_run
    )
    if not options.dry_run:
        for file in plan.files:
            if file.text is not None:
                replace_file(Path(file.path), file.text.encode("utf-8"))
                report.written.append(file.path)
    report.seconds = time.perf_counter() - started
    return report


def _read_registry(client: MlflowClient, names: Iterable[str]) -> tuple[list[RegisteredModelFacts], list[VersionFacts]]:
    names = list(dict.fromkeys(names))
    if names:
        raw_models = []
        for name in names:
            try:
                raw_models.append(client.get_registered_model(name))
            except MlflowNotFound:
                raise MlflowNotFound(
                    f"MLflow at {client.tracking_uri} has no registered model named {name!r}"
                ) from None
        raw_versions = [v for name in names for v in client.search_model_versions(name)]
    else:
        raw_models = client.search_registered_models()
        raw_versions = client.search_model_versions() if raw_models else []
    models = [m for m in (RegisteredModelFacts.from_json(raw) for raw in raw_models) if m.name and not m.is_prompt]
    aliases: dict[tuple[str, str], list[str]] = defaultdict(list)
    for model in models:
        for alias, version in model.aliases.items():
            aliases[(model.name, version)].append(alias)
    wanted = {model.name for model in models}
    versions = [
        VersionFacts.from_json(raw, tuple(sorted(aliases[(str(raw.get("name")), str(raw.get("version")))])))
        for raw in raw_versions
        if raw.get("name") in wanted
    ]
    versions.sort(key=lambda v: (v.model, _number_order(v.version)))
    return models, versions


def _number_order(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (1 << 62, version)


def _registry_names(models: list[RegisteredModelFacts], config: Config, problems: list[str]) -> dict[str, str]:
    """MLflow name -> registry name, leaving out names that are invalid or that two models would share."""
    wanted: dict[str, str] = {}
    for model in models:
        name = registry_name(model.name, config.mlflow)
        if name is None:
            problems.append(
                f"{model.name}: not imported: no valid registry name; give one under mlflow.names in the configuration"
            )
        else:
            wanted[model.name] = name
    owners: dict[str, list[str]] = defaultdict(list)
    for mlflow_name, name in wanted.items():
        owners[name].append(mlflow_name)
    for name, mlflow_names in owners.items():
        if len(mlflow_names) > 1:
            problems.append(
                f"{', '.join(sorted(mlflow_names))}: not imported: they would all be registry model {name!r}; "
                "tell them apart under mlflow.names in the configuration"
            )
            for mlflow_name in mlflow_names:
                wanted.pop(mlflow_name)
    return wanted


def _read_versions(
    client: MlflowClient, versions: list[VersionFacts], reuse: set[tuple[str, str]], problems: list[str]
) -> dict[tuple[str, str], VersionFacts]:
    """Each version with its run, MLmodel file and storage address, read several at a time (the files not
    for versions in `reuse`: their file holds what they said). A version whose run or files MLflow refused
    to give is left out (its file untouched) and reported."""
    run_ids = sorted({v.run_id for v in versions if v.run_id})
    runs = dict(zip(run_ids, _parallel(lambda run_id: _read_run(client, run_id), run_ids), strict=True))

    def files(version: VersionFacts) -> tuple[VersionFacts, str | None]:
        if (version.model, version.version) in reuse:
            return replace(version, files_read=False), None
        return _read_files(client, version)

    done = {}
    for version, refused in _parallel(files, versions):
        run, run_refused = runs.get(version.run_id, (None, None)) if version.run_id else (None, None)
        if refused or run_refused:
            problems.append(f"{version.model} {version.version}: not imported: {refused or run_refused}")
            continue
        notes = version.notes
        if version.run_id and run is None:
            notes += (f"run {version.run_id} is no longer in MLflow",)
        done[(version.model, version.version)] = replace(version, run=run, notes=notes)
    return done


def _same_source(existing: tuple[str, dict[str, Any]] | None, version: VersionFacts) -> bool:
    """Whether the file was imported from this version's source before (what its files say is in it)."""
    block = (existing[1] if existing else {}).get("mlflow")
    return isinstance(block, dict) and bool(version.source) and block.get("source") == version.source


def _read_run(client: MlflowClient, run_id: str) -> tuple[RunFacts | None, str | None]:
    try:
        return RunFacts.from_json(client.get_run(run_id)), None
    except MlflowNotFound:
        return None, None
    except MlflowRefused as exc:
        return None, f"reading run {run_id}: {exc}"


def _read_files(client: MlflowClient, version: VersionFacts) -> tuple[VersionFacts, str | None]:
    try:
        artifact_uri = ""
        if needs_download_uri(version):
            artifact_uri = client.get_model_version_download_uri(version.model, version.version)
        text = client.get_model_version_file(version.model, version.version, "MLmodel")
    except MlflowNotFound:
        return version, None
    except MlflowRefused as exc:
        return version, f"reading its files: {exc}"
    model_file = ModelFile.parse(text) if text is not None else None
    notes: tuple[str, ...] = ()
    if text is None:
        notes = ("it has no MLmodel file (framework and signature need a person)",)
    elif model_file is None:
        notes = ("its MLmodel file could not be read",)
    return replace(version, artifact_uri=artifact_uri, model_file=model_file, notes=notes), None


def _parallel(work: Callable[[Any], T], items: list[Any]) -> list[T]:
    if len(items) <= 1:
        return [work(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(items))) as pool:
        return list(pool.map(work, items))


def _read_existing(path: Path, problems: list[str]) -> tuple[str, dict[str, Any]] | bool | None:
    """(text, data) of the file, None when there is none, False when it cannot be merged (reported)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(f"{path.as_posix()}: not merged: cannot read it: {exc}")
        return False
    try:
        data = parse_yaml(text, path.as_posix(), error=CheckFailed).data
    except CheckFailed as exc:
        problems.append(f"not merged: {exc}")
        return False
    if data is None:
        return text, {}
    if not isinstance(data, dict):
        problems.append(f"{path.as_posix()}: not merged: the file is not a mapping of fields")
        return False
    return text, data


def _mirrors(data: dict[str, Any], version: VersionFacts) -> bool:
    """Whether a file is this version's: it has no import record yet, or its record names this version."""
    block = data.get("mlflow")
    if not isinstance(block, dict) or "model" not in block:
        return True
    return str(block.get("model")) == version.model and str(block.get("version")) == version.version


def _imported_files(root: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """Every registry file an import wrote: (MLflow model, version) -> (path, stage)."""
    found = {}
    for path in sorted(root.glob("*/*.y*ml")):
        try:
            data = parse_yaml(path.read_text(encoding="utf-8"), path.as_posix(), error=CheckFailed).data
        except (CheckFailed, OSError, UnicodeDecodeError):
            continue
        block = data.get("mlflow") if isinstance(data, dict) else None
        if isinstance(block, dict) and block.get("model") and block.get("version"):
            found[(str(block["model"]), str(block["version"]))] = (path.as_posix(), str(data.get("stage", "candidate")))
    return found


def describe(report: ImportReport) -> list[str]:
    """The report as lines for people: what changed in each file, conflicts, stage moves, what is missing."""
    verb = "would be " if report.dry_run else ""
    lines = []
    for file in report.plan.files:
        lines.extend(_describe_file(file, verb))
    for deleted in report.plan.deleted:
        lines.append(
            f"{deleted.path}: {deleted.model} {deleted.version} is no longer in MLflow; the file is kept "
            f"(stage {deleted.stage}; set stage: archived once it is retired)"
        )
    lines.extend(report.plan.problems)
    counts = report.counts()
    summary = ", ".join(f"{n} {_COUNTED[label][n != 1]}" for label, n in counts.items() if n)
    lines.append(
        f"{report.models} model(s), {report.versions} version(s): {summary or 'nothing to import'}"
        f"{' (dry run: nothing written)' if report.dry_run else ''}; "
        f"{report.requests.total} request(s) to MLflow ({report.requests.retries} retried) in {report.seconds:.1f}s"
    )
    return lines


# How the summary line names each count: (one, several).
_COUNTED = {
    "created": ("created", "created"),
    "updated": ("updated", "updated"),
    "unchanged": ("unchanged", "unchanged"),
    "conflicts": ("conflict", "conflicts"),
    "stage_changes": ("stage change", "stage changes"),
    "incomplete": ("incomplete", "incomplete"),
    "deleted_in_mlflow": ("deleted in MLflow", "deleted in MLflow"),
    "problems": ("not imported", "not imported"),
}


def _describe_file(file: FilePlan, verb: str) -> list[str]:
    lines = []
    if file.action == "create":
        stage = file.stage_change.new if file.stage_change else "candidate"
        reason = f" ({file.stage_change.reason})" if file.stage_change and file.stage_change.new != "candidate" else ""
        lines.append(f"{file.path}: {verb}created, stage {stage}{reason}")
    elif file.action == "update":
        lines.append(f"{file.path}: {verb}updated: {', '.join(file.changed) or 'the import record'}")
    if file.stage_change and file.stage_change.old is not None:
        change = file.stage_change
        gate = f"; the PR gate will refuse it: {change.gate_problem}" if change.gate_problem else ""
        lines.append(f"{file.path}: stage {change.old} -> {change.new} proposed ({change.reason}){gate}")
    elif file.stage_change and file.stage_change.gate_problem:
        lines.append(f"{file.path}: the PR gate will refuse it: {file.stage_change.gate_problem}")
    for conflict in file.conflicts:
        lines.append(
            f"{file.path}: conflict in {conflict.field}: the file says {_short(conflict.in_file)}, MLflow says "
            f"{_short(conflict.in_mlflow)}; the file's value is kept (--force takes MLflow's)"
        )
    if file.kept:
        lines.append(f"{file.path}: kept your edit of {', '.join(file.kept)} (MLflow has not changed it since)")
    if file.missing:
        needed = "; ".join(f"{name} ({HINTS[undotted(name)]})" for name in file.missing)
        lines.append(f"{file.path}: incomplete until a person or MLflow fills in: {needed}")
    if file.rewritten:
        lines.append(f"{file.path}: written whole (it could not be edited in place; its comments are gone)")
    lines.extend(f"{file.path}: note: {note}" for note in file.notes)
    return lines


def _short(value: Any) -> str:
    text = "nothing" if value is None else repr(value)
    return text if len(text) <= 80 else text[:79] + "…"


def as_json(report: ImportReport) -> dict[str, Any]:
    return {
        "dry_run": report.dry_run,
        "models": report.models,
        "versions": report.versions,
        "counts": report.counts(),
        "files": [
            {
                "path": f.path,
                "action": f.action,
                "changed": list(f.changed),
                "conflicts": [{"field": c.field, "file": c.in_file, "mlflow": c.in_mlflow} for c in f.conflicts],
                "kept": list(f.kept),
                "stage_change": None
                if f.stage_change is None
                else {
                    "from": f.stage_change.old,
                    "to": f.stage_change.new,
                    "reason": f.stage_change.reason,
                    "gate_problem": f.stage_change.gate_problem,
                },
                "missing": list(f.missing),
                "notes": list(f.notes),
            }
            for f in report.plan.files
        ],
        "deleted_in_mlflow": [
            {"path": d.path, "model": d.model, "version": d.version, "stage": d.stage} for d in report.plan.deleted
        ],
        "problems": report.plan.problems,
        "written": report.written,
        "requests": report.requests.total,
        "requests_by_endpoint": dict(sorted(report.requests.by_endpoint.items())),
        "retries": report.requests.retries,
        "seconds": round(report.seconds, 3),
    }
