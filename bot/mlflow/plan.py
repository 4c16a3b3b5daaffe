"""The import's planner, pure: what MLflow says + what the file holds -> the file's new text and a report.

Each field the import owns is merged three ways. The base is what MLflow said when the file was last
reconciled with it, kept as a short digest per field in the file's `mlflow.imported` block:

    file == base          nobody edited it here: MLflow's value is written
    MLflow == base        MLflow has not changed it, a person has: the person's value stays
    file == MLflow        nothing to do
    otherwise             a conflict: the person's value stays (MLflow's with --force) and is reported

A field absent on a side counts as a value ("absent"), so a metric MLflow no longer has is removed
when nobody edited it, and a field a person deleted stays deleted. Everything the import does not own
(model card, notes, approvals, stage history) is never changed; a stage the import changes gets one
new entry at the end of stage_history. Stages come only from the configured mapping: a version nothing
maps keeps its stage (a new file starts as a candidate).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.mlflow.fields import REQUIRED, FieldPath, ImportedVersion, dotted, undotted
from bot.mlflow.yaml_edit import AppendItems, Edit, RemoveKey, SetKey, apply_edits, dump
from bot.records.registry import transition_problem

# The order of a new file's keys (and of any key the import adds to a file that lacks it).
KEY_ORDER = (
    "model_name",
    "version",
    "artifact_uri",
    "framework",
    "signature",
    "provenance",
    "stage",
    "stage_history",
    "owner",
    "task",
    "description",
    "created",
    "headline_metric",
    "metrics",
    "links",
    "model_card",
    "mlflow",
)
HEADER = (
    "# Imported from MLflow by `mlops-bot registry import mlflow`. Edit freely: the fields listed under\n"
    "# mlflow.imported follow MLflow until you change them here; everything else is yours.\n"
)
_ABSENT = object()
_BLOCKED = object()  # a sub-field under something that is not a mapping: the person's value is in the way

Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class Conflict:
    field: str
    in_file: Any  # None: absent
    in_mlflow: Any


@dataclass(frozen=True)
class StageChange:
    old: str | None  # None: a new file
    new: str
    reason: str
    gate_problem: str | None  # what the PR gate will say about this move, if it refuses it


@dataclass(frozen=True)
class FilePlan:
    path: str
    action: Action
    text: str | None  # the file's new text (None: unchanged)
    changed: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    kept: tuple[str, ...] = ()  # fields a person edited that MLflow has not changed since
    stage_change: StageChange | None = None
    missing: tuple[str, ...] = ()  # required fields neither MLflow nor a person has filled in
    notes: tuple[str, ...] = ()
    rewritten: bool = False  # the file could not be edited in place: written whole (its comments are lost)


def digest(value: Any) -> str | None:
    """12 hex digits of the value's canonical JSON (key order ignored); None for an absent value."""
    if value is _ABSENT:
        return None
    if value is _BLOCKED:
        return "blocked"
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def plan_file(
    path: str,
    existing: tuple[str, dict[str, Any]] | None,
    imported: ImportedVersion,
    *,
    force: bool,
    today: dt.date,
    transitions: Mapping[str, tuple[str, ...]],
) -> FilePlan:
    """The plan for one version's file; `existing` is the file's text and parsed mapping, if it exists."""
    data: dict[str, Any] = copy.deepcopy(existing[1]) if existing else {}
    block = data.get("mlflow") if isinstance(data.get("mlflow"), dict) else {}
    base_block = block.get("imported") if isinstance(block.get("imported"), dict) else {}
    base = {str(key): str(value) for key, value in base_block.items()}
    merged = copy.deepcopy(data)
    merged.setdefault("model_name", imported.registry_name)  # a file that lacks them gets them; never changed
    merged.setdefault("version", imported.registry_version)

    theirs: dict[FieldPath, Any] = dict(imported.values)
    old_stage = str(data.get("stage", "candidate")) if existing else None
    if imported.stage is not None:
        theirs[("stage",)] = imported.stage.stage
    elif not existing:
        theirs[("stage",)] = "candidate"  # unmapped: a new version starts as a candidate
    # An unmapped stage is no opinion, not an absent value: the stage and its base stay as they are.
    # MLflow's fields in the order fields.py gives them (a new nested key takes its place by that order).
    paths = list(theirs) + sorted(
        {undotted(key) for key in base if key != "stage" or ("stage",) in theirs} - set(theirs) - imported.unknown
    )

    record = dict(base)
    changed, kept, conflicts = [], [], []
    for field_path in paths:
        ours = _get(data, field_path, default_stage=existing is not None)
        new = theirs.get(field_path, _ABSENT)
        key = dotted(field_path)
        ours_digest, new_digest, base_digest = digest(ours), digest(new), base.get(key)
        if ours_digest == new_digest:
            pass
        elif ours_digest == base_digest or force:
            _put(merged, field_path, new)
            changed.append(key)
        elif new_digest == base_digest:
            kept.append(key)
            continue  # the base stays: MLflow has not moved since
        else:
            shown = data.get(field_path[0]) if ours is _BLOCKED else None if ours is _ABSENT else ours
            conflicts.append(Conflict(key, shown, None if new is _ABSENT else new))
        if new_digest is None:
            record.pop(key, None)
        else:
            record[key] = new_digest

    new_stage = str(merged.get("stage", "candidate"))
    stage_change = None
    if new_stage != old_stage:
        reason = imported.stage.reason if imported.stage else "no alias or tag maps a stage"
        stage_change = StageChange(old_stage, new_stage, reason, transition_problem(old_stage, new_stage, transitions))
        entry = {"stage": new_stage, "date": today.isoformat(), "note": f"MLflow {reason}"}
        if existing is None:
            first = {"stage": "candidate", "date": imported.created or today.isoformat()}
            merged["stage_history"] = [first] + ([entry] if new_stage != "candidate" else [])
        else:
            history = merged.get("stage_history")
            merged["stage_history"] = [*(history if isinstance(history, list) else []), entry]

    merged["mlflow"] = {**imported.record, "imported": dict(sorted(record.items()))}
    merged = _ordered(merged, data)
    missing = tuple(dotted(p) for p in REQUIRED if _get(merged, p, default_stage=False) is _ABSENT)
    notes = imported.notes
    if not existing:
        text = HEADER + dump(merged)
        return FilePlan(path, "create", text, tuple(changed), tuple(conflicts), (), stage_change, missing, notes)
    if merged == data:
        return FilePlan(path, "unchanged", None, (), tuple(conflicts), tuple(kept), None, missing, notes)
    text, rewritten = _edit(existing[0], data, merged)
    return FilePlan(
        path, "update", text, tuple(changed), tuple(conflicts), tuple(kept), stage_change, missing, notes, rewritten
    )


def _get(data: Mapping[str, Any], path: FieldPath, *, default_stage: bool) -> Any:
    if path == ("stage",) and default_stage:
        return data.get("stage", "candidate")
    value: Any = data
    for depth, part in enumerate(path):
        if not isinstance(value, Mapping):
            return _BLOCKED if depth else _ABSENT
        if part not in value:
            return _ABSENT
        value = value[part]
    return value


def _put(data: dict[str, Any], path: FieldPath, value: Any) -> None:
    if len(path) == 1:
        if value is _ABSENT:
            data.pop(path[0], None)
        else:
            data[path[0]] = copy.deepcopy(value)
        return
    parent = data.get(path[0])
    if not isinstance(parent, dict):
        if value is _ABSENT:
            return
        parent = data[path[0]] = {}  # only with --force may a person's non-mapping value here be replaced
    if value is _ABSENT:
        parent.pop(path[1], None)
        if not parent:
            data.pop(path[0])
    else:
        parent[path[1]] = copy.deepcopy(value)


def _ordered(merged: dict[str, Any], original: Mapping[str, Any]) -> dict[str, Any]:
    """Keys already in the file keep their place; keys the import adds take theirs in KEY_ORDER."""
    if not original:
        return {key: merged[key] for key in sorted(merged, key=_rank)}
    kept = [key for key in original if key in merged]
    added = sorted((key for key in merged if key not in original), key=_rank)
    return {key: merged[key] for key in kept + added}


def _rank(key: str) -> tuple[int, str]:
    return (KEY_ORDER.index(key) if key in KEY_ORDER else len(KEY_ORDER) - 1, key)


def _edit(text: str, before: Mapping[str, Any], after: dict[str, Any]) -> tuple[str, bool]:
    """The file's text with only the changed keys written anew; the whole file where that cannot be done."""
    edits: list[Edit] = []
    for key in before:
        if key not in after:
            edits.append(RemoveKey(key))
    for key, value in after.items():
        if key in before and before[key] == value:
            continue
        old = before.get(key)
        if key == "stage_history" and isinstance(old, list) and isinstance(value, list) and value[: len(old)] == old:
            edits.append(AppendItems(key, tuple(value[len(old) :])))
        else:
            edits.append(SetKey(key, value))
    edited = apply_edits(text, edits, after, before="mlflow")
    if edited is not None:
        return edited, False
    return HEADER + dump(after), True


@dataclass(frozen=True)
class DeletedVersion:
    """A file the import wrote for a version MLflow no longer has: reported, never deleted."""

    path: str
    model: str
    version: str
    stage: str


@dataclass
class ImportPlan:
    files: list[FilePlan] = field(default_factory=list)
    deleted: list[DeletedVersion] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # versions or files that could not be imported at all
