"""Board planning, pure: issues + items + configuration -> the moves that bring the board in step.

The column an issue belongs in is computed from its current labels and state only, never from
the one label an event changed: closed issues go to the closed column; otherwise the mapped label
that comes first in the precedence order (by default the column furthest along the lifecycle) wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from bot.board.actions import KINDS, ActionKind
from bot.config import BoardConfig, Config
from bot.errors import ConfigError

IssueStateName = Literal["OPEN", "CLOSED"]  # as GraphQL spells an issue's state


@dataclass(frozen=True)
class IssueState:
    node_id: str
    repository: str  # owner/name
    number: int
    state: IssueStateName
    labels: tuple[str, ...]
    stage: str | None = None  # an experiment's lifecycle stage, when the board has a stage field

    @property
    def ref(self) -> str:
        return f"{self.repository}#{self.number}"


@dataclass(frozen=True)
class ItemState:
    item_id: str
    content_id: str | None  # None for drafts and pull requests
    archived: bool
    option_id: str | None
    creator: str | None
    stage_option_id: str | None = None


@dataclass(frozen=True)
class BoardFields:
    """The board as GitHub has it: its id and the status field's options by name."""

    project_id: str
    title: str
    status_field_id: str
    options: dict[str, str]  # option name -> option id
    stage_field_id: str | None = None
    stage_options: dict[str, str] = field(default_factory=dict)

    def option_name(self, option_id: str | None) -> str | None:
        return next((name for name, oid in self.options.items() if oid == option_id), None)


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    issue: IssueState
    item_id: str | None  # None until an added item has its id
    column: str | None  # the column (or, for SET_STAGE, the stage) it puts the item in
    reason: str

    def describe(self) -> str:
        verb = KINDS[self.kind].verb
        return f"{self.issue.ref}: {verb}{' ' + self.column if self.column else ''} ({self.reason})"


@dataclass(frozen=True)
class Placement:
    column: str | None
    reason: str


def target_column(labels: Iterable[str], state: str, board: BoardConfig) -> Placement:
    """Where an issue belongs: None when it has no mapped label."""
    mapped = [label for label in labels if label in board.mapped_labels]
    if not mapped:
        return Placement(None, "no mapped label")
    if state.upper() == "CLOSED":
        return Placement(board.closed_column, "closed")
    winner = next(label for label in board.label_precedence if label in mapped)
    column = board.column_for_label(winner)
    if len(mapped) == 1:
        return Placement(column, f"label {winner}")
    return Placement(column, f"label {winner} wins over {', '.join(sorted(set(mapped) - {winner}))}")


def plan_issue(
    issue: IssueState, item: ItemState | None, fields: BoardFields, board: BoardConfig, viewer: str | None
) -> list[Action]:
    """The actions for one issue given its item on the board (None if it has none)."""
    placement = target_column(issue.labels, issue.state, board)
    if placement.column is None:
        if item is None or item.archived or board.unlabeled_items == "keep":
            return []
        if viewer is not None and item.creator != viewer:
            return []  # the bot only retires items it added itself
        kind = ActionKind.DELETE if board.unlabeled_items == "delete" else ActionKind.ARCHIVE
        return [Action(kind, issue, item.item_id, None, "lost every mapped label")]
    option_id = fields.options[placement.column]
    if item is None:
        actions = [
            Action(ActionKind.ADD, issue, None, placement.column, placement.reason),
            Action(ActionKind.SET_STATUS, issue, None, placement.column, placement.reason),
        ]
    else:
        actions = []
        if item.archived:
            actions.append(Action(ActionKind.UNARCHIVE, issue, item.item_id, placement.column, placement.reason))
        if item.option_id != option_id:
            actions.append(Action(ActionKind.SET_STATUS, issue, item.item_id, placement.column, placement.reason))
    stage_option = fields.stage_options.get(issue.stage or "") if fields.stage_field_id else None
    if stage_option and (item is None or item.stage_option_id != stage_option):
        stage_item = item.item_id if item else None
        actions.append(Action(ActionKind.SET_STAGE, issue, stage_item, issue.stage, "experiment lifecycle"))
    return actions


def plan_board(
    issues: Iterable[IssueState],
    items_by_content: dict[str, ItemState],
    item_issues: dict[str, IssueState],
    fields: BoardFields,
    board: BoardConfig,
    viewer: str | None,
) -> list[Action]:
    """The reconcile plan. `issues` are the labelled issues of the configured repositories;
    `item_issues` are the issues (of those repositories) behind board items, as the board showed them."""
    actions: list[Action] = []
    seen: set[str] = set()
    for issue in issues:
        seen.add(issue.node_id)
        actions.extend(plan_issue(issue, items_by_content.get(issue.node_id), fields, board, viewer))
    for content_id, issue in item_issues.items():
        if content_id not in seen:  # on the board, but no longer labelled
            actions.extend(plan_issue(issue, items_by_content[content_id], fields, board, viewer))
    return actions


def check_board_fields(fields_found: dict[str, object] | None, board_title: str, config: Config) -> None:
    """Fail before any mutation when the board lacks the configured status field or a column.

    `fields_found` is the status field as read: {"id", "name", "options": [...]} or {"dataType"}
    for a field that is not single-select, or None when the board has no such field.
    """
    board = config.board
    where = config.locate("status_field")
    if fields_found is None:
        raise ConfigError(f"the board {board_title!r} has no field named {board.status_field!r}", where)
    if "options" not in fields_found:
        raise ConfigError(
            f"the field {board.status_field!r} of board {board_title!r} is a {fields_found.get('dataType')} field; "
            "it must be single-select",
            where,
        )
    existing = [option["name"] for option in fields_found["options"]]  # type: ignore[index]
    for column in board.columns:
        if column.name not in existing:
            raise ConfigError(
                f"the board {board_title!r} has no {board.status_field!r} option {column.name!r} "
                f"(it has: {', '.join(existing) or 'none'})",
                config.locate("columns", column.name),
            )


def check_stage_field(found: dict[str, object] | None, board_title: str, config: Config) -> None:
    """The configured stage field must be single-select with the four lifecycle stages as options."""
    name = config.board.stage_field
    if name is None:
        return
    from bot.records.forms import STAGES  # the issue forms and their parser: only for boards with a stage field

    where = config.locate("stage_field")
    if found is None or "options" not in found:
        raise ConfigError(f"the board {board_title!r} has no single-select field named {name!r}", where)
    existing = [option["name"] for option in found["options"]]  # type: ignore[index]
    missing = [stage for stage in STAGES if stage not in existing]
    if missing:
        raise ConfigError(
            f"the field {name!r} of board {board_title!r} lacks the option(s) {', '.join(missing)} "
            f"(it has: {', '.join(existing) or 'none'})",
            where,
        )


@dataclass(frozen=True)
class WipOverflow:
    column: str
    count: int
    limit: int


def wip_overflows(option_ids: Iterable[str | None], fields: BoardFields, board: BoardConfig) -> list[WipOverflow]:
    """Columns holding more live items than their limit, given the status of every unarchived item."""
    counts = Counter(fields.option_name(option_id) for option_id in option_ids)
    overflows = []
    for column in board.columns:
        if column.wip_limit is not None and counts[column.name] > column.wip_limit:
            overflows.append(WipOverflow(column.name, counts[column.name], column.wip_limit))
    return overflows
