"""Registry links held against the snapshot, pure: each version's `experiment_issue` must be an
experiment of that model opened before the version; its `deployment_issue` a deployment of that model.

Which model an issue is about: the model its form's `model` field names ("churn-classifier 2.1.0";
deployments, evaluations, incidents and retraining have one), or else the registry models its title names
as whole words ("Experiment: add session features (churn-classifier)"). An issue that names no model is
taken at its word: it is not reported as being about another one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.records.registry import ModelVersion
from bot.schemas import Problem

# link field -> the form kind its issue must have
LINK_KINDS = {"experiment_issue": "experiment", "deployment_issue": "deployment"}
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-")


@dataclass(frozen=True)
class Named:
    """What an issue says it is about: model names, and the version its `model` field gives (if any)."""

    models: frozenset[str]
    version: str | None = None


def link_problems(models: Iterable[ModelVersion], snapshot: dict[str, Any] | None) -> list[Problem]:
    """Every registry link that does not hold, located at its field; nothing without a snapshot."""
    if snapshot is None:
        return []
    models = list(models)
    known = frozenset(m.name.lower() for m in models)
    covered = {r.lower() for r in snapshot.get("repositories", [])}
    issues = {(i["repository"].lower(), i["number"]): i for i in snapshot.get("issues", [])}
    only_repository = snapshot["repositories"][0] if len(snapshot.get("repositories", [])) == 1 else None
    problems = []
    for model in models:
        links = model.data.get("links") or {}
        repository = links.get("repository") or only_repository
        for field, kind in LINK_KINDS.items():
            number = links.get(field)
            if number is None:
                continue
            message = _link_message(model, field, kind, repository, number, covered, issues, known)
            if message:
                problems.append(Problem(model.locate(("links", field)), message))
    return problems


def _link_message(
    model: ModelVersion,
    field: str,
    kind: str,
    repository: str | None,
    number: int,
    covered: set[str],
    issues: dict[tuple[str, int], dict[str, Any]],
    known: frozenset[str],
) -> str | None:
    if repository is None:
        return f"#{number}: set links.repository to say which repository holds it"
    reference = f"{repository}#{number}"
    if repository.lower() not in covered:
        return f"{reference}: {repository} is not in the snapshot, so the link cannot be checked"
    issue = issues.get((repository.lower(), number))
    if issue is None:
        return f"{reference} is not in the snapshot (deleted, transferred, or without an ml-* label)"
    if issue.get("kind") != kind:
        what = f"{_a(issue['kind'])} issue" if issue.get("kind") else "not written from an issue form"
        return f"{reference} is {what}, not {_a(kind)}"
    named = named_models(issue, known)
    if named.models and model.name.lower() not in named.models:
        return f"{reference} is about {', '.join(sorted(named.models))}, not {model.name}"
    if kind == "deployment" and named.version and named.version != model.version.lower():
        return f"{reference} deploys {model.name} {named.version}, not {model.version}"
    opened, created = _day(issue.get("created_at")), version_created(model)
    if kind == "experiment" and opened and created and opened > created:
        return f"{reference} was opened on {opened}, after {model.name} {model.version} was created ({created})"
    return None


def named_models(issue: dict[str, Any], known: frozenset[str]) -> Named:
    """The models an issue is about: its `model` field's, else the known names its title holds as words."""
    fields = ((issue.get("record") or {}).get("fields")) or {}
    stated = fields.get("model")
    if isinstance(stated, str) and stated.strip():
        tokens = [t.rstrip(".,;:-_") for t in stated.lower().replace("@", " ").split()]
        at = next((i for i, token in enumerate(tokens) if token in known), 0)
        version = tokens[at + 1].removeprefix("v") if at + 1 < len(tokens) else None
        return Named(frozenset({tokens[at]}), version or None)
    return Named(frozenset(w for w in words_of(str(issue.get("title") or "")) if w in known))


def words_of(text: str) -> set[str]:
    """Lower-cased runs of model-name characters, without trailing punctuation: linear in the text."""
    words, current = set(), []
    for char in text.lower() + " ":
        if char in _NAME_CHARS:
            current.append(char)
        elif current:
            words.add("".join(current).rstrip(".-_"))
            current = []
    return words


def version_created(model: ModelVersion) -> str | None:
    """The day a version came to be: its `created` date, else the earliest stage change."""
    dates = [str(model.data["created"])] if model.data.get("created") else []
    dates += [str(h["date"]) for h in model.data.get("stage_history") or [] if h.get("date")]
    return min(dates) if dates else None


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"


def _day(timestamp: Any) -> str | None:
    try:
        return dt.datetime.fromisoformat(str(timestamp).replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None
