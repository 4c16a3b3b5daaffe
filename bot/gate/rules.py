"""The PR gate, pure: what a pull request changes and says -> one commit status.

Deployment-relevant pull requests must carry a complete deployment checklist and valid registry
files whose stage changes follow the rules; a move to production also needs an approving review
from someone the configuration allows.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bot.config import Config
from bot.errors import CheckFailed
from bot.records.checklist import ChecklistResult, evaluate
from bot.records.registry import check_model_document, transition_problem
from bot.yaml_source import parse_yaml

_LINKED_ISSUE = re.compile(
    r"\b(?:deploys|deploy|closes|close|closed|fixes|fix|fixed|resolves|resolve|resolved)"
    r"\s*:?\s+#(\d+)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class RegistryChange:
    path: str
    base_text: str | None  # None: the file is new
    head_text: str | None  # None: the file was deleted


@dataclass(frozen=True)
class PullRequestFacts:
    number: int
    draft: bool
    body: str | None
    changed_files: tuple[str, ...]
    linked_issue: int | None = None
    linked_issue_body: str | None = None
    registry_changes: tuple[RegistryChange, ...] = ()
    allowed_approvals: dict[str, tuple[str, ...]] = field(default_factory=dict)  # path -> allowed approvers


@dataclass(frozen=True)
class Row:
    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class GateResult:
    state: str  # success, failure, pending
    description: str  # at most 140 characters
    rows: tuple[Row, ...]
    checklist: ChecklistResult | None = None


def linked_issue(body: str | None) -> int | None:
    match = _LINKED_ISSUE.search(body or "")
    return int(match.group(1)) if match else None


def is_deployment_change(changed_files: tuple[str, ...], config: Config) -> bool:
    patterns = config.gate.deployment_paths
    return any(fnmatch.fnmatchcase(path, pattern) for path in changed_files for pattern in patterns)


def registry_paths(changed_files: tuple[str, ...], config: Config) -> list[str]:
    root = PurePosixPath(config.registry.path)
    return [p for p in changed_files if PurePosixPath(p).parent.parent == root and p.endswith((".yml", ".yaml"))]


def _short(text: str) -> str:
    return text if len(text) <= 140 else text[:139] + "…"


def evaluate_gate(facts: PullRequestFacts, config: Config) -> GateResult:
    if not is_deployment_change(facts.changed_files, config):
        return GateResult("success", "no deployment in this change", (Row("deployment paths", True, "none changed"),))
    if facts.draft:
        return GateResult(
            "pending",
            "draft: the deployment checklist is checked when the PR is ready for review",
            (Row("draft", True, "not checked yet"),),
        )
    rows: list[Row] = []
    failures: list[str] = []

    source = config.checklist.source
    checklist = None
    bodies: list[tuple[str, str | None]] = []
    if source in ("pr", "both"):
        bodies.append(("PR description", facts.body))
    if source in ("issue", "both"):
        if facts.linked_issue is None:
            rows.append(Row("checklist", False, "no deployment issue linked (write “Deploys #12” in the PR)"))
            failures.append("no deployment issue linked")
        else:
            bodies.append((f"issue #{facts.linked_issue}", facts.linked_issue_body))
    for where, body in bodies:
        result = evaluate(body, config.checklist)
        checklist = result if checklist is None or not result.complete else checklist
        rows.append(Row(f"checklist in {where}", result.complete, result.headline()))
        if not result.complete:
            failures.append(result.headline())

    for change in facts.registry_changes:
        problem = _registry_problem(change, facts, config, checklist_complete=bool(checklist and checklist.complete))
        rows.append(Row(f"registry {change.path}", problem is None, problem or "valid"))
        if problem:
            failures.append(f"{change.path}: {problem}")

    if failures:
        return GateResult(
            "failure",
            _short(failures[0] if len(failures) == 1 else f"{len(failures)} problems: {failures[0]}"),
            tuple(rows),
            checklist,
        )
    summary = checklist.headline() if checklist else "registry files valid"
    return GateResult("success", _short(summary), tuple(rows), checklist)


def _registry_problem(
    change: RegistryChange, facts: PullRequestFacts, config: Config, checklist_complete: bool
) -> str | None:
    if change.head_text is None:
        return "deleting a model version loses its history: set stage: archived instead"
    try:
        head = parse_yaml(change.head_text, change.path, error=CheckFailed)
    except CheckFailed as exc:
        return str(exc)
    model, problems = check_model_document(head, config.registry.path)
    if problems:
        return str(problems[0]) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
    assert model is not None
    old_stage = None
    if change.base_text is not None:
        try:
            base = parse_yaml(change.base_text, change.path, error=CheckFailed).data
            old_stage = base.get("stage", "candidate") if isinstance(base, dict) else None
        except CheckFailed:
            old_stage = None  # the old file was broken; judge the new one on its own
    rule = transition_problem(old_stage, model.stage, config.registry.transitions)
    if rule:
        return rule
    if model.stage == "production" and old_stage != "production":
        if not checklist_complete:
            return "a move to production needs a complete deployment checklist"
        approvers = facts.allowed_approvals.get(change.path, ())
        if not approvers:
            return "a move to production needs an approving review from an allowed reviewer"
    return None
