"""`mlops-bot doctor`: gather what it checks, from the checkout and through the API (one read each).

Every GitHub answer that says "no" is kept as a fact (absent, or unreadable with GitHub's message),
never raised: a doctor reports what it cannot see. Network failures still end the run (exit 3).
"""

from __future__ import annotations

import os
import urllib.parse
from pathlib import Path
from typing import Any

from github import GithubException

from bot.board.provision import BoardProvisioner
from bot.config import Config
from bot.doctor.checks import ActionUse, Remote, SetupFacts
from bot.errors import GitHubError
from bot.github.client import Clients, HTTPFailure
from bot.resources import forms_dir
from bot.scaffold.workflows import WORKFLOW_FILES
from bot.schemas import Problem
from bot.validation import file_problems, read_yaml_file

SECRET = "MLOPS_PROJECT_TOKEN"


def gather(config: Config, repository: str, root: Path, environ: dict[str, str] | os._Environ[str]) -> SetupFacts:
    forms_missing, form_problems = _forms(root)
    workflows_missing, workflow_problems, uses = _workflows(root)
    github_token, project_token = bool(environ.get("GITHUB_TOKEN")), bool(environ.get(SECRET))
    no_token = Remote("unreadable", message="no token")
    remote: dict[str, Any] = dict.fromkeys(
        ("repository_read", "board", "labels", "action_commit", "rules", "protection", "pages", "secret"), no_token
    )
    token_scopes = board_scopes = None
    board_token = SECRET if project_token else "GITHUB_TOKEN"
    if github_token:
        clients = Clients.from_env(environ)
        api = _Api(clients)
        remote["repository_read"] = api.default_branch(repository)
        unread = Remote("unreadable", message=f"{repository} could not be read")
        remote.update({key: unread for key in ("labels", "rules", "protection", "pages", "secret")})
        token_scopes = _scopes(clients.rest.oauth_scopes)
        remote["board"], board_scopes = _board(config, clients)
        if remote["repository_read"].state == "read":
            branch = str(remote["repository_read"].value)
            remote["labels"] = api.labels(repository)
            remote["rules"] = api.ruleset_contexts(repository, branch)
            remote["protection"] = api.protection_contexts(repository, branch)
            remote["pages"] = api.pages(repository)
            remote["secret"] = api.secret(repository)
        remote["action_commit"] = api.commit(_single_ref(uses))
    return SetupFacts(
        repository=repository,
        github_token=github_token,
        project_token=project_token,
        token_scopes=token_scopes,
        board_token=board_token,
        board_scopes=board_scopes,
        forms_missing=forms_missing,
        form_problems=form_problems,
        workflows_missing=workflows_missing,
        workflow_problems=workflow_problems,
        action_uses=uses,
        **remote,
    )


def _scopes(scopes: list[str] | None) -> tuple[str, ...] | None:
    return None if scopes is None else tuple(sorted(s.strip() for s in scopes if s.strip()))


# ---- the checkout ----------------------------------------------------------------------------------------
def _forms(root: Path) -> tuple[tuple[str, ...], tuple[Problem, ...]]:
    folder = root / ".github" / "ISSUE_TEMPLATE"
    expected = sorted(p.name for p in forms_dir().glob("*.yml") if p.name != "config.yml")
    missing = tuple(name for name in expected if not (folder / name).is_file())
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.yml")) if folder.is_dir() else []:
        if path.name != "config.yml":
            problems += file_problems(path, "issue-form")
    return missing, tuple(problems)


def _workflows(root: Path) -> tuple[tuple[str, ...], tuple[Problem, ...], tuple[ActionUse, ...]]:
    folder = root / ".github" / "workflows"
    missing = tuple(name for name in WORKFLOW_FILES if not (folder / name).is_file())
    problems: list[Problem] = []
    uses: list[ActionUse] = []
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        problems += file_problems(path, None)
        document, _ = read_yaml_file(path)
        data = document.data if document else None
        jobs = data.get("jobs") if isinstance(data, dict) else None
        for job_id, job in (jobs or {}).items() if isinstance(jobs, dict) else []:
            steps = job.get("steps") if isinstance(job, dict) else None
            for index, step in enumerate(steps if isinstance(steps, list) else []):
                # the bot's action is the one given a `command` input
                inputs = step.get("with") if isinstance(step, dict) else None
                if isinstance(inputs, dict) and "command" in inputs and isinstance(step.get("uses"), str):
                    where = document.locate(["jobs", job_id, "steps", index, "uses"]) if document else None
                    uses.append(ActionUse(f"{where.file}:{where.line}" if where else path.as_posix(), step["uses"]))
    return missing, tuple(problems), tuple(uses)


def _single_ref(uses: tuple[ActionUse, ...]) -> str | None:
    refs = {u.uses for u in uses if not u.uses.startswith("./")}
    return refs.pop() if len(refs) == 1 else None


# ---- the board -------------------------------------------------------------------------------------------
def _board(config: Config, clients: Clients) -> tuple[Remote, tuple[str, ...] | None]:
    if config.project is None:
        return Remote("absent", message="no project_url"), None
    try:
        state = BoardProvisioner(clients.board).read(config.project)
    except HTTPFailure as error:  # e.g. 401 Bad credentials
        return Remote("unreadable", message=f"{error.status} {error.detail}"), None
    except GitHubError as error:  # the fix is the check's to give: keep what GitHub said
        return Remote("unreadable", message=error.message.split("; ")[0]), _scopes(clients.board.oauth_scopes)
    return Remote("read", state), _scopes(clients.board.oauth_scopes)


# ---- REST reads --------------------------------------------------------------------------------------------
class _Api:
    def __init__(self, clients: Clients) -> None:
        self.requester = clients.rest.rest.requester

    def _get(self, path: str, **parameters: Any) -> tuple[int, Any]:
        """(status, body) for a GET; GitHub's refusals are answers here, not errors."""
        try:
            _, body = self.requester.requestJsonAndCheck("GET", path, parameters=parameters or None)
        except GithubException as error:
            return error.status, error.data
        return 200, body

    @staticmethod
    def _message(body: Any) -> str:
        return str(body.get("message", "")) if isinstance(body, dict) else ""

    def default_branch(self, repository: str) -> Remote:
        status, body = self._get(f"/repos/{repository}")
        if status == 200:
            return Remote("read", body["default_branch"])
        return Remote("unreadable", message=f"{status} {self._message(body)}")

    def labels(self, repository: str) -> Remote:
        names: set[str] = set()
        for page in range(1, 51):
            status, body = self._get(f"/repos/{repository}/labels", per_page=100, page=page)
            if status != 200:
                return Remote("unreadable", message=f"{status} {self._message(body)}")
            names |= {label["name"].lower() for label in body}
            if len(body) < 100:
                break
        return Remote("read", frozenset(names))

    def ruleset_contexts(self, repository: str, branch: str) -> Remote:
        contexts: dict[str, int | None] = {}
        for page in range(1, 11):
            status, body = self._get(f"/repos/{repository}/rules/branches/{_quote(branch)}", per_page=100, page=page)
            if status != 200:
                return Remote("unreadable", message=f"{status} {self._message(body)}")
            for rule in body:
                if rule.get("type") == "required_status_checks":
                    for check in (rule.get("parameters") or {}).get("required_status_checks") or []:
                        contexts[check["context"]] = check.get("integration_id")
            if len(body) < 100:
                break
        return Remote("read", contexts)

    def protection_contexts(self, repository: str, branch: str) -> Remote:
        status, body = self._get(f"/repos/{repository}/branches/{_quote(branch)}/protection/required_status_checks")
        message = self._message(body)
        if status == 200:
            return Remote("read", {c["context"]: c.get("app_id") for c in body.get("checks") or []})
        if status == 404 and message in ("Branch not protected", "Required status checks not enabled"):
            return Remote("absent", message=message)
        return Remote("unreadable", message=f"{status} {message}: needs admin rights")

    def pages(self, repository: str) -> Remote:
        status, body = self._get(f"/repos/{repository}/pages")
        if status == 200:
            return Remote("read", body.get("build_type") or "legacy")
        if status == 404:
            return Remote("absent", message=self._message(body))
        return Remote("unreadable", message=f"{status} {self._message(body)}")

    def secret(self, repository: str) -> Remote:
        status, body = self._get(f"/repos/{repository}/actions/secrets/{SECRET}")
        if status == 200:
            return Remote("read", "repository")
        if status != 404:
            return Remote("unreadable", message=f"{status} {self._message(body)}")
        status, body = self._get(f"/repos/{repository}/actions/organization-secrets", per_page=100)
        if status == 200 and any(s.get("name") == SECRET for s in body.get("secrets") or []):
            return Remote("read", "organization")
        return Remote("absent")

    def commit(self, ref: str | None) -> Remote:
        if ref is None or "@" not in ref:
            return Remote("unreadable", message="no single release pinned")
        repository, sha = ref.split("@", 1)
        status, body = self._get(f"/repos/{repository}/commits/{sha}")
        if status == 200:
            return Remote("read", body.get("sha"))
        if status == 422:
            return Remote("absent", message=f"no commit {sha} in {repository}")
        return Remote("unreadable", message=f"{repository} not found on this server ({status})")


def _quote(branch: str) -> str:
    return urllib.parse.quote(branch, safe="")
