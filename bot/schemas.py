"""Every JSON Schema of the project, loaded once, and its violations as located problems."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

from bot.errors import Location
from bot.resources import schemas_dir
from bot.yaml_source import YamlDocument


@cache
def load_schema(name: str) -> dict[str, Any]:
    """`load_schema("config")` reads `schemas/config.schema.json`."""
    return json.loads((schemas_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    # The schemas ship with the package and are checked against the 2020-12 metaschema by the tests
    # (tests/test_config.py), not on every start: that check costs more than validating a file.
    return Draft202012Validator(load_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file, where it is and what to do."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def schema_problems(document: YamlDocument, schema_name: str) -> list[Problem]:
    """All schema violations of a parsed YAML file, each located at its line and field, in file order."""
    problems = []
    for error in validator(schema_name).iter_errors(document.data):
        if error.context:  # oneOf/anyOf: the branch that got deepest into the value says the most
            deepest = max(len(e.absolute_path) for e in error.context)
            candidates = [e for e in error.context if len(e.absolute_path) == deepest]
            error = best_match([e for e in candidates if e.validator != "type"] or candidates)
        path = list(error.absolute_path)
        unknown = _unknown_keys(error)
        if unknown:  # point at the offending key itself
            path.append(unknown[0])
        problems.append(Problem(document.locate(path), _message(error)))
    return sorted(problems, key=lambda p: (p.location.line or 0, p.location.column or 0, p.message))


def _unknown_keys(error: ValidationError) -> list[str]:
    if error.validator != "additionalProperties" or not isinstance(error.instance, dict):
        return []
    allowed = set(error.schema.get("properties", {}))
    return [key for key in error.instance if key not in allowed] if allowed else []


def _message(error: ValidationError) -> str:
    unknown = _unknown_keys(error)
    if unknown:
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""  # a file may hold thousands
        return f"unknown key {', '.join(repr(str(key)[:80]) for key in unknown[:5])}{more} (expected one of: {allowed})"
    return error.message
