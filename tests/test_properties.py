"""Property tests: every parser of the pure core, given any text, returns a result or raises the bot's own error.

Inputs are built from the characters and fragments each parser reacts to (YAML indicators, Markdown
markup, CSV quoting, JSON numbers...) mixed with arbitrary text, so Hypothesis reaches the odd corners
rather than plain prose. Settings keep the suite fast and repeatable: a bounded number of examples,
no deadline (the benchmark measures time, benchmarks/hostile_inputs.py), and derandomized runs.
"""

from __future__ import annotations

import contextlib
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import yaml_source
from bot.comments import MAX_BODY, SECTION_PREFIX, body_size, bounded, read_sections, render_sections
from bot.config import config_from_document
from bot.errors import BotError
from bot.monitor.checks import check_windows, read_report
from bot.monitor.drift import feature_drift
from bot.monitor.samples import read_sample
from bot.records.checklist import evaluate
from bot.records.codeowners import owners_of
from bot.records.forms import FORM_ORDER, forms, read_number, read_record, sections
from bot.records.issue import read_issue
from bot.records.links import named_models
from bot.records.markdown import parse, tasks
from bot.records.registry import check_model_document
from bot.records.slash_commands import MAX_COMMANDS, apply, find_commands
from bot.scaffold.workflow_rules import workflow_problems
from bot.schemas import load_schema, schema_problems
from bot.site.lineage import commit_sha, pull_number
from bot.site.snapshot import read_snapshot
from bot.triage.record_check import render_record
from bot.yaml_source import MAX_DEPTH, MAX_NODES, parse_yaml

PROPERTY = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
DEFAULTS = config_from_document(parse_yaml("", "defaults"))


def shaped(fragments: list[str], alphabet: str, max_size: int = 40) -> st.SearchStrategy[str]:
    """Text made of the fragments a parser reacts to, characters from `alphabet`, and any characters."""
    piece = st.one_of(
        st.sampled_from(fragments),
        st.text(alphabet=alphabet, max_size=6),
        st.text(max_size=3),
    )
    return st.lists(piece, max_size=max_size).map("".join)


# ---- YAML ------------------------------------------------------------------------------------------------
YAML_FRAGMENTS = [
    "\n",
    "\n  ",
    "\n    ",
    "- ",
    ": ",
    "? ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!str ",
    "!!binary ",
    "!!set ",
    "!!omap ",
    "!!pairs ",
    "!!timestamp ",
    "!!python/name:os.system ",
    "!local ",
    "'",
    '"',
    "|\n",
    ">-\n",
    "# c\n",
    "%YAML 1.1\n",
    "---\n",
    "...\n",
    "2026-02-30",
    "2026-01-01 25:00:00",
    "1e999",
    "1.0e+999999",
    "0x",
    "0b1",
    "0o7",
    "012",
    "1:2:3",
    ".inf",
    "-.inf",
    ".nan",
    "~",
    "null",
    "true",
    "yes",
    "9" * 120,
    "model_name",
    "version",
    "stage",
    "columns",
    "checklist",
    "required",
    "monitoring",
    "thresholds",
    "labels",
    "\t",
    "\\",
    "\x00",
    "\ufeff",
]
yaml_text = shaped(YAML_FRAGMENTS, " -:[]{},&*!|>'\"#?\nabc019.")
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False), st.text(max_size=20), st.dates()
)
yaml_data = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)),
    max_leaves=30,
)


@contextlib.contextmanager
def yaml_parser(name: str) -> Iterator[None]:
    saved, yaml_source.PARSER = yaml_source.PARSER, name
    try:
        yield
    finally:
        yaml_source.PARSER = saved


def either_parser() -> st.SearchStrategy[str]:
    return st.sampled_from(sorted({name for name, _ in yaml_source.LOADERS}))


def expanded_values(data: object) -> int:
    if isinstance(data, dict):
        return 1 + sum(1 + expanded_values(v) for v in data.values())
    if isinstance(data, list):
        return 1 + sum(expanded_values(v) for v in data)
    return 1


def depth(data: object) -> int:
    children = list(data.values()) if isinstance(data, dict) else data if isinstance(data, list) else []
    return 1 + max(map(depth, children), default=0)


@PROPERTY
@given(yaml_text, either_parser())
def test_any_text_parses_as_yaml_or_is_refused_with_a_location(text, parser):
    with yaml_parser(parser):
        try:
            document = parse_yaml(text, "f.yml")
        except BotError as exc:
            assert exc.location is not None and exc.location.file == "f.yml"
            assert "\n" not in str(exc)
            return
    assert expanded_values(document.data) <= MAX_NODES
    assert depth(document.data) <= MAX_DEPTH


@PROPERTY
@given(yaml_data, either_parser())
def test_ordinary_yaml_reads_as_pyyaml_reads_it(data, parser):
    text = yaml.safe_dump(data, allow_unicode=True)
    refused = object()  # a key such as `<<` that YAML gives a meaning: refused by both, or by neither
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        expected = refused
    with yaml_parser(parser):
        try:
            found = parse_yaml(text, "f.yml").data
        except BotError:
            found = refused
    assert found == expected


@PROPERTY
@given(st.integers(0, 12), st.integers(2, 12), either_parser())
def test_alias_expansion_is_refused_exactly_past_the_limit(levels, fan_out, parser):
    lines, size, expanded = ["a0: &a0 [x]"], 2, 1 + 1 + 2  # the root, then a0's key and its list of one
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * fan_out)}]")
        size = 1 + fan_out * size
        expanded += 1 + size
    with yaml_parser(parser):
        try:
            document = parse_yaml("\n".join(lines) + "\n", "laughs.yml")
        except BotError as exc:
            assert "(the limit)" in exc.message and expanded > MAX_NODES
            return
    assert expanded <= MAX_NODES and expanded_values(document.data) == expanded


# ---- configuration, registry files, issue forms, workflows: YAML read into the bot's types ----------------
def configuration_like() -> st.SearchStrategy[str]:
    keys = st.sampled_from(
        [
            "project_url",
            "repositories",
            "columns",
            "closed_column",
            "label_precedence",
            "unlabeled_items",
            "sync",
            "labels",
            "checklist",
            "gate",
            "registry",
            "monitoring",
            "commands",
            "site",
            "status_field",
        ]
    )
    value = st.one_of(yaml_data, st.dictionaries(st.text(max_size=12), yaml_data, max_size=4))
    return st.dictionaries(keys, value, max_size=5).map(lambda d: yaml.safe_dump(d, allow_unicode=True))


@PROPERTY
@given(st.one_of(configuration_like(), yaml_text))
def test_any_configuration_is_read_or_refused(text):
    with contextlib.suppress(BotError):
        config_from_document(parse_yaml(text, ".github/mlops.yml"))


def registry_like() -> st.SearchStrategy[str]:
    fields = st.fixed_dictionaries(
        {},
        optional={
            "model_name": st.one_of(st.just("churn"), st.text(max_size=8)),
            "version": st.one_of(st.just("1.0.0"), st.text(max_size=8), st.integers()),
            "stage": st.sampled_from(["candidate", "staging", "production", "archived", "nope"]),
            "artifact_uri": st.one_of(st.just("s3://b/m"), st.text(max_size=8)),
            "created": st.one_of(st.just("2026-01-05"), st.dates(), st.text(max_size=10)),
            "metrics": st.one_of(st.dictionaries(st.text(max_size=6), st.floats(), max_size=3), yaml_data),
        },
    )
    return fields.map(lambda d: yaml.safe_dump(d, allow_unicode=True))


@PROPERTY
@given(st.one_of(registry_like(), yaml_text))
def test_any_registry_file_is_a_model_or_located_problems(text):
    try:
        document = parse_yaml(text, "registry/churn/1.0.0.yml")
    except BotError:
        return
    model, problems = check_model_document(document, "registry")
    assert (model is None) == bool(problems)


@PROPERTY
@given(st.one_of(yaml_text, yaml_data.map(yaml.safe_dump)), st.sampled_from(["issue-form", "model", "config"]))
def test_schema_problems_and_workflow_rules_take_any_document(text, schema):
    try:
        document = parse_yaml(text, "w.yml")
    except BotError:
        return
    assert all(p.location.file == "w.yml" for p in schema_problems(document, schema))
    workflow_problems(document)


# ---- Markdown bodies: forms, checklists, slash commands -----------------------------------------------------
LABELS = [f.label for form in forms().values() for f in form.fields]
MARKDOWN_FRAGMENTS = [
    "\n",
    "\n\n",
    "### ",
    "## ",
    "#### ",
    "# ",
    "- [ ] ",
    "- [x] ",
    "* [X]\t",
    "1. [x] ",
    "> ",
    ">> ",
    "```\n",
    "~~~\n",
    "    ",
    "\t",
    "<!-- ",
    " -->",
    "<details>\n",
    "</details>",
    "| a | b |\n|---|---|\n",
    "---\n",
    "**",
    "__",
    "~~",
    "`",
    "[",
    "](",
    ")",
    "[x]: /u\n",
    "\\",
    "&amp;",
    "<del>",
    "</del>",
    "_No response_",
    "N/A:",
    "Rollback tested",
    "Model validated",
    "/outcome promote",
    "/timebox 5",
    "/timebox ²",
    "/rollout 25%",
    "/hypothesis accepted",
    "/help",
    "/",
    "1",
    " %",
    " days",
    "If we x, then y because z",
    "\r\n",
    "\u2028",
    *LABELS,
]
markdown_text = shaped(MARKDOWN_FRAGMENTS, "#-*[]x >`|~_/\n ")
label_sets = st.lists(
    st.sampled_from(
        [
            "ml-experiment",
            "ml-deployment",
            "ml-monitoring",
            "type-mlops",
            "ml-data",
            "outcome: promote",
            "timebox: 5d",
            "rollout: 25%",
            "x",
        ]
    ),
    max_size=4,
)


@PROPERTY
@given(markdown_text)
def test_sections_of_any_body_match_the_full_parse(body):
    found = sections(body)
    lines = body.splitlines()
    assert all(1 <= s.line <= max(len(lines), 1) for s in found)
    headings = [t for t in parse(body) if t.type == "heading_open" and t.level == 0 and t.tag in ("h2", "h3", "h4")]
    assert len(found) == len(headings)


@PROPERTY
@given(markdown_text, st.sampled_from(FORM_ORDER), label_sets, st.booleans())
def test_any_body_reads_as_a_record_of_any_form(body, kind, labels, closed):
    record = read_record(body, forms()[kind])
    assert all(p.field for p in record.problems)
    rendered = render_record(forms()[kind], record, None)
    assert len(rendered) < 20_000
    read_issue(body, labels, closed)


@PROPERTY
@given(markdown_text)
def test_any_body_is_checked_against_the_checklist(body):
    result = evaluate(body, DEFAULTS.checklist)
    assert len(result.items) == len(DEFAULTS.checklist.required)
    assert len(result.headline()) <= 140
    assert all(task.line >= 1 for task in tasks(parse(body)))


@PROPERTY
@given(markdown_text)
def test_commands_are_found_from_the_block_structure_as_from_the_full_parse(body):
    tokens = parse(body)
    expected = [
        (token.map[0] if token.map else 0) + 1 + offset
        for index, token in enumerate(tokens)
        if token.type == "inline" and token.level == 1 and tokens[index - 1].type == "paragraph_open"
        for offset, line in enumerate(token.content.splitlines())
        if re.match(r"^/([A-Za-z][\w-]{0,30})(?:[ \t]+(.*))?$", line.strip())
    ]
    assert [command.line for command in find_commands(body)] == expected[:MAX_COMMANDS]


@PROPERTY
@given(markdown_text, label_sets)
def test_any_comment_gives_commands_that_apply_to_any_labels(body, labels):
    for command in find_commands(body):
        outcome = apply(command, tuple(labels))
        assert outcome.reply
        assert not (set(outcome.add) & set(outcome.remove))


# ---- numbers people write in forms, and the hypothesis pattern: same answers as before, in linear time -------
OLD_NUMBER = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(%|days?|d)?\s*$", re.IGNORECASE)
OLD_HYPOTHESIS = r"^\s*[Ii][Ff]\b[\s\S]+\b[Tt][Hh][Ee][Nn]\b[\s\S]+\b[Bb][Ee][Cc][Aa][Uu][Ss][Ee]\b[\s\S]+$"


@PROPERTY
@given(
    shaped(["1", "2.5", ",", ".", "+", "-", " ", "%", "d", "day", "days", "DAYS", "\t", "١", "²", "e5"], "0123 .,%d")
)
def test_numbers_read_as_the_old_pattern_read_them(text):
    match = OLD_NUMBER.match(text)
    expected = float(match.group(1).replace(",", ".")) if match else None
    assert read_number(text) == expected


@PROPERTY
@given(
    shaped(
        ["If", "if ", "IF", "then", " then ", "THEN", "because", " because ", "thenx", "xbecause", " ", "\n"],
        "ifthenbcausx ,.\n",
        max_size=14,
    )
)
def test_the_hypothesis_pattern_accepts_what_the_old_one_did(text):
    pattern = load_schema("experiment")["properties"]["hypothesis"]["pattern"]
    assert bool(re.search(pattern, text)) == bool(re.search(OLD_HYPOTHESIS, text))


# ---- what issues and registry files say they link to ----------------------------------------------------------
@PROPERTY
@given(markdown_text, markdown_text)
def test_any_title_or_model_field_names_only_known_models(title, model_field):
    known = frozenset({"churn-classifier", "fraud-detector"})
    for issue in ({"title": title}, {"title": title, "record": {"fields": {"model": model_field}}}):
        named = named_models(issue, known)
        assert named.models <= known or "model" in issue.get("record", {}).get("fields", {})
    assert pull_number(title) is None or pull_number(title) >= 1
    assert commit_sha(title) is None or len(commit_sha(title)) >= 7


# ---- CODEOWNERS --------------------------------------------------------------------------------------------
paths = shaped(["a", "/", ".", "b", "registry/", ".yml", "\n", "*"], "ab/.", max_size=12)


@PROPERTY
@given(shaped(["\n", "# c", " @owner", " @org/team", " ", "*", "**", "?", "/", "!", "[", "\\"], "*?/a. @\n"), paths)
def test_owners_of_any_path_under_any_codeowners(codeowners, path):
    assert all(not owner.startswith("@") for owner in owners_of(path, codeowners))


# ---- monitoring reports and samples ---------------------------------------------------------------------------
COLUMNS = ["timestamp", "p99_latency_ms", "error_rate_percent", "score_ks_pvalue", "brier", "brier_baseline", "x"]
STAMPS = ["2026-11-01T10:00:00Z", "2026-11-01T10:01:00", "2026-11-01T10:02:00+02:00", "yesterday", "", "2026-02-30"]
cell = st.one_of(
    st.sampled_from(["1", "250", "0.5", "", "nan", "inf", "1e999999", "9" * 400, "true", "x", '"', "a,b", "\x00"]),
    st.sampled_from(STAMPS),
    st.text(max_size=5),
)
json_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.sampled_from(STAMPS),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.floats(), max_size=2),
)
json_window = st.dictionaries(st.sampled_from([*COLUMNS, "feature_psi", "psi_a"]), json_value, max_size=5)
reports = st.one_of(
    st.lists(st.lists(cell, max_size=5), max_size=6).map(lambda rows: "\n".join(",".join(r) for r in rows)),
    st.lists(json_window, max_size=6).map(lambda w: json.dumps({"windows": w})),
    st.lists(json_window, max_size=6).map(json.dumps),
    shaped(["{", "}", "[", "]", '"windows"', ":", ",", "1e999", "9" * 5000, '"timestamp"', "\n", '"'], '{}[],:"1'),
)


@PROPERTY
@given(reports)
def test_any_report_is_windows_or_a_clean_error(text):
    try:
        windows = read_report(text, "r")
        check_windows(windows, DEFAULTS.monitoring, "r")
    except BotError as exc:
        assert "\n" not in str(exc)


sample_value = st.one_of(
    st.none(), st.floats(), st.integers(-(2**70), 2**70), st.sampled_from(["a", "b", "", " ", "None", "nan", "1e999"])
)


@PROPERTY
@given(st.lists(sample_value, max_size=12), st.lists(sample_value, max_size=12))
def test_drift_of_any_two_samples_is_a_figure_or_a_clean_error(baseline, current):
    try:
        drift = feature_drift("f", baseline, current)
    except BotError:
        return
    assert drift.psi == drift.psi  # not NaN
    if drift.kind == "categorical":
        assert None not in baseline + current and "" not in baseline + current


@PROPERTY
@given(st.lists(st.lists(cell, max_size=4), max_size=6))
def test_any_sample_file_reads_as_columns_or_a_clean_error(rows):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.csv"
        path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
        try:
            columns = read_sample(str(path))
        except BotError:
            return
    assert len({len(values) for values in columns.values()}) == 1
    assert all(v is None or v.strip() for values in columns.values() for v in values)


# ---- the snapshot the site reads ------------------------------------------------------------------------------
@PROPERTY
@given(st.one_of(reports, st.sampled_from(["[" * 5000, '{"issues": ' + "[" * 3000, "{}", '{"version": 1}'])))
def test_any_snapshot_file_is_read_or_refused(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.json"
        path.write_text(text, encoding="utf-8")
        with contextlib.suppress(BotError):
            read_snapshot(path)


# ---- the bot's own comments ---------------------------------------------------------------------------------
section_names = st.sampled_from(["1-record", "2-commands", "1-evidence", "2-recovery"])
big_text = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=12), st.integers(0, 9_000))


@PROPERTY
@given(markdown_text)
def test_any_comment_body_reads_as_sections(body):
    assert all(isinstance(v, str) for v in read_sections(body).values())


@PROPERTY
@given(st.dictionaries(section_names, st.one_of(markdown_text, big_text), max_size=4))
def test_sections_round_trip_and_always_fit_in_a_comment(sections_given):
    text = render_sections("record", sections_given)
    assert body_size(text) <= MAX_BODY
    read = read_sections(text)
    fits = sum(body_size(v) for v in sections_given.values()) < MAX_BODY - 1_000
    for name, given_text in sections_given.items():
        if given_text.strip() and fits:  # as written, but for a line that could pass for a section's name line
            lines = given_text.strip().split("\n")
            assert read[name] == "\n".join(f" {x}" if x.startswith(SECTION_PREFIX) else x for x in lines)
    assert read_sections(render_sections("record", read)) == read  # a second run changes nothing


@PROPERTY
@given(st.one_of(markdown_text, big_text), st.integers(0, 70_000))
def test_bounded_text_fits_and_leaves_short_text_alone(text, limit):
    result = bounded(text, limit)
    assert body_size(result) <= limit
    if body_size(text) <= limit:
        assert result == text
