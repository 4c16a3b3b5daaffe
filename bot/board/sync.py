"""Board sync: read what GitHub has, plan (pure), apply, and report.

An event costs one read; a move one more request; an add and placement two more (GitHub cannot add
and set a field in one call). Events for issues with no mapped label cost nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.board.actions import ActionKind
from bot.board.plan import (
    Action,
    BoardFields,
    WipOverflow,
    check_board_fields,
    check_stage_field,
    plan_board,
    plan_issue,
    wip_overflows,
)
from bot.board.projects import ProjectsClient, issue_state, item_state
from bot.config import Config
from bot.errors import ConfigError, UsageError
from bot.events import ActionsEvent
from bot.github.client import Clients

HANDLED_ISSUE_ACTIONS = frozenset({"opened", "edited", "labeled", "unlabeled", "closed", "reopened", "transferred"})
WIP_COMMENT_KEY = "wip-limit"


@dataclass
class SyncReport:
    mode: Literal["event", "all"]  # one event's issue, or a reconcile of every issue
    dry_run: bool
    board: str | None = None
    actions: list[Action] = field(default_factory=list)
    skipped: str | None = None
    wip: list[WipOverflow] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    issues_seen: int = 0

    def as_json(self, requests: int, mutations: int) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "dry_run": self.dry_run,
            "board": self.board,
            "skipped": self.skipped,
            "issues_seen": self.issues_seen,
            "actions": [
                {"issue": a.issue.ref, "action": a.kind, "column": a.column, "reason": a.reason} for a in self.actions
            ],
            "wip_over_limit": [{"column": w.column, "items": w.count, "limit": w.limit} for w in self.wip],
            "comments": self.comments,
            "requests": requests,
            "mutations": mutations,
        }


def projects_client(config: Config, clients: Clients) -> ProjectsClient:
    if config.project is None:
        raise ConfigError(
            "no board configured: set project_url in .github/mlops.yml, MLOPS_PROJECT_URL, or pass --project-url",
            config.locate("project_url"),
        )
    return ProjectsClient(
        clients.board,
        config.project,
        config.board.status_field,
        stage_field=config.board.stage_field,
        batch_size=config.board.batch_size,
        pause_seconds=config.board.mutation_pause_seconds,
    )


def sync_event(event: ActionsEvent, config: Config, clients: Clients, *, dry_run: bool = False) -> SyncReport:
    report = SyncReport("event", dry_run)
    if event.name != "issues" or event.action not in HANDLED_ISSUE_ACTIONS:
        report.skipped = f"{event.name}.{event.action or '-'} does not concern the board"
        return report
    issue = event.issue
    node_id = issue.get("node_id")
    if event.action == "transferred":
        node_id = ((event.payload.get("changes") or {}).get("new_issue") or {}).get("node_id")
    if not isinstance(node_id, str) or not node_id:
        raise UsageError("the event payload has no issue node_id")
    mapped = config.board.mapped_labels
    payload_labels = {label.get("name") for label in issue.get("labels") or [] if isinstance(label, dict)}
    touched = (event.payload.get("label") or {}).get("name")
    if (
        not payload_labels & mapped
        and event.action != "transferred"
        and not (event.action == "unlabeled" and touched in mapped)
    ):
        report.skipped = f"#{issue.get('number')} has no mapped label"
        return report  # no request at all: the issue never was, and is not now, on the board

    projects = projects_client(config, clients)
    snapshot = projects.read_for_issue(node_id)
    check_board_fields(snapshot.status_field["status"], snapshot.status_field["title"], config)
    check_stage_field(snapshot.status_field.get("stage"), snapshot.status_field["title"], config)
    fields = snapshot.fields
    assert fields is not None  # check_board_fields guarantees a single-select field
    report.board = f"{fields.title} ({projects.url})"
    if snapshot.issue is None:
        report.skipped = "the issue no longer exists"
        return report
    actions = plan_issue(snapshot.issue, snapshot.item, fields, config.board, snapshot.viewer)
    if dry_run or not actions:
        report.actions = actions
        return report
    report.actions = projects.apply(actions, fields)
    moved_into = {
        a.column
        for a in report.actions
        if a.kind == ActionKind.SET_STATUS and config.board.wip_limit(a.column or "") is not None
    }
    if moved_into:
        report.wip = [
            w
            for w in wip_overflows(projects.live_statuses(fields.project_id), fields, config.board)
            if w.column in moved_into
        ]
        _comment_on_overflows(report, clients)
    return report


def sync_all(config: Config, clients: Clients, *, dry_run: bool = False) -> SyncReport:
    report = SyncReport("all", dry_run)
    if not config.repositories:
        raise ConfigError(
            "no repositories to reconcile: list them under `repositories` or run inside "
            "GitHub Actions (GITHUB_REPOSITORY)",
            config.locate("repositories"),
        )
    projects = projects_client(config, clients)
    viewer, raw, fields = projects.read_board()
    check_board_fields(raw["status"], raw["title"], config)
    check_stage_field(raw.get("stage"), raw["title"], config)
    assert fields is not None
    report.board = f"{fields.title} ({projects.url})"

    configured = {name.lower() for name in config.repositories}
    items_by_content = {}
    item_issues = {}
    live: dict[str, str | None] = {}  # unarchived item id -> status option id
    issues = []
    mapped = sorted(config.board.mapped_labels)
    for item_nodes, issue_nodes in projects.reconcile_pages(fields.project_id, list(config.repositories), mapped):
        for node in item_nodes:
            if not node["isArchived"]:
                live[node["id"]] = (node.get("status") or {}).get("optionId")
            content = node.get("content") or {}
            if content.get("id") and content["repository"]["nameWithOwner"].lower() in configured:
                items_by_content[content["id"]] = item_state(node)
                item_issues[content["id"]] = issue_state(content)
        issues.extend(issue_state(node) for node in issue_nodes)
    report.issues_seen = len(issues)
    actions = plan_board(issues, items_by_content, item_issues, fields, config.board, viewer)
    if not dry_run and actions:
        actions = projects.apply(actions, fields)
    report.actions = actions
    report.wip = _projected_overflows(live, actions, fields, config)
    if not dry_run:
        _comment_on_overflows(report, clients)
    return report


def _projected_overflows(
    live: dict[str, str | None], actions: list[Action], fields: BoardFields, config: Config
) -> list[WipOverflow]:
    """Column counts as they will be once the plan is applied."""
    projected = dict(live)
    for action in actions:
        key = action.item_id or f"new:{action.issue.node_id}"
        if action.kind in (ActionKind.ARCHIVE, ActionKind.DELETE):
            projected.pop(key, None)
        elif action.kind in (ActionKind.SET_STATUS, ActionKind.UNARCHIVE) and action.column in fields.options:
            projected[key] = fields.options[action.column or ""]
    return wip_overflows(projected.values(), fields, config.board)


def _comment_on_overflows(report: SyncReport, clients: Clients) -> None:
    over = {w.column: w for w in report.wip}
    movers = [a for a in report.actions if a.kind == ActionKind.SET_STATUS and a.column in over]
    if not movers:
        return
    from bot.comments import upsert_comment  # through PyGithub: loaded only when a limit is passed

    identity = clients.rest.viewer_login()
    for action in movers:
        overflow = over[action.column or ""]
        body = (
            f"**WIP limit:** this issue moved to **{overflow.column}**, which now holds {overflow.count} items "
            f"against a limit of {overflow.limit}. The move stands; consider finishing or handing over work in "
            f"{overflow.column} before pulling more in."
        )
        repo = clients.rest.rest.get_repo(action.issue.repository)
        outcome = upsert_comment(repo.get_issue(action.issue.number), WIP_COMMENT_KEY, body, identity)
        report.comments.append(f"{action.issue.ref}: WIP comment {outcome.action}")
