"""The model registry: every broken file reported with file, line and field; the stage rules."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.config import DEFAULTS
from bot.records.registry import read_registry, transition_problem
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]


def test_the_bundled_sample_is_valid_and_covers_every_stage():
    models, problems = read_registry(ROOT / "sample" / "registry")
    assert problems == []
    assert len({m.name for m in models}) >= 8
    assert {m.stage for m in models} == {"candidate", "staging", "production", "archived"}


@pytest.fixture
def broken_registry(tmp_path):
    registry = tmp_path / "registry"
    shutil.copytree(ROOT / "sample" / "registry" / "fraud-detector", registry / "fraud-detector")
    good = (registry / "fraud-detector" / "3.1.0.yml").read_text()
    (registry / "fraud-detector" / "3.1.0.yml").write_text(good.replace("stage: production", "stage: live"))
    (registry / "fraud-detector" / "3.2.0.yml").write_text(good.replace("version: 3.1.0", "version: 3.9.0"))
    (registry / "fraud-detector" / "3.0.0.yml").write_text("model_name: fraud-detector\nversion: [\n")
    (registry / "empty").mkdir()
    (registry / "empty" / "1.yml").write_text("")
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "mlops.yml").write_text("")
    return tmp_path


def test_validate_reports_every_broken_file_with_its_line(broken_registry):
    result = run_cli(["validate"], cwd=broken_registry)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("registry/fraud-detector/3.1.0.yml:") and ": stage: 'live' is not one of" in line
        for line in lines
    )
    assert (
        "registry/fraud-detector/3.2.0.yml:2:1: version: the file must be registry/fraud-detector/3.9.0.yml"
        in result.stdout
    )
    assert "registry/fraud-detector/3.0.0.yml:3:1: invalid YAML" in result.stdout
    assert "registry/empty/1.yml:1:1: the file is empty" in result.stdout
    assert lines[-1].endswith("5 problem(s)")  # 3.1.0 breaks its stage and its stage history


def test_validate_emits_actions_annotations(broken_registry):
    result = run_cli(
        ["validate", "registry/fraud-detector/3.1.0.yml"], cwd=broken_registry, env={"GITHUB_ACTIONS": "true"}
    )
    assert result.code == 1
    assert any(
        line.startswith("::error file=registry/fraud-detector/3.1.0.yml,line=") and "stage" in line
        for line in result.stdout.splitlines()
    )


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        (None, "candidate", True),
        (None, "production", False),
        ("candidate", "staging", True),
        ("staging", "production", True),
        ("production", "archived", True),
        ("production", "staging", True),  # rollback
        ("candidate", "production", False),
        ("archived", "production", False),
        ("staging", "candidate", False),
    ],
)
def test_stage_transitions(old, new, ok):
    assert (transition_problem(old, new, DEFAULTS["registry"]["transitions"]) is None) == ok
