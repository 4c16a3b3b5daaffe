"""`mlops-bot doctor`: every check's verdicts (pure), and the command against the emulator on a
complete setup, a half-configured one and one where the token may see little."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.board.setup import BoardState, FieldState, SelectOption
from bot.config import config_from_document
from bot.doctor.checks import ActionUse, Remote, SetupFacts, check_action, check_status_required, diagnose
from bot.yaml_source import parse_yaml
from tests.helpers import ACTIONS_TOKEN, BOT_TOKEN, run_cli

PIN = "acme/mlops-bot@0123456789abcdef0123456789abcdef01234567"
CONTEXT = "mlops/deployment-checklist"
COLUMNS = ("Backlog", "Data Prep", "Experiment", "Evaluation", "Deployment", "Monitoring", "Done")
READ_ONLY_TOKEN = "ghp_read_project_only"


def config(text: str = "project_url: https://github.com/orgs/acme/projects/3\n"):
    return config_from_document(parse_yaml(text, "mlops.yml"))


def complete_board(columns=COLUMNS, can_update=True) -> BoardState:
    options = tuple(SelectOption(name, "GRAY", "", f"o{n}") for n, name in enumerate(columns))
    return BoardState(
        "P", 3, "Work", "https://github.com/orgs/acme/projects/3", "acme", can_update,
        (FieldState("F", "Status", "SINGLE_SELECT", options),), frozenset({"acme/churn"}),
    )  # fmt: skip


def healthy(**changes) -> SetupFacts:
    facts = SetupFacts(
        repository="acme/churn",
        github_token=True,
        project_token=True,
        repository_read=Remote("read", "main"),
        token_scopes=("project", "repo"),
        board=Remote("read", complete_board()),
        board_token="MLOPS_PROJECT_TOKEN",
        board_scopes=("project", "repo"),
        labels=Remote("read", frozenset(label.lower() for label in config().labels)),
        forms_missing=(),
        form_problems=(),
        workflows_missing=(),
        workflow_problems=(),
        action_uses=(ActionUse(".github/workflows/mlops-bot.yml:37", PIN),),
        action_commit=Remote("read", PIN.split("@")[1]),
        rules=Remote("read", {CONTEXT: 15368}),
        protection=Remote("unreadable", message="404 Not Found: needs admin rights"),
        pages=Remote("read", "workflow"),
        secret=Remote("read", "repository"),
    )
    return replace(facts, **changes)


def verdicts(facts: SetupFacts, text: str | None = None) -> dict[str, str]:
    return {c.name: c.verdict for c in diagnose(facts, config(text) if text else config())}


# ---- the checks (pure) -------------------------------------------------------------------------------------
def test_a_healthy_setup_passes_every_check():
    checks = diagnose(healthy(), config())
    assert [c.verdict for c in checks] == ["ok"] * len(checks)
    assert {c.name for c in checks} == {
        "GITHUB_TOKEN", "board", "Status options", "secret MLOPS_PROJECT_TOKEN", "labels", "issue forms",
        "workflows", "action ref", "status check", "GitHub Pages",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("rules", "protection", "verdict", "says"),
    [
        (
            Remote("read", {CONTEXT: 15368}),
            Remote("unreadable"),
            "ok",
            "by a ruleset (expected source: GitHub Actions, which any workflow can post as)",
        ),
        (Remote("read", {}), Remote("read", {CONTEXT: None}), "fail", "by branch protection from any source"),
        (
            Remote("read", {CONTEXT: None}),
            Remote("read", {CONTEXT: 99}),
            "ok",
            "branch protection (expected source: app 99",
        ),
        (Remote("read", {}), Remote("absent", message="Branch not protected"), "fail", "is not required on main"),
        (Remote("read", {"ci": 1}), Remote("read", {"lint": None}), "fail", "the gate can be merged past"),
        (Remote("read", {}), Remote("unreadable", message="403 x"), "unknown", "could not read branch protection"),
        (Remote("unreadable", message="404"), Remote("unreadable"), "unknown", "rulesets or branch protection"),
        (Remote("unreadable", message="404"), Remote("read", {CONTEXT: 15368}), "ok", "by branch protection"),
    ],
)
def test_the_status_check_is_found_in_rulesets_or_protection_or_said_unreadable(rules, protection, verdict, says):
    check = check_status_required(healthy(rules=rules, protection=protection), CONTEXT)
    assert check.verdict == verdict and says in check.detail
    if verdict != "ok":
        assert check.fix


@pytest.mark.parametrize(
    ("uses", "commit", "verdict", "says"),
    [
        ((), Remote("read"), "fail", "no workflow step runs"),
        (("acme/mlops-bot@v1",), Remote("read"), "fail", "not pinned to a full commit SHA"),
        ((PIN, PIN.replace("0123", "4567")), Remote("read"), "fail", "different releases"),
        ((PIN,), Remote("absent", message="no commit 0123 in acme/mlops-bot"), "fail", "no commit"),
        ((PIN,), Remote("unreadable", message="acme/mlops-bot not found"), "unknown", "could not look it up"),
        (("./",), Remote("unreadable"), "ok", "this repository's own action"),
        ((PIN, PIN), Remote("read", "0123"), "ok", "a full commit SHA of acme/mlops-bot"),
    ],
)
def test_the_action_ref(uses, commit, verdict, says):
    facts = healthy(action_uses=tuple(ActionUse(f"w.yml:{n}", u) for n, u in enumerate(uses)), action_commit=commit)
    check = check_action(facts)
    assert check.verdict == verdict and says in check.detail


def test_a_board_lacking_columns_a_read_only_token_and_no_board_at_all():
    half = verdicts(healthy(board=Remote("read", complete_board(COLUMNS[:3]))))
    assert half["Status options"] == "fail" and half["board"] == "ok"
    read_only = diagnose(
        healthy(board=Remote("read", complete_board(can_update=False)), board_scopes=("read:project",)), config()
    )
    board = next(c for c in read_only if c.name == "board")
    assert board.verdict == "fail" and "give it the 'project' scope" in board.fix
    none = {c.name: c for c in diagnose(healthy(board=Remote("absent")), config("repositories: [acme/churn]\n"))}
    assert none["board"].verdict == "fail" and "init --board" in none["board"].fix
    assert none["Status options"].verdict == "unknown"


def test_the_stage_field_is_checked_when_configured():
    text = "project_url: https://github.com/orgs/acme/projects/3\nstage_field: Stage\n"
    found = {c.name: c for c in diagnose(healthy(), config(text))}
    assert found["stage field"].verdict == "fail" and found["stage field"].detail == "field missing"


def test_without_a_token_the_remote_checks_are_not_guessed():
    nothing = Remote("unreadable", message="no token")
    facts = healthy(
        github_token=False, project_token=False, repository_read=nothing, board=nothing, labels=nothing,
        action_commit=nothing, rules=nothing, protection=nothing, pages=nothing, secret=nothing,
    )  # fmt: skip
    found = verdicts(facts)
    assert found["GITHUB_TOKEN"] == "fail"
    assert {name for name, verdict in found.items() if verdict == "ok"} == {"issue forms", "workflows"}


# ---- the command against the emulator ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def initialised(tmp_path_factory) -> Path:
    """A checkout as `mlops-bot init` leaves it (written once; each test gets a copy)."""
    path = tmp_path_factory.mktemp("initialised")
    result = run_cli(["init", "--path", str(path), "--action-ref", PIN, "--action-version", "v1.0.0"], cwd=path)
    assert result.code == 0, result.stderr
    return path


@pytest.fixture
def team(github, initialised, tmp_path):
    checkout = tmp_path / "churn"
    shutil.copytree(initialised, checkout)
    config_file = checkout / ".github" / "mlops.yml"
    config_file.write_text(
        config_file.read_text().replace("# project_url:", f"project_url: {github.urls.web}/orgs/acme/projects/3 #")
        + "repositories: [acme/churn]\n"
    )
    github.state.add_token(READ_ONLY_TOKEN, "mlops-bot", scopes=("repo", "read:project"))
    repo = github.state.repo("acme/churn")
    github.state.repo("acme/mlops-bot")
    for name, spec in config().labels.items():
        github.state.label(repo, name, spec.color, spec.description)
    return repo, checkout


def complete(github, repo) -> None:
    project = github.state.project("acme", 3, status_options=COLUMNS)
    project.linked_repos.append(repo)
    repo.settings.secrets.add("MLOPS_PROJECT_TOKEN")
    repo.collaborators["mlops-bot"] = "write"  # may read secrets' names, not branch protection
    repo.settings.pages_build_type = "workflow"
    github.state.add_ruleset(repo, "main", contexts=(CONTEXT,))


def doctor(github, checkout: Path, *extra: str, token: str | None = BOT_TOKEN, **env: str):
    variables = github.env(token, **env) if token else {"GITHUB_API_URL": github.api_url}
    return run_cli(["doctor", "--format", "json", *extra], cwd=checkout, env=variables)


def by_name(result) -> dict[str, dict]:
    return {c["name"]: c for c in result.json()["checks"]}


def test_a_complete_setup_is_all_ok_and_exits_0(github, team):
    repo, checkout = team
    complete(github, repo)
    result = doctor(github, checkout, MLOPS_PROJECT_TOKEN=BOT_TOKEN)
    assert result.code == 0, result.stdout + result.stderr
    report = result.json()
    assert report["ok"] and report["fail"] == 0 and report["unknown"] == 0
    assert (
        "by a ruleset (expected source: GitHub Actions, which any workflow can post as)"
        in by_name(result)["status check"]["detail"]
    )
    assert [r for r in github.requests if r.method != "GET" and r.operation not in ("ReadBoardSetup",)] == []
    text = doctor(github, checkout, "--format", "text", MLOPS_PROJECT_TOKEN=BOT_TOKEN)
    assert text.stdout.splitlines()[-1] == "acme/churn: 10 ok, 0 failed, 0 could not be read"
    assert all(line.startswith("ok") for line in text.stdout.splitlines()[:-1])


def test_right_after_init_it_lists_the_remaining_steps_with_their_fixes(github, team):
    repo, checkout = team
    repo.collaborators["mlops-bot"] = "write"
    github.state.project("acme", 3, status_options=("Todo", "In Progress", "Done"))
    result = doctor(github, checkout)
    assert result.code == 1
    checks = by_name(result)
    assert checks["Status options"]["verdict"] == "fail" and "init --board" in checks["Status options"]["fix"]
    assert "lacks Backlog, Data Prep" in checks["Status options"]["detail"]
    assert checks["secret MLOPS_PROJECT_TOKEN"]["fix"] == "gh secret set MLOPS_PROJECT_TOKEN --repo acme/churn"
    assert checks["GitHub Pages"]["detail"] == "Pages is off" and "build_type=workflow" in checks["GitHub Pages"]["fix"]
    assert checks["status check"]["verdict"] == "unknown"  # no ruleset; protection is for admins
    repo.collaborators["mlops-bot"] = "admin"
    as_admin = by_name(doctor(github, checkout))
    assert (
        as_admin["status check"]["verdict"] == "fail"
        and "is not required on main" in as_admin["status check"]["detail"]
    )
    for name in ("GITHUB_TOKEN", "board", "labels", "issue forms", "workflows", "action ref"):
        assert checks[name]["verdict"] == "ok", checks[name]


def test_init_board_then_doctor_agree(github, team):
    repo, checkout = team
    complete(github, repo)
    project = github.state.projects[("acme", 3)]
    project.fields.remove(project.field_named("Status"))
    assert by_name(doctor(github, checkout))["Status options"]["detail"] == "field missing"
    fixed = run_cli(["init", "--board"], cwd=checkout, env=github.env(BOT_TOKEN, XDG_CACHE_HOME=str(checkout / "c")))
    assert fixed.code == 0, fixed.stderr
    assert doctor(github, checkout).code == 0


@pytest.mark.parametrize(
    ("token", "board_fix"),
    [(ACTIONS_TOKEN, "set MLOPS_PROJECT_TOKEN"), (READ_ONLY_TOKEN, "may only read boards")],
)
def test_a_token_that_cannot_reach_the_board_is_told_what_it_lacks(github, team, token, board_fix):
    repo, checkout = team
    complete(github, repo)
    result = doctor(github, checkout, token=token)
    assert result.code == 1
    checks = by_name(result)
    assert checks["board"]["verdict"] == "fail" and board_fix in checks["board"]["fix"]
    if token == ACTIONS_TOKEN:
        assert checks["secret MLOPS_PROJECT_TOKEN"]["verdict"] == "unknown"
        assert checks["status check"]["verdict"] == "ok"  # rulesets are readable without admin rights


def test_no_token_checks_the_files_and_says_what_to_set(github, team):
    _, checkout = team
    result = doctor(github, checkout, token=None)
    assert result.code == 1 and github.requests == []
    checks = by_name(result)
    assert checks["GITHUB_TOKEN"]["detail"] == "not set" and "gh auth token" in checks["GITHUB_TOKEN"]["fix"]
    assert checks["workflows"]["verdict"] == "ok" and checks["board"]["verdict"] == "unknown"


def test_an_unpinned_action_and_a_broken_form_fail(github, team):
    repo, checkout = team
    complete(github, repo)
    workflow = checkout / ".github" / "workflows" / "mlops-bot.yml"
    workflow.write_text(workflow.read_text().replace(PIN, "acme/mlops-bot@v1", 1))
    (checkout / ".github" / "ISSUE_TEMPLATE" / "experiment.yml").write_text("name: x\nbody: 3\n")
    (checkout / ".github" / "ISSUE_TEMPLATE" / "deployment.yml").unlink()
    checks = by_name(doctor(github, checkout, MLOPS_PROJECT_TOKEN=BOT_TOKEN))
    assert "not pinned to a full commit SHA" in checks["action ref"]["detail"]
    assert checks["action ref"]["detail"].startswith(".github/workflows/mlops-bot.yml:")
    assert checks["workflows"]["verdict"] == "fail" and checks["issue forms"]["detail"].startswith(
        "missing deployment.yml"
    )


def test_pages_from_a_branch_and_strict_mode(github, team):
    repo, checkout = team
    complete(github, repo)
    repo.settings.pages_build_type = "legacy"
    repo.settings.secrets.clear()
    repo.settings.organization_secrets.add("MLOPS_PROJECT_TOKEN")
    result = doctor(github, checkout, MLOPS_PROJECT_TOKEN=BOT_TOKEN)
    checks = by_name(result)
    assert checks["GitHub Pages"]["verdict"] == "fail" and "-X PUT" in checks["GitHub Pages"]["fix"]
    assert checks["secret MLOPS_PROJECT_TOKEN"]["detail"] == "set as an organization secret"
    repo.settings.pages_build_type = "workflow"
    repo.settings.rulesets.clear()
    github.state.protect_branch(repo, "main", contexts=(CONTEXT,))
    assert doctor(github, checkout, MLOPS_PROJECT_TOKEN=BOT_TOKEN).code == 0  # protection unreadable: unknown
    assert doctor(github, checkout, "--strict", MLOPS_PROJECT_TOKEN=BOT_TOKEN).code == 1


def test_without_a_repository_it_says_what_to_set(github, tmp_path):
    result = run_cli(["doctor"], cwd=tmp_path, env=github.env(BOT_TOKEN))
    assert result.code == 2 and "pass --repo OWNER/NAME or set GITHUB_REPOSITORY" in result.stderr


def test_a_repository_the_token_cannot_read_is_named_once(github, team):
    _, checkout = team
    result = doctor(github, checkout, "--repo", "acme/secret-models")
    checks = by_name(result)
    assert result.code == 1 and checks["GITHUB_TOKEN"]["detail"] == "cannot read acme/secret-models: 404 Not Found"
    assert checks["labels"]["detail"] == "could not list the labels (acme/secret-models could not be read)"
    assert checks["GitHub Pages"]["verdict"] == "unknown" and checks["workflows"]["verdict"] == "ok"


def test_odd_workflow_files_are_problems_not_crashes(github, team):
    repo, checkout = team
    complete(github, repo)
    folder = checkout / ".github" / "workflows"
    (folder / "list.yml").write_text("- just\n- a list\n")
    (folder / "odd.yml").write_text(
        "permissions: {}\non: push\njobs:\n  x:\n    steps:\n      - uses: a/b@v1\n        with: command\n"
    )
    (folder / "broken.yml").write_text("jobs: [\n")
    result = doctor(github, checkout, MLOPS_PROJECT_TOKEN=BOT_TOKEN)
    assert result.code == 1 and "Traceback" not in result.stderr
    checks = by_name(result)
    assert checks["workflows"]["verdict"] == "fail" and checks["action ref"]["verdict"] == "ok"
