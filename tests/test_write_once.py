"""Writes happen once: a comment, an issue or a label whose answer was lost is read back, never made twice.

Each test runs the real CLI against the emulator with a fault after GitHub did the work (a 502, or a
connection dropped before the answer), then counts what exists.
"""

from __future__ import annotations

import json

import pytest

from tests.emulator import Fault
from tests.emulator import objects as gh_objects
from tests.emulator.objects import example
from tests.helpers import ROOT, EventRunner

AFTER_PROCESSING = [  # GitHub did the work; the client sees a 502, or no answer at all
    pytest.param(lambda **where: Fault("status", status=502, after_processing=True, **where), id="502"),
    pytest.param(lambda **where: Fault("drop", after_processing=True, **where), id="answer lost"),
]
EXPERIMENT_BODY = "### Hypothesis\n\nShorter sessions churn more.\n"


@pytest.fixture
def runner(github, tmp_path) -> EventRunner:
    runner = EventRunner(github, tmp_path)
    runner.write_config("repositories: [acme/ml]\n")
    return runner


def issue_event(runner: EventRunner, issue) -> tuple[str, dict]:
    payload = json.loads(json.dumps(example("issues", "opened")))
    payload.update(
        issue=gh_objects.issue_json(issue, runner.github.urls),
        repository=gh_objects.repo_json(issue.repo, runner.github.urls),
    )
    return "issues", payload


def comment_event(runner: EventRunner, issue, body: str, *, action: str = "created", before: str | None = None):
    payload = json.loads(json.dumps(example("issue_comment", action)))
    payload["issue"] = gh_objects.issue_json(issue, runner.github.urls)
    payload["repository"] = gh_objects.repo_json(issue.repo, runner.github.urls)
    payload["comment"].update(body=body, author_association="MEMBER")
    payload["comment"]["user"].update(login="jo", type="User")
    if before is not None:
        payload["changes"] = {"body": {"from": before}}
    return "issue_comment", payload


def bot_comments(issue) -> list:
    return [c for c in issue.comments if c.user.login == "mlops-bot"]


def label_names(issue) -> set[str]:
    return {label.name for label in issue.labels}


# ---- comments ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", AFTER_PROCESSING)
def test_a_record_comment_whose_answer_was_lost_is_made_once(runner, fault):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", body=None, labels=("ml-experiment",))
    runner.github.inject(fault(method="POST", path=r"/issues/\d+/comments$"))
    result, _ = runner.run(["triage"], issue_event(runner, issue))
    assert result.code == 0, result.stderr
    (comment,) = bot_comments(issue)
    assert "Experiment record" in comment.body
    assert len(runner.github.served(method="POST", path="/comments$")) == 1  # found on read-back, not re-sent


def test_a_comment_that_did_not_happen_is_sent_again(runner):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", body=None, labels=("ml-experiment",))
    runner.github.inject(Fault("status", status=502, method="POST", path=r"/issues/\d+/comments$"))
    result, _ = runner.run(["triage"], issue_event(runner, issue))
    assert result.code == 0, result.stderr
    assert len(bot_comments(issue)) == 1
    assert [r.status for r in runner.github.served(method="POST", path="/comments$")] == [502, 201]


def test_a_write_that_keeps_failing_stops_after_three_sends_with_one_line(runner):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", body=None, labels=("ml-experiment",))
    runner.github.inject(Fault("status", status=502, method="POST", path=r"/issues/\d+/comments$", times=10))
    result, _ = runner.run(["triage"], issue_event(runner, issue))
    assert result.code == 3 and result.stderr.strip() == "error: GitHub answered 502: Server Error"
    assert len(runner.github.served(method="POST", path="/comments$")) == 3 and issue.comments == []


# ---- incident issues -------------------------------------------------------------------------------------
@pytest.fixture
def monitoring(tmp_path):
    (tmp_path / "mlops.yml").write_text(f"registry: {{path: {ROOT / 'sample' / 'registry'}}}\n")
    rows = [{"brier": 0.14, "brier_baseline": 0.11, "p99_latency_ms": 120}] * 3
    windows = [{"timestamp": f"2026-11-01T10:{n:02d}:00Z", **row} for n, row in enumerate(rows)]
    (tmp_path / "report.json").write_text(json.dumps({"windows": windows}))
    return tmp_path


@pytest.mark.parametrize("fault", AFTER_PROCESSING)
def test_incident_and_retraining_issues_whose_answers_were_lost_are_opened_once(github, monitoring, fault):
    repo = github.state.repo("acme/ml-platform")
    github.inject(fault(method="POST", path=r"/issues$", times=2))  # both new issues
    github.inject(fault(method="POST", path=r"/issues/\d+/comments$"))  # the evidence comment
    result, _ = EventRunner(github, monitoring).run(
        ["monitor", "--config", "mlops.yml", "--model", "fraud-detector", "--metrics", "report.json"],
        env={"GITHUB_REPOSITORY": "acme/ml-platform"},
    )
    assert result.code == 1, result.stderr  # a breach: the check fails, the writes succeed
    kinds = sorted(label.name for issue in repo.issues.values() for label in issue.labels)
    assert kinds == ["ml-monitoring", "ml-retraining"]
    (incident,) = [i for i in repo.issues.values() if "ml-monitoring" in label_names(i)]
    assert len(incident.comments) == 1
    assert len(github.served(method="POST", path=r"/issues$")) == 2


# ---- labels ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fault", AFTER_PROCESSING)
def test_init_makes_each_label_once_when_answers_are_lost(github, tmp_path, fault):
    repo = github.state.repo("acme/empty")
    github.inject(fault(method="POST", path=r"/labels$", times=3))
    result, _ = EventRunner(github, tmp_path).run(
        ["init", "--path", str(tmp_path), "--repo", "acme/empty", "--action-ref", "acme/mlops-bot@" + "0" * 40]
    )
    assert result.code == 0, result.stderr
    names = [label.name.lower() for label in repo.labels.values()]
    assert names and len(names) == len(set(names))
    posted = github.served(method="POST", path=r"/labels$")
    assert len(posted) == len(names)  # one POST per label: the lost ones were found, not re-sent


@pytest.mark.parametrize("fault", AFTER_PROCESSING)
def test_command_labels_whose_answers_were_lost_are_set_once(runner, fault):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", labels=("ml-experiment", "outcome: iterate"))
    runner.github.inject(fault(method="POST", path=r"/issues/\d+/labels$"))
    runner.github.inject(fault(method="DELETE", path=r"/issues/\d+/labels/"))
    result, _ = runner.run(["triage"], comment_event(runner, issue, "/outcome promote"))
    assert result.code == 0, result.stderr
    assert label_names(issue) == {"ml-experiment", "outcome: promote"}
    assert len(runner.github.served(method="POST", path="/labels$")) == 1
    assert len(bot_comments(issue)) == 1


# ---- slash commands act on the issue as it is now ---------------------------------------------------------
def test_commands_read_the_labels_at_run_time_not_the_events_copy(runner):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", labels=("ml-experiment",))
    event = comment_event(runner, issue, "/outcome promote\n/timebox 10")  # the event saw no outcome
    issue.labels.append(runner.github.state.label(repo, "outcome: abandon"))  # set while the job waited
    issue.labels.append(runner.github.state.label(repo, "timebox-expired"))
    result, _ = runner.run(["triage"], event)
    assert result.code == 0, result.stderr
    assert label_names(issue) == {"ml-experiment", "outcome: promote", "timebox: 10d"}


def test_a_label_removed_since_the_event_is_not_reported_as_already_there(runner):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", labels=("ml-experiment", "outcome: promote"))
    event = comment_event(runner, issue, "/outcome promote")
    issue.labels = [label for label in issue.labels if label.name != "outcome: promote"]
    result, _ = runner.run(["triage"], event)
    assert "recorded as `outcome: promote`" in result.stdout
    assert label_names(issue) == {"ml-experiment", "outcome: promote"}


def test_editing_an_old_command_never_runs_it_again(runner):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", labels=("ml-experiment",))
    runner.run(["triage"], comment_event(runner, issue, "/outcome promote"))
    runner.run(["triage"], comment_event(runner, issue, "/outcome abandon"))
    assert label_names(issue) == {"ml-experiment", "outcome: abandon"}
    # Someone fixes a typo in the first comment's prose: its command is unchanged, nothing happens.
    edited = comment_event(runner, issue, "/outcome promote\n\nFixed typo.", action="edited", before="/outcome promote")
    result, requests = runner.run(["triage"], edited)
    assert result.code == 0 and "nothing was changed" in result.stdout and requests == 0
    # Someone changes the first comment's command: still nothing runs; the bot says how to run it.
    changed = comment_event(runner, issue, "/outcome iterate", action="edited", before="/outcome promote")
    result, _ = runner.run(["triage"], changed)
    assert result.code == 0 and label_names(issue) == {"ml-experiment", "outcome: abandon"}
    (comment,) = bot_comments(issue)
    assert "write the command in a new comment" in comment.body


def test_commands_on_a_pull_request_are_ignored_with_a_short_answer(runner):
    repo = runner.github.state.repo("acme/ml")
    pull = runner.github.state.pull_request(repo, "Promote fraud-detector")
    result, _ = runner.run(["triage"], comment_event(runner, pull.issue, "/rollout 100"))
    assert result.code == 0 and "pull request" in result.stdout
    assert label_names(pull.issue) == set()
    (comment,) = bot_comments(pull.issue)
    assert "Commands act on issues only" in comment.body
    # Another bot's commands (`/lgtm`, `/retest`) on a pull request cost nothing and get no answer.
    result, requests = runner.run(["triage"], comment_event(runner, pull.issue, "/retest"))
    assert requests == 0 and len(bot_comments(pull.issue)) == 1


# ---- rate limits and retry chatter ------------------------------------------------------------------------
def test_a_secondary_rate_limit_past_the_cap_exits_3_at_once(runner):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", body=None, labels=("ml-experiment",))
    runner.github.inject(Fault("secondary_rate_limit", method="POST", retry_after=900))
    result, _ = runner.run(["triage"], issue_event(runner, issue))
    assert result.code == 3
    (line,) = result.stderr.strip().splitlines()
    assert "900s pause" in line and "MLOPS_RETRY_MAX_WAIT" in line
    assert len(runner.github.served(method="POST")) == 1 and issue.comments == []


@pytest.mark.parametrize("verbose", [False, True])
def test_retry_chatter_is_logged_only_with_verbose(runner, verbose):
    repo = runner.github.state.repo("acme/ml")
    issue = runner.github.state.issue(repo, "Experiment", body=None, labels=("ml-experiment",))
    runner.github.inject(Fault("drop", method="GET", path=r"/comments$"))
    runner.github.inject(Fault("status", status=502, method="GET", path=r"/comments$"))
    result, _ = runner.run(["triage", *(["--verbose"] if verbose else [])], issue_event(runner, issue))
    assert result.code == 0, result.stderr
    assert ("retrying" in result.stderr.lower()) is verbose
    if not verbose:
        assert result.stderr == ""
