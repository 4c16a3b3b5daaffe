"""Board sync end to end: `mlops-bot sync` in a subprocess against the emulator, fed with webhook payloads."""

from __future__ import annotations

import copy
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from github import Auth, Github

from bot.board.plan import plan_issue
from bot.board.projects import ProjectsClient
from bot.config import DEFAULTS, ProjectRef, load_config
from bot.github.client import Endpoints, GitHubClient, RetrySettings
from tests.emulator import Fault, GitHubEmulator
from tests.emulator import objects as gh_objects
from tests.emulator.objects import example
from tests.emulator.state import Issue, Project
from tests.helpers import ACTIONS_TOKEN, BOT_TOKEN, CliResult, EventRunner, run_cli

COLUMNS = tuple(DEFAULTS["columns"])
HUMAN_TOKEN = "ghp_jo_human"


@dataclass
class Board(EventRunner):
    project: Project

    def configure(self, text: str = "", sync: str = "mutation_pause_seconds: 0") -> None:
        url = f"{self.github.urls.web}/orgs/acme/projects/3"
        self.write_config(f"project_url: {url}\nrepositories: [acme/churn, acme/recsys]\nsync: {{{sync}}}\n" + text)

    def human(self) -> Github:
        return Github(auth=Auth.Token(HUMAN_TOKEN), base_url=self.github.api_url, retry=None)

    def sync(
        self,
        *args: str,
        event: tuple[str, dict] | None = None,
        token: str = BOT_TOKEN,
        env: dict[str, str] | None = None,
    ) -> tuple[CliResult, int]:
        """Run the CLI; returns its result and how many requests reached GitHub."""
        return self.run(["sync", *args], event, token=token, env={"GITHUB_REPOSITORY": "acme/churn", **(env or {})})

    def items(self, issue: Issue):
        return [i for i in self.project.items if i.content is issue]

    def column(self, issue: Issue) -> str | None:
        (item,) = self.items(issue)
        status = self.project.field_named("Status")
        return next((o.name for o in status.options if o.id == item.values.get(status.id)), None)

    def events(self, name: str, action: str) -> list[dict]:
        return [e.payload for e in self.github.events if e.name == name and e.action == action]


@pytest.fixture
def board(github, tmp_path) -> Board:
    github.state.add_token(HUMAN_TOKEN, "jo")
    github.state.repo("acme/churn")
    github.state.repo("acme/recsys")
    project = github.state.project("acme", 3, title="ML lifecycle", status_options=COLUMNS)
    result = Board(github, tmp_path, project)
    result.configure()
    return result


def open_issue(board: Board, title: str, labels: list[str]) -> tuple[Issue, list[tuple[str, dict]]]:
    """A person opens an issue; returns it and the events GitHub would fire."""
    board.github.clear()
    created = board.human().get_repo("acme/churn").create_issue(title, labels=labels)
    issue = board.github.state.repos["acme/churn"].issues[created.number]
    return issue, [(e.name, e.payload) for e in board.github.events]


# ---- one event at a time ------------------------------------------------------------------------------
def test_opened_issue_is_added_and_placed_in_three_requests(board):
    issue, events = open_issue(board, "Try focal loss", ["ml-experiment"])
    result, requests = board.sync(event=events[0])
    assert result.code == 0, result.stderr
    assert board.column(issue) == "Experiment"
    assert requests == 3
    assert "add to Experiment" in result.stdout


def test_real_example_payload_rewritten_to_the_emulator(board):
    issue = board.github.state.issue(board.github.state.repos["acme/churn"], "Clean click logs", labels=("ml-data",))
    payload = copy.deepcopy(example("issues", "opened"))
    payload["issue"].update(
        {
            "node_id": issue.node_id,
            "number": issue.number,
            "labels": [{**payload["issue"]["labels"][0], "name": "ml-data"}],
        }
    )
    payload["repository"] = gh_objects.repo_json(issue.repo, board.github.urls)
    result, requests = board.sync(event=("issues", payload))
    assert result.code == 0, result.stderr
    assert board.column(issue) == "Data Prep" and requests == 3


def test_label_change_moves_in_two_requests_and_a_no_op_costs_one(board):
    issue, events = open_issue(board, "Ship ranker v2", ["ml-evaluation"])
    board.sync(event=events[0])
    board.github.clear()
    board.human().get_repo("acme/churn").get_issue(issue.number).add_to_labels("ml-deployment")
    (labeled,) = board.events("issues", "labeled")
    result, requests = board.sync(event=("issues", labeled))
    assert board.column(issue) == "Deployment" and requests == 2, result.stdout
    board.github.clear()
    board.human().get_repo("acme/churn").get_issue(issue.number).edit(body="more detail")
    (edited,) = board.events("issues", "edited")
    result, requests = board.sync(event=("issues", edited))
    assert requests == 1 and "0 change(s) applied" in result.stdout


def test_issue_without_mapped_label_costs_no_request(board):
    _, events = open_issue(board, "Fix typo in README", ["documentation"])
    for event in events:
        result, requests = board.sync(event=event)
        assert result.code == 0 and requests == 0
        assert "has no mapped label" in result.stdout


def test_close_reopen_and_label_removal(board):
    issue, events = open_issue(board, "Retrain on May data", ["ml-retraining"])
    board.sync(event=events[0])
    gh_issue = board.human().get_repo("acme/churn").get_issue(issue.number)
    board.github.clear()
    gh_issue.edit(state="closed")
    board.sync(event=("issues", board.events("issues", "closed")[0]))
    assert board.column(issue) == "Done"
    board.github.clear()
    gh_issue.edit(state="open")
    board.sync(event=("issues", board.events("issues", "reopened")[0]))
    assert board.column(issue) == "Backlog"
    board.github.clear()
    gh_issue.remove_from_labels("ml-retraining")
    result, _ = board.sync(event=("issues", board.events("issues", "unlabeled")[0]))
    (item,) = board.items(issue)
    assert item.archived, result.stdout
    board.github.clear()
    gh_issue.add_to_labels("ml-monitoring")
    board.sync(event=("issues", board.events("issues", "labeled")[0]))
    (item,) = board.items(issue)
    assert not item.archived and board.column(issue) == "Monitoring"


def test_transferred_issue_follows_its_new_number(board):
    state = board.github.state
    old = state.issue(state.repos["acme/churn"], "Drift check", labels=("ml-monitoring",))
    new = state.issue(state.repos["acme/recsys"], "Drift check", labels=("ml-monitoring",))
    from tests.emulator import webhooks

    payload = webhooks.transferred_event(old, new, state.user("jo"), board.github.urls)
    result, _ = board.sync(event=("issues", payload))
    assert result.code == 0, result.stderr
    assert board.column(new) == "Monitoring" and board.items(old) == []


def test_unrelated_events_are_ignored(board):
    result, requests = board.sync(event=("issues", {**example("issues", "assigned")}))
    assert result.code == 0 and requests == 0


# ---- races ---------------------------------------------------------------------------------------------
def test_four_events_of_one_issue_in_any_order_leave_one_item_in_the_right_column(board):
    orders = list(itertools.permutations(range(4)))[::7]  # a spread of the 24 orders
    for order in orders:
        issue, events = open_issue(board, "Label soup", ["ml-data", "ml-experiment", "ml-deployment"])
        assert len(events) == 4
        for index in order:
            assert board.sync(event=events[index])[0].code == 0
        assert len(board.items(issue)) == 1 and board.column(issue) == "Deployment"


def test_concurrent_runs_with_github_reporting_the_duplicate(board):
    board.github.options.conflict_on_existing_add = True
    issue, events = open_issue(board, "Race", ["ml-data", "ml-training", "ml-evaluation"])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda event: board.sync(event=event)[0], events))
    assert all(r.code == 0 for r in results), [r.stderr for r in results]
    assert len(board.items(issue)) == 1 and board.column(issue) == "Evaluation"


# ---- WIP limits ------------------------------------------------------------------------------------------
def test_wip_limit_is_reported_once_in_a_comment_edited_in_place(board):
    board.configure(
        "columns:\n"
        + "".join(
            f"  {name}:\n    labels: [{label}]\n" + ("    wip_limit: 1\n" if name == "Deployment" else "")
            for name, label in zip(
                COLUMNS[:-1],
                ["type-mlops", "ml-data", "ml-experiment", "ml-evaluation", "ml-deployment", "ml-monitoring"],
                strict=True,
            )
        )
        + "  Done: {}\n"
    )
    first, events = open_issue(board, "Deploy churn v3", ["ml-deployment"])
    assert "WIP" not in board.sync(event=events[0])[0].stdout
    second, events = open_issue(board, "Deploy ranker v2", ["ml-deployment"])
    summary = board.workdir / "summary.md"
    result, _ = board.sync(event=events[0], env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert board.column(second) == "Deployment"  # the move still happens
    assert "WIP limit exceeded in Deployment: 2 items, limit 1" in result.stdout
    assert "**WIP limit exceeded** in Deployment: 2 items against a limit of 1" in summary.read_text()
    (comment,) = second.comments
    assert comment.body.startswith("<!-- mlops-bot:wip-limit -->") and comment.user.login == "mlops-bot"
    board.human().get_repo("acme/churn").get_issue(second.number).add_to_labels("ml-data")
    rerun = board.sync(event=("issues", board.events("issues", "labeled")[-1]))[0]
    assert rerun.code == 0 and len(second.comments) == 1  # never a second comment
    assert first.comments == []


def test_a_pasted_marker_in_a_human_comment_is_never_edited(board):
    issue, _ = open_issue(board, "Deploy", ["ml-deployment"])
    board.human().get_repo("acme/churn").get_issue(issue.number).create_comment("<!-- mlops-bot:wip-limit -->\nmine")
    from bot.comments import upsert_comment

    client = Github(auth=Auth.Token(BOT_TOKEN), base_url=board.github.api_url)
    outcome = upsert_comment(
        client.get_repo("acme/churn").get_issue(issue.number), "wip-limit", "bot text", "mlops-bot"
    )
    assert outcome.action == "created"
    assert issue.comments[0].body == "<!-- mlops-bot:wip-limit -->\nmine"


# ---- configuration and token errors ----------------------------------------------------------------------
def test_missing_column_fails_before_any_mutation(board):
    board.configure(
        "columns:\n  Backlog:\n    labels: [ml-data]\n  Shipping:\n    labels: [ml-deployment]\n  Done: {}\n"
    )
    _, events = open_issue(board, "Deploy", ["ml-deployment"])
    board.github.clear()
    result, _ = board.sync(event=events[0])
    assert result.code == 2
    assert result.stderr.strip() == (
        "error: .github/mlops.yml:7:3: columns.Shipping: the board 'ML lifecycle' has no 'Status' option 'Shipping' "
        "(it has: Backlog, Data Prep, Experiment, Evaluation, Deployment, Monitoring, Done)"
    )
    assert not [r for r in board.github.requests if r.operation and "Item" in r.operation]


def test_github_token_cannot_reach_the_board_and_the_error_says_what_to_do(board):
    _, events = open_issue(board, "Deploy", ["ml-deployment"])
    result, _ = board.sync(event=events[0], token=ACTIONS_TOKEN)
    assert result.code == 3
    assert "with GITHUB_TOKEN: Resource not accessible by integration" in result.stderr
    assert "MLOPS_PROJECT_TOKEN" in result.stderr and "'project' scope" in result.stderr
    assert "Traceback" not in result.stderr


def test_project_token_is_used_for_the_board(board):
    _, events = open_issue(board, "Deploy", ["ml-deployment"])
    result, _ = board.sync(event=events[0], token=ACTIONS_TOKEN, env={"MLOPS_PROJECT_TOKEN": BOT_TOKEN})
    assert result.code == 0, result.stderr


def test_unknown_board_number_exits_3(board):
    board.configure()
    _, events = open_issue(board, "Deploy", ["ml-deployment"])
    result, _ = board.sync("--project-url", f"{board.github.urls.web}/orgs/acme/projects/99", event=events[0])
    assert result.code == 3 and "Could not resolve to a ProjectV2 with the number 99" in result.stderr


# ---- reconcile -------------------------------------------------------------------------------------------
def seed(board: Board, count: int) -> list[Issue]:
    state = board.github.state
    # The order matters to the assertions below: issue 1 gets ml-experiment.
    labels = [
        "ml-data",
        "ml-experiment",
        "ml-training",
        "ml-evaluation",
        "ml-deployment",
        "ml-monitoring",
        "ml-retraining",
        "type-mlops",
    ]
    issues = []
    for n in range(count):
        repo = state.repos["acme/churn" if n % 3 else "acme/recsys"]
        issues.append(
            state.issue(repo, f"task {n}", labels=(labels[n % len(labels)],), state="closed" if n % 10 == 0 else "open")
        )
    return issues


def test_reconcile_across_two_repositories_then_nothing_to_do(board):
    issues = seed(board, 300)
    state = board.github.state
    stranger = state.issue(state.repo("other/repo"), "someone else's")
    state.add_item(board.project, stranger, state.user("jo"))
    state.add_item(board.project, None, state.user("jo"), draft_title="a draft")
    summary = board.workdir / "summary.md"
    result, requests = board.sync("--all", "--format", "json", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.code == 0, result.stderr
    report = result.json()
    assert report["issues_seen"] == 300
    assert sum(1 for a in report["actions"] if a["action"] == "add") == 300
    assert all(len(board.items(i)) == 1 for i in issues)
    assert board.column(issues[0]) == "Done" and board.column(issues[1]) == "Experiment"
    assert "| acme/recsys#1 | add |" in summary.read_text()
    again, requests = board.sync("--all", "--format", "json")
    assert again.json()["actions"] == [] and again.json()["mutations"] == 0
    assert requests <= 2 * 3 + 1  # 300 issues, 302 items: about 2 requests per 100, plus the board


def test_reconcile_archives_items_the_bot_added_once_labels_are_gone(board):
    issues = seed(board, 12)
    board.sync("--all")
    kept = board.github.state.issue(board.github.state.repos["acme/churn"], "human added")
    board.github.state.add_item(board.project, kept, board.github.state.user("jo"))
    issues[1].labels = []
    issues[2].labels = [board.github.state.label(issues[2].repo, "bug")]
    result, _ = board.sync("--all")
    assert result.code == 0
    assert board.items(issues[1])[0].archived and board.items(issues[2])[0].archived
    assert not board.items(kept)[0].archived
    board.configure("unlabeled_items: delete\n")
    issues[3].labels = []
    board.sync("--all")
    assert board.items(issues[3]) == []


def test_dry_run_changes_nothing(board):
    seed(board, 5)
    result, _ = board.sync("--all", "--dry-run")
    assert result.code == 0 and result.stdout.count("[dry run] acme/") == 10
    assert board.project.items == []


def test_faults_mid_reconcile_are_retried_and_a_failed_run_converges_next_time(board):
    issues = seed(board, 240)
    board.configure(sync="batch_size: 20, mutation_pause_seconds: 0")
    github = board.github
    github.inject(Fault("status", status=502, operation="ReconcilePage"))
    github.inject(Fault("secondary_rate_limit", operation="AddItems", retry_after=1))
    github.inject(Fault("drop", operation="SetItemStatus", after_processing=True))
    result, _ = board.sync("--all")
    assert result.code == 0, result.stderr
    assert all(len(board.items(i)) == 1 for i in issues)
    # Now a failure that outlasts the retries, in the middle of the adds.
    more = seed(board, 240)
    github.inject(Fault("status", status=502, operation="AddItems", times=50))
    failed, _ = board.sync("--all")
    assert failed.code == 3 and "502" in failed.stderr
    github.faults.clear()
    result, _ = board.sync("--all")
    assert result.code == 0
    assert all(len(board.items(i)) == 1 for i in issues + more)
    assert board.sync("--all", "--format", "json")[0].json()["actions"] == []


def test_user_projects_and_enterprise_server_paths(tmp_path):
    with GitHubEmulator(api_prefix="/api/v3") as ghes:
        ghes.state.add_token(BOT_TOKEN, "jo")
        repo = ghes.state.repo("jo/models", owner_type="User")
        project = ghes.state.project("jo", 1, owner_type="User", status_options=COLUMNS)
        issue = ghes.state.issue(repo, "Evaluate", labels=("ml-evaluation",))
        (tmp_path / "mlops.yml").write_text(
            f"project_url: {ghes.urls.web}/users/jo/projects/1\nsync:\n  mutation_pause_seconds: 0\n"
        )
        result = run_cli(
            ["sync", "--all", "--config", "mlops.yml"],
            cwd=tmp_path,
            env=ghes.env(BOT_TOKEN, GITHUB_REPOSITORY="jo/models"),
        )
        assert result.code == 0, result.stderr
        assert project.item_for(issue) is not None
        assert all(r.path.startswith("/api/") for r in ghes.requests)


# ---- experiment stage on a second field ---------------------------------------------------------------
def test_experiment_stage_is_written_to_the_stage_field_within_budget(board):
    from tests.test_forms import GOOD_EXPERIMENT, render

    stage_field = board.github.state._field(
        "Experiment stage", "SINGLE_SELECT", ("Ideation", "Active", "Analysis", "Decision")
    )
    board.project.fields.append(stage_field)
    board.configure("stage_field: Experiment stage\n")
    issue = board.github.state.issue(
        board.github.state.repos["acme/churn"],
        "Experiment: sessions",
        labels=("ml-experiment",),
        body=render("experiment", GOOD_EXPERIMENT),
    )
    from tests.emulator.webhooks import issues_event

    sender = board.github.state.user("jo")
    result, requests = board.sync(event=("issues", issues_event("opened", issue, sender, board.github.urls)))
    assert result.code == 0, result.stderr
    (item,) = board.items(issue)
    stage_of = {o.id: o.name for o in stage_field.options}
    assert board.column(issue) == "Experiment" and stage_of[item.values[stage_field.id]] == "Active"
    assert requests == 3  # read, add, then status and stage together
    issue.body = render("experiment", {**GOOD_EXPERIMENT, "primary_metric": "AUC 0.86"})
    result, requests = board.sync(event=("issues", issues_event("edited", issue, sender, board.github.urls)))
    assert stage_of[item.values[stage_field.id]] == "Analysis" and requests == 2
    issue.labels.append(board.github.state.label(issue.repo, "outcome: promote"))
    board.sync("--all")
    assert stage_of[item.values[stage_field.id]] == "Decision"


def test_missing_stage_field_is_a_configuration_error(board):
    board.configure("stage_field: Experiment stage\n")
    _, events = open_issue(board, "Experiment", ["ml-experiment"])
    result, _ = board.sync(event=events[0])
    assert result.code == 2 and "has no single-select field named 'Experiment stage'" in result.stderr


# ---- pacing ----------------------------------------------------------------------------------------------
FAST = RetrySettings(total=2, backoff=0.01, max_wait=1, timeout=5)


def paced_client(board: Board, waits: list[float], batch_size: int) -> ProjectsClient:
    client = GitHubClient(BOT_TOKEN, Endpoints(board.github.api_url, board.github.graphql_url), settings=FAST)
    project = ProjectRef(urlsplit(board.github.urls.web).netloc, "organization", "acme", 3, scheme="http")
    return ProjectsClient(client, project, "Status", batch_size=batch_size, pause_seconds=30, sleep=waits.append)


def planned(projects: ProjectsClient, issues: list[Issue]) -> tuple[list, object]:
    actions = []
    for issue in issues:
        snapshot = projects.read_for_issue(issue.node_id)
        actions += plan_issue(snapshot.issue, snapshot.item, snapshot.fields, load_config(None).board, snapshot.viewer)
    return actions, snapshot.fields


def test_a_single_event_never_waits_however_long_the_configured_pause(board):
    waits: list[float] = []
    projects = paced_client(board, waits, batch_size=50)
    issue = board.github.state.issue(board.github.state.repos["acme/churn"], "one", labels=("ml-data",))
    actions, fields = planned(projects, [issue])
    applied = projects.apply(actions, fields)
    assert [a.kind for a in applied] == ["add", "set_status"] and board.column(issue) == "Data Prep"
    assert waits == []


def test_a_bulk_run_pauses_between_mutation_requests_after_the_first_two(board):
    waits: list[float] = []
    projects = paced_client(board, waits, batch_size=1)  # one action per request: six requests
    issues = [
        board.github.state.issue(board.github.state.repos["acme/churn"], f"t{n}", labels=("ml-data",)) for n in range(3)
    ]
    actions, fields = planned(projects, issues)
    before = len(board.github.requests)
    projects.apply(actions, fields)
    assert len(board.github.requests) - before == 6
    assert len(waits) == 4 and all(25 < wait <= 30 for wait in waits)
    assert all(board.column(issue) == "Data Prep" for issue in issues)
