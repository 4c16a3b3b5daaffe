"""`mlops-bot init --board`: the pure planner, and the command against the emulator on a missing, an
empty, a half-configured and a complete board."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.board.setup import (
    GITHUB_NEW_BOARD_FIELDS,
    BoardState,
    FieldState,
    SelectOption,
    WantedField,
    merge_options,
    plan_fields,
    plan_setup,
    token_fix,
    wanted_fields,
)
from bot.config import config_from_document
from bot.errors import ConfigError
from bot.yaml_source import parse_yaml
from tests.emulator import Fault
from tests.helpers import ACTIONS_TOKEN, BOT_TOKEN, run_cli

COLUMNS = ("Backlog", "Data Prep", "Experiment", "Evaluation", "Deployment", "Monitoring", "Done")
READ_ONLY_TOKEN = "ghp_read_project_only"


def config(text: str = ""):
    return config_from_document(parse_yaml(text, "mlops.yml"))


def names(options) -> list[str]:
    return [o.name for o in options]


# ---- the planner (pure) --------------------------------------------------------------------------------
def test_the_default_columns_become_options_in_lifecycle_colours():
    (status,) = wanted_fields(config().board)
    assert names(status.options) == list(COLUMNS)
    assert [o.color for o in status.options] == ["GRAY", "BLUE", "PURPLE", "YELLOW", "ORANGE", "RED", "GREEN"]
    assert status.options[1].description == "Issues labelled ml-data"
    assert status.options[-1].description == "Closed issues"


def test_missing_columns_go_between_the_defaults_of_a_new_board():
    (status,) = wanted_fields(config().board)
    merged = merge_options(GITHUB_NEW_BOARD_FIELDS[0].options, status.options)
    assert names(merged) == ["Todo", "In Progress", *COLUMNS]
    assert merged[-1] is GITHUB_NEW_BOARD_FIELDS[0].options[-1]  # Done kept as it was: id, colour


def test_existing_options_keep_their_place_colour_and_description():
    existing = (
        SelectOption("Monitoring", "PINK", "ours", "m1"),
        SelectOption("Icebox", "GRAY", "", "i1"),
        SelectOption("Backlog", "BLUE", "triage first", "b1"),
    )
    (status,) = wanted_fields(config().board)
    merged = merge_options(existing, status.options)
    assert names(merged) == [
        "Monitoring",
        "Done",
        "Icebox",
        "Backlog",
        "Data Prep",
        "Experiment",
        "Evaluation",
        "Deployment",
    ]
    assert [o for o in merged if o.id] == list(existing)


option_names = st.sampled_from([*COLUMNS, "Todo", "In Progress", "Icebox", "Blocked", "Won't do"])


@given(
    existing=st.lists(option_names, unique=True, max_size=9).map(
        lambda ns: tuple(SelectOption(n, "GRAY", f"d-{n}", f"id-{n}") for n in ns)
    ),
    wanted=st.lists(option_names, unique=True, min_size=1, max_size=9).map(
        lambda ns: tuple(SelectOption(n, "BLUE", "") for n in ns)
    ),
)
def test_merging_options_keeps_everything_adds_what_is_missing_and_is_idempotent(existing, wanted):
    merged = merge_options(existing, wanted)
    assert [o for o in merged if o.id] == list(existing)  # none lost, none changed, same order
    assert set(names(wanted)) <= set(names(merged)) and len(set(names(merged))) == len(merged)
    order = names(merged)
    for before, option in itertools.pairwise(wanted):
        if option.name not in names(existing):  # an added column follows the one configured before it
            assert order.index(option.name) == order.index(before.name) + 1
    assert merge_options(merged, wanted) == merged
    field = FieldState("F", "Status", "SINGLE_SELECT", merged)
    state = BoardState("P", 1, "B", "u", "acme", True, (field,), frozenset())
    assert plan_fields(state, [WantedField("Status", wanted, "status_field")]) == ()


def test_a_field_that_is_not_single_select_or_an_option_differing_in_case_stops_the_plan():
    text_field = BoardState("P", 1, "B", "u", "acme", True, (FieldState("F", "Status", "TEXT"),), frozenset())
    with pytest.raises(ConfigError, match="TEXT field, not single-select"):
        plan_fields(text_field, wanted_fields(config().board))
    lower = (SelectOption("backlog", "GRAY", "", "x"),)
    twin = BoardState("P", 1, "B", "u", "acme", True, (FieldState("F", "Status", "SINGLE_SELECT", lower),), frozenset())
    with pytest.raises(ConfigError, match="only in case"):
        plan_fields(twin, wanted_fields(config().board))


def test_no_board_plans_a_creation_linked_to_the_repository_and_the_stage_field():
    plan = plan_setup(None, config("stage_field: Stage\n").board, ["acme/churn", "other/x"], owner="acme")
    assert [s.kind for s in plan.steps] == ["create_board", "add_options", "create_field"]
    assert plan.steps[2].added == ("Ideation", "Active", "Analysis", "Decision")
    assert plan.notes == ("other/x is not linked: GitHub links a board only to its owner's repositories",)


@pytest.mark.parametrize(
    ("scopes", "name", "expected"),
    [
        (["repo", "read:project"], "MLOPS_PROJECT_TOKEN", "may only read boards: give it the 'project' scope"),
        (["repo"], "MLOPS_PROJECT_TOKEN", "lacks the 'project' scope"),
        ([""], "GITHUB_TOKEN", "scopes none) lacks the 'project' scope"),
        (None, "GITHUB_TOKEN", "set MLOPS_PROJECT_TOKEN"),
        (None, "MLOPS_PROJECT_TOKEN", "'Projects: read and write'"),
        (["project", "repo"], "MLOPS_PROJECT_TOKEN", "may see and change this board"),
    ],
)
def test_the_token_fix_names_what_is_missing(scopes, name, expected):
    assert expected in token_fix(scopes, name, write=True)


# ---- the command against the emulator ---------------------------------------------------------------------
@pytest.fixture
def team(github, tmp_path):
    github.state.add_token(READ_ONLY_TOKEN, "mlops-bot", scopes=("repo", "read:project"))
    repo = github.state.repo("acme/churn")
    (tmp_path / ".github").mkdir()
    return repo, tmp_path


def write_config(path: Path, github, extra: str = "", project: int | None = 3) -> None:
    url = f"project_url: {github.urls.web}/orgs/acme/projects/{project}\n" if project else ""
    (path / ".github" / "mlops.yml").write_text(
        url + "repositories: [acme/churn]\nsync: {mutation_pause_seconds: 0}\n" + extra
    )


def init_board(github, path: Path, *extra: str, token: str = BOT_TOKEN):
    env = github.env(token, XDG_CACHE_HOME=str(path / ".cache"))
    return run_cli(["init", "--board", "--format", "json", *extra], cwd=path, env=env)


def mutations(github) -> list[str]:
    return [r.operation for r in github.requests if r.operation and r.method == "POST" and _is_mutation(r.operation)]


def _is_mutation(operation: str) -> bool:
    return operation in {"CreateBoard", "LinkRepository", "CreateSelectField", "ReplaceFieldOptions", "SetItemStatus"}


def status_of(project, issue) -> str | None:
    status = project.field_named("Status")
    item = project.item_for(issue)
    return next((o.name for o in status.options if o.id == item.values.get(status.id)), None)


def test_an_empty_board_gets_the_columns_and_a_second_run_changes_nothing(github, team):
    repo, path = team
    project = github.state.new_project(github.state.user("acme"), "Work")
    write_config(path, github, "stage_field: Stage\n", project=project.number)
    first = init_board(github, path)
    assert first.code == 0, first.stderr
    report = first.json()
    assert [s["action"] for s in report["steps"]] == ["link_repository", "add_options", "create_field"]
    status = project.field_named("Status")
    assert names(status.options) == ["Todo", "In Progress", *COLUMNS]
    assert [o.color for o in status.options][:2] == ["GREEN", "YELLOW"] and status.options[-1].color == "PURPLE"
    assert names(project.field_named("Stage").options) == ["Ideation", "Active", "Analysis", "Decision"]
    assert project.linked_repos == [repo]
    github.clear()
    again = init_board(github, path)
    assert again.code == 0 and again.json()["changes"] == 0 and again.json()["steps"] == []
    assert mutations(github) == [] and len(github.requests) == 1  # one read


def test_a_half_configured_board_keeps_its_options_and_every_card_keeps_its_column(github, team):
    repo, path = team
    project = github.state.project("acme", 3, status_options=("Experiment", "Backlog", "Shipped"))
    status = project.field_named("Status")
    status.options[0].color, status.options[0].description = "PINK", "Running now"
    bot = github.state.user("mlops-bot")
    cards = {}
    for n, column in enumerate(["Experiment", "Backlog", "Shipped", None] * 40):
        issue = github.state.issue(repo, f"Card {n}")
        item = github.state.add_item(project, issue, bot)
        if column:
            item.values[status.id] = next(o.id for o in status.options if o.name == column)
        cards[issue.number] = (issue, column)
    project.linked_repos.append(repo)
    write_config(path, github)
    dry = init_board(github, path, "--dry-run")
    assert dry.code == 0 and dry.json()["item_values_to_restore"] == 120 and mutations(github) == []
    result = init_board(github, path)
    assert result.code == 0, result.stderr
    assert result.json()["item_values_restored"] == 120
    # The board's own order stays (Experiment before Backlog); each new column follows its predecessor.
    assert names(status.options) == [
        "Experiment", "Evaluation", "Deployment", "Monitoring", "Done", "Backlog", "Data Prep", "Shipped",
    ]  # fmt: skip
    kept = next(o for o in status.options if o.name == "Experiment")
    assert (kept.color, kept.description) == ("PINK", "Running now")
    assert "Shipped" in names(status.options)  # never deleted
    for issue, column in cards.values():
        assert status_of(project, issue) == column
    assert mutations(github).count("ReplaceFieldOptions") == 1 and mutations(github).count("SetItemStatus") == 3


def test_a_complete_board_is_left_alone(github, team):
    _, path = team
    project = github.state.project("acme", 3, status_options=COLUMNS)
    project.linked_repos.append(github.state.repos["acme/churn"])
    write_config(path, github)
    result = init_board(github, path)
    assert result.code == 0 and result.json()["changes"] == 0
    assert mutations(github) == []


def test_no_board_yet_creates_one_for_the_owner_and_remembers_it(github, team):
    repo, path = team
    (path / ".github" / "mlops.yml").write_text(
        "# project_url: https://github.com/orgs/YOUR-ORG/projects/1   # the board\nrepositories: [acme/churn]\n"
    )
    result = init_board(github, path)
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["created"] and report["steps"][0]["action"] == "create_board"
    (project,) = github.state.projects.values()
    assert project.title == "ML team board" and project.linked_repos == [repo]
    assert names(project.field_named("Status").options) == ["Todo", "In Progress", *COLUMNS]
    config_text = (path / ".github" / "mlops.yml").read_text()
    assert config_text.startswith(f"project_url: {project_url(github, project)}\n")
    (path / ".github" / "mlops.yml").write_text("repositories: [acme/churn]\n")  # forget it: found by title
    again = init_board(github, path)
    assert again.code == 0 and not again.json()["created"] and len(github.state.projects) == 1


def test_a_lost_answer_to_creating_the_board_makes_no_second_board(github, team):
    _, path = team
    (path / ".github" / "mlops.yml").write_text("repositories: [acme/churn]\n")
    github.inject(Fault("drop", operation="CreateBoard", after_processing=True))
    result = init_board(github, path)
    assert result.code == 0, result.stderr
    (project,) = github.state.projects.values()
    assert len(github.served(operation="CreateBoard")) == 1 and project.linked_repos
    assert names(project.field_named("Status").options)[2:-1] == list(COLUMNS[:-1])


def test_a_stage_field_whose_creation_answer_was_lost_is_created_once(github, team):
    _, path = team
    project = github.state.project("acme", 3, status_options=COLUMNS)
    project.linked_repos.append(github.state.repos["acme/churn"])
    write_config(path, github, "stage_field: Stage\n")
    github.inject(Fault("drop", operation="CreateSelectField", after_processing=True))
    result = init_board(github, path)
    assert result.code == 0, result.stderr
    assert [f.name for f in project.fields].count("Stage") == 1
    assert len(github.served(operation="CreateSelectField")) == 2  # replayed, answered "taken"


def project_url(github, project) -> str:
    return f"{github.urls.web}/orgs/acme/projects/{project.number}"


def test_an_answer_lost_after_the_options_changed_is_replayed_and_values_still_come_back(github, team):
    repo, path = team
    project = github.state.project("acme", 3, status_options=("Backlog",))
    status = project.field_named("Status")
    issue = github.state.issue(repo, "Card")
    github.state.add_item(project, issue, github.state.user("mlops-bot")).values[status.id] = status.options[0].id
    write_config(path, github)
    github.inject(Fault("drop", operation="ReplaceFieldOptions", after_processing=True))
    result = init_board(github, path)
    assert result.code == 0, result.stderr
    assert status_of(project, issue) == "Backlog" and len(github.served(operation="ReplaceFieldOptions")) == 2


def test_an_interrupted_run_is_finished_by_the_next(github, team):
    repo, path = team
    project = github.state.project("acme", 3, status_options=("Backlog", "Done"))
    status = project.field_named("Status")
    issues = [github.state.issue(repo, f"Card {n}") for n in range(3)]
    for issue in issues:
        github.state.add_item(project, issue, github.state.user("mlops-bot")).values[status.id] = status.options[1].id
    write_config(path, github)
    github.inject(Fault("status", operation="SetItemStatus", status=502, times=100))
    broken = init_board(github, path)
    assert broken.code == 3 and all(status_of(project, i) is None for i in issues)  # GitHub cleared them
    assert len(list((path / ".cache" / "mlops-bot").glob("restore-*.json"))) == 1
    github.faults.clear()
    github.state.add_item(project, github.state.issue(repo, "New"), github.state.user("jo"))
    project.items[0].values[status.id] = next(o.id for o in status.options if o.name == "Backlog")  # set since
    finished = init_board(github, path)
    assert finished.code == 0 and finished.json()["item_values_restored"] == 2
    assert [status_of(project, i) for i in issues] == ["Backlog", "Done", "Done"]
    assert list((path / ".cache" / "mlops-bot").glob("restore-*.json")) == []


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (READ_ONLY_TOKEN, "may only read boards: give it the 'project' scope"),
        (ACTIONS_TOKEN, "set MLOPS_PROJECT_TOKEN"),
    ],
)
def test_a_token_that_cannot_change_the_board_is_told_what_it_lacks(github, team, token, message):
    _, path = team
    github.state.project("acme", 3, status_options=("Backlog",))
    write_config(path, github)
    result = init_board(github, path, token=token)
    assert result.code == 3 and message in result.stderr and "Traceback" not in result.stderr
    assert mutations(github) == []


def test_without_a_token_or_a_board_or_a_repository_it_stops_before_any_request(github, tmp_path):
    no_token = run_cli(["init", "--board"], cwd=tmp_path, env={"GITHUB_API_URL": github.api_url})
    assert no_token.code == 2 and "GITHUB_TOKEN is not set" in no_token.stderr
    nothing = run_cli(["init", "--board"], cwd=tmp_path, env=github.env(BOT_TOKEN))
    assert nothing.code == 2 and "no board and no repository" in nothing.stderr
    assert github.requests == []


def test_after_init_board_the_first_label_lands_in_its_column(github, team):
    repo, path = team
    project = github.state.new_project(github.state.user("acme"), "Work")
    write_config(path, github, project=project.number)
    assert init_board(github, path).code == 0
    issue = github.state.issue(repo, "Validate click data", labels=("ml-data",))
    result = run_cli(["sync", "--all", "--format", "json"], cwd=path, env=github.env(BOT_TOKEN))
    assert result.code == 0, result.stderr
    assert status_of(project, issue) == "Data Prep"


def test_dry_run_json_lists_the_plan(github, team):
    _, path = team
    github.state.project("acme", 3, status_options=("Backlog",))
    write_config(path, github)
    result = init_board(github, path, "--dry-run")
    steps = result.json()["steps"]
    assert [s["action"] for s in steps] == ["link_repository", "add_options"]
    assert steps[1]["adds"] == list(COLUMNS[1:])
    assert json.loads(result.stdout)["dry_run"] is True
