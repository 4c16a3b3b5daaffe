"""GitHub's hardening rules for workflow files, checked without any tool: each problem at its line.

The complete linters (zizmor, actionlint) run in the project's tests; this check travels with the bot
so `mlops-bot validate` and its pre-commit hook catch the common mistakes in a team's repository,
above all the "pwn request": a workflow that runs with the repository's token and secrets
(`pull_request_target`, `workflow_run`, `issue_comment`) and checks out or runs the pull request's code.
"""

from __future__ import annotations

import re
from typing import Any

from bot.schemas import Problem
from bot.yaml_source import YamlDocument

_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(/[^@]+)?@[0-9a-f]{40}$")
_PINNED_IMAGE = re.compile(r"^docker://[^@\s]+@sha256:[0-9a-f]{64}$")
_EVENT_TEXT = re.compile(r"\$\{\{")
# What names the pull request's own commits: its head or merge ref or SHA, or the fork it came from.
_PR_CODE = re.compile(
    r"refs/pull/"
    r"|github\.head_ref"
    r"|github\.event\.pull_request\.(?:head\b|merge_commit_sha)"
    r"|github\.event\.workflow_run\.(?:head_sha|head_branch|head_repository|pull_requests)"
    r"|\bmerge_commit_sha\b"
)
_GH_PR_CHECKOUT = re.compile(r"\bgh\s+pr\s+checkout\b")
_EVENT_IS = re.compile(r"github\.event_name\s*==\s*'([a-z_]+)'")

# Triggers that run with the base repository's token and secrets whoever wrote the change.
PRIVILEGED = frozenset({"pull_request_target", "workflow_run", "issue_comment"})
# Triggers under which a checkout without `ref:` takes the pull request's (merge) commit.
PR_CODE_BY_DEFAULT = frozenset({"pull_request", "pull_request_review", "pull_request_review_comment", "merge_group"})


def _triggers(data: dict[str, Any]) -> set[str]:
    on = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` key as true
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(x) for x in on}
    return {str(x) for x in on} if isinstance(on, dict) else set()


def job_events(job: dict[str, Any], triggers: set[str]) -> set[str]:
    """The workflow's triggers this job can run under: narrowed by an `if:` made of
    `github.event_name == '…'` tests, else all of them."""
    condition = job.get("if")
    if not isinstance(condition, str) or "!=" in condition:
        return triggers
    named = set(_EVENT_IS.findall(condition))
    return triggers & named if named else triggers


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
    triggers = _triggers(data)
    jobs = data.get("jobs")
    for job_id, job in (jobs if isinstance(jobs, dict) else {}).items():
        if isinstance(job, dict):
            problems += _job_problems(document, str(job_id), job, job_events(job, triggers))
    return problems


def _job_problems(document: YamlDocument, job_id: str, job: dict[str, Any], events: set[str]) -> list[Problem]:
    problems = []
    if isinstance(job.get("uses"), str) and not _allowed_uses(job["uses"]):
        problems.append(Problem(document.locate(["jobs", job_id, "uses"]), _pin_message(job["uses"])))
    privileged = sorted(events & PRIVILEGED)
    merge_commit_events = sorted(events & PR_CODE_BY_DEFAULT)
    pr_code_checked_out: str | None = None  # why the workspace holds the pull request's code, once it does
    steps = job.get("steps")
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        where = ["jobs", job_id, "steps", index]
        uses = step.get("uses")
        if isinstance(uses, str):
            if not _allowed_uses(uses):
                problems.append(Problem(document.locate([*where, "uses"]), _pin_message(uses)))
            if uses.startswith("actions/checkout@"):
                options = step.get("with") if isinstance(step.get("with"), dict) else {}
                problems += _checkout_problems(document, where, options, privileged)
                if privileged:  # elsewhere the token is read-only for forks and the workflow is the PR's own
                    pr_code_checked_out = _pr_code_reason(options, merge_commit_events) or pr_code_checked_out
            elif uses.startswith("./") and pr_code_checked_out:
                problems.append(
                    Problem(
                        document.locate([*where, "uses"]),
                        f"`{uses}` runs code from the pull request ({pr_code_checked_out}); check out "
                        "`ref: ${{ github.event.repository.default_branch }}` before running local actions",
                    )
                )
        run = step.get("run")
        if isinstance(run, str):
            problems += _run_problems(document, where, run, privileged)
    return problems


def _checkout_problems(
    document: YamlDocument, where: list[str | int], options: dict[str, Any], privileged: list[str]
) -> list[Problem]:
    problems = []
    if options.get("persist-credentials") is not False:
        problems.append(
            Problem(document.locate([*where, "uses"]), "actions/checkout without `persist-credentials: false`")
        )
    for key in ("ref", "repository"):
        if privileged and _PR_CODE.search(str(options.get(key, ""))):
            problems.append(
                Problem(
                    document.locate([*where, "with", key]),
                    f"checks out pull request code under {' and '.join(privileged)}, with the repository's "
                    "token and secrets",
                )
            )
    return problems


def _pr_code_reason(options: dict[str, Any], merge_commit_events: list[str]) -> str | None:
    ref = str(options.get("ref", ""))
    if _PR_CODE.search(ref) or _PR_CODE.search(str(options.get("repository", ""))):
        return "checked out by its ref"
    if not ref and merge_commit_events:
        return f"a checkout without `ref:` takes its merge commit under {' and '.join(merge_commit_events)}"
    return None


def _run_problems(document: YamlDocument, where: list[str | int], run: str, privileged: list[str]) -> list[Problem]:
    problems = []
    if _EVENT_TEXT.search(run):
        problems.append(
            Problem(document.locate([*where, "run"]), "`${{ }}` inside `run:`: pass the value through `env:` instead")
        )
    if privileged and (_GH_PR_CHECKOUT.search(run) or "refs/pull/" in run):
        problems.append(
            Problem(
                document.locate([*where, "run"]),
                f"fetches pull request code (`gh pr checkout` or refs/pull/) under {' and '.join(privileged)}, "
                "with the repository's token and secrets",
            )
        )
    return problems


def _allowed_uses(uses: str) -> bool:
    if uses.startswith("docker://"):
        return bool(_PINNED_IMAGE.match(uses))
    return uses.startswith("./") or bool(_PINNED.match(uses))


def _pin_message(uses: str) -> str:
    if uses.startswith("docker://"):
        return f"`{uses}` is not pinned to a digest (write `docker://image@sha256:<64 hex>`): a tag can be moved"
    return f"`{uses}` is not pinned to a full commit SHA (write `owner/repo@<40 hex> # vX.Y.Z`)"
