"""GitHub's hardening rules for workflow files, checked without any tool: each problem at its line.

The complete linters (zizmor, actionlint) run in the project's tests; this check travels with the bot
so `mlops-bot validate` and its pre-commit hook catch the common mistakes in a team's repository.
"""

from __future__ import annotations

import re
from typing import Any

from bot.schemas import Problem
from bot.yaml_source import YamlDocument

_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$")
_EVENT_TEXT = re.compile(r"\$\{\{")
_PR_HEAD = re.compile(r"github\.(event\.pull_request\.head|head_ref)")


def _triggers(data: dict[str, Any]) -> set[str]:
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` key as true
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(x) for x in on}
    return {str(x) for x in on} if isinstance(on, dict) else set()


def workflow_problems(document: YamlDocument) -> list[Problem]:
    data = document.data
    if not isinstance(data, dict):
        return [Problem(document.locate([]), "not a workflow (expected a mapping)")]
    problems = []
    if "permissions" not in data:
        problems.append(
            Problem(
                document.locate([]),
                "no top-level `permissions:`; start from `permissions: {}` and grant each job what it needs",
            )
        )
    unsafe_trigger = "pull_request_target" in _triggers(data)
    for job_id, job in (data.get("jobs") or {}).items():
        if not isinstance(job, dict):
            continue
        if isinstance(job.get("uses"), str) and not _allowed_uses(job["uses"]):
            problems.append(Problem(document.locate(["jobs", job_id, "uses"]), _pin_message(job["uses"])))
        for index, step in enumerate(job.get("steps") or []):
            if not isinstance(step, dict):
                continue
            where = ["jobs", job_id, "steps", index]
            uses = step.get("uses")
            if isinstance(uses, str):
                if not _allowed_uses(uses):
                    problems.append(Problem(document.locate([*where, "uses"]), _pin_message(uses)))
                if uses.startswith("actions/checkout@"):
                    options = step.get("with") or {}
                    if options.get("persist-credentials") is not False:
                        problems.append(
                            Problem(
                                document.locate([*where, "uses"]),
                                "actions/checkout without `persist-credentials: false`",
                            )
                        )
                    if unsafe_trigger and _PR_HEAD.search(str(options.get("ref", ""))):
                        problems.append(
                            Problem(
                                document.locate([*where, "with", "ref"]),
                                "checks out pull request code under pull_request_target",
                            )
                        )
            run = step.get("run")
            if isinstance(run, str) and _EVENT_TEXT.search(run):
                problems.append(
                    Problem(
                        document.locate([*where, "run"]),
                        "`${{ }}` inside `run:`: pass the value through `env:` instead",
                    )
                )
    return problems


def _allowed_uses(uses: str) -> bool:
    return uses.startswith(("./", "docker://")) or bool(_PINNED.match(uses))


def _pin_message(uses: str) -> str:
    return f"`{uses}` is not pinned to a full commit SHA (write `owner/repo@<40 hex> # vX.Y.Z`)"
