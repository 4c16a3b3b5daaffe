"""No input stops the bot: each hostile shape is read, or refused with one line naming file, line and field.

The corpus (tests/hostile_corpus.py) goes through every parser of the pure core; the worst of it goes
through the command line too (exit code, one line, no traceback) and through GitHub's emulator (a
comment GitHub accepts, whatever the issue holds). How long each takes is benchmarks/hostile_inputs.py's
job, never a timed test.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bot.comments import MAX_BODY, body_size, bounded, read_sections, render_sections, update_sections
from bot.errors import BotError, CheckFailed
from bot.monitor.checks import read_report
from bot.monitor.drift import feature_drift
from bot.records.forms import forms, read_record, render_body
from bot.yaml_source import MAX_DEPTH, MAX_NODES, parse_yaml
from tests.emulator import objects as gh_objects
from tests.emulator.objects import example
from tests.helpers import EventRunner, run_cli
from tests.hostile_corpus import billion_laughs, cases, fill, markdown_bodies, report_inputs

ROOT = Path(__file__).resolve().parents[1]
CASES = list(cases())


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parser}: {c.shape}" for c in CASES])
def test_every_hostile_input_is_read_or_refused_with_the_bots_own_error(case):
    try:
        case.run()
    except BotError as exc:
        assert "\n" not in str(exc) and "Traceback" not in str(exc)


# ---- YAML: what is refused, and where it says the problem is ----------------------------------------------------
@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (billion_laughs(), "f.yml", f"more than {MAX_NODES:,} values once its aliases are expanded (the limit)"),
        ("model_name: &a [*a]\n", "f.yml:1:13", "recursive alias"),
        ("a: " + "[" * 100 + "]" * 100, "f.yml:1:67: a[0][0]…[0][0]", f"nested more than {MAX_DEPTH} levels deep"),
        ("created: 2026-02-30\n", "f.yml:1:10: created", "'2026-02-30' is not a valid date (day is out of range"),
        ("when: 2026-01-01 25:00:00\n", "f.yml:1:7: when", "not a valid date (hour must be in 0..23)"),
        ("version: " + "9" * 10_000, "f.yml:1:10: version", "a number of over 100 characters; quote it"),
        ("metrics:\n  auc: 1.0e+999999\n", "f.yml:2:8: metrics.auc", "too large for a number"),
        ("n: -1.5e+400", "f.yml:1:4: n", "'-1.5e+400' is too large for a number"),
        ("a: !!int ''\n", "f.yml:1:4: a", "'' is not a valid number"),
        ("a: !!bool maybe\n", "f.yml:1:4: a", "'maybe' is not a valid boolean"),
        ("a: 1\nb: \x00\n", "f.yml:2:4", "character 0x0000 is not allowed"),
        ("a: \ud800\n", "f.yml", "not valid Unicode text (character 4)"),
        ("a: " + "x" * 1_048_576, "f.yml", "the file has 1,048,579 characters; the limit is 1,048,576"),
    ],
)
def test_yaml_refusals_name_the_file_line_and_field(text, where, message):
    with pytest.raises(CheckFailed) as refused:
        parse_yaml(text, "f.yml", CheckFailed)
    assert str(refused.value).startswith(where + ":") and message in str(refused.value)


def test_yaml_within_the_limits_is_read_whole():
    shared = "base: &base {lr: 0.1, layers: [1, 2, 3]}\n" + "".join(f"run{n}: *base\n" for n in range(500))
    data = parse_yaml(shared, "runs.yml").data
    assert len(data) == 501 and data["run499"] == {"lr": 0.1, "layers": [1, 2, 3]}
    assert parse_yaml("a: .inf\nb: 0x" + "f" * 90 + "\nc: 2026-02-28\n", "ok.yml").data["c"] == dt.date(2026, 2, 28)
    nested = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1)
    assert parse_yaml(nested, "deep.yml").data["a"] is not None  # exactly at the limit: read


def test_mkdocs_configuration_tags_are_read_as_nothing():
    text = "site_name: x\nmarkdown_extensions:\n  - pymdownx.emoji:\n      emoji_index: !!python/name:material.x\n"
    data = parse_yaml(text, "mkdocs.yml", foreign_tags=True).data
    assert data["markdown_extensions"][0]["pymdownx.emoji"]["emoji_index"] is None
    with pytest.raises(BotError, match="could not determine a constructor"):
        parse_yaml(text, "mkdocs.yml")


# ---- forms and the bot's comment ------------------------------------------------------------------------------------
def test_a_field_written_thousands_of_times_is_one_problem():
    record = read_record(fill("### Hypothesis\n\nx\n\n"), forms()["experiment"])
    (again,) = [p for p in record.problems if p.message.startswith("written")]
    assert again.field == "hypothesis" and "times (again on lines 5, 9, 13, 17, 21 and" in again.message


def test_a_number_field_of_spaces_is_read_in_linear_time_and_refused():
    body = markdown_bodies()["a number field: 1, 65,000 spaces, x"]
    record = read_record(body, forms()["experiment"])
    assert "baseline_delta" in {p.field for p in record.problems}
    fine = read_record(body.replace("1" + " " * 65_000 + "x", "+1,5 %"), forms()["experiment"])
    assert fine.fields["baseline_delta"] == 1.5


class FakeComment:
    def __init__(self, body: str, login: str = "mlops-bot") -> None:
        self.body, self.id, self.html_url = body, 1, "https://github.example/c/1"
        self.user = type("User", (), {"login": login})()

    def edit(self, body: str) -> None:
        assert body_size(body) <= MAX_BODY
        self.body = body


class FakeIssue:
    def __init__(self, *comments: FakeComment) -> None:
        self.comments = list(comments)

    def get_comments(self) -> list[FakeComment]:
        return self.comments

    def create_comment(self, body: str) -> FakeComment:
        assert body_size(body) <= MAX_BODY
        self.comments.append(FakeComment(body))
        return self.comments[-1]


def test_sections_are_kept_once_not_twice_and_old_comments_still_read():
    text = render_sections("record", {"1-record": "x" * 40_000, "2-commands": "done"})
    assert body_size(text) < 40_200  # no second, base64 copy of the sections
    old_state = "eyIxLXJlY29yZCI6ICJvbGQiLCAiMi1jb21tYW5kcyI6ICJrZXB0In0="  # {"1-record": "old", "2-commands": "kept"}
    issue = FakeIssue(FakeComment(f"<!-- mlops-bot:record -->\nold\n\n<!-- mlops-bot-state:{old_state} -->\n"))
    update_sections(issue, "record", "mlops-bot", {"1-record": "new"})
    assert read_sections(issue.comments[0].body) == {"1-record": "new", "2-commands": "kept"}


def test_a_comment_longer_than_github_takes_is_cut_with_a_note_and_its_fence_closed():
    text = "```\n" + "line\n" * 20_000
    cut = bounded(text)
    assert body_size(cut) <= MAX_BODY and cut.endswith("more than GitHub shows in one comment._\n")
    assert cut.count("```") == 2
    issue = FakeIssue()
    update_sections(issue, "record", "mlops-bot", {"1-record": "a" * 70_000, "2-commands": "b" * 70_000})
    sections = read_sections(issue.comments[0].body)
    assert sections["1-record"].startswith("aaa") and sections["2-commands"].startswith("bbb")
    assert abs(len(sections["1-record"]) - len(sections["2-commands"])) < 100  # the room is shared


def test_a_body_that_made_a_comment_github_refused_now_gets_one(github, tmp_path):
    repo = github.state.repo("acme/ml")
    runner = EventRunner(github, tmp_path)
    runner.write_config("repositories: [acme/ml]\n")
    body = fill("### Hypothesis\n\nx\n\n### Weird heading " + "|" * 60 + "\n\ny\n\n")
    issue = github.state.issue(repo, "Experiment", body=body, labels=("ml-experiment",))
    payload = json.loads(json.dumps(example("issues", "opened")))
    payload.update(issue=gh_objects.issue_json(issue, github.urls), repository=gh_objects.repo_json(repo, github.urls))
    result, _ = runner.run(["triage"], ("issues", payload))
    assert result.code == 0, result.stderr
    (comment,) = [c for c in issue.comments if c.user.login == "mlops-bot"]
    assert len(comment.body) <= MAX_BODY and "more); the first one counts" in comment.body


def test_an_impossible_time_box_never_stops_the_reminders(github, tmp_path):
    repo = github.state.repo("acme/ml")
    runner = EventRunner(github, tmp_path)
    runner.write_config("repositories: [acme/ml]\n")
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=9)
    github.state.issue(repo, "Spike: huge", labels=("type-mlops", "timebox: 99999999999d"), created_at=old)
    huge_body = render_body(forms()["research-spike"], {"question": "?", "timebox": "9" * 5_000, "success": "."})
    github.state.issue(repo, "Spike: huge body", labels=("type-mlops",), created_at=old, body=huge_body)
    fine_body = render_body(forms()["research-spike"], {"question": "?", "timebox": "5", "success": "."})
    fine = github.state.issue(repo, "Spike: due", labels=("type-mlops",), created_at=old, body=fine_body)
    result, _ = runner.run(["triage", "--reminders"])
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == f"reminded acme/ml#{fine.number}"


# ---- monitoring ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ("a value past the largest float (1e999999)", "report: windows[0].p99_latency_ms: inf is not a finite number"),
        ("a 10,000-digit integer", "report: windows[0].p99_latency_ms: inf is not a finite number"),
        ("time zones mixed (aware, then naive)", "report: windows[1].timestamp: timestamp '2026-11-01T00:01:00' has"),
        ("a field of the wrong type (true)", "report: windows[0].p99_latency_ms: JSON true is not a number"),
        ("feature_psi as a list", "report: windows[0].feature_psi: feature_psi must be an object"),
        ("extra CSV fields", "report:2: 5 fields where the header has 3"),
        ("missing CSV fields", "report:2: 2 fields where the header has 3"),
        ("a CSV field past the csv module's limit", "report:2: not CSV: field larger than field limit (131072)"),
        ("JSON nested 100,000 deep", "report: not JSON: maximum recursion depth exceeded"),
    ],
)
def test_bad_reports_name_the_line_and_field(shape, message):
    with pytest.raises(CheckFailed) as refused:
        read_report(report_inputs()[shape], "report")
    assert str(refused.value).startswith(message)


def test_missing_values_are_missing_never_a_category():
    with pytest.raises(CheckFailed, match="baseline sample of 'plan' has 2 missing value"):
        feature_drift("plan", ["a", "b", None, ""] * 1 + ["a"], ["a", "b", "a"])
    drift = feature_drift("plan", [f"c{n}" for n in range(50_000)] * 2, [f"c{n}" for n in range(10)] * 1_000)
    assert drift.kind == "categorical" and drift.psi > 1


# ---- the command line: exit 1 or 2, one line, no traceback ---------------------------------------------------
def one_error_line(stderr: str, *expected: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert all(part in lines[0] for part in expected), stderr


def test_validate_refuses_a_configuration_bomb_in_one_line(tmp_path):
    (tmp_path / "mlops.yml").write_text(billion_laughs())
    result = run_cli(["validate", "--config", "mlops.yml"], cwd=tmp_path)
    assert result.code == 2
    one_error_line(result.stderr, "mlops.yml: the file holds more than 20,000 values")


def test_validate_names_each_hostile_registry_file_and_reads_the_others(tmp_path):
    registry = tmp_path / "registry"
    for name, text in {
        "bomb/1.yml": billion_laughs(),
        "dates/1.yml": "created: 2026-02-30\n",
        "deep/1.yml": "a: " + "[" * 500 + "]" * 500,
    }.items():
        (registry / name).parent.mkdir(parents=True)
        (registry / name).write_text(text)
    good = (ROOT / "sample" / "registry").glob("*/*.yml")
    first = next(iter(sorted(good)))
    (registry / first.parent.name).mkdir()
    (registry / first.parent.name / first.name).write_text(first.read_text())
    (tmp_path / "mlops.yml").write_text("registry: {path: registry}\n")
    result = run_cli(["validate", "--config", "mlops.yml", "registry"], cwd=tmp_path)
    assert result.code == 1 and "Traceback" not in result.stderr + result.stdout
    out = result.stdout
    assert "registry/bomb/1.yml: the file holds more than 20,000 values" in out
    assert "registry/dates/1.yml:1:10: created: '2026-02-30' is not a valid date" in out
    assert "registry/deep/1.yml:1:67: a[0][0]…[0][0]: nested more than 64 levels deep" in out
    assert "registry: 1 valid version(s)" in out


def test_checklist_of_a_hostile_body_answers(tmp_path):
    (tmp_path / "body.md").write_text(markdown_bodies()["link openers"])
    result = run_cli(["checklist", "body.md"], cwd=tmp_path)
    assert result.code == 1 and result.stderr == "" and "0/5 done" in result.stdout


@pytest.fixture
def monitoring(tmp_path):
    (tmp_path / "mlops.yml").write_text(f"registry: {{path: {ROOT / 'sample' / 'registry'}}}\n")
    return tmp_path


def monitor(workdir: Path, *args: str):
    return run_cli(["monitor", "--config", "mlops.yml", "--model", "fraud-detector", "--no-issues", *args], cwd=workdir)


@pytest.mark.parametrize("shape", sorted(set(report_inputs()) - {"50,000 windows"}))
def test_monitor_refuses_a_bad_report_in_one_line(monitoring, shape):
    (monitoring / "report.txt").write_text(report_inputs()[shape])
    result = monitor(monitoring, "--metrics", "report.txt")
    assert result.code == 1 and result.stdout == ""
    one_error_line(result.stderr, "report.txt")


def test_monitor_reads_samples_with_a_giant_field_or_50000_categories(monitoring):
    (monitoring / "base.csv").write_text("plan\n" + "a\n" * 10 + "x" * 200_000 + "\n")
    (monitoring / "now.csv").write_text("plan\na\nb\n")
    refused = monitor(monitoring, "--baseline", "base.csv", "--current", "now.csv")
    assert refused.code == 1
    one_error_line(refused.stderr, "base.csv:12: not CSV: field larger than field limit (131072)")
    (monitoring / "base.csv").write_text("plan\n" + "".join(f"c{n}\n" for n in range(50_000)) * 2)
    (monitoring / "now.csv").write_text("plan\n" + "".join(f"c{n}\n" for n in range(10)) * 1_000)
    drifted = monitor(monitoring, "--baseline", "base.csv", "--current", "now.csv")
    assert drifted.code == 1 and drifted.stderr == "" and "plan: PSI" in drifted.stdout
