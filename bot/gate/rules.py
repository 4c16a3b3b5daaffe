"""The PR gate, pure: what a pull request changes, says and was approved with -> one commit status.

What it guarantees (the README's "What the gate guarantees" says the same):
- every change to a file in the registry that touches a production version — its content, its stage,
  its removal or rename, production on the base side or on the head side — needs a complete deployment
  checklist and an approval, given on the current head commit, by someone the configuration allows who
  is not the pull request's author;
- when the bot could not see the whole change (`PullRequestFacts.unseen`), the gate fails and says why;
- a linked deployment issue counts only if it carries `ml-deployment`, is not a pull request, and was
  written by an allowed approver or someone with write association.
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from bot.config import Config
from bot.errors import CheckFailed
from bot.records.checklist import ChecklistResult, evaluate
from bot.records.registry import check_model_document, transition_problem
from bot.yaml_source import parse_yaml

GateState = Literal["success", "failure", "pending"]  # the commit status the gate posts
ReviewState = Literal["APPROVED", "CHANGES_REQUESTED", "COMMENTED", "DISMISSED", "PENDING"]  # as GitHub names them

PRODUCTION = "production"
DEPLOYMENT_LABEL = "ml-deployment"
WRITE_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
CLOSING_WORDS = frozenset(
    {"deploys", "deploy", "closes", "close", "closed", "fixes", "fix", "fixed", "resolves", "resolve", "resolved"}
)
MAX_BODY = 262_144  # characters searched for a linked issue; GitHub caps bodies at 65,536
_WORD = re.compile(r"[0-9A-Za-z_]+")  # a run of word characters: nothing to backtrack into


@dataclass(frozen=True)
class Version:
    """One side of a registry path: a regular file (its text; None if unreadable), a symlink or a submodule."""

    kind: Literal["file", "symlink", "submodule"]
    text: str | None = None
    unreadable: str | None = None  # why `text` is None for a file ("not UTF-8", "larger than 1 MiB")


@dataclass(frozen=True)
class RegistryChange:
    """A path in (or named like) the registry folder whose merge would change the base branch."""

    path: str
    base: Version | None  # None: not on the base branch (a new file, or renamed in)
    head: Version | None  # None: not at the head (deleted, or renamed away)
    same_name_as: str | None = None  # another file at the head that a case-blind file system takes for this one


@dataclass(frozen=True)
class Review:
    login: str
    state: ReviewState  # in the order given
    commit_id: str | None


@dataclass(frozen=True)
class Approvers:
    """Who may approve one registry path, and which of the pull request's reviewers are among them."""

    named: tuple[str, ...]  # as configured: `ana`, `@acme/ml-leads` (for the message)
    reviewers: frozenset[str] = frozenset()  # lower-cased logins of reviewers who are allowed


@dataclass(frozen=True)
class LinkedIssue:
    number: int
    found: Literal["yes", "missing", "elsewhere"]  # elsewhere: transferred to another repository
    is_pull_request: bool = False
    labels: tuple[str, ...] = ()
    author: str = ""
    author_association: str = "NONE"
    author_may_approve: bool = False  # a listed approver user, or in a listed team
    body: str | None = None


@dataclass(frozen=True)
class PullRequestFacts:
    number: int
    draft: bool
    body: str | None
    changed_files: tuple[str, ...]
    author: str = ""
    head_sha: str = ""
    registry_changes: tuple[RegistryChange, ...] = ()
    linked_issue: LinkedIssue | None = None
    reviews: tuple[Review, ...] = ()
    approvers: Mapping[str, Approvers] = field(default_factory=dict)  # registry path -> who may approve it
    unseen: str | None = None  # why the bot could not see the whole change: the gate fails with it


@dataclass(frozen=True)
class Row:
    check: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class GateResult:
    state: GateState
    description: str  # at most 140 characters
    rows: tuple[Row, ...]
    checklist: ChecklistResult | None = None


# ---- the linked deployment issue ------------------------------------------------------------------------
def linked_issue(body: str | None) -> int | None:
    """The first `Deploys #12` (or closes/fixes/resolves, any case, an optional colon) outside HTML
    comments. One pass over the text: each character is looked at a bounded number of times."""
    text = _without_html_comments((body or "")[:MAX_BODY])
    for word in _WORD.finditer(text):
        if word.group().lower() in CLOSING_WORDS:
            number = _reference_after(text, word.end())
            if number is not None:
                return number
    return None


def _without_html_comments(text: str) -> str:
    parts, index = [], 0
    while (start := text.find("<!--", index)) >= 0:
        parts.append(text[index:start])
        end = text.find("-->", start + 4)
        if end < 0:
            return "".join(parts)
        parts.append(" ")
        index = end + 3
    parts.append(text[index:])
    return "".join(parts)


def _reference_after(text: str, index: int) -> int | None:
    """`#N` after a closing word: spaces, or an optional colon then at least one space, then `#` and digits."""
    end = len(text)
    i = index
    while i < end and text[i].isspace():
        i += 1
    spaced = i > index
    if i < end and text[i] == ":":
        i += 1
        after_colon = i
        while i < end and text[i].isspace():
            i += 1
        spaced = i > after_colon
    if not spaced or i >= end or text[i] != "#":
        return None
    start = i = i + 1
    while i < end and "0" <= text[i] <= "9":
        i += 1
    if i == start or i - start > 10 or (i < end and (text[i].isalnum() or text[i] == "_")):
        return None
    return int(text[start:i])


def linked_issue_problem(issue: LinkedIssue, facts: PullRequestFacts) -> str | None:
    """Why the linked issue cannot hold the deployment checklist, or None."""
    ref = f"#{issue.number}"
    if issue.number == facts.number:
        return f"{ref} is this pull request: link the deployment issue"
    if issue.found == "missing":
        return f"issue {ref} was not found"
    if issue.found == "elsewhere":
        return f"issue {ref} is in another repository now"
    if issue.is_pull_request:
        return f"{ref} is a pull request, not a deployment issue"
    if DEPLOYMENT_LABEL not in {label.lower() for label in issue.labels}:
        return f"issue {ref} does not carry the {DEPLOYMENT_LABEL} label"
    if not issue.author_may_approve and issue.author_association not in WRITE_ASSOCIATIONS:
        return f"issue {ref} was written by {issue.author}, who may not approve and has no write access"
    return None


# ---- approvals ---------------------------------------------------------------------------------------------
def latest_approvals(reviews: tuple[Review, ...], author: str) -> dict[str, str | None]:
    """Reviewer (lower-cased) -> the commit of their approval, for reviewers whose latest say is an
    approval (a later request for changes or a dismissal cancels it; comments do not). Never the author."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[review.login.lower()] = review
    return {
        login: review.commit_id
        for login, review in latest.items()
        if review.state == "APPROVED" and login != author.lower()
    }


def without_approvals_by(facts: PullRequestFacts, logins: Iterable[str]) -> PullRequestFacts:
    """The facts without the reviews of these people: the authors of every open pull request that merges
    this same change, so nobody approves their own change through a copy someone else opened."""
    excluded = {login.lower() for login in logins}
    return replace(facts, reviews=tuple(r for r in facts.reviews if r.login.lower() not in excluded))


def _approval_problem(path: str, facts: PullRequestFacts) -> str | None:
    approvers = facts.approvers.get(path, Approvers(()))
    if not approvers.named:
        return (
            "a change to a production version needs an approval, and no one may give it: "
            "list registry.production_approvers or give the file a CODEOWNERS rule"
        )
    approved = latest_approvals(facts.reviews, facts.author)
    allowed = {login: commit for login, commit in approved.items() if login in approvers.reviewers}
    if any(commit == facts.head_sha for commit in allowed.values()):
        return None
    who = ", ".join(approvers.named)
    problem = f"a change to a production version needs an approval on the head commit {facts.head_sha[:7]} from {who}"
    stale = sorted(f"{login} approved {(commit or '?')[:7]}" for login, commit in allowed.items())
    return problem + (f" ({'; '.join(stale)}, an older commit)" if stale else "")


# ---- registry files ---------------------------------------------------------------------------------------
def _path_problem(path: str, root: str) -> str | None:
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts) or "\\" in path or "\0" in path:
        return "an unsafe path (empty, `.` or `..` parts, or a backslash)"
    root_parts = root.strip("/").split("/")
    if parts[: len(root_parts)] != root_parts:
        return f"the registry is {root}/ (names are case-sensitive); this file would not be read as part of it"
    if len(parts) == len(root_parts):
        return f"{root} must be a folder"
    return None


def fold(name: str) -> str:
    """A name as a file system that ignores case or normalises Unicode may see it: NFKC, case-folded,
    without invisible format characters (zero-width joiners) or trailing dots and spaces (Windows)."""
    text = unicodedata.normalize("NFKC", name).upper().casefold()  # upper first: dotless ı is I to NTFS
    text = "".join(character for character in text if unicodedata.category(character) != "Cf")
    return "/".join(part.rstrip(" .") for part in text.split("/"))


def _is_version_path(path: str, root: str) -> bool:
    parts, root_parts = path.split("/"), root.strip("/").split("/")
    return len(parts) == len(root_parts) + 2 and parts[-1].endswith(".yml") and not parts[-1].startswith(".")


def _looks_like_version(path: str) -> bool:
    """Named like a YAML file, as a file system may read the name (`2.1.0.yml.`, `2.1.0.ｙｍｌ`)."""
    return fold(path).endswith((".yml", ".yaml"))


_UNKNOWN = "unknown"  # a base version that cannot be read: it may be a production version


def _base_stage(change: RegistryChange) -> str | None:
    if change.base is None:
        return None
    if change.base.kind != "file" or change.base.text is None:
        return _UNKNOWN
    try:
        data = parse_yaml(change.base.text, change.path, error=CheckFailed).data
    except CheckFailed:
        return _UNKNOWN
    stage = data.get("stage", "candidate") if isinstance(data, dict) else None
    return stage if isinstance(stage, str) else _UNKNOWN


def registry_problem(
    change: RegistryChange, facts: PullRequestFacts, config: Config, checklist_done: bool
) -> str | None:
    """Why this registry change may not be merged as it is, or None."""
    root = config.registry.path.strip("/")
    problem = _path_problem(change.path, root)
    if problem:
        return problem
    head, base = change.head, change.base
    if head is not None and head.kind != "file":
        return f"{head.kind}s are not allowed in the registry: a model version is a plain file"
    if head is None:
        if _looks_like_version(change.path) or (base is not None and base.kind != "file"):
            return "deleting (or renaming) a model version loses its history: set stage: archived instead"
        return None
    if not _looks_like_version(change.path) and (base is None or base.kind == "file"):
        return None  # a README or other non-YAML file beside the versions
    if not _is_version_path(change.path, root):
        return f"a model version lives at {root}/<model_name>/<version>.yml; this path would not be read as one"
    if change.same_name_as is not None:
        return f"{change.same_name_as} names the same file on file systems that ignore case or accents: rename one"
    if head.text is None:
        return f"cannot be checked: {head.unreadable or 'unreadable'}"
    try:
        document = parse_yaml(head.text, change.path, error=CheckFailed)
    except CheckFailed as exc:
        return str(exc)
    model, problems = check_model_document(document, root)
    if problems:
        return str(problems[0]) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
    assert model is not None
    old_stage = _base_stage(change)
    if old_stage != _UNKNOWN:
        rule = transition_problem(old_stage, model.stage, config.registry.transitions)
        if rule:
            return rule
    if PRODUCTION in (old_stage, model.stage) or old_stage == _UNKNOWN:
        return _production_problem(change.path, facts, checklist_done)
    return None


def _production_problem(path: str, facts: PullRequestFacts, checklist_done: bool) -> str | None:
    if not checklist_done:
        return "a change to a production version needs a complete deployment checklist"
    return _approval_problem(path, facts)


# ---- the whole gate --------------------------------------------------------------------------------------
def is_deployment_change(facts: PullRequestFacts, config: Config) -> bool:
    """Any registry change, or any changed path matching `gate.deployment_paths` (ignoring case: a
    `Deploy/` folder is read as `deploy/` on the file systems that ignore case)."""
    if facts.registry_changes:
        return True
    patterns = [pattern.lower() for pattern in config.gate.deployment_paths]
    return any(fnmatch.fnmatchcase(path.lower(), pattern) for path in facts.changed_files for pattern in patterns)


def _short(text: str) -> str:
    return text if len(text) <= 140 else text[:139] + "…"


def evaluate_gate(facts: PullRequestFacts, config: Config) -> GateResult:
    if facts.unseen:
        return GateResult("failure", _short(facts.unseen), (Row("whole change read", False, facts.unseen),))
    if not is_deployment_change(facts, config):
        return GateResult("success", "no deployment in this change", (Row("deployment paths", True, "none changed"),))
    if facts.draft:
        return GateResult(
            "pending",
            "draft: the deployment checklist is checked when the PR is ready for review",
            (Row("draft", True, "not checked yet"),),
        )
    rows: list[Row] = []
    failures: list[str] = []

    source = config.checklist.source
    checklist = None
    checklist_done = True  # every checklist the configuration asks for was found and is complete
    bodies: list[tuple[str, str | None]] = []
    if source in ("pr", "both"):
        bodies.append(("PR description", facts.body))
    if source in ("issue", "both"):
        issue = facts.linked_issue
        problem = "no deployment issue linked (write “Deploys #12” in the PR)" if issue is None else None
        problem = problem or (linked_issue_problem(issue, facts) if issue else None)
        if problem:
            rows.append(Row("deployment issue", False, problem))
            failures.append(problem)
            checklist_done = False
        elif issue is not None:
            bodies.append((f"issue #{issue.number}", issue.body))
    for where, body in bodies:
        result = evaluate(body, config.checklist)
        checklist = result if checklist is None or not result.complete else checklist
        rows.append(Row(f"checklist in {where}", result.complete, result.headline()))
        if not result.complete:
            failures.append(result.headline())
            checklist_done = False

    for change in facts.registry_changes:
        problem = registry_problem(change, facts, config, checklist_done)
        rows.append(Row(f"registry {change.path}", problem is None, problem or "valid"))
        if problem:
            failures.append(f"{change.path}: {problem}")

    if failures:
        return GateResult(
            "failure",
            _short(failures[0] if len(failures) == 1 else f"{len(failures)} problems: {failures[0]}"),
            tuple(rows),
            checklist,
        )
    summary = checklist.headline() if checklist else "registry files valid"
    return GateResult("success", _short(summary), tuple(rows), checklist)


_SEVERITY = {"success": 0, "pending": 1, "failure": 2}


def combine(own: GateResult, shared: Mapping[int, GateResult]) -> GateResult:
    """The verdict for a head commit that other open pull requests into the same base share: they merge
    the same change, so the best verdict among them holds (a commit status is the commit's, not one pull
    request's), naming the pull request it came from."""
    rows = own.rows + tuple(
        Row(f"pull request #{number} (same base and head)", result.state == "success", result.description)
        for number, result in sorted(shared.items())
    )
    number, verdict = min([(None, own), *sorted(shared.items())], key=lambda item: _SEVERITY[item[1].state])
    if number is None:
        return GateResult(own.state, own.description, rows, own.checklist)
    return GateResult(verdict.state, _short(f"#{number}, same head commit: {verdict.description}"), rows, own.checklist)
