"""`mlops-bot check-pr`: the PR gate through the API, as a commit status on the PR's current head.

Safe for pull requests from forks: nothing from the pull request is checked out or run; its
description, files and registry contents are read through the API.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from github import GithubException

from bot.cli import add_format, emit
from bot.comments import upsert_comment
from bot.config import Config, load_config
from bot.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError
from bot.events import load_event
from bot.gate import GateResult, PullRequestFacts, RegistryChange, evaluate_gate, linked_issue, registry_paths
from bot.github.client import Clients
from bot.records.codeowners import CODEOWNERS_PATHS, owners_of
from bot.summary import escape_cell, write_summary

PR_EVENTS = ("pull_request", "pull_request_target", "pull_request_review")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", help="owner/name (default: the event's repository, or GITHUB_REPOSITORY)")
    parser.add_argument("--pr", type=int, help="pull request number (default: the event's)")
    parser.add_argument("--event-name", help="default: GITHUB_EVENT_NAME")
    parser.add_argument("--event-path", help="default: GITHUB_EVENT_PATH")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    clients = Clients.from_env()
    context = config.gate["status_context"]
    repo_name, number = args.repo, args.pr
    if number is None:
        event = load_event(args.event_name, args.event_path)
        repo_name = repo_name or event.repository
        if event.name == "merge_group":
            sha = (event.payload.get("merge_group") or {}).get("head_sha")
            if not sha or not repo_name:
                raise UsageError("the merge_group payload has no head_sha or repository")
            description = "merge queue: pull requests were checked before they were queued"
            clients.rest.rest.get_repo(repo_name).get_commit(sha).create_status(
                "success", description=description, context=context
            )
            emit(args, {"state": "success", "sha": sha, "description": description}, description)
            return EXIT_OK
        if event.name not in PR_EVENTS:
            raise UsageError(f"check-pr runs on pull request events, not {event.name}")
        number = (event.payload.get("pull_request") or {}).get("number")
    repo_name = repo_name or os.environ.get("GITHUB_REPOSITORY")
    if not repo_name or not number:
        raise UsageError("name the pull request: --repo owner/name --pr N, or run on a pull request event")

    repo = clients.rest.rest.get_repo(repo_name)
    pull = repo.get_pull(number)  # read now: the head may have moved since the event
    facts = gather_facts(repo, pull, config, clients.rest.rest.requester)
    result = evaluate_gate(facts, config)
    head_sha = pull.head.sha
    repo.get_commit(head_sha).create_status(result.state, description=result.description, context=context)
    table = render_table(result)
    write_summary(f"### Deployment gate: {result.state}\n\n{escape_cell(result.description)}\n\n{table}")
    if config.gate.get("comment"):
        identity = clients.rest.viewer_login()
        upsert_comment(
            repo.get_issue(number), "deployment-gate", f"**Deployment gate: {result.state}**\n\n{table}", identity
        )
    emit(
        args,
        {
            "state": result.state,
            "sha": head_sha,
            "description": result.description,
            "checks": [{"check": r.check, "ok": r.ok, "detail": r.detail} for r in result.rows],
        },
        "\n".join(
            [
                f"{result.state}: {result.description} ({head_sha[:7]})",
                *[f"{'ok  ' if r.ok else 'FAIL'} {r.check}: {r.detail}" for r in result.rows],
            ]
        ),
    )
    return EXIT_CHECK_FAILED if result.state == "failure" else EXIT_OK


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
    rules = config.registry["production_approvers"]
    codeowners = None
    if rules.get("codeowners"):
        codeowners = next((t for t in (_text_at(repo, p, pull.base.sha) for p in CODEOWNERS_PATHS) if t), None)
    result = {}
    for path in paths:
        owners = owners_of(path, codeowners) if codeowners else []
        users = {u.lower() for u in rules.get("users", [])} | {o.lower() for o in owners if "/" not in o}
        teams = list(rules.get("teams", [])) + [o for o in owners if "/" in o]
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


def render_table(result: GateResult) -> str:
    rows = ["| Check | Result | Detail |", "|---|---|---|"]
    rows += [f"| {escape_cell(r.check)} | {'✅' if r.ok else '❌'} | {escape_cell(r.detail)} |" for r in result.rows]
    if result.checklist:
        rows += ["", "| Required item | Status | Note |", "|---|---|---|"]
        rows += [
            f"| {escape_cell(i.item)} | {i.status} | {escape_cell(i.note or '')} |" for i in result.checklist.items
        ]
    return "\n".join(rows)
