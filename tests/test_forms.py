"""Issue forms, the records read from them, and the bot's one comment and slash commands."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from bot.records import slash_commands as commands
from bot.records.forms import experiment_stage, form_for_labels, forms, read_record, render_body
from bot.schemas import load_schema
from tests.emulator import objects as gh_objects
from tests.emulator.objects import example
from tests.helpers import BOT_TOKEN, run_cli

ROOT = Path(__file__).resolve().parents[1]
FORM_FILES = sorted(p for p in (ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.yml") if p.name != "config.yml")


def render(kind: str, values: dict) -> str:
    """An issue body exactly as GitHub writes it from the form."""
    return render_body(forms()[kind], values)


GOOD_EXPERIMENT = {
    "hypothesis": "If we add session-length features, then AUC will improve because churners browse less.",
    "dataset": "clicks-2026-10 (v3)",
    "split": "Train / validation / test",
    "architecture": "XGBoost",
}


# ---- the forms themselves ------------------------------------------------------------------------------
@pytest.mark.parametrize("path", FORM_FILES, ids=[p.stem for p in FORM_FILES])
def test_every_form_is_valid_issue_form_syntax(path):
    form = yaml.safe_load(path.read_text())
    errors = list(Draft202012Validator(load_schema("issue-form")).iter_errors(form))
    assert errors == []
    ids = [e["id"] for e in form["body"] if e["type"] != "markdown"]
    assert len(ids) == len(set(ids)) and form["labels"]


def test_the_form_schema_rejects_what_github_rejects():
    bad = {
        "name": "x",
        "description": "y",
        "body": [{"type": "input", "id": "has space", "attributes": {"label": "X"}}],
    }
    assert list(Draft202012Validator(load_schema("issue-form")).iter_errors(bad))
    markdown_only = {"name": "x", "description": "y", "body": [{"type": "markdown", "attributes": {"value": "hi"}}]}
    assert list(Draft202012Validator(load_schema("issue-form")).iter_errors(markdown_only))


def test_committed_record_schemas_are_current(tmp_path):
    before = {p.name: p.read_text() for p in (ROOT / "schemas").glob("*.schema.json")}
    subprocess.run([sys.executable, str(ROOT / "tools" / "make_record_schemas.py")], check=True)
    after = {p.name: p.read_text() for p in (ROOT / "schemas").glob("*.schema.json")}
    assert before == after, "run tools/make_record_schemas.py and commit the result"


def test_each_form_applies_its_label_and_has_a_schema():
    assert {form.labels[0] for form in forms().values()} == {
        "ml-experiment",
        "ml-deployment",
        "ml-data",
        "ml-training",
        "ml-evaluation",
        "ml-monitoring",
        "ml-retraining",
        "type-mlops",
    }
    for kind in forms():
        assert load_schema(kind)["title"]
    assert form_for_labels(["ml-deployment", "ml-experiment"]).kind == "deployment"


# ---- records ------------------------------------------------------------------------------------------
def test_form_output_reads_into_a_valid_record():
    body = render(
        "experiment",
        {
            **GOOD_EXPERIMENT,
            "baseline_delta": "+1.5 %",
            "primary_metric": "AUC 0.861",
            "outcome": "Promote to production",
        },
    )
    record = read_record(body, forms()["experiment"])
    assert record.valid, record.problems
    assert record.fields["baseline_delta"] == 1.5 and record.fields["outcome"] == "Promote to production"
    assert "features" not in record.fields  # _No response_


def test_deployment_checkboxes_and_dropdowns():
    body = render(
        "deployment",
        {
            "model": "churn-classifier 2.1.0",
            "performance": "AUC 0.858",
            "environment": "Production",
            "rollback_plan": "Re-point the alias to 2.0.0",
            "checklist": ["Model validated", "Rollback tested"],
            "rollout": ["5% traffic"],
        },
    )
    record = read_record(body, forms()["deployment"])
    assert record.valid
    assert record.fields["checklist"]["Rollback tested"] is True
    assert record.fields["checklist"]["Alerts configured"] is False
    assert record.fields["rollout"] == {
        "5% traffic": True,
        "25% traffic": False,
        "50% traffic": False,
        "100% traffic": False,
    }


def test_hand_written_body_with_the_same_headings():
    body = (
        "Some intro the form never had.\n\n## Hypothesis\nIf we drop stale rows then recall improves because "
        "labels get cleaner.\n\n## Dataset and version\nclicks v2\n\n## Decision log\n- keep me\n"
    )
    record = read_record(body, forms()["experiment"])
    assert record.valid
    assert record.extra_sections == {"Decision log": "- keep me"}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({**GOOD_EXPERIMENT, "hypothesis": "Bigger model is better"}, "hypothesis", "write it as “If we"),
        ({**GOOD_EXPERIMENT, "baseline_delta": "a lot"}, "baseline_delta", "a number of percent"),
        ({**GOOD_EXPERIMENT, "outcome": "Ship it!"}, "outcome", "choose one of: Not decided yet"),
        ({"hypothesis": GOOD_EXPERIMENT["hypothesis"]}, "dataset", "missing"),
    ],
)
def test_field_errors_name_the_field(values, field, message):
    record = read_record(render("experiment", values), forms()["experiment"])
    assert [p.field for p in record.problems] == [field]
    assert record.problems[0].message.startswith(message)


@pytest.mark.parametrize(
    "body",
    [
        None,
        "",
        "   ",
        "### \n\n",
        "x" * 65_536,
        "### Hypothesis\n" * 3000,
        "<script>alert(1)</script>\n### Dataset and version\n<img src=x onerror=alert(1)>",
    ],
)
def test_bad_bodies_give_records_with_errors_never_a_crash(body):
    record = read_record(body, forms()["experiment"])
    assert not record.valid
    assert {p.field for p in record.problems} >= {"hypothesis"} or record.problems


def test_injection_is_kept_verbatim_in_the_record():
    payload = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) | pipe"
    record = read_record(render("experiment", {**GOOD_EXPERIMENT, "notes": payload}), forms()["experiment"])
    assert record.fields["notes"] == payload  # kept as written; escaping is the renderer's job


@pytest.mark.parametrize(
    ("values", "labels", "closed", "stage"),
    [
        ({"hypothesis": GOOD_EXPERIMENT["hypothesis"]}, (), False, "Ideation"),
        (GOOD_EXPERIMENT, (), False, "Active"),
        ({**GOOD_EXPERIMENT, "primary_metric": "AUC 0.86"}, (), False, "Analysis"),
        ({**GOOD_EXPERIMENT, "outcome": "Iterate"}, (), False, "Decision"),
        (GOOD_EXPERIMENT, ("outcome: abandon",), False, "Decision"),
        (GOOD_EXPERIMENT, (), True, "Decision"),
    ],
)
def test_experiment_lifecycle_stage(values, labels, closed, stage):
    record = read_record(render("experiment", values), forms()["experiment"])
    assert experiment_stage(record, labels, closed) == stage


# ---- slash commands, pure: text -> commands -> label changes -------------------------------------------
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/outcome promote", [("outcome", "promote", 1)]),
        (
            "Looks good.\n/outcome Promote\n/hypothesis accepted",
            [("outcome", "Promote", 2), ("hypothesis", "accepted", 3)],
        ),
        ("  /rollout 25%  ", [("rollout", "25%", 1)]),
        ("/HELP", [("help", "", 1)]),
        ("/timebox\t10 days", [("timebox", "10 days", 1)]),
        ("text\n\n```\n/rollout 100\n```", []),  # code blocks are not commands
        ("    /rollout 100", []),  # nor indented code
        ("> /outcome abandon", []),  # nor quotes
        ("- /outcome abandon", []),  # nor list items
        ("see /outcome promote inline", []),  # a command starts its line
        ("/", []),
        ("/1abc", []),
        ("/" + "x" * 32, []),  # names are at most 31 characters
        ("<!-- /outcome promote -->", []),
        ("\n".join(["/help"] * 25), [("help", "", n) for n in range(1, 11)]),  # at most ten
    ],
)
def test_find_commands(body, expected):
    assert [(c.name, c.argument, c.line) for c in commands.find_commands(body)] == expected


def command(text: str) -> commands.Command:
    (found,) = commands.find_commands(text)
    return found


@pytest.mark.parametrize(
    ("text", "labels", "add", "remove", "reply"),
    [
        ("/outcome promote", (), ("outcome: promote",), (), "recorded as `outcome: promote`"),
        ("/outcome PROMOTE", ("outcome: iterate",), ("outcome: promote",), ("outcome: iterate",), "recorded"),
        ("/outcome promote", ("outcome: promote",), (), (), "already recorded"),
        ("/outcome promote", ("outcome: promote", "outcome: iterate"), (), ("outcome: iterate",), "recorded"),
        ("/outcome maybe", (), (), (), "expected one of promote, iterate, abandon"),
        ("/rollout 25%", ("rollout: 5%",), ("rollout: 25%",), ("rollout: 5%",), "recorded"),
        ("/rollout 30", (), (), (), "expected one of 5, 25, 50, 100"),
        ("/timebox 10d", ("timebox-expired",), ("timebox: 10d",), ("timebox-expired",), "recorded"),
        ("/timebox 0", (), (), (), "1 to 90"),
        ("/timebox 91", (), (), (), "1 to 90"),
        ("/timebox ٣", (), (), (), "1 to 90"),  # digits, but not ASCII ones
        ("/timebox ²", (), (), (), "1 to 90"),  # "²".isdigit(), yet int("²") raises
        ("/deploy now", (), (), (), "is not a command I know"),
    ],
)
def test_apply(text, labels, add, remove, reply):
    outcome = commands.apply(command(text), labels)
    assert (outcome.add, outcome.remove) == (add, remove)
    assert reply in outcome.reply


SOME_LABELS = ["ml-experiment", "outcome: promote", "outcome: iterate", "rollout: 5%", "timebox: 3d", "timebox-expired"]
LABELS = st.lists(st.sampled_from(SOME_LABELS), unique=True).map(tuple)
COMMAND_LINES = st.sampled_from(
    ["/outcome promote", "/outcome abandon", "/hypothesis rejected", "/rollout 50", "/timebox 7", "/help", "/nope"]
)


@settings(max_examples=200, deadline=None)
@given(labels=LABELS, line=COMMAND_LINES)
def test_applying_a_command_twice_changes_nothing_the_second_time(labels, line):
    first = commands.apply(command(line), labels)
    after = tuple(label for label in labels if label not in first.remove) + first.add
    second = commands.apply(command(line), after)
    assert (second.add, second.remove) == ((), ())
    prefixes = [label.split(":")[0] for label in after if ": " in label]
    if first.add:  # a recorded value leaves exactly one label of its kind
        assert prefixes.count(first.add[0].split(":")[0]) == 1


@settings(max_examples=300, deadline=None)
@given(body=st.text(max_size=2000))
def test_any_comment_gives_at_most_ten_well_formed_commands(body):
    found = commands.find_commands(body)
    assert len(found) <= commands.MAX_COMMANDS
    for c in found:
        assert c.name == c.name.lower() and 1 <= len(c.name) <= 31 and "\n" not in c.argument
        outcome = commands.apply(c, ())
        assert all(label.isprintable() and len(label) <= 50 for label in outcome.add)


# ---- end to end: one comment, commands, reminders ------------------------------------------------------
class Triage:
    def __init__(self, github, workdir: Path) -> None:
        self.github = github
        self.workdir = workdir
        self.repo = github.state.repo("acme/ml")
        (workdir / ".github").mkdir()
        (workdir / ".github" / "mlops.yml").write_text("repositories: [acme/ml]\n")

    def run(self, name: str, payload: dict, *extra: str):
        path = self.workdir / f"{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(payload))
        before = len(self.github.requests)
        result = run_cli(
            ["triage", *extra],
            cwd=self.workdir,
            env=self.github.env(BOT_TOKEN, GITHUB_EVENT_NAME=name, GITHUB_EVENT_PATH=str(path)),
        )
        return result, len(self.github.requests) - before

    def issue_payload(self, issue, action: str = "opened") -> dict:
        payload = json.loads(json.dumps(example("issues", "opened")))
        payload.update(
            action=action,
            issue=gh_objects.issue_json(issue, self.github.urls),
            repository=gh_objects.repo_json(self.repo, self.github.urls),
        )
        return payload

    def comment_payload(
        self, issue, body: str, login: str = "jo", association: str = "MEMBER", user_type: str = "User"
    ) -> dict:
        payload = json.loads(json.dumps(example("issue_comment", "created")))
        payload["issue"] = gh_objects.issue_json(issue, self.github.urls)
        payload["repository"] = gh_objects.repo_json(self.repo, self.github.urls)
        payload["comment"].update(body=body, author_association=association)
        payload["comment"]["user"].update(login=login, type=user_type)
        return payload

    def bot_comments(self, issue):
        return [c for c in issue.comments if c.user.login == "mlops-bot"]


@pytest.fixture
def triage(github, tmp_path):
    return Triage(github, tmp_path)


def test_empty_body_gets_one_comment_listing_what_is_missing(triage):
    issue = triage.github.state.issue(triage.repo, "Experiment: session features", body=None, labels=("ml-experiment",))
    result, requests = triage.run("issues", triage.issue_payload(issue))
    assert result.code == 0, result.stderr
    (comment,) = triage.bot_comments(issue)
    assert "| Hypothesis | missing |" in comment.body and "| Dataset and version | missing |" in comment.body
    assert requests == 3  # who am I, the comments, the new comment
    issue.body = render("experiment", GOOD_EXPERIMENT)
    result, _ = triage.run("issues", triage.issue_payload(issue, "edited"))
    (comment,) = triage.bot_comments(issue)
    assert "Everything the form asks for is filled in." in comment.body and "stage: Active" in comment.body
    rerun, requests = triage.run("issues", triage.issue_payload(issue, "edited"))
    assert len(triage.bot_comments(issue)) == 1 and "comment unchanged" in rerun.stdout
    assert issue.body == render("experiment", GOOD_EXPERIMENT)  # never rewritten


def test_the_real_empty_body_payload(triage):
    payload = json.loads(json.dumps(example("issues", "opened.with-empty-body")))
    issue = triage.github.state.issue(triage.repo, "Deploy", body=None, labels=("ml-deployment",))
    payload["issue"].update(
        number=issue.number,
        body=None,
        labels=[{**payload["issue"]["labels"][0], "name": "ml-deployment"}]
        if payload["issue"]["labels"]
        else [{"name": "ml-deployment"}],
    )
    payload["repository"] = gh_objects.repo_json(triage.repo, triage.github.urls)
    result, _ = triage.run("issues", payload)
    assert result.code == 0, result.stderr
    assert "| Rollback plan | missing |" in triage.bot_comments(issue)[0].body


def test_issue_without_a_form_label_costs_nothing(triage):
    issue = triage.github.state.issue(triage.repo, "typo", labels=("documentation",))
    result, requests = triage.run("issues", triage.issue_payload(issue))
    assert result.code == 0 and requests == 0


def test_slash_commands_set_labels_idempotently_and_answer_in_the_same_comment(triage):
    issue = triage.github.state.issue(
        triage.repo, "Experiment", body=render("experiment", GOOD_EXPERIMENT), labels=("ml-experiment",)
    )
    triage.run("issues", triage.issue_payload(issue))
    issue.labels.append(triage.github.state.label(triage.repo, "outcome: iterate"))
    result, _ = triage.run("issue_comment", triage.comment_payload(issue, "/outcome promote\n/hypothesis accepted"))
    assert result.code == 0, result.stderr
    assert {label.name for label in issue.labels} == {"ml-experiment", "outcome: promote", "hypothesis: accepted"}
    (comment,) = triage.bot_comments(issue)
    assert "recorded as `outcome: promote`" in comment.body and "Experiment record" in comment.body
    again, _ = triage.run("issue_comment", triage.comment_payload(issue, "/outcome promote"))
    assert "already recorded" in again.stdout and len(triage.bot_comments(issue)) == 1


def test_unknown_command_gets_help_and_code_blocks_are_not_commands(triage):
    issue = triage.github.state.issue(triage.repo, "Deploy", labels=("ml-deployment",))
    result, _ = triage.run("issue_comment", triage.comment_payload(issue, "/deploy now\n\n```\n/rollout 100\n```"))
    assert "is not a command I know" in result.stdout
    assert [label.name for label in issue.labels] == ["ml-deployment"]
    assert "| `/rollout 5\\|25\\|50\\|100` |" in triage.bot_comments(issue)[0].body


def test_commands_from_outsiders_are_politely_refused(triage):
    issue = triage.github.state.issue(triage.repo, "Deploy", labels=("ml-deployment",))
    result, _ = triage.run(
        "issue_comment", triage.comment_payload(issue, "/rollout 100", login="stranger", association="CONTRIBUTOR")
    )
    assert result.code == 0
    assert [label.name for label in issue.labels] == ["ml-deployment"]
    assert "Sorry, `stranger`" in triage.bot_comments(issue)[0].body


@pytest.mark.parametrize(
    ("login", "user_type", "body"),
    [
        ("dependabot[bot]", "Bot", "/outcome abandon"),
        ("github-actions[bot]", "Bot", "/rollout 100"),
        ("mlops-bot", "User", "<!-- mlops-bot:record -->\n/outcome promote"),
        ("mlops-bot", "User", "/outcome promote"),
    ],
)
def test_bots_and_our_own_comments_are_ignored(triage, login, user_type, body):
    issue = triage.github.state.issue(triage.repo, "Experiment", labels=("ml-experiment",))
    result, requests = triage.run(
        "issue_comment", triage.comment_payload(issue, body, login=login, user_type=user_type)
    )
    assert result.code == 0 and "ignored" in result.stdout
    assert requests <= 1 and [label.name for label in issue.labels] == ["ml-experiment"]


def test_spikes_past_their_time_box_get_one_reminder(triage):
    import datetime as dt

    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=9)
    spike = triage.github.state.issue(
        triage.repo,
        "Spike: feature store?",
        labels=("type-mlops",),
        created_at=old,
        body=render("research-spike", {"question": "Do we need one?", "timebox": "5", "success": "A yes or no"}),
    )
    fresh = triage.github.state.issue(triage.repo, "Spike: new", labels=("type-mlops", "timebox: 30d"), created_at=old)
    for _ in range(2):
        result = run_cli(["triage", "--reminders"], cwd=triage.workdir, env=triage.github.env(BOT_TOKEN))
        assert result.code == 0, result.stderr
    assert len(triage.bot_comments(spike)) == 1 and "Time box reached" in spike.comments[0].body
    assert "timebox-expired" in [label.name for label in spike.labels]
    assert triage.bot_comments(fresh) == []
    triage.run("issue_comment", triage.comment_payload(spike, "/timebox 20"))
    assert "timebox-expired" not in [label.name for label in spike.labels]
