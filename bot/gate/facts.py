"""The gate's facts, gathered through the API: what a pull request changes, says and was approved with.

Nothing from the pull request is checked out or run; its description, files, registry contents and
reviews are read through the API, so the gate is safe for pull requests from forks.
"""

from __future__ import annotations

from typing import Any

from github import GithubException

from bot.config import Config
from bot.gate.rules import PullRequestFacts, RegistryChange, linked_issue, registry_paths
from bot.records.codeowners import CODEOWNERS_PATHS, owners_of


def gather_facts(repo: Any, pull: Any, config: Config, requester: Any) -> PullRequestFacts:
    files = list(pull.get_files())
    changed = tuple(f.filename for f in files)
    removed = {f.filename for f in files if f.status == "removed"}
    body = pull.body
    issue_number = linked_issue(body) if config.checklist.source in ("issue", "both") else None
    issue_body = repo.get_issue(issue_number).body if issue_number else None
    changes = []
    for path in registry_paths(changed, config):
        head_text = None if path in removed else _text_at(repo, path, pull.head.sha)
        changes.append(RegistryChange(path, _text_at(repo, path, pull.base.sha), head_text))
    approvals: dict[str, tuple[str, ...]] = {}
    if any(c.head_text and "production" in c.head_text for c in changes):
        approvals = _allowed_approvals(repo, pull, [c.path for c in changes], config, requester)
    return PullRequestFacts(
        pull.number, bool(pull.draft), body, changed, issue_number, issue_body, tuple(changes), approvals
    )


def _text_at(repo: Any, path: str, ref: str) -> str | None:
    try:
        content = repo.get_contents(path, ref=ref)
    except GithubException as exc:
        if exc.status == 404:
            return None
        raise
    return content.decoded_content.decode("utf-8", errors="replace")


def _allowed_approvals(
    repo: Any, pull: Any, paths: list[str], config: Config, requester: Any
) -> dict[str, tuple[str, ...]]:
    latest: dict[str, str] = {}
    for review in pull.get_reviews():
        if review.user and review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.user.login] = review.state
    approved = [login for login, state in latest.items() if state == "APPROVED"]
    if not approved:
        return {}
    rules = config.registry.production_approvers
    codeowners = None
    if rules.codeowners:
        codeowners = next((t for t in (_text_at(repo, p, pull.base.sha) for p in CODEOWNERS_PATHS) if t), None)
    result = {}
    for path in paths:
        owners = owners_of(path, codeowners) if codeowners else []
        users = {u.lower() for u in rules.users} | {o.lower() for o in owners if "/" not in o}
        teams = list(rules.teams) + [o for o in owners if "/" in o]
        allowed = [login for login in approved if login.lower() in users or _in_any_team(requester, login, teams)]
        result[path] = tuple(allowed)
    return result


def _in_any_team(requester: Any, login: str, teams: list[str]) -> bool:
    for team in teams:
        org, slug = team.split("/", 1)
        try:
            requester.requestJsonAndCheck("GET", f"/orgs/{org}/teams/{slug}/memberships/{login}")
            return True
        except GithubException as exc:
            if exc.status != 404:
                raise
    return False
