"""A model's name and version name its registry file and its site page: none may be a page the site
makes itself (`models/index.md`), hide (a leading dot), leave its folder (`/`, `..`) or break a line."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.schemas import validator
from tests.helpers import ROOT, run_cli

SAMPLE = yaml.safe_load((ROOT / "sample" / "registry" / "churn-classifier" / "1.0.0.yml").read_text())


def problems(**fields: str) -> list[str]:
    data = {**copy.deepcopy(SAMPLE), **fields}
    return [error.message for error in validator("model").iter_errors(data)]


@pytest.mark.parametrize(
    "name", ["index", "tags", "readme", ".hidden", "a/b", "../x", "a..b", "fraud\n", "Fraud", "", "-x", "x" * 101]
)
def test_names_that_would_collide_or_escape_are_refused(name):
    assert problems(model_name=name)


@pytest.mark.parametrize("version", ["index", "tags", ".1", "1/2", "1..0", "../1", "1.0\n", ""])
def test_versions_that_would_collide_or_escape_are_refused(version):
    assert problems(version=version)


@pytest.mark.parametrize(("name", "version"), [("fraud-detector", "3.1.0"), ("a.b_c", "2026.11.30+rc_1"), ("i", "1")])
def test_ordinary_names_pass(name, version):
    assert problems(model_name=name, version=version) == []


@settings(max_examples=300, deadline=None)
@given(name=st.text(max_size=40))
def test_every_accepted_name_is_a_plain_file_name_and_no_site_page(name):
    if problems(model_name=name):
        return
    assert name == Path(name).name and not name.startswith(".") and ".." not in name
    assert name.isprintable() and name.lower() not in {"index", "tags", "readme"}


def test_validate_names_the_file_and_the_field(tmp_path):
    folder = tmp_path / "registry" / "index"
    folder.mkdir(parents=True)
    (folder / "1.0.0.yml").write_text(yaml.safe_dump({**SAMPLE, "model_name": "index", "version": "1.0.0"}))
    (tmp_path / "mlops.yml").write_text("registry: {path: registry}\n")
    result = run_cli(["validate", "--config", "mlops.yml"], cwd=tmp_path)
    assert result.code == 1
    assert re.search(
        r"^registry/index/1\.0\.0\.yml:\d+:\d+: model_name: 'index' should not be valid", result.stdout, re.M
    )
