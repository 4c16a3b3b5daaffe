"""MLflow's answers as frozen data, read defensively: a field the server left out reads as empty.

MLflow's JSON leaves out empty lists and default values, and its tags are lists of {key, value}; these
types hold what the bridge uses, in the shape it uses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _pairs(items: Any, key: str = "key", value: str = "value") -> dict[str, str]:
    """MLflow's `[{key, value}]` lists as a dict (the last one wins, as in MLflow)."""
    found: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get(key), str):
            found[item[key]] = str(item.get(value, ""))
    return found


@dataclass(frozen=True)
class DatasetInput:
    name: str
    digest: str
    source: str  # the dataset's URI, where its source names one ("" otherwise)
    context: str  # mlflow.data.context: training, validation, ...


@dataclass(frozen=True)
class RunFacts:
    run_id: str
    experiment_id: str
    name: str
    status: str  # RUNNING, FINISHED, FAILED, KILLED, SCHEDULED
    start_time: int | None  # milliseconds since the epoch
    end_time: int | None
    metrics: Mapping[str, float]  # the latest value of each
    params: Mapping[str, str]
    tags: Mapping[str, str]
    datasets: tuple[DatasetInput, ...] = ()

    @classmethod
    def from_json(cls, run: Mapping[str, Any]) -> RunFacts:
        info = run.get("info") or {}
        data = run.get("data") or {}
        metrics: dict[str, tuple[int, int, float]] = {}
        for metric in data.get("metrics") or []:
            if not isinstance(metric, dict) or not isinstance(metric.get("key"), str):
                continue
            value = _number(metric.get("value"))
            order = (int(metric.get("step") or 0), int(metric.get("timestamp") or 0))
            if value is not None and (metric["key"] not in metrics or order >= metrics[metric["key"]][:2]):
                metrics[metric["key"]] = (*order, value)
        tags = _pairs(data.get("tags"))
        return cls(
            run_id=str(info.get("run_id") or info.get("run_uuid") or ""),
            experiment_id=str(info.get("experiment_id") or ""),
            name=str(info.get("run_name") or tags.get("mlflow.runName") or ""),
            status=str(info.get("status") or ""),
            start_time=_integer(info.get("start_time")),
            end_time=_integer(info.get("end_time")),
            metrics={key: value for key, (_, _, value) in metrics.items()},
            params=_pairs(data.get("params")),
            tags=tags,
            datasets=tuple(_dataset(item) for item in (run.get("inputs") or {}).get("dataset_inputs") or []),
        )


def _dataset(item: Any) -> DatasetInput:
    item = item if isinstance(item, dict) else {}
    dataset = item.get("dataset") or {}
    source = ""
    try:
        described = json.loads(dataset.get("source") or "{}")
    except ValueError:
        described = {}
    if isinstance(described, dict):
        source = next((str(described[k]) for k in ("uri", "url", "path") if described.get(k)), "")
    return DatasetInput(
        name=str(dataset.get("name") or ""),
        digest=str(dataset.get("digest") or ""),
        source=source,
        context=_pairs(item.get("tags")).get("mlflow.data.context", ""),
    )


def _number(value: Any) -> float | None:
    """A finite metric value; MLflow also stores NaN and infinities, which no registry file can hold."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _integer(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ModelFile:
    """What a version's `MLmodel` file says about the model."""

    flavors: Mapping[str, Mapping[str, Any]]
    signature: Mapping[str, Any] | None  # {"inputs": [...], "outputs": [...]}, each a list of specs
    mlflow_version: str

    @classmethod
    def parse(cls, text: str) -> ModelFile | None:
        """None when the text is not an MLmodel file."""
        try:
            data = yaml.load(text, Loader=_Loader)
        except yaml.YAMLError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("flavors"), dict):
            return None
        flavors = {str(k): v for k, v in data["flavors"].items() if isinstance(v, dict)}
        signature = None
        raw = data.get("signature")
        if isinstance(raw, dict):
            try:
                signature = {
                    side: json.loads(raw[side]) if isinstance(raw.get(side), str) else raw.get(side)
                    for side in ("inputs", "outputs")
                }
            except ValueError:
                signature = None
        return cls(flavors, signature, str(data.get("mlflow_version") or ""))


@dataclass(frozen=True)
class RegisteredModelFacts:
    name: str
    description: str
    tags: Mapping[str, str]
    aliases: Mapping[str, str]  # alias -> version

    @classmethod
    def from_json(cls, model: Mapping[str, Any]) -> RegisteredModelFacts:
        return cls(
            name=str(model.get("name") or ""),
            description=str(model.get("description") or ""),
            tags=_pairs(model.get("tags")),
            aliases=_pairs(model.get("aliases"), "alias", "version"),
        )

    @property
    def is_prompt(self) -> bool:
        """MLflow 3 keeps prompts as registered models marked with this tag; they are not models."""
        return self.tags.get("mlflow.prompt.is_prompt", "").lower() == "true"


@dataclass(frozen=True)
class VersionFacts:
    """One model version and what was read about it: its run and its MLmodel file, where it has them."""

    model: str
    version: str
    source: str
    run_id: str
    status: str  # READY, PENDING_REGISTRATION, FAILED_REGISTRATION
    created_ms: int | None
    user_id: str
    description: str
    tags: Mapping[str, str]
    aliases: tuple[str, ...] = ()
    artifact_uri: str = ""  # where the files are (the download URI where `source` is not a storage URI)
    run: RunFacts | None = None
    model_file: ModelFile | None = None
    notes: tuple[str, ...] = field(default=())  # what could not be read, for the report
    # False: the MLmodel file and download URI were not read, because the file was imported from this very
    # source before (a version's source never changes, nor the files at it): what they gave is in the file.
    files_read: bool = True

    @classmethod
    def from_json(cls, version: Mapping[str, Any], aliases: tuple[str, ...]) -> VersionFacts:
        return cls(
            model=str(version.get("name") or ""),
            version=str(version.get("version") or ""),
            source=str(version.get("source") or ""),
            run_id=str(version.get("run_id") or ""),
            status=str(version.get("status") or "READY"),
            created_ms=_integer(version.get("creation_timestamp")),
            user_id=str(version.get("user_id") or ""),
            description=str(version.get("description") or ""),
            tags=_pairs(version.get("tags")),
            aliases=aliases,
        )
