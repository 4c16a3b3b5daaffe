"""The emulator's in-memory GitHub: users, repositories, issues, pull requests and Projects (v2).

Plain dataclasses behind one re-entrant lock; the REST and GraphQL layers read and change them.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def iso(moment: dt.datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class User:
    id: int
    node_id: str
    login: str
    type: str = "User"  # "User", "Organization" or "Bot"


@dataclass
class Label:
    id: int
    node_id: str
    name: str
    color: str = "ededed"
    description: str | None = None
    default: bool = False


@dataclass
class Milestone:
    id: int
    node_id: str
    number: int
    title: str
    creator: User
    description: str | None = None
    state: str = "open"
    due_on: dt.datetime | None = None
    created_at: dt.datetime = field(default_factory=now)
    updated_at: dt.datetime = field(default_factory=now)
    closed_at: dt.datetime | None = None


@dataclass
class Comment:
    id: int
    node_id: str
    issue_number: int
    user: User
    body: str
    author_association: str = "OWNER"
    created_at: dt.datetime = field(default_factory=now)
    updated_at: dt.datetime = field(default_factory=now)


@dataclass
class Issue:
    id: int
    node_id: str
    number: int
    repo: Repo
    title: str
    user: User
    body: str | None = None
    labels: list[Label] = field(default_factory=list)
    state: str = "open"
    state_reason: str | None = None
    milestone: Milestone | None = None
    author_association: str = "OWNER"
    created_at: dt.datetime = field(default_factory=now)
    updated_at: dt.datetime = field(default_factory=now)
    closed_at: dt.datetime | None = None
    comments: list[Comment] = field(default_factory=list)
    pull: PullRequest | None = None  # set when this issue is a pull request
    assignees: list[User] = field(default_factory=list)

    def touch(self) -> None:
        self.updated_at = now()


@dataclass
class Review:
    id: int
    node_id: str
    user: User
    state: str  # APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED
    commit_id: str
    body: str = ""
    author_association: str = "MEMBER"
    submitted_at: dt.datetime = field(default_factory=now)


@dataclass
class PullRequest:
    id: int
    node_id: str
    issue: Issue
    head_sha: str
    head_ref: str
    base_ref: str
    head_repo: Repo  # differs from issue.repo for a pull request from a fork
    base_sha: str = "0" * 40
    draft: bool = False
    merged: bool = False
    files: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)


@dataclass
class Status:
    id: int
    node_id: str
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: User
    created_at: dt.datetime = field(default_factory=now)
    updated_at: dt.datetime = field(default_factory=now)


@dataclass
class Repo:
    id: int
    node_id: str
    owner: User
    name: str
    private: bool = False
    default_branch: str = "main"
    issues: dict[int, Issue] = field(default_factory=dict)
    labels: dict[str, Label] = field(default_factory=dict)  # by lower-cased name
    milestones: dict[int, Milestone] = field(default_factory=dict)
    statuses: list[Status] = field(default_factory=list)
    check_runs: list[dict[str, Any]] = field(default_factory=list)
    contents: dict[str, bytes] = field(default_factory=dict)  # the default branch
    commits: dict[str, dict[str, bytes]] = field(default_factory=dict)  # sha -> the tree at that commit
    teams: dict[str, set[str]] = field(default_factory=dict)  # "org/slug" -> member logins (lower-cased)
    deleted: set[int] = field(default_factory=set)  # numbers of deleted issues (REST answers 410 Gone)
    moved: dict[int, Issue] = field(default_factory=dict)  # number -> the issue it was transferred as (301)
    collaborators: dict[str, str] = field(default_factory=dict)  # login -> admin/write/read
    # Git data (see git_data.py): commit parents, file modes other than 100644, branch tips, served objects.
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # commit sha -> parent shas
    modes: dict[str, dict[str, str]] = field(default_factory=dict)  # commit sha -> path -> "120000"/"160000"
    branches: dict[str, str] = field(default_factory=dict)  # branch name -> commit sha
    objects: dict[str, Any] = field(default_factory=dict)  # tree/blob sha -> what git_data serves for it
    created_at: dt.datetime = field(default_factory=now)
    next_number: int = 1
    next_milestone: int = 1
    settings: RepoSettings = field(default_factory=lambda: RepoSettings())

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"


# ---- repository settings: rulesets, branch protection, Pages, Actions secrets ----------------------
GITHUB_ACTIONS_APP_ID = 15368  # the GitHub Actions app on github.com: a check's expected source


@dataclass
class Ruleset:
    """A branch ruleset: its `ref_name` conditions and its rules, as GitHub stores them."""

    id: int
    name: str
    rules: list[dict[str, Any]]
    include: tuple[str, ...] = ("~DEFAULT_BRANCH",)  # "~ALL", "~DEFAULT_BRANCH" or "refs/heads/<fnmatch pattern>"
    exclude: tuple[str, ...] = ()
    enforcement: str = "active"  # active, evaluate, disabled
    source_type: str = "Repository"  # or "Organization"
    source: str = ""


@dataclass
class BranchProtection:
    """Classic branch protection of one branch (only what the bot reads: its required status checks)."""

    contexts: list[str] | None  # None: required status checks are not enabled
    app_ids: dict[str, int | None] = field(default_factory=dict)  # context -> expected source app (None: any)
    strict: bool = False


@dataclass
class RepoSettings:
    rulesets: list[Ruleset] = field(default_factory=list)
    protection: dict[str, BranchProtection] = field(default_factory=dict)  # branch -> its protection
    pages_build_type: str | None = None  # None: Pages is off; "workflow" (GitHub Actions) or "legacy" (a branch)
    secrets: set[str] = field(default_factory=set)  # Actions secrets of the repository
    organization_secrets: set[str] = field(default_factory=set)  # the organization's, visible to it


@dataclass
class Option:
    id: str
    name: str
    color: str = "GRAY"
    description: str = ""


@dataclass
class ProjectField:
    id: str
    name: str
    data_type: str  # TITLE, ASSIGNEES, SINGLE_SELECT, TEXT, ...
    options: list[Option] = field(default_factory=list)


@dataclass
class Item:
    id: str
    database_id: int
    project: Project
    content: Issue | None  # None for a draft issue
    draft_title: str | None
    creator: User
    archived: bool = False
    values: dict[str, str] = field(default_factory=dict)  # field id -> option id
    created_at: dt.datetime = field(default_factory=now)
    updated_at: dt.datetime = field(default_factory=now)

    @property
    def type(self) -> str:
        if self.content is None:
            return "DRAFT_ISSUE"
        return "PULL_REQUEST" if self.content.pull else "ISSUE"


@dataclass
class Project:
    id: str
    number: int
    owner: User
    title: str
    fields: list[ProjectField] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    closed: bool = False
    by_content: dict[int, Item] = field(default_factory=dict, repr=False)  # id(issue) -> its item
    linked_repos: list[Repo] = field(default_factory=list)

    def field_named(self, name: str) -> ProjectField | None:
        return next((f for f in self.fields if f.name == name), None)

    def item_for(self, content: Issue) -> Item | None:
        return self.by_content.get(id(content))


@dataclass
class Token:
    """What a token may do: GitHub Actions' GITHUB_TOKEN cannot reach Projects (v2)."""

    user: User
    kind: str = "pat"  # "pat" (classic, scopes below) or "actions" (an installation token)
    scopes: frozenset[str] = frozenset({"repo", "project"})

    def can_use_projects(self) -> bool:
        """Read boards: the `project` scope, or `read:project`."""
        return self.kind == "pat" and bool({"project", "read:project"} & self.scopes)

    def can_write_projects(self) -> bool:
        return self.kind == "pat" and "project" in self.scopes


class State:
    """Everything the emulator holds. Use `with state.lock:` around any change."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self._ids = itertools.count(1000)
        self.users: dict[str, User] = {}
        self.repos: dict[str, Repo] = {}  # "owner/name" lower-cased
        self.projects: dict[tuple[str, int], Project] = {}  # (owner login lower-cased, number)
        self.nodes: dict[str, Any] = {}
        self.tokens: dict[str, Token] = {}

    # ---- identity --------------------------------------------------------------------------
    def next_id(self) -> int:
        return next(self._ids)

    def node_id(self, prefix: str, database_id: int) -> str:
        raw = base64.urlsafe_b64encode(f"{prefix}:{database_id}".encode()).decode().rstrip("=")
        return f"{prefix}_{raw}"

    def register(self, prefix: str, factory: Any, **kwargs: Any) -> Any:
        database_id = self.next_id()
        node_id = self.node_id(prefix, database_id)
        obj = factory(id=database_id, node_id=node_id, **kwargs)
        self.nodes[node_id] = obj
        return obj

    # ---- builders used by tests and by the REST layer ---------------------------------------
    def user(self, login: str, type: str = "User") -> User:
        with self.lock:
            if login.lower() not in self.users:
                prefix = {"Organization": "O", "Bot": "BOT"}.get(type, "U")
                self.users[login.lower()] = self.register(prefix, User, login=login, type=type)
            return self.users[login.lower()]

    def add_token(
        self, token: str, login: str, kind: str = "pat", scopes: tuple[str, ...] = ("repo", "project")
    ) -> Token:
        with self.lock:
            self.tokens[token] = Token(
                self.user(login, "Bot" if login.endswith("[bot]") else "User"), kind, frozenset(scopes)
            )
            return self.tokens[token]

    def repo(self, full_name: str, owner_type: str = "Organization") -> Repo:
        with self.lock:
            key = full_name.lower()
            if key not in self.repos:
                owner_login, name = full_name.split("/")
                owner = self.user(owner_login, owner_type)
                self.repos[key] = self.register("R", Repo, owner=owner, name=name)
            return self.repos[key]

    def find_repo(self, owner: str, name: str) -> Repo | None:
        return self.repos.get(f"{owner}/{name}".lower())

    def label(self, repo: Repo, name: str, color: str = "ededed", description: str | None = None) -> Label:
        with self.lock:
            if name.lower() not in repo.labels:
                repo.labels[name.lower()] = self.register("LA", Label, name=name, color=color, description=description)
            return repo.labels[name.lower()]

    def issue(
        self,
        repo: Repo,
        title: str,
        *,
        body: str | None = None,
        labels: tuple[str, ...] = (),
        user: str = "octocat",
        state: str = "open",
        author_association: str = "OWNER",
        created_at: dt.datetime | None = None,
    ) -> Issue:
        with self.lock:
            number = repo.next_number
            repo.next_number += 1
            issue = self.register(
                "I",
                Issue,
                number=number,
                repo=repo,
                title=title,
                user=self.user(user),
                body=body,
                labels=[self.label(repo, name) for name in labels],
                author_association=author_association,
            )
            if created_at:
                issue.created_at = issue.updated_at = created_at
            if state == "closed":
                issue.state, issue.state_reason, issue.closed_at = "closed", "completed", issue.updated_at
            repo.issues[number] = issue
            return issue

    def pull_request(
        self,
        repo: Repo,
        title: str,
        *,
        body: str | None = "",
        user: str = "octocat",
        head_sha: str | None = None,
        head_ref: str = "feature",
        base_ref: str = "main",
        head_repo: Repo | None = None,
        draft: bool = False,
        base_sha: str | None = None,
        files: tuple[str, ...] = (),
        author_association: str = "MEMBER",
    ) -> PullRequest:
        with self.lock:
            issue = self.issue(repo, title, body=body, user=user, author_association=author_association)
            sha = head_sha or hashlib.sha1(f"{repo.full_name}#{issue.number}".encode()).hexdigest()
            pull = self.register(
                "PR",
                PullRequest,
                issue=issue,
                head_sha=sha,
                head_ref=head_ref,
                base_ref=base_ref,
                head_repo=head_repo or repo,
                draft=draft,
                base_sha=base_sha or "0" * 40,
                files=[{"filename": name, "status": "modified"} for name in files],
            )
            issue.pull = pull
            return pull

    def delete_issue(self, issue: Issue) -> None:
        """Delete an issue as an admin can: it is gone from its repository, its node and every board."""
        with self.lock:
            del issue.repo.issues[issue.number]
            issue.repo.deleted.add(issue.number)
            self.nodes.pop(issue.node_id, None)
            for project in self.projects.values():
                item = project.item_for(issue)
                if item is not None:
                    self.remove_item(item)

    def transfer_issue(self, issue: Issue, target: Repo, create_labels: bool = False) -> Issue:
        """Move an issue to `target` as GitHub does: the same node under the target's next number, labels
        kept only where the target has them (unless `create_labels`), milestone dropped, updated now.
        Returns a copy of the issue as it was before the move."""
        with self.lock:
            before = dataclasses.replace(issue, labels=list(issue.labels))
            source = issue.repo
            del source.issues[issue.number]
            issue.repo, issue.number = target, target.next_number
            target.next_number += 1
            issue.labels = [
                self.label(target, lb.name, lb.color, lb.description)
                if create_labels
                else target.labels[lb.name.lower()]
                for lb in issue.labels
                if create_labels or lb.name.lower() in target.labels
            ]
            issue.milestone = None
            issue.touch()
            target.issues[issue.number] = issue
            source.moved[before.number] = issue
            return before

    def commit(self, repo: Repo, files: dict[str, str], parent: str | None = None) -> str:
        """A commit whose tree is `parent`'s (or the default branch's) with `files` written; returns its sha."""
        with self.lock:
            tree = dict(repo.commits[parent] if parent else repo.contents)
            tree.update({path: text.encode() for path, text in files.items()})
            sha = hashlib.sha1(repr(sorted(tree.items())).encode() + str(self.next_id()).encode()).hexdigest()
            repo.commits[sha] = tree
            repo.parents[sha] = (parent,) if parent else ()
            if parent and parent in repo.modes:
                repo.modes[sha] = {p: m for p, m in repo.modes[parent].items() if p not in files}
            return sha

    def project(
        self,
        owner_login: str,
        number: int,
        *,
        title: str = "Board",
        owner_type: str = "Organization",
        status_options: tuple[str, ...] = (),
        extra_fields: dict[str, tuple[str, ...]] | None = None,
    ) -> Project:
        with self.lock:
            owner = self.user(owner_login, owner_type)
            project = self.register_project(owner, number, title)
            project.fields.append(self._field("Title", "TITLE"))
            project.fields.append(self._field("Assignees", "ASSIGNEES"))
            if status_options:
                project.fields.append(self._field("Status", "SINGLE_SELECT", status_options))
            for name, options in (extra_fields or {}).items():
                project.fields.append(self._field(name, "SINGLE_SELECT", options))
            return project

    def register_project(self, owner: User, number: int, title: str) -> Project:
        database_id = self.next_id()
        project = Project(id=self.node_id("PVT", database_id), number=number, owner=owner, title=title)
        self.nodes[project.id] = project
        self.projects[(owner.login.lower(), number)] = project
        return project

    def _field(self, name: str, data_type: str, options: tuple[str, ...] = ()) -> ProjectField:
        prefix = "PVTSSF" if data_type == "SINGLE_SELECT" else "PVTF"
        project_field = ProjectField(id=self.node_id(prefix, self.next_id()), name=name, data_type=data_type)
        for option in options:
            digest = hashlib.sha1(f"{project_field.id}:{option}".encode()).hexdigest()[:8]
            project_field.options.append(Option(id=digest, name=option))
        self.nodes[project_field.id] = project_field
        return project_field

    def add_item(self, project: Project, content: Issue | None, creator: User, draft_title: str | None = None) -> Item:
        with self.lock:
            database_id = self.next_id()
            item = Item(
                id=self.node_id("PVTI", database_id),
                database_id=database_id,
                project=project,
                content=content,
                draft_title=draft_title,
                creator=creator,
            )
            project.items.append(item)
            if content is not None:
                project.by_content[id(content)] = item
            self.nodes[item.id] = item
            return item

    def remove_item(self, item: Item) -> None:
        with self.lock:
            item.project.items.remove(item)
            if item.content is not None:
                item.project.by_content.pop(id(item.content), None)
            self.nodes.pop(item.id, None)

    # ---- boards as GitHub creates them, and repository settings ------------------------------------
    # A new board (createProjectV2, blank table) starts with these fields; Status with three options.
    NEW_BOARD_FIELDS: tuple[tuple[str, str], ...] = (
        ("Title", "TITLE"),
        ("Assignees", "ASSIGNEES"),
        ("Status", "SINGLE_SELECT"),
        ("Labels", "LABELS"),
        ("Linked pull requests", "LINKED_PULL_REQUESTS"),
        ("Milestone", "MILESTONE"),
        ("Repository", "REPOSITORY"),
        ("Reviewers", "REVIEWERS"),
        ("Parent issue", "PARENT_ISSUE"),
        ("Sub-issues progress", "SUB_ISSUES_PROGRESS"),
    )
    NEW_BOARD_STATUS: tuple[tuple[str, str], ...] = (("Todo", "GREEN"), ("In Progress", "YELLOW"), ("Done", "PURPLE"))

    def new_project(self, owner: User, title: str) -> Project:
        """A board numbered after the owner's last one, with the fields GitHub gives a new board."""
        with self.lock:
            number = 1 + max((n for (login, n) in self.projects if login == owner.login.lower()), default=0)
            project = self.register_project(owner, number, title)
            for name, data_type in self.NEW_BOARD_FIELDS:
                project_field = self._field(name, data_type)
                if name == "Status":
                    self.set_options(project_field, [(o, color, "") for o, color in self.NEW_BOARD_STATUS])
                project.fields.append(project_field)
            return project

    def set_options(self, project_field: ProjectField, options: list[tuple[str, str, str]]) -> None:
        """Replace a single-select field's options, as GitHub does: every option gets a new id (even one
        whose name is unchanged), and item values pointing at the old ids are cleared."""
        with self.lock:
            old_ids = {o.id for o in project_field.options}
            project_field.options = [
                Option(
                    id=hashlib.sha1(f"{project_field.id}:{self.next_id()}".encode()).hexdigest()[:8],
                    name=n,
                    color=c,
                    description=d,
                )
                for n, c, d in options
            ]
            for project in self.projects.values():
                if project_field in project.fields:
                    for item in project.items:
                        if item.values.get(project_field.id) in old_ids:
                            del item.values[project_field.id]

    def add_ruleset(
        self,
        repo: Repo,
        name: str,
        *,
        contexts: tuple[str, ...] = (),
        integration_id: int | None = GITHUB_ACTIONS_APP_ID,
        include: tuple[str, ...] = ("~DEFAULT_BRANCH",),
        enforcement: str = "active",
        extra_rules: tuple[dict[str, Any], ...] = ({"type": "deletion"},),
    ) -> Ruleset:
        with self.lock:
            rules = list(extra_rules)
            if contexts:
                checks = [
                    {"context": c, **({"integration_id": integration_id} if integration_id else {})} for c in contexts
                ]
                rules.append(
                    {
                        "type": "required_status_checks",
                        "parameters": {
                            "strict_required_status_checks_policy": False,
                            "do_not_enforce_on_create": False,
                            "required_status_checks": checks,
                        },
                    }
                )
            ruleset = Ruleset(self.next_id(), name, rules, include, (), enforcement, "Repository", repo.full_name)
            repo.settings.rulesets.append(ruleset)
            return ruleset

    def protect_branch(
        self, repo: Repo, branch: str, *, contexts: tuple[str, ...] | None = (), app_id: int | None = None
    ) -> BranchProtection:
        with self.lock:
            protection = BranchProtection(
                None if contexts is None else list(contexts), {c: app_id for c in contexts or ()}
            )
            repo.settings.protection[branch] = protection
            return protection
