"""Writes schemas/<kind>.schema.json for every issue form: the form's fields, plus the rules below.

The form is the source of truth for which fields exist and which are required; RULES adds what a
form cannot say (types, patterns, hints). Rerun after editing a form:
    .venv/bin/python tools/make_record_schemas.py
tests/test_forms.py fails while a committed schema is out of date.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / ".github" / "ISSUE_TEMPLATE"

THEN, BECAUSE = r"\b[Tt][Hh][Ee][Nn]\b", r"\b[Bb][Ee][Cc][Aa][Uu][Ss][Ee]\b"
# "If ... then ... because ...". Each gap stops at the first `then` (`because`) it meets, so a failed match
# backtracks over the text once: `[\s\S]+` gaps tried every pair of words (a minute on "If" + "then " x 13,000).
HYPOTHESIS = rf"^\s*[Ii][Ff]\b(?:(?!{THEN})[\s\S])+{THEN}(?:(?!{BECAUSE})[\s\S])+{BECAUSE}[\s\S]+$"
RULES: dict[str, dict[str, dict[str, Any]]] = {
    "experiment": {
        "hypothesis": {
            "pattern": HYPOTHESIS,
            "x-hint": "write it as “If we [change], then [metric] will improve because [reason]”",
        },
        "baseline_delta": {"type": "number", "x-hint": "a number of percent, e.g. +1.2 or -0.4"},
    },
    "research-spike": {
        "timebox": {
            "type": "integer",
            "minimum": 1,
            "maximum": 90,
            "x-hint": "a whole number of days between 1 and 90",
        },
    },
}


def kind_of(path: Path) -> str:
    return path.stem


def record_schema(form: dict[str, Any], kind: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required = []
    for element in form["body"]:
        if element["type"] == "markdown":
            continue
        field_id, label = element["id"], element["attributes"]["label"]
        if element["type"] == "dropdown":
            spec: dict[str, Any] = {"enum": element["attributes"]["options"]}
        elif element["type"] == "checkboxes":
            labels = [option["label"] for option in element["attributes"]["options"]]
            spec = {
                "type": "object",
                "additionalProperties": False,
                "properties": {option: {"type": "boolean"} for option in labels},
            }
        else:
            spec = {"type": "string", "minLength": 1}
        spec = {"title": label, **spec, **RULES.get(kind, {}).get(field_id, {})}
        if spec.get("type") in ("number", "integer"):
            spec.pop("minLength", None)
        properties[field_id] = spec
        if (element.get("validations") or {}).get("required"):
            required.append(field_id)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://mlops-bot.github.io/schemas/{kind}.schema.json",
        "title": f"{form['name']} record, read from an issue written from its form",
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


def main() -> None:
    for path in sorted(FORMS.glob("*.yml")):
        if path.name == "config.yml":
            continue
        form = yaml.safe_load(path.read_text(encoding="utf-8"))
        target = ROOT / "schemas" / f"{kind_of(path)}.schema.json"
        target.write_text(
            json.dumps(record_schema(form, kind_of(path)), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )


if __name__ == "__main__":
    main()
