"""The snapshot: an incremental refresh equals a full read after any change on GitHub, at a cost that
follows what changed. Every change is made through GitHub's own APIs on the emulator."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import requests
from github import Auth, Github, GithubException
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import load_config
from bot.github.client import Endpoints, GitHubClient
from bot.records.forms import forms, render_body
from bot.site.refresh import Refreshed, refresh
from bot.site.snapshot import utc_now
from tests.emulator import GitHubEmulator
from tests.helpers import BOT_TOKEN, assert_valid, run_cli, webhook_validator

REPOS = ("acme/ml-platform", "acme/forecasting")
LONG_AGO = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)


def seed(github: GitHubEmulator, per_repo: int = 30) -> None:
    """Labelled issues of every kind in two repositories (plus one unlabelled), all last touched long ago."""
    state = github.state
    experiment = forms()["experiment"]
    kinds = ("ml-experiment", "ml-deployment", "ml-data", "ml-monitoring")
    for name in (*REPOS, "acme/archive"):
        repo = state.repo(name)
        for label in (*kinds, "documentation"):
            state.label(repo, label)
        for n in range(per_repo if name in REPOS else 3):
            body = render_body(
                experiment, {"hypothesis": f"If we try {n}, then AUC improves because of {n}.", "dataset": f"d{n}"}
            )
            state.issue(repo, f"Issue {n} of {name}", body=body, labels=(kinds[n % len(kinds)],))
        state.issue(repo, "Unrelated chore", labels=("documentation",))
        for issue in repo.issues.values():
            issue.created_at = issue.updated_at = LONG_AGO


def write_config(folder: Path, repositories: tuple[str, ...] = REPOS, extra: str = "") -> None:
    (folder / "mlops.yml").write_text(
        f"repositories: [{', '.join(repositories)}]\nsite: {{snapshot: snap.json}}\n{extra}"
    )


def snapshot(github: GitHubEmulator, folder: Path, *options: str) -> dict:
    result = run_cli(
        ["snapshot", "--config", "mlops.yml", "--format", "json", *options], cwd=folder, env=github.env(BOT_TOKEN)
    )
    assert result.code == 0, result.stderr
    return result.json()


def issues_of(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    return data["issues"]


def incremental_equals_full(github: GitHubEmulator, folder: Path) -> dict:
    """Refresh the snapshot in `folder`, read everything into a second file, and compare the two."""
    report = snapshot(github, folder)
    full = snapshot(github, folder, "--full", "--output", "full.json")
    assert issues_of(folder / "snap.json") == issues_of(folder / "full.json")
    assert full["issues"] == report["issues"]
    return report


# ---- GitHub's own ways to change issues -----------------------------------------------------------------
class GitHub:
    """Changes made as a person would make them: REST through PyGithub, GraphQL mutations for the rest."""

    def __init__(self, github: GitHubEmulator) -> None:
        self.emulator = github
        self.rest = Github(
            auth=Auth.Token(BOT_TOKEN),
            base_url=github.api_url,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )

    def issue(self, repository: str, number: int):
        return self.rest.get_repo(repository).get_issue(number)

    def graphql(self, document: str, variables: dict) -> dict:
        answer = requests.post(
            self.emulator.graphql_url,
            json={"query": document, "variables": variables},
            headers={"Authorization": f"bearer {BOT_TOKEN}"},
            timeout=10,
        ).json()
        assert "errors" not in answer, answer
        return answer["data"]

    def delete(self, repository: str, number: int) -> None:
        node = self.emulator.state.repos[repository.lower()].issues[number].node_id
        self.graphql(
            "mutation Delete($id: ID!) { deleteIssue(input: {issueId: $id}) { repository { nameWithOwner } } }",
            {"id": node},
        )

    def transfer(self, repository: str, number: int, target: str) -> int:
        state = self.emulator.state
        issue_id = state.repos[repository.lower()].issues[number].node_id
        data = self.graphql(
            "mutation Move($issue: ID!, $repo: ID!) { transferIssue(input: {issueId: $issue, repositoryId: $repo}) "
            "{ issue { number repository { nameWithOwner } } } }",
            {"issue": issue_id, "repo": state.repos[target.lower()].node_id},
        )
        return data["transferIssue"]["issue"]["number"]


CHANGES = {
    "edit": lambda gh: gh.issue(REPOS[0], 1).edit(title="Renamed", body="### Hypothesis\n\nIf we x, then y."),
    "close": lambda gh: gh.issue(REPOS[0], 2).edit(state="closed"),
    "reopen": lambda gh: (gh.issue(REPOS[0], 3).edit(state="closed"), gh.issue(REPOS[0], 3).edit(state="open")),
    "relabel": lambda gh: gh.issue(REPOS[0], 1).set_labels("ml-deployment"),
    "label an unlabelled issue": lambda gh: gh.issue(REPOS[0], 31).add_to_labels("ml-data"),
    "unlabel the last ml-* label": lambda gh: gh.issue(REPOS[0], 5).set_labels("documentation"),
    "remove one of two labels": lambda gh: (
        gh.issue(REPOS[0], 6).add_to_labels("ml-data"),
        gh.issue(REPOS[0], 6).remove_from_labels("ml-data"),
    ),
    "delete": lambda gh: gh.delete(REPOS[0], 7),
    "transfer to another configured repository": lambda gh: gh.transfer(REPOS[0], 8, REPOS[1]),
    "transfer out of the configuration": lambda gh: gh.transfer(REPOS[0], 9, "acme/archive"),
    "transfer in from outside": lambda gh: gh.transfer("acme/archive", 1, REPOS[1]),
    "assign": lambda gh: gh.issue(REPOS[0], 10).edit(assignees=["ana", "bo"]),
}


class Refresher:
    """`refresh` in this process over real HTTP (the CLI runs it the same way): the snapshot kept between runs."""

    def __init__(self, github: GitHubEmulator, folder: Path) -> None:
        self.config = load_config(folder / "mlops.yml", environ={})
        self.client = GitHubClient(BOT_TOKEN, Endpoints(github.api_url, github.graphql_url))
        self.current: dict | None = None

    def run(self, *, full: bool = False) -> Refreshed:
        done = refresh(self.client, self.config, None if full else self.current, "https://github.com", utc_now())
        if not full:
            self.current = done.snapshot
        return done

    def equals_full(self) -> Refreshed:
        done = self.run()
        assert done.snapshot["issues"] == self.run(full=True).snapshot["issues"]
        return done


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_after_each_kind_of_change_incremental_equals_full(github, tmp_path, change):
    seed(github)
    write_config(tmp_path)
    snapshots = Refresher(github, tmp_path)
    assert len(snapshots.run().snapshot["issues"]) == 60
    CHANGES[change](GitHub(github))
    done = snapshots.equals_full()
    assert done.since is not None and done.read_in_full == ()


def test_assignees_reach_the_snapshot(github, tmp_path):
    seed(github)
    write_config(tmp_path)
    snapshot(github, tmp_path)
    CHANGES["assign"](GitHub(github))
    incremental_equals_full(github, tmp_path)
    (entry,) = [e for e in issues_of(tmp_path / "snap.json") if (e["repository"], e["number"]) == (REPOS[0], 10)]
    assert entry["assignees"] == ["ana", "bo"]


def test_nothing_changed_costs_one_request_per_repository(github, tmp_path):
    seed(github)
    write_config(tmp_path)
    snapshot(github, tmp_path)
    github.clear()
    report = incremental_equals_full(github, tmp_path)
    assert report["fetched"] == 0 and report["dropped"] == 0 and report["requests"] == len(REPOS)


def test_k_edits_cost_one_request_per_fifty_and_a_removal_one_per_hundred_kept(github, tmp_path):
    seed(github, per_repo=260)
    write_config(tmp_path)
    snapshots = Refresher(github, tmp_path)
    log = snapshots.client.request_log
    snapshots.run()
    assert log.total == 2 * 6  # 260 labelled issues: 6 pages of 50 per repository
    gh = GitHub(github)
    for number in range(1, 61):  # 60 edits in one repository
        gh.issue(REPOS[0], number).edit(title=f"Edited {number}")
    log.records.clear()
    assert snapshots.run().fetched == 60 and log.total == 2 + 1  # 2 pages there, 1 (empty) in the other
    gh.delete(REPOS[1], 10)
    log.records.clear()
    deleted = snapshots.equals_full()
    assert deleted.dropped == 1 and log.by_operation()["SnapshotIssueNumbers"] == 3  # 259 numbers left
    assert log.by_operation()["SnapshotIssues"] == 2 + 1 + 2 * 6  # the 60 edited are read again (overlap); full


def test_a_repository_added_later_is_read_in_full_and_a_removed_one_dropped(github, tmp_path):
    seed(github)
    write_config(tmp_path, REPOS[:1])
    assert snapshot(github, tmp_path)["issues"] == 30
    write_config(tmp_path, REPOS)
    added = incremental_equals_full(github, tmp_path)
    assert added["issues"] == 60 and added["read_in_full"] == [REPOS[1]] and added["incremental"] is True
    write_config(tmp_path, REPOS[1:])
    removed = incremental_equals_full(github, tmp_path)
    assert removed["issues"] == 30 and removed["dropped"] == 30 and removed["requests"] == 1
    assert json.loads((tmp_path / "snap.json").read_text())["repositories"] == [REPOS[1]]


def test_changed_labels_or_columns_mean_a_full_read(github, tmp_path):
    seed(github)
    write_config(tmp_path)
    before = Refresher(github, tmp_path).run().snapshot
    write_config(tmp_path, extra="columns:\n  Experiment: {labels: [ml-experiment]}\n  Done: {}\n")
    snapshots = Refresher(github, tmp_path)
    snapshots.current = before
    narrowed = snapshots.equals_full()
    assert narrowed.read_in_full == REPOS and len(narrowed.snapshot["issues"]) == 16  # only the experiments now


# ---- any sequence of changes ------------------------------------------------------------------------------
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["edit", "close", "reopen", "label", "unlabel", "relabel", "delete", "transfer", "create"]),
        st.integers(0, 40),
        st.sampled_from(["acme/ml-platform", "acme/forecasting", "acme/archive"]),
    ),
    min_size=1,
    max_size=6,
)


@pytest.fixture(scope="module")
def shared_github():
    with GitHubEmulator() as emulator:
        emulator.state.add_token(BOT_TOKEN, "mlops-bot")
        yield emulator


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_changes_leaves_incremental_equal_to_full(shared_github, tmp_path_factory, steps):
    github = shared_github
    github.state.repos.clear()
    seed(github, per_repo=12)
    folder = tmp_path_factory.mktemp("any")
    write_config(folder)
    config = load_config(folder / "mlops.yml", environ={})
    client = GitHubClient(BOT_TOKEN, Endpoints(github.api_url, github.graphql_url))
    current = refresh(client, config, None, "https://github.com", utc_now()).snapshot
    gh = GitHub(github)
    for action, index, target in steps:
        apply(gh, action, index, target)
        current = refresh(client, config, current, "https://github.com", utc_now()).snapshot
        full = refresh(client, config, None, "https://github.com", utc_now()).snapshot
        assert current["issues"] == full["issues"], (action, index, target)


def apply(gh: GitHub, action: str, index: int, target: str) -> None:
    """One change to an existing issue of acme/ml-platform (picked by position), as a person would make it."""
    repo = gh.emulator.state.repos["acme/ml-platform"]
    if action == "create" or not repo.issues:
        gh.rest.get_repo("acme/ml-platform").create_issue(f"New {index}", labels=["ml-experiment"])
        return
    number = sorted(repo.issues)[index % len(repo.issues)]
    issue = gh.issue("acme/ml-platform", number)
    if action == "edit":
        issue.edit(body=f"### Hypothesis\n\nIf we change {index}, then it improves.")
    elif action in ("close", "reopen"):
        issue.edit(state="closed" if action == "close" else "open")
    elif action == "label":
        issue.add_to_labels("ml-deployment")
    elif action == "unlabel":
        issue.set_labels("documentation")
    elif action == "relabel":
        issue.set_labels("ml-monitoring")
    elif action == "delete":
        gh.delete("acme/ml-platform", number)
    elif target != "acme/ml-platform":
        gh.transfer("acme/ml-platform", number, target)


# ---- the emulator deletes and transfers issues as GitHub does -------------------------------------------
def test_emulator_deletes_an_issue_like_github(github):
    seed(github, per_repo=3)
    gh = GitHub(github)
    gh.delete(REPOS[0], 2)
    with pytest.raises(GithubException, match="410") as gone:
        gh.issue(REPOS[0], 2)
    assert "This issue was deleted" in str(gone.value)
    (event,) = [e for e in github.events if e.action == "deleted"]
    assert_valid(webhook_validator("issues/deleted.schema.json"), event.payload)


def test_emulator_transfers_an_issue_like_github(github):
    seed(github, per_repo=3)
    github.state.label(github.state.repos["acme/archive"], "ml-experiment")
    gh = GitHub(github)
    new_number = gh.transfer(REPOS[0], 1, "acme/archive")
    moved = github.state.repos["acme/archive"].issues[new_number]
    assert new_number == 5 and moved.title == f"Issue 0 of {REPOS[0]}" and moved.updated_at > LONG_AGO
    assert [label.name for label in moved.labels] == ["ml-experiment"]  # kept: the target has the label
    followed = gh.issue(REPOS[0], 1)  # the old number redirects to the new one
    assert followed.number == new_number and followed.repository.full_name == "acme/archive"
    github.state.repo("acme/bare")
    unlabelled = gh.transfer(REPOS[0], 2, "acme/bare")
    assert github.state.repos["acme/bare"].issues[unlabelled].labels == []  # the target has no such label
    (event, _) = [e for e in github.events if e.action == "transferred"]
    assert_valid(webhook_validator("issues/transferred.schema.json"), event.payload)
    assert event.payload["changes"]["new_issue"]["number"] == new_number
    failed = requests.post(
        github.graphql_url,
        json={"query": 'mutation { transferIssue(input: {issueId: "nope", repositoryId: "x"}) { issue { id } } }'},
        headers={"Authorization": f"bearer {BOT_TOKEN}"},
        timeout=10,
    ).json()
    assert failed["errors"][0]["type"] == "NOT_FOUND"
