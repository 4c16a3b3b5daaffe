"""One run of the gate: find the pull request (or merge group), judge it, post the commit status.

The head commit is read when the gate runs, not taken from the event: the head may have moved since.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from bot.comments import upsert_comment
from bot.config import Config
from bot.errors import UsageError
from bot.events import ActionsEvent
from bot.gate.facts import gather_facts
from bot.gate.report import render_table
from bot.gate.rules import GateState, Row, combine, evaluate_gate, without_approvals_by
from bot.github.client import Clients
from bot.summary import escape_cell, write_summary

PR_EVENTS = ("pull_request", "pull_request_target", "pull_request_review")
MERGE_QUEUE_DESCRIPTION = "merge queue: pull requests were checked before they were queued"
JUDGING = "judging this change"
COULD_NOT_JUDGE = "the gate could not judge this change (see the job's log); run the job again"
MAX_SHARED_HEAD = 10  # other open pull requests with the same base and head judged in one run


@dataclass(frozen=True)
class Target:
    """What the gate judges: a pull request, or a merge group's head commit."""

    repository: str
    pull_number: int | None = None
    merge_group_sha: str | None = None


@dataclass(frozen=True)
class GateRun:
    state: GateState
    sha: str
    description: str
    rows: tuple[Row, ...] = ()
    context: str = ""


def find_target(
    repository: str | None, pull_number: int | None, event: ActionsEvent | None, environ: dict[str, str] | None = None
) -> Target:
    """The pull request named by the options, else by the event (merge groups too)."""
    environ = os.environ if environ is None else environ
    if pull_number is None and event is not None:
        repository = repository or event.repository
        if event.name == "merge_group":
            sha = (event.payload.get("merge_group") or {}).get("head_sha")
            if not isinstance(sha, str) or not sha or not repository:
                raise UsageError("the merge_group payload has no head_sha or repository")
            return Target(repository, merge_group_sha=sha)
        if event.name not in PR_EVENTS:
            raise UsageError(f"check-pr runs on pull request events, not {event.name}")
        number = (event.payload.get("pull_request") or {}).get("number")
        pull_number = number if isinstance(number, int) else None
    repository = repository or environ.get("GITHUB_REPOSITORY")
    if not repository or not pull_number:
        raise UsageError("name the pull request: --repo owner/name --pr N, or run on a pull request event")
    return Target(repository, pull_number)


def run_gate(target: Target, config: Config, clients: Clients) -> GateRun:
    """Judge the target and post the gate's commit status on its head (and the job summary, and the
    PR comment when configured).

    The status says `pending` while the gate judges, so a run that is cancelled, times out or dies leaves
    no earlier verdict standing; a run that fails with an error posts `error`. A pull request into a branch
    other than the default one gets a status context of its own (see `GateConfig.context_for`).

    Open pull requests with the same base and head merge the same change, and the status is the commit's:
    when this one does not pass, up to MAX_SHARED_HEAD of them are judged and the best verdict holds (one
    approved pull request is enough; a copy someone else opens cannot hold it back). No author of any of
    them counts as an approver, so nobody approves their own change through a copy."""
    repo = clients.rest.rest.get_repo(target.repository)
    if target.merge_group_sha is not None:
        repo.get_commit(target.merge_group_sha).create_status(
            "success", description=MERGE_QUEUE_DESCRIPTION, context=config.gate.status_context
        )
        return GateRun("success", target.merge_group_sha, MERGE_QUEUE_DESCRIPTION)
    assert target.pull_number is not None
    pull = repo.get_pull(target.pull_number)  # read now: the head may have moved since the event
    head_sha, base = pull.head.sha, pull.base.ref
    context = config.gate.context_for(base, repo.default_branch)
    commit = repo.get_commit(head_sha)
    commit.create_status("pending", description=JUDGING, context=context)
    posted = False
    try:
        requester = clients.rest.rest.requester
        copies = [  # open pull requests that merge this same change: same base, same head
            other
            for other in repo.get_pulls(state="open", base=base)
            if other.head.sha == head_sha and other.number != pull.number
        ]
        authors = [pull.user.login, *(other.user.login for other in copies)]
        own = evaluate_gate(without_approvals_by(gather_facts(repo, pull, config, requester), authors), config)
        shared = {}
        for other in copies[:MAX_SHARED_HEAD] if own.state != "success" else ():
            facts = without_approvals_by(gather_facts(repo, repo.get_pull(other.number), config, requester), authors)
            shared[other.number] = evaluate_gate(facts, config)
            if shared[other.number].state == "success":
                break
        result = combine(own, shared)
        commit.create_status(result.state, description=result.description, context=context)
        posted = True
    finally:
        cancelled = isinstance(sys.exc_info()[1], KeyboardInterrupt)  # `pending` stays for the next run
        if not posted and not cancelled:
            commit.create_status("error", description=COULD_NOT_JUDGE, context=context)
    table = render_table(result)
    write_summary(f"### Deployment gate: {result.state}\n\n{escape_cell(result.description)}\n\n{table}")
    if config.gate.comment:
        upsert_comment(
            repo.get_issue(target.pull_number),
            "deployment-gate",
            f"**Deployment gate: {result.state}**\n\n{table}",
            clients.rest.viewer_login(),
        )
    return GateRun(result.state, head_sha, result.description, result.rows, context)
