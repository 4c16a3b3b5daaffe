"""Board planning, pure: which column, which actions, and what the board must have."""

from __future__ import annotations

import pytest

from bot.board.plan import (
    BoardFields,
    IssueState,
    ItemState,
    check_board_fields,
    plan_board,
    plan_issue,
    target_column,
    wip_overflows,
)
from bot.config import config_from_document
from bot.errors import ConfigError
from bot.yaml_source import parse_yaml

CONFIG = config_from_document(parse_yaml("", "mlops.yml"))
BOARD = CONFIG.board
COLUMNS = [c.name for c in BOARD.columns]
FIELDS = BoardFields("PVT_1", "ML board", "PVTSSF_1", {name: f"opt-{name}" for name in COLUMNS})


def issue(*labels: str, state: str = "OPEN", node: str = "I_1") -> IssueState:
    return IssueState(node, "acme/churn", 1, state, labels)


@pytest.mark.parametrize(
    ("labels", "state", "column"),
    [
        (("ml-data",), "OPEN", "Data Prep"),
        (("ml-training",), "OPEN", "Experiment"),
        (("ml-retraining",), "OPEN", "Backlog"),
        (("type-mlops", "bug"), "OPEN", "Backlog"),
        (("ml-data", "ml-experiment", "ml-deployment"), "OPEN", "Deployment"),  # furthest along wins
        (("ml-monitoring", "ml-retraining"), "OPEN", "Monitoring"),
        (("ml-experiment",), "CLOSED", "Done"),
        (("bug",), "OPEN", None),
        ((), "CLOSED", None),
    ],
)
def test_target_column_from_current_labels_and_state(labels, state, column):
    assert target_column(labels, state, BOARD).column == column


def test_configured_precedence_overrides_the_lifecycle():
    board = config_from_document(parse_yaml("label_precedence: [ml-data]\n", "m.yml")).board
    assert target_column(("ml-deployment", "ml-data"), "OPEN", board).column == "Data Prep"


def test_new_issue_is_added_then_placed():
    actions = plan_issue(issue("ml-experiment"), None, FIELDS, BOARD, "bot")
    assert [(a.kind, a.column) for a in actions] == [("add", "Experiment"), ("set_status", "Experiment")]


def test_item_in_place_needs_nothing_and_a_misplaced_one_moves():
    placed = ItemState("PVTI_1", "I_1", False, "opt-Experiment", "bot")
    assert plan_issue(issue("ml-experiment"), placed, FIELDS, BOARD, "bot") == []
    moved = plan_issue(issue("ml-evaluation"), placed, FIELDS, BOARD, "bot")
    assert [(a.kind, a.column, a.item_id) for a in moved] == [("set_status", "Evaluation", "PVTI_1")]


def test_archived_item_comes_back_when_labelled_again():
    archived = ItemState("PVTI_1", "I_1", True, "opt-Experiment", "bot")
    actions = plan_issue(issue("ml-experiment"), archived, FIELDS, BOARD, "bot")
    assert [a.kind for a in actions] == ["unarchive"]


def test_lost_labels_follow_the_policy_only_for_items_the_bot_added():
    mine = ItemState("PVTI_1", "I_1", False, "opt-Experiment", "bot")
    theirs = ItemState("PVTI_2", "I_1", False, "opt-Experiment", "jo")
    assert [a.kind for a in plan_issue(issue("bug"), mine, FIELDS, BOARD, "bot")] == ["archive"]
    assert plan_issue(issue("bug"), theirs, FIELDS, BOARD, "bot") == []
    delete = config_from_document(parse_yaml("unlabeled_items: delete\n", "m.yml")).board
    assert [a.kind for a in plan_issue(issue(), mine, FIELDS, delete, "bot")] == ["delete"]
    keep = config_from_document(parse_yaml("unlabeled_items: keep\n", "m.yml")).board
    assert plan_issue(issue(), mine, FIELDS, keep, "bot") == []


def test_reconcile_plan_covers_labelled_issues_and_items_that_lost_labels():
    labelled = [issue("ml-data", node="I_1"), issue("ml-experiment", node="I_2")]
    items = {
        "I_2": ItemState("PVTI_2", "I_2", False, "opt-Backlog", "bot"),
        "I_3": ItemState("PVTI_3", "I_3", False, "opt-Backlog", "bot"),
    }
    behind_items = {"I_2": labelled[1], "I_3": issue("bug", node="I_3")}
    actions = plan_board(labelled, items, behind_items, FIELDS, BOARD, "bot")
    assert [(a.issue.node_id, a.kind) for a in actions] == [
        ("I_1", "add"),
        ("I_1", "set_status"),
        ("I_2", "set_status"),
        ("I_3", "archive"),
    ]


def test_board_field_checks_name_the_config_line_and_existing_options():
    config = config_from_document(parse_yaml("columns:\n  Todo:\n    labels: [ml-data]\n  Done: {}\n", "mlops.yml"))
    with pytest.raises(ConfigError) as caught:
        check_board_fields({"id": "F", "name": "Status", "options": [{"id": "1", "name": "Done"}]}, "B", config)
    assert (
        str(caught.value) == "mlops.yml:2:3: columns.Todo: the board 'B' has no 'Status' option 'Todo' (it has: Done)"
    )
    with pytest.raises(ConfigError, match="has no field named 'Status'"):
        check_board_fields(None, "B", config)
    with pytest.raises(ConfigError, match="is a TEXT field; it must be single-select"):
        check_board_fields({"id": "F", "name": "Status", "dataType": "TEXT"}, "B", config)


def test_wip_overflow_counts_live_items():
    board = config_from_document(
        parse_yaml("columns:\n  Todo:\n    labels: [ml-data]\n    wip_limit: 1\n  Done: {}\n", "m.yml")
    ).board
    fields = BoardFields("P", "B", "F", {"Todo": "t", "Done": "d"})
    assert wip_overflows(["t", "d"], fields, board) == []
    assert [(w.column, w.count, w.limit) for w in wip_overflows(["t", "t", None], fields, board)] == [("Todo", 2, 1)]
