"""Deployment checklists read as GitHub renders them: a table of GFM cases, then the command."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import config_from_document
from bot.records.checklist import evaluate
from bot.records.markdown import parse, tasks
from bot.yaml_source import parse_yaml
from tests.helpers import run_cli

ONE = config_from_document(parse_yaml("checklist:\n  required: [Rollback tested]\n", "m.yml")).checklist
NA = config_from_document(
    parse_yaml("checklist:\n  required: [{item: Rollback tested, allow_not_applicable: true}]\n", "m.yml")
).checklist
QUOTES_IGNORED = config_from_document(
    parse_yaml("checklist:\n  required: [Rollback tested]\n  blockquote_tasks: ignore\n", "m.yml")
).checklist

# (case, body, expected status of "Rollback tested")
CASES = [
    ("dash bullet", "- [x] Rollback tested", "ticked"),
    ("star bullet", "* [x] Rollback tested", "ticked"),
    ("plus bullet", "+ [x] Rollback tested", "ticked"),
    ("ordered with dot", "1. [x] Rollback tested", "ticked"),
    ("ordered with paren", "1) [x] Rollback tested", "ticked"),
    ("capital X", "- [X] Rollback tested", "ticked"),
    ("unticked", "- [ ] Rollback tested", "open"),
    ("tab after marker", "- [x]\tRollback tested", "ticked"),
    ("no space after marker", "- [x]Rollback tested", "missing"),
    ("two spaces inside", "- [  ] Rollback tested", "missing"),
    ("dash inside", "- [-] Rollback tested", "missing"),
    ("not a list item", "[x] Rollback tested", "missing"),
    ("fenced code", "```\n- [x] Rollback tested\n```", "missing"),
    ("tilde fence", "~~~md\n- [x] Rollback tested\n~~~", "missing"),
    ("indented code", "Text\n\n    - [x] Rollback tested", "missing"),
    ("multi-line HTML comment", "<!--\n- [x] Rollback tested\n-->", "missing"),
    ("one-line HTML comment", "<!-- - [x] Rollback tested -->", "missing"),
    ("nested item ticked alone", "- [ ] Parent\n  - [x] Rollback tested", "ticked"),
    ("unticked parent with ticked child", "- [ ] Rollback tested\n  - [x] drill done", "open"),
    ("checkbox mid-text", "- [ ] Rollback tested [x] yes", "open"),
    ("emphasis and note", "- [x] **Rollback tested** (drill on 3 March)", "ticked"),
    ("case and punctuation", "- [x] rollback TESTED.", "ticked"),
    ("inline code", "- [x] `Rollback tested`", "ticked"),
    ("dash note", "- [x] Rollback tested — on staging", "ticked"),
    ("different item", "- [x] Rollback planned", "missing"),
    ("prefix is not a match", "- [x] Rollback testedness", "missing"),
    ("twice, once unticked", "- [x] Rollback tested\n- [ ] Rollback tested", "open"),
    ("twice, both ticked", "- [x] Rollback tested\n- [x] Rollback tested", "ticked"),
    ("block quote counted", "> - [x] Rollback tested", "ticked"),
    ("loose list", "- [ ] Model validated\n\n- [x] Rollback tested\n", "ticked"),
    ("inside a table", "| a |\n|---|\n| - [x] Rollback tested |", "missing"),
    ("N/A refused when not allowed", "- [x] N/A: Rollback tested — batch job", "open"),
    ("empty body", "", "missing"),
    ("heading, not a task", "### [x] Rollback tested", "missing"),
    ("struck out", "- [x] ~~Rollback tested~~", "open"),
    ("struck out with one tilde", "- [x] ~Rollback tested~", "open"),
    ("struck out in <del>", "- [x] <del>Rollback tested</del>", "open"),
    ("struck out in <s>", "- [x] <s>Rollback</s> tested", "open"),
    ("struck out in <strike>", "- [x] <STRIKE>Rollback tested</STRIKE>", "open"),
    ("unclosed <del> strikes the rest", "- [x] <del>Rollback tested", "open"),
    ("struck note only", "- [x] Rollback tested ~~on prod~~", "ticked"),
    ("struck and ticked again", "- [x] ~~Rollback tested~~\n- [x] Rollback tested", "ticked"),
    ("tilde in code is literal", "- [x] Rollback tested `~/drill`", "ticked"),
    ("lone tilde", "- [x] Rollback tested ~ twice", "ticked"),
]


@pytest.mark.parametrize(
    ("body", "expected"), [(body, expected) for _, body, expected in CASES], ids=[name for name, _, _ in CASES]
)
def test_checklist_cases(body, expected):
    assert evaluate(body, ONE).items[0].status == expected


def test_a_struck_out_item_says_why_it_does_not_count():
    result = evaluate("- [x] ~~Rollback tested~~", ONE).items[0]
    assert (result.status, result.note, result.lines) == ("open", "struck out: struck-out text does not count", (1,))


def test_block_quotes_can_be_ignored():
    assert evaluate("> - [x] Rollback tested", QUOTES_IGNORED).items[0].status == "missing"


@pytest.mark.parametrize(
    ("body", "status", "note"),
    [
        (
            "- [ ] N/A: Rollback tested — batch model, nothing to roll back",
            "not applicable",
            "batch model, nothing to roll back",
        ),
        ("- [x] N/A: **Rollback tested** (shadow deployment)", "not applicable", "shadow deployment"),
        ("- [x] N/A: Rollback tested", "open", "not applicable needs a reason"),
        ("- [x] N/A: Rollback tested - x\n- [ ] Rollback tested", "open", None),
    ],
)
def test_not_applicable_with_a_reason(body, status, note):
    result = evaluate(body, NA).items[0]
    assert (result.status, result.note) == (status, note)


def test_gfm_spec_task_list_examples():
    first = [(t.checked, t.text) for t in tasks(parse("- [ ] foo\n- [x] bar\n"))]
    assert first == [(False, "foo"), (True, "bar")]
    nested = [(t.checked, t.text, t.depth) for t in tasks(parse("- [x] foo\n  - [ ] bar\n  - [x] baz\n- [ ] bim\n"))]
    assert nested == [(True, "foo", 0), (False, "bar", 1), (True, "baz", 1), (False, "bim", 0)]


def test_headline_fits_a_commit_status():
    config = config_from_document(parse_yaml("", "m.yml")).checklist
    result = evaluate("- [x] Model validated\n- [x] A/B test configured\n- [x] Monitoring set up\n", config)
    assert result.headline() == "3/5 done: missing Rollback tested, Alerts configured"
    long = config_from_document(
        parse_yaml(
            "checklist:\n  required: [" + ", ".join(f"Item number {n} with a long name" for n in range(10)) + "]\n",
            "m.yml",
        )
    ).checklist
    assert len(evaluate("", long).headline()) <= 140


def test_checklist_command_reads_a_file_or_stdin(tmp_path):
    body = tmp_path / "pr.md"
    body.write_text("## Deploy\n- [x] Model validated\n- [ ] Rollback tested\n")
    result = run_cli(["checklist", str(body)], cwd=tmp_path)
    assert result.code == 1
    assert "ticked   Model validated (line 2)" in result.stdout
    assert "missing  Alerts configured" in result.stdout
    complete = "\n".join(
        f"- [x] {item}"
        for item in [
            "Model validated",
            "A/B test configured",
            "Monitoring set up",
            "Rollback tested",
            "Alerts configured",
        ]
    )
    piped = run_cli(["checklist", "-", "--format", "json"], cwd=tmp_path, stdin=complete)
    assert piped.code == 0 and json.loads(piped.stdout)["complete"] is True
    missing = run_cli(["checklist", str(tmp_path / "nope.md")], cwd=tmp_path)
    assert missing.code == 2 and "nope.md" in missing.stderr


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_body_gives_a_checklist_result(body):
    assert evaluate(body, ONE).items[0].status in ("ticked", "open", "missing", "not applicable")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["~~{}~~", "~{}~", "<del>{}</del>", "<s>{}</s>", "<STRIKE>{}</strike>", "<del>{}"]),
    st.text(alphabet=" *_`", max_size=3),
    st.sampled_from(["- [x] ", "* [X]\t", "1. [x] ", "> - [x] "]),
)
def test_a_struck_out_item_never_counts_as_done(wrapper, decoration, marker):
    body = marker + wrapper.format(decoration + "Rollback tested" + decoration[::-1])
    assert evaluate(body, ONE).items[0].status != "ticked"
