"""The gate's facts, gathered through the API: what a pull request changes, says and was approved with.

Nothing from the pull request is checked out or run; its description, files, registry contents and
reviews are read through the API, so the gate is safe for pull requests from forks.

Registry changes come from git trees, never from the pull request's file listing (which stops at 3,000
files and reports renames as one row): the registry folder is listed at three commits — the base
branch's tip now, the merge base, and the head — and a path counts when the head differs from both the
merge base (the pull request changed it) and the base tip (merging would change the branch). Folders
whose names differ from the registry's only in case are listed too, so the rules can refuse them.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from github import GithubException

from bot.config import Config
from bot.gate.rules import (
    Approvers,
    LinkedIssue,
    PullRequestFacts,
    RegistryChange,
    Review,
    Version,
    fold,
    latest_approvals,
    linked_issue,
)
from bot.github import shapes
from bot.records.codeowners import CODEOWNERS_PATHS, owners_of

MAX_REGISTRY_CHANGES = 300  # registry files judged in one pull request; past it the gate asks for a split
MAX_REGISTRY_FILE_BYTES = 1_048_576
SPLIT = "split the pull request"


class Unseen(Exception):
    """Part of the change could not be read: the gate fails with this reason."""


@dataclass(frozen=True)
class Entry:
    """A tree entry: what git stores for a path."""

    mode: str
    type: str  # blob, tree, commit
    sha: str
    size: int = 0

    @property
    def kind(self) -> str:
        return {"120000": "symlink", "160000": "submodule"}.get(self.mode, "file")

    def same_content(self, other: Entry | None) -> bool:
        return other is not None and (self.mode, self.sha) == (other.mode, other.sha)


class GitReader:
    """Trees and blobs through GitHub's git data API (one repository)."""

    def __init__(self, repo: shapes.Repository, requester: shapes.Requester) -> None:
        self.repo = repo
        self.requester = requester
        self.api = repo.url

    def _get(self, path: str, **parameters: Any) -> Any:
        _, data = self.requester.requestJsonAndCheck("GET", f"{self.api}{path}", parameters=parameters or None)
        return data

    def compare(self, base_ref: str, head_sha: str) -> tuple[str, str]:
        """(the base branch's tip now, the merge base of it and the head)."""
        try:
            data = self._get(f"/compare/{urllib.parse.quote(base_ref, safe='/')}...{head_sha}", per_page=1)
        except GithubException as exc:
            if exc.status != 404:
                raise
            raise Unseen(f"cannot compare {base_ref} with the head {head_sha[:7]} (no common history)") from None
        return data["base_commit"]["sha"], data["merge_base_commit"]["sha"]

    def tree(self, sha: str, *, recursive: bool = False) -> list[tuple[str, Entry]]:
        data = self._get(f"/git/trees/{sha}", **({"recursive": "1"} if recursive else {}))
        if data.get("truncated"):
            raise Unseen(f"too many files to check (GitHub truncated a tree listing); {SPLIT}")
        rows = data["tree"]
        return [(row["path"], Entry(row["mode"], row["type"], row["sha"], row.get("size") or 0)) for row in rows]

    def files_under(self, commit_sha: str, folder: str) -> dict[str, Entry]:
        """Every non-folder entry below `folder` (and below folders a case-blind file system takes for it,
        `Registry/` or `regiſtry/`), by path; an entry where a folder of that path should be is listed as itself."""
        found: dict[str, Entry] = {}
        level = [("", commit_sha)]
        for name in folder.strip("/").split("/"):
            deeper = []
            for prefix, tree_sha in level:
                for path, entry in self.tree(tree_sha):
                    if fold(path) != fold(name):
                        continue
                    if entry.type == "tree":
                        deeper.append((f"{prefix}{path}/", entry.sha))
                    else:
                        found[prefix + path] = entry
            level = deeper
        for prefix, tree_sha in level:
            for path, entry in self.tree(tree_sha, recursive=True):
                if entry.type != "tree":
                    found[prefix + path] = entry
        return found

    def all_files(self, commit_sha: str) -> dict[str, Entry]:
        return {path: entry for path, entry in self.tree(commit_sha, recursive=True) if entry.type != "tree"}

    def version(self, entry: Entry | None) -> Version | None:
        if entry is None:
            return None
        if entry.kind != "file":
            return Version(entry.kind)  # type: ignore[arg-type]
        if entry.size > MAX_REGISTRY_FILE_BYTES:
            return Version("file", None, f"larger than {MAX_REGISTRY_FILE_BYTES // 1_048_576} MiB")
        data = self._get(f"/git/blobs/{entry.sha}")
        try:
            return Version("file", base64.b64decode(data["content"]).decode("utf-8"))
        except (binascii.Error, UnicodeDecodeError):
            return Version("file", None, "not UTF-8 text")


def gather_facts(repo: shapes.Repository, pull: Any, config: Config, requester: shapes.Requester) -> PullRequestFacts:
    head_sha, author = pull.head.sha, pull.user.login
    git = GitReader(repo, requester)
    unseen = None
    try:
        base_tip, merge_base = git.compare(pull.base.ref, head_sha)
        changed = _changed_files(git, pull, merge_base, head_sha)
        if merge_base != base_tip:
            _refuse_paths_the_base_moved(git, changed, pull.base.ref, base_tip, merge_base, head_sha)
        changes = _registry_changes(git, config.registry.path, pull.base.ref, base_tip, merge_base, head_sha)
    except Unseen as exc:
        unseen, changed, changes, base_tip = str(exc), (), (), pull.base.sha
    reviews = ()
    if changes:
        reviews = tuple(Review(r.user.login, r.state, r.commit_id) for r in pull.get_reviews() if r.user is not None)
    resolver = _Approvers(repo, requester, config, base_tip)
    approvers = {c.path: resolver.for_path(c.path, latest_approvals(reviews, author)) for c in changes}
    return PullRequestFacts(
        number=pull.number,
        draft=bool(pull.draft),
        body=pull.body,
        changed_files=changed,
        author=author,
        head_sha=head_sha,
        registry_changes=changes,
        linked_issue=_linked_issue(repo, pull.body, config, resolver),
        reviews=reviews,
        approvers=approvers,
        unseen=unseen,
    )


def _changed_files(git: GitReader, pull: Any, merge_base: str, head_sha: str) -> tuple[str, ...]:
    """Every path the pull request changes (renames under both names). The files API lists at most
    3,000; past that the trees of the merge base and the head are compared instead."""
    listed = list(pull.get_files())
    if len(listed) >= pull.changed_files:
        renamed_from = {f.previous_filename for f in listed if f.previous_filename}
        return tuple(sorted({f.filename for f in listed} | renamed_from))
    before, after = git.all_files(merge_base), git.all_files(head_sha)
    return tuple(sorted(path for path in before.keys() | after.keys() if not _same(before.get(path), after.get(path))))


def _refuse_paths_the_base_moved(
    git: GitReader, changed: Iterable[str], base: str, base_tip: str, merge_base: str, head_sha: str
) -> None:
    """A path the pull request changes that the base branch has renamed or deleted since the branch left it:
    git carries the change to wherever the base moved the file (into the registry, say), where the gate
    would never look. Read only for a branch that is behind its base (three tree listings)."""
    try:
        before, now, after = git.all_files(merge_base), git.all_files(base_tip), git.all_files(head_sha)
    except Unseen:
        raise Unseen(
            f"this branch is behind {base}, and the repository is too large to see what moved there since: "
            "update the branch"
        ) from None
    # a path both sides deleted, or both renamed alike, carries nothing: the head lacks it too
    moved = next((path for path in changed if path in before and path not in now and path in after), None)
    if moved is not None:
        raise Unseen(
            f"{moved} was renamed or deleted on {base} since this branch left it: update the branch, so that "
            "the gate judges what the merge would write"
        )


def _registry_changes(
    git: GitReader, folder: str, base: str, base_tip: str, merge_base: str, head_sha: str
) -> tuple[RegistryChange, ...]:
    tip, head = git.files_under(base_tip, folder), git.files_under(head_sha, folder)
    common = tip if merge_base == base_tip else git.files_under(merge_base, folder)  # an up-to-date branch
    changed = []
    for path in sorted(tip.keys() | common.keys() | head.keys()):
        ours = head.get(path)
        by_pull = not _same(ours, common.get(path))
        on_merge = not _same(ours, tip.get(path))
        if by_pull and on_merge:
            if not _same(tip.get(path), common.get(path)):
                raise Unseen(
                    f"{path} changed on {base} too since this branch left it: update the branch, so that the "
                    "gate judges the file the merge would write"
                )
            changed.append(path)
    if len(changed) > MAX_REGISTRY_CHANGES:
        raise Unseen(f"{len(changed)} registry files changed, more than {MAX_REGISTRY_CHANGES} the gate reads; {SPLIT}")
    by_fold: dict[str, list[str]] = {}
    for path in head:
        by_fold.setdefault(fold(path), []).append(path)
    return tuple(
        RegistryChange(
            p,
            git.version(tip.get(p)),
            git.version(head.get(p)),
            next((other for other in sorted(by_fold.get(fold(p), ())) if other != p), None),
        )
        for p in changed
    )


def _same(left: Entry | None, right: Entry | None) -> bool:
    return left.same_content(right) if left is not None else right is None


class _Approvers:
    """Who may approve a registry path: listed users and teams, and the path's code owners as the base
    branch's CODEOWNERS names them (a CODEOWNERS change in the pull request itself does not count)."""

    def __init__(self, repo: shapes.Repository, requester: shapes.Requester, config: Config, base_tip: str) -> None:
        self.repo, self.requester, self.base_tip = repo, requester, base_tip
        self.rules = config.registry.production_approvers
        self._codeowners: str | None = None
        self._memberships: dict[tuple[str, str], bool] = {}

    def codeowners(self) -> str:
        if self._codeowners is None:
            texts = (_text_at(self.repo, path, self.base_tip) for path in CODEOWNERS_PATHS)
            # GitHub reads the first CODEOWNERS file that exists, even an empty one
            self._codeowners = next((t for t in texts if t is not None), "") if self.rules.codeowners else ""
        return self._codeowners

    def for_path(self, path: str, approved: Iterable[str]) -> Approvers:
        owners = owners_of(path, self.codeowners()) if self.rules.codeowners else []
        users = [*self.rules.users, *(o for o in owners if "/" not in o)]
        teams = [*self.rules.teams, *(o for o in owners if "/" in o)]
        named = tuple(dict.fromkeys([*users, *(f"@{t}" for t in teams)]))
        allowed = frozenset(login for login in approved if self.may_approve(login, users, teams))
        return Approvers(named, allowed)

    def may_approve(self, login: str, users: Iterable[str], teams: Iterable[str]) -> bool:
        if login.lower() in {u.lower() for u in users}:
            return True
        return any(self._in_team(login, team) for team in teams)

    def _in_team(self, login: str, team: str) -> bool:
        key = (team.lower(), login.lower())
        if key not in self._memberships:
            org, _, slug = team.partition("/")
            try:
                _, data = self.requester.requestJsonAndCheck(
                    "GET",
                    f"/orgs/{urllib.parse.quote(org)}/teams/{urllib.parse.quote(slug)}/memberships/"
                    f"{urllib.parse.quote(login)}",
                )
                self._memberships[key] = (data or {}).get("state") == "active"  # not a pending invitation
            except GithubException as exc:
                if exc.status != 404:
                    raise
                self._memberships[key] = False
        return self._memberships[key]


def _linked_issue(
    repo: shapes.Repository, body: str | None, config: Config, approvers: _Approvers
) -> LinkedIssue | None:
    if config.checklist.source not in ("issue", "both"):
        return None
    number = linked_issue(body)
    if number is None:
        return None
    try:
        issue = repo.get_issue(number).raw_data
    except GithubException as exc:
        if exc.status in (404, 410):  # never existed, or deleted
            return LinkedIssue(number, "missing")
        raise
    if not _same_repository(str(issue.get("repository_url", "")), repo.url):
        return LinkedIssue(number, "elsewhere")  # transferred: GitHub redirects to the new repository
    author = (issue.get("user") or {}).get("login") or ""
    rules = approvers.rules
    return LinkedIssue(
        number,
        "yes",
        is_pull_request=issue.get("pull_request") is not None,
        labels=tuple(label.get("name", "") for label in issue.get("labels") or ()),
        author=author,
        author_association=str(issue.get("author_association") or "NONE"),
        author_may_approve=bool(author) and approvers.may_approve(author, rules.users, rules.teams),
        body=issue.get("body"),
    )


def _same_repository(url: str, repo_url: str) -> bool:
    """Whether an API URL names this repository (`repo.url` may be a path relative to the API)."""
    path, ours = urllib.parse.urlsplit(url).path.lower(), urllib.parse.urlsplit(repo_url).path.lower()
    return path == ours or path.endswith(ours)


def _text_at(repo: shapes.Repository, path: str, ref: str) -> str | None:
    try:
        content = repo.get_contents(path, ref=ref)
    except GithubException as exc:
        if exc.status == 404:
            return None
        raise
    return content.decoded_content.decode("utf-8", errors="replace")
