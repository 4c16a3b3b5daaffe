"""Configuration: defaults from the methodology, and errors that name file, line, column and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from bot.config import DEFAULTS, ProjectRef, config_from_document, load_config
from bot.errors import ConfigError
from bot.yaml_source import parse_yaml
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]


def config(text: str, **kwargs):
    return config_from_document(parse_yaml(text, ".github/mlops.yml"), **kwargs)


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        config(text)
    return str(caught.value)


def test_empty_file_means_the_methodology_defaults():
    board = config("").board
    assert [c.name for c in board.columns] == [
        "Backlog",
        "Data Prep",
        "Experiment",
        "Evaluation",
        "Deployment",
        "Monitoring",
        "Done",
    ]
    assert board.column_for_label("ml-training") == "Experiment"
    assert board.column_for_label("type-mlops") == "Backlog"
    assert board.closed_column == "Done" and board.status_field == "Status"
    assert board.label_precedence[0] == "ml-monitoring"  # furthest along the lifecycle wins
    assert [i.text for i in config("").checklist.required] == [
        "Model validated",
        "A/B test configured",
        "Monitoring set up",
        "Rollback tested",
        "Alerts configured",
    ]
    thresholds = DEFAULTS["monitoring"]["thresholds"]
    assert thresholds["p99_latency_ms"]["max"] == 200 and thresholds["feature_psi"]["max"] == 0.25


def test_error_names_line_column_and_field():
    text = "columns:\n  Backlog: {}\n  Deployment:\n    labels: [ml-deployment]\n    wip_limit: -1\n"
    assert error_of(text) == ".github/mlops.yml:5:5: columns.Deployment.wip_limit: -1 is less than the minimum of 0"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sync:\n  batchsize: 3\n",
            ".github/mlops.yml:2:3: sync.batchsize: unknown key 'batchsize' (expected one of: batch_size, "
            "mutation_pause_seconds)",
        ),
        ("project_url: https://github.com/acme/projects/3\n", ".github/mlops.yml:1:1: project_url: "),
        ("unlabeled_items: burn\n", ".github/mlops.yml:1:1: unlabeled_items: 'burn' is not one of"),
        (
            "columns:\n  A:\n    labels: [x]\n  B:\n    labels: [x]\nclosed_column: A\n",
            ".github/mlops.yml:5:14: columns.B.labels[0]: label 'x' is mapped to both 'A' and 'B'",
        ),
        ("closed_column: Finished\n", ".github/mlops.yml:1:1: closed_column: 'Finished' is not one of the columns"),
        ("label_precedence: [ml-nothing]\n", ".github/mlops.yml:1:20: label_precedence[0]: 'ml-nothing' is not mapped"),
        ("status_field: Status\nstatus_field: Stage\n", ".github/mlops.yml:2:1: duplicate key 'status_field'"),
        ("columns: [unclosed\n", ".github/mlops.yml:2:1: invalid YAML"),
        (
            "checklist:\n  required:\n    - item: Rollback tested\n      allow_na: true\n",
            ".github/mlops.yml:4:7: checklist.required[0].allow_na: ",
        ),
        ("registry:\n  path: ./\n", ".github/mlops.yml:2:3: registry.path: names the repository itself"),
    ],
)
def test_bad_files_get_located_errors(text, expected):
    assert error_of(text).startswith(expected)


def test_each_base_but_the_default_branch_gets_a_context_of_its_own_within_githubs_limit():
    gate = config("").gate
    assert gate.context_for("trunk", "trunk") == gate.status_context == "mlops/deployment-checklist"
    assert gate.context_for("main", "trunk") == "mlops/deployment-checklist (main)"
    assert gate.context_for("release/1.2", "main") == "mlops/deployment-checklist (release/1.2)"
    long_names = {gate.context_for("b" * 250 + tail, "main") for tail in ("1", "2")}
    assert len(long_names) == 2 and all(len(name) == 255 for name in long_names)
    longest = config(f"gate:\n  status_context: {'x' * 200}\n").gate
    assert len({longest.context_for(base, "main") for base in ("main", "wip", "w" * 255)}) == 3


@pytest.mark.parametrize("path", ["./registry", "registry/.", "registry/", "models/../registry"])
def test_the_registry_folder_has_one_spelling(path):
    assert config(f"registry:\n  path: {path}\n").registry.path == "registry"


def test_settings_merge_over_defaults_and_columns_replace_them():
    loaded = config("columns:\n  Todo:\n    labels: [ml-data]\n  Done: {}\nsync:\n  batch_size: 10\n")
    assert [c.name for c in loaded.board.columns] == ["Todo", "Done"]
    assert loaded.board.batch_size == 10 and loaded.board.mutation_pause_seconds == 1.0


def test_explicit_precedence_comes_first():
    loaded = config("label_precedence: [ml-data]\n")
    assert loaded.board.label_precedence[0] == "ml-data"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/orgs/acme/projects/3", ProjectRef("github.com", "organization", "acme", 3)),
        ("https://github.com/users/jo/projects/1/views/2", ProjectRef("github.com", "user", "jo", 1)),
        ("https://ghe.acme.io/orgs/ml-team/projects/12", ProjectRef("ghe.acme.io", "organization", "ml-team", 12)),
    ],
)
def test_project_urls_as_copied_from_the_browser(url, expected):
    assert ProjectRef.parse(url) == expected


def test_project_url_precedence_flag_then_env_then_file(tmp_path):
    path = tmp_path / "mlops.yml"
    path.write_text("project_url: https://github.com/orgs/file/projects/1\n")
    assert load_config(path, environ={}).project.owner == "file"
    assert (
        load_config(path, environ={"MLOPS_PROJECT_URL": "https://github.com/orgs/env/projects/2"}).project.owner
        == "env"
    )
    assert (
        load_config(
            path,
            project_url="https://github.com/orgs/flag/projects/3",
            environ={"MLOPS_PROJECT_URL": "https://github.com/orgs/env/projects/2"},
        ).project.owner
        == "flag"
    )


def test_missing_explicit_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "absent.yml", environ={})


# ---- exit codes, through the real command line -------------------------------------------------------------
def test_exit_codes_and_no_tracebacks(tmp_path):
    (tmp_path / ".github").mkdir()
    good = run_cli(["validate"], cwd=tmp_path)
    assert good.code == 0, good.stderr
    (tmp_path / ".github" / "mlops.yml").write_text("columns:\n  A:\n    wip_limit: many\n")
    bad_config = run_cli(["validate"], cwd=tmp_path)
    assert bad_config.code == 2
    assert (
        bad_config.stderr.strip()
        == "error: .github/mlops.yml:3:5: columns.A.wip_limit: 'many' is not of type 'integer'"
    )
    usage = run_cli(["validate", "--no-such-flag"], cwd=tmp_path)
    assert usage.code == 2 and "Traceback" not in usage.stderr
    (tmp_path / ".github" / "mlops.yml").write_text("")
    (tmp_path / "registry" / "churn").mkdir(parents=True)
    (tmp_path / "registry" / "churn" / "1.0.0.yml").write_text("model_name: churn\nversion: 1.0.0\n")
    invalid = run_cli(["validate"], cwd=tmp_path)
    assert invalid.code == 1
    assert "registry/churn/1.0.0.yml:1:1: 'artifact_uri' is a required property" in invalid.stdout
    verbose = run_cli(["validate", "--verbose", "--config", "missing.yml"], cwd=tmp_path)
    assert verbose.code == 2 and "Traceback" in verbose.stderr


def test_every_command_has_help():
    result = run_cli(["--help"])
    assert result.code == 0
    for command in ("validate", "sync", "checklist"):
        sub = run_cli([command, "--help"])
        assert sub.code == 0 and "--config" in sub.stdout


@pytest.mark.parametrize("path", sorted((ROOT / "schemas").glob("*.schema.json")), ids=lambda p: p.name)
def test_every_schema_is_a_valid_2020_12_schema(path):
    Draft202012Validator.check_schema(json.loads(path.read_text()))  # the bot trusts them at run time
