"""Issue bodies written from the issue forms -> typed records, validated against their schemas.

The forms in `.github/ISSUE_TEMPLATE/` are the source of truth: GitHub renders each field as a
`### <label>` section, `_No response_` for an empty one, and `- [X] option` for checkboxes. A body
written by hand with the same headings (any of levels 2 to 4) reads the same way. Sections no form
knows are kept, never dropped, and nothing people wrote is changed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator

from bot.errors import ConfigError, Location
from bot.records.markdown import inline_text, parse, parse_blocks, tasks
from bot.resources import forms_dir
from bot.schemas import load_schema, schema_problems
from bot.yaml_source import parse_yaml

NO_RESPONSE = {"_no response_", "no response", "none"}
# Which form an issue was written from, when its labels name several: the most specific first.
FORM_ORDER = (
    "deployment",
    "experiment",
    "training-run",
    "evaluation",
    "monitoring-incident",
    "retraining",
    "data-pipeline",
    "research-spike",
)


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str  # input, textarea, dropdown, checkboxes
    required: bool
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    kind: str
    name: str
    labels: tuple[str, ...]
    fields: tuple[FormField, ...]


@cache
def forms() -> dict[str, Form]:
    """The issue forms by kind (file stem), each checked against GitHub's form syntax first."""
    found = {}
    for path in sorted(forms_dir().glob("*.yml")):
        if path.name == "config.yml":
            continue
        try:
            document = parse_yaml(path.read_text(encoding="utf-8"), path.as_posix(), ConfigError)
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read the issue form: {exc}", Location(path.as_posix())) from None
        problems = schema_problems(document, "issue-form")
        if problems:
            raise ConfigError(problems[0].message, problems[0].location)
        data = document.data
        fields = []
        for element in data["body"]:
            if element["type"] == "markdown":
                continue
            attributes = element["attributes"]
            options = attributes.get("options", [])
            fields.append(
                FormField(
                    element["id"],
                    attributes["label"],
                    element["type"],
                    bool((element.get("validations") or {}).get("required")),
                    tuple(o["label"] if isinstance(o, dict) else o for o in options),
                )
            )
        labels = data.get("labels") or []
        found[path.stem] = Form(
            path.stem, data["name"], tuple([labels] if isinstance(labels, str) else labels), tuple(fields)
        )
    return found


def form_for_labels(labels: list[str] | tuple[str, ...]) -> Form | None:
    by_kind = forms()
    for kind in FORM_ORDER:
        form = by_kind.get(kind)
        if form and set(form.labels) & set(labels):
            return form
    return None


@dataclass(frozen=True)
class FieldProblem:
    field: str  # the field's id
    label: str
    message: str


@dataclass(frozen=True)
class IssueRecord:
    kind: str
    fields: dict[str, Any]
    extra_sections: dict[str, str] = field(default_factory=dict)
    problems: tuple[FieldProblem, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9%]+", " ", text.lower()).strip()


@dataclass(frozen=True)
class Section:
    heading: str
    text: str
    line: int


MAX_HEADING = 1_000  # characters of a heading read as text: a form's labels are far shorter


def sections(body: str | None) -> list[Section]:
    """The body's level 2-4 headings and the text under each (up to the next such heading).

    Only the block structure is parsed, and the headings' own text: a body of 65,536 characters of
    links or emphasis costs a few milliseconds instead of seconds."""
    body = body or ""
    lines = body.splitlines()
    env: dict = {}
    tokens = parse_blocks(body, env)
    found: list[tuple[str, int, int]] = []  # heading, first content line, heading line
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.tag in ("h2", "h3", "h4") and token.map:
            heading = inline_text(tokens[index + 1].content[:MAX_HEADING], env).strip()
            found.append((heading, token.map[1], token.map[0]))
    result = []
    for number, (heading, start, line) in enumerate(found):
        end = found[number + 1][2] if number + 1 < len(found) else len(lines)
        result.append(Section(heading, "\n".join(lines[start:end]).strip(), line + 1))
    return result


def read_record(body: str | None, form: Form) -> IssueRecord:
    by_key: dict[str, FormField] = {}
    for form_field in form.fields:
        by_key[_key(form_field.label)] = form_field
        by_key.setdefault(_key(form_field.id), form_field)
    values: dict[str, Any] = {}
    extra: dict[str, str] = {}
    seen: dict[str, list[int]] = {}  # field id -> the lines of the headings that name it
    for section in sections(body):
        form_field = by_key.get(_key(section.heading))
        if form_field is None:
            extra[section.heading] = section.text
            continue
        seen.setdefault(form_field.id, []).append(section.line)
        if len(seen[form_field.id]) == 1:
            value = _value(section.text, form_field)
            if value is not None:
                values[form_field.id] = value
    problems = [
        _written_again(form_field, seen[form_field.id])
        for form_field in form.fields
        if len(seen.get(form_field.id, ())) > 1
    ]
    problems.extend(_schema_problems(values, form))
    return IssueRecord(form.kind, values, extra, tuple(problems))


def _written_again(form_field: FormField, lines: list[int]) -> FieldProblem:
    """One problem for a field written more than once, however many times (a body may repeat it thousands)."""
    again = lines[1:]
    if len(again) == 1:
        return FieldProblem(form_field.id, form_field.label, f"written twice (line {again[0]}); the first one counts")
    shown = ", ".join(str(line) for line in again[:5]) + (f" and {len(again) - 5} more" if len(again) > 5 else "")
    return FieldProblem(
        form_field.id, form_field.label, f"written {len(lines)} times (again on lines {shown}); the first one counts"
    )


def _value(text: str, form_field: FormField) -> Any:
    if _key(text) in {_key(x) for x in NO_RESPONSE} or not text.strip():
        return None
    if form_field.type == "checkboxes":
        ticked = {_key(t.text): t.checked for t in tasks(parse(text))}
        return {option: ticked.get(_key(option), False) for option in form_field.options}
    return text.strip()


UNITS = ("%", "days", "day", "d")


def read_number(text: str) -> float | None:
    """A number as people write one in a form: `+1.2 %` -> 1.2, `5 days` -> 5.0, `0,5` -> 0.5; None for
    anything else (and for a number too large for a float). Linear in the text whatever it holds: no regex
    with adjacent `\\s*` runs to backtrack over ("1", 65,000 spaces and "x" once took 50 s)."""
    text = text.strip()
    for unit in UNITS:
        if text[-len(unit) :].casefold() == unit:
            text = text[: -len(unit)].rstrip()
            break
    digits = text[1:] if text[:1] in ("+", "-") else text
    whole, point, fraction = digits.replace(",", ".", 1).partition(".")
    if not whole.isdecimal() or (point and not fraction.isdecimal()):
        return None
    number = float(text.replace(",", ".", 1))
    return number if math.isfinite(number) else None


def _schema_problems(values: dict[str, Any], form: Form) -> list[FieldProblem]:
    schema = load_schema(form.kind)
    labels = {f.id: f.label for f in form.fields}
    for key, spec in schema["properties"].items():  # typed fields: "+1.2 %" -> 1.2, "5 days" -> 5
        if key in values and spec.get("type") in ("number", "integer") and isinstance(values[key], str):
            number = read_number(values[key])
            if number is not None:
                values[key] = int(number) if spec["type"] == "integer" and number.is_integer() else number
    problems = []
    for error in Draft202012Validator(schema).iter_errors(values):
        if error.validator == "required":
            missing = error.message.split("'")[1]
            problems.append(FieldProblem(missing, labels.get(missing, missing), "missing"))
            continue
        key = str(error.absolute_path[0]) if error.absolute_path else ""
        spec = schema["properties"].get(key, {})
        if "x-hint" in spec:
            message = spec["x-hint"]
        elif error.validator == "enum":
            message = "choose one of: " + ", ".join(spec.get("enum", []))
        else:
            message = error.message if len(error.message) < 200 else error.message[:197] + "…"
        problems.append(FieldProblem(key, labels.get(key, key), message))
    order = {f.id: n for n, f in enumerate(form.fields)}
    return sorted(problems, key=lambda p: order.get(p.field, 99))


STAGES = ("Ideation", "Active", "Analysis", "Decision")


def experiment_stage(record: IssueRecord, labels: list[str] | tuple[str, ...], closed: bool) -> str:
    """Ideation (no data or model yet), Active, Analysis (results in), Decision (outcome set)."""
    decided = record.fields.get("outcome") in ("Promote to production", "Iterate", "Abandon")
    if closed or decided or any(label.startswith("outcome:") for label in labels):
        return "Decision"
    if record.fields.get("primary_metric"):
        return "Analysis"
    if record.fields.get("dataset") or record.fields.get("architecture"):
        return "Active"
    return "Ideation"


def render_body(form: Form, values: dict[str, Any]) -> str:
    """An issue body as GitHub writes it from `form` (for samples and tests)."""
    parts = []
    for form_field in form.fields:
        value = values.get(form_field.id)
        if form_field.type == "checkboxes":
            ticked = set(value or ())
            text = "\n".join(f"- [{'X' if option in ticked else ' '}] {option}" for option in form_field.options)
        else:
            text = str(value) if value not in (None, "") else "_No response_"
        parts.append(f"### {form_field.label}\n\n{text}")
    return "\n\n".join(parts)
