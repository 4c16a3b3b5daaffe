"""A corpus of hostile inputs, one per shape that once hung, crashed or bloated the bot, for each parser.

Shared by tests/test_hostile_inputs.py (each input is read or refused with the bot's own error) and
benchmarks/hostile_inputs.py (how long each takes). Bodies are as large as GitHub accepts
(65,536 characters); YAML files go to the parser's limits and past them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.comments import MAX_BODY, body_size, bounded, read_sections, render_sections
from bot.config import config_from_document
from bot.errors import CheckFailed
from bot.monitor.checks import check_windows, read_report
from bot.monitor.drift import feature_drift
from bot.records.checklist import evaluate
from bot.records.codeowners import owners_of
from bot.records.forms import forms, read_record, render_body, sections
from bot.records.registry import check_model_document
from bot.records.slash_commands import apply, find_commands
from bot.triage.record_check import render_record
from bot.yaml_source import MAX_NODES, MAX_YAML_CHARS, parse_yaml

BODY = 65_536  # the most GitHub accepts in an issue, comment or pull request body


@dataclass(frozen=True)
class Case:
    parser: str  # the reader under attack
    shape: str  # what is hostile about the input
    run: Callable[[], Any]  # reads the input: returns a result or raises a BotError
    size: int  # characters (or values) of input


def fill(piece: str, size: int = BODY) -> str:
    """`piece` repeated to exactly `size` characters."""
    return (piece * (size // len(piece) + 1))[:size]


# ---- YAML ------------------------------------------------------------------------------------------------
def billion_laughs(levels: int = 9, fan_out: int = 9) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * fan_out)}]")
    return "\n".join(lines) + "\n"


def yaml_inputs() -> dict[str, str]:
    limit_keys = (MAX_NODES - 1) // 2  # a mapping of this many pairs is the largest file that is read
    return {
        "billion laughs (9 levels of 9 aliases)": billion_laughs(),
        "merge-key bomb": "a0: &a0 {k0: 0, k1: 1, k2: 2, k3: 3}\n"
        + "".join(f"a{n}: &a{n} {{<<: [{', '.join([f'*a{n - 1}'] * 8)}]}}\n" for n in range(1, 12)),
        "recursive alias": "model_name: &a [*a]\n",
        "nesting 10,000 deep (flow)": "[" * 10_000 + "]" * 10_000,
        "nesting 999 deep (block)": "- " * 999 + "x\n",
        "nesting past the limit through aliases": "a: &a "
        + "[" * 40
        + "x"
        + "]" * 40
        + "\nb: "
        + "[" * 40
        + "*a"
        + "]" * 40,
        "a date that does not exist": "created: 2026-02-30\n",
        "a 10,000-digit integer": "version: " + "9" * 10_000 + "\n",
        "a float past the largest (1.0e+999999)": "metrics: {auc: 1.0e+999999}\n",
        "a sexagesimal number of 20,000 parts": "n: " + ":".join(["59"] * 20_000) + "\n",
        "1 MiB of aliases": "a: &a x\nb: [" + fill("*a,", MAX_YAML_CHARS - 20) + "*a]\n",
        "values past the limit (flow integers)": "[" + "1," * (MAX_NODES + 10) + "1]",
        "a file past 1 MiB": "a: " + "x" * MAX_YAML_CHARS,
        "one scalar of 1,000,000 characters": "description: " + "x" * 1_000_000 + "\n",
        f"the largest mapping read ({limit_keys:,} keys)": "".join(f"k{n}: {n}\n" for n in range(limit_keys)),
        "duplicate keys, 20,000 of them": "k: 1\n" * 20_000,
        "NUL and lone surrogate": "a: \x00\nb: \ud800\n",
        "!!python/object tag": "a: !!python/object/apply:os.system [echo]\n",
        "a 500,000-character key": "k" * 500_000 + ": 1\n",
    }


# ---- Markdown bodies ----------------------------------------------------------------------------------------
def experiment_body(field_label: str, text: str) -> str:
    """A body written from the experiment form, one field holding `text`, cut to what GitHub accepts."""
    return render_body(forms()["experiment"], {"hypothesis": "If x, then y because z"}).replace(
        f"### {field_label}\n\n_No response_", f"### {field_label}\n\n{text}"
    )[:BODY]


def markdown_bodies() -> dict[str, str]:
    return {
        "a number field: 1, 65,000 spaces, x": experiment_body("Comparison to baseline (%)", "1" + " " * 65_000 + "x"),
        "a hypothesis of 'If ' and 13,000 'then '": "### Hypothesis\n\n" + fill("If " + "then " * 13_000),
        "the same heading 5,000 times": fill("### Hypothesis\n\nx\n\n"),
        "5,000 headings no form knows": "".join(f"### Note {n}\n\nx\n\n" for n in range(5_000))[:BODY],
        "link openers": "### Hypothesis\n\n" + fill("[a "),
        "nested brackets": "### Hypothesis\n\n" + "[" * 32_000 + "a" + "]" * 32_000,
        "nested emphasis": fill("*a **a ", BODY // 2) + fill(" a** a*", BODY // 2),
        "unclosed links": fill("[a](b"),
        "table rows": "|a|b|\n|-|-|\n" + fill("|x|y|\n"),
        "tasks, 3,000 of them": fill("- [x] Rollback tested (drill on 3 March)\n"),
        "lists nested 400 deep": "".join("  " * n + "- [x] a\n" for n in range(400))[:BODY],
        "quotes nested 65,000 deep": ">" * BODY,
        "backtick runs": "".join("e" + "`" * n for n in range(1, 350))[:BODY],
        "HTML comment openers": fill("<!--"),
        "entities": fill("&"),
        "reference definitions": fill("[a]: b\n"),
        "slash commands, 4,000 lines": fill("/outcome promote\n"),
        "one slash command of 65,535 characters": "/" + "a" * (BODY - 1),
        "emoji (two UTF-16 units each)": "### Hypothesis\n\n" + fill("🙂", BODY // 2 - 20),
    }


# ---- monitoring -----------------------------------------------------------------------------------------------
def window(n: int, **values: Any) -> dict[str, Any]:
    return {"timestamp": f"2026-11-01T{n // 60:02d}:{n % 60:02d}:00Z", **values}


def report_inputs() -> dict[str, str]:
    header = "timestamp,p99_latency_ms,error_rate_percent\n"
    return {
        "a value past the largest float (1e999999)": json.dumps({"windows": [window(0)]})[:-3]
        + ', "p99_latency_ms": 1e999999}]}',
        "a 10,000-digit integer": '[{"timestamp": "2026-11-01T00:00:00Z", "p99_latency_ms": ' + "9" * 10_000 + "}]",
        "time zones mixed (aware, then naive)": json.dumps(
            [window(0, p99_latency_ms=1), {"timestamp": "2026-11-01T00:01:00", "p99_latency_ms": 1}]
        ),
        "a field of the wrong type (true)": json.dumps([window(0, p99_latency_ms=True)]),
        "feature_psi as a list": json.dumps([window(0, feature_psi=[0.1])]),
        "extra CSV fields": header + "2026-11-01T00:00:00Z,1,2,3,4\n",
        "missing CSV fields": header + "2026-11-01T00:00:00Z,1\n",
        "a CSV field past the csv module's limit": header + "2026-11-01T00:00:00Z," + "9" * 200_000 + ",1\n",
        "a NUL byte": header + "2026-11-01T00:00:00Z,1\x00,1\n",
        "JSON nested 100,000 deep": "[" * 100_000 + "]" * 100_000,
        "50,000 windows": header + "".join(f"2026-11-01T00:00:00.{n:06d}Z,{n % 300},{n % 3}\n" for n in range(50_000)),
        "empty cells (missing values)": header + "2026-11-01T00:00:00Z,,\n",
    }


def sample_inputs() -> dict[str, tuple[list[Any], list[Any]]]:
    categories = [f"c{n}" for n in range(50_000)]
    return {
        "50,000 categories in each sample": (categories * 2, categories[::-1] * 2),
        "missing values in a categorical sample": (["a", "b", None, ""] * 1000, ["a", "b"] * 2000),
        "numbers near the float limit": ([1e308, -1e308, 0.0] * 1000, [1.0, 2.0] * 1000),
        "200,000 numbers": (list(range(200_000)), list(range(100_000, 300_000))),
    }


# ---- the corpus, parser by parser --------------------------------------------------------------------------------
def cases() -> Iterator[Case]:
    defaults = config_from_document(parse_yaml("", "defaults"))
    experiment = forms()["experiment"]

    def record_comment(body: str) -> str:
        text = render_sections("record", {"1-record": render_record(experiment, read_record(body, experiment), None)})
        assert body_size(text) <= MAX_BODY
        return text

    for shape, text in yaml_inputs().items():
        yield Case("parse_yaml", shape, lambda text=text: parse_yaml(text, "hostile.yml", CheckFailed), len(text))
        yield Case(
            "configuration",
            shape,
            lambda text=text: config_from_document(parse_yaml(text, ".github/mlops.yml")),
            len(text),
        )
        yield Case(
            "registry file",
            shape,
            lambda text=text: check_model_document(parse_yaml(text, "registry/m/1.yml", CheckFailed), "registry"),
            len(text),
        )
    for shape, body in markdown_bodies().items():
        yield Case("form record", shape, lambda body=body: read_record(body, experiment), len(body))
        yield Case("form sections", shape, lambda body=body: sections(body), len(body))
        yield Case("record comment", shape, lambda body=body: record_comment(body), len(body))
        yield Case("checklist", shape, lambda body=body: evaluate(body, defaults.checklist), len(body))
        yield Case("slash commands", shape, lambda body=body: [apply(c, ()) for c in find_commands(body)], len(body))
        yield Case("comment sections", shape, lambda body=body: read_sections(body), len(body))
    for shape, text in report_inputs().items():
        yield Case(
            "monitoring report",
            shape,
            lambda text=text: check_windows(read_report(text, "report"), defaults.monitoring, "report"),
            len(text),
        )
    for shape, (baseline, current) in sample_inputs().items():
        yield Case(
            "drift",
            shape,
            lambda b=baseline, c=current: feature_drift("feature", b, c),
            len(baseline) + len(current),
        )
    rules = "".join(f"/registry/m{n}/**/*-*-*.yml @team{n}\n" for n in range(2_000))
    for shape, (path, codeowners) in {
        "*-*-*-*.yml against a 4,096-character name": ("-a" * 2_048, "*-*-*-*.yml @owner\n"),
        "**/**/**/**/x against 2,048 folders": ("a/" * 2_048, "**/**/**/**/x @owner\n"),
        "2,000 rules": ("registry/m1999/" + "-x" * 2_000 + ".yml", rules),
    }.items():
        yield Case("codeowners", shape, lambda p=path, c=codeowners: owners_of(p, c), len(path) + len(codeowners))
    giant = fill("| a | b |\n", 1_000_000)
    yield Case("comment writer", "a 1,000,000-character comment", lambda: bounded(giant), len(giant))
    yield Case(
        "comment writer",
        "sections of 1,000,000 characters each",
        lambda: render_sections("record", {"1-record": giant, "2-commands": giant}),
        2 * len(giant),
    )
