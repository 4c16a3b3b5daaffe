"""`mlops-bot init` against the emulator: a working setup from nothing, idempotent, and polite to edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import BOT_TOKEN, run_cli
from tests.test_workflows import actionlint, zizmor

PIN = "acme/mlops-bot@0123456789abcdef0123456789abcdef01234567"


def init(github, path: Path, *extra: str):
    return run_cli(
        [
            "init",
            "--path",
            str(path),
            "--repo",
            "acme/churn",
            "--action-ref",
            PIN,
            "--action-version",
            "v1.0.0",
            "--project-url",
            "https://github.com/orgs/acme/projects/3",
            "--format",
            "json",
            *extra,
        ],
        cwd=path,
        env=github.env(BOT_TOKEN),
    )


@pytest.fixture
def empty_repo(github, tmp_path):
    github.state.repo("acme/churn")
    return tmp_path


def test_init_on_an_empty_repository_produces_a_clean_setup(github, empty_repo):
    result = init(github, empty_repo)
    assert result.code == 0, result.stderr
    report = result.json()
    assert {f["action"] for f in report["files"]} == {"create"}
    labels = github.state.repos["acme/churn"].labels
    assert {"ml-data", "ml-experiment", "ml-deployment", "type-mlops"} <= set(labels)
    assert labels["ml-monitoring"].color == "b60205" and labels["ml-monitoring"].description
    for path in (
        ".github/mlops.yml",
        ".github/pull_request_template.md",
        ".github/ISSUE_TEMPLATE/experiment.yml",
        ".github/workflows/mlops-bot.yml",
        ".github/workflows/site.yml",
        "mkdocs.yml",
        "site_src/runbooks/deployment.md",
    ):
        assert (empty_repo / path).is_file(), path
    assert "- [ ] Rollback tested" in (empty_repo / ".github/pull_request_template.md").read_text()
    validate = run_cli(["validate"], cwd=empty_repo)
    assert validate.code == 0, validate.stdout + validate.stderr
    assert "8 issue form(s), 2 workflow(s) checked; 0 problem(s)" in validate.stdout
    workflows = sorted((empty_repo / ".github" / "workflows").glob("*.yml"))
    for persona in ("regular", "pedantic"):
        assert zizmor(*workflows, persona=persona).returncode == 0
    assert actionlint(*workflows).returncode == 0
    built = run_cli(["site", "build"], cwd=empty_repo, timeout=300)
    assert built.code == 0, built.stderr
    assert (empty_repo / "site" / "runbooks" / "deployment" / "index.html").is_file()


def test_a_second_init_changes_nothing(github, empty_repo):
    init(github, empty_repo)
    github.clear()
    again = init(github, empty_repo)
    assert again.json()["changes"] == 0
    assert {f["action"] for f in again.json()["files"]} == {"unchanged"}
    assert [r for r in github.requests if r.method != "GET"] == []


def test_user_edits_survive_without_force(github, empty_repo):
    init(github, empty_repo)
    config = empty_repo / ".github" / "mlops.yml"
    config.write_text(config.read_text() + "columns:\n  Todo: {labels: [ml-data]}\n  Done: {}\n")
    github.state.repos["acme/churn"].labels["ml-data"].color = "000000"
    result = init(github, empty_repo)
    step = next(f for f in result.json()["files"] if f["path"] == ".github/mlops.yml")
    assert step["action"] == "skip" and "you changed it" in step["reason"]
    assert "Todo" in config.read_text()
    assert github.state.repos["acme/churn"].labels["ml-data"].color == "000000"
    assert next(x for x in result.json()["labels"] if x["name"] == "ml-data")["action"] == "keep"
    forced = init(github, empty_repo, "--force")
    assert "Todo" not in config.read_text() and forced.json()["changes"] >= 2
    assert github.state.repos["acme/churn"].labels["ml-data"].color == "0e8a16"


def test_files_that_were_there_before_are_kept(github, empty_repo):
    (empty_repo / "mkdocs.yml").write_text("site_name: Ours\n")
    result = init(github, empty_repo)
    step = next(f for f in result.json()["files"] if f["path"] == "mkdocs.yml")
    assert step["action"] == "skip" and "before init" in step["reason"]
    assert (empty_repo / "mkdocs.yml").read_text() == "site_name: Ours\n"


def test_labels_it_did_not_create_are_never_deleted(github, empty_repo):
    github.state.label(github.state.repos["acme/churn"], "bug")
    init(github, empty_repo)
    assert "bug" in github.state.repos["acme/churn"].labels
    assert not [r for r in github.requests if r.method == "DELETE"]


def test_dry_run_changes_nothing(github, empty_repo):
    result = init(github, empty_repo, "--dry-run")
    assert result.code == 0 and result.json()["changes"] > 0
    assert list(empty_repo.iterdir()) == []
    assert set(github.state.repos["acme/churn"].labels) == set()


def test_the_action_must_be_pinned(github, empty_repo):
    result = run_cli(["init", "--path", str(empty_repo), "--action-ref", "acme/mlops-bot@v1"], cwd=empty_repo)
    assert result.code == 2 and "full commit SHA" in result.stderr


def test_lock_file_records_what_init_wrote(github, empty_repo):
    init(github, empty_repo)
    lock = json.loads((empty_repo / ".github" / "mlops-init.lock").read_text())
    assert ".github/workflows/mlops-bot.yml" in lock and len(lock) >= 20
