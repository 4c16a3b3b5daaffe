"""`mlops-bot init --board` against GitHub: read the board, plan (`bot.board.setup`), apply.

GitHub has no mutation that adds one option to a single-select field: `updateProjectV2Field` takes
the complete list, recreates every option with a new id and clears that field on every item. So
before it runs, each item's value is read (by option name) and written to a journal file; afterwards
the values are put back by name and the journal removed. A run interrupted in between leaves the
journal, and the next `init --board` puts the values back first.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.board.actions import ActionKind
from bot.board.projects import BoardAccessError, batch_document
from bot.board.setup import (
    DEFAULT_BOARD_TITLE,
    BoardState,
    FieldState,
    SelectOption,
    SetupPlan,
    SetupStep,
    plan_setup,
    token_fix,
)
from bot.config import DEFAULT_PATH, Config, ProjectRef
from bot.errors import ConfigError, GitHubError
from bot.github.client import GitHubClient, GraphQLError
from bot.github.queries import load
from bot.github.writes import create_once
from bot.scaffold.plan import LOCK_FILE, digest


def journal_dir(environ: dict[str, str] | os._Environ[str] | None = None) -> Path:
    environ = os.environ if environ is None else environ
    cache = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mlops-bot"


@dataclass
class SetupReport:
    board: str  # the board's URL, or its title while it does not exist yet
    dry_run: bool
    steps: list[SetupStep] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values_restored: int = 0  # item values put back after an option update
    values_to_restore: int = 0  # dry run: how many would be
    created: bool = False
    config_updated: str | None = None  # the file that received project_url

    def as_json(self) -> dict[str, Any]:
        return {
            "board": self.board,
            "dry_run": self.dry_run,
            "created": self.created,
            "changes": len(self.steps),
            "steps": [
                {"action": s.kind, "target": s.target, "adds": list(s.added), "description": s.describe()}
                for s in self.steps
            ],
            "notes": self.notes,
            "item_values_restored": self.values_restored,
            "item_values_to_restore": self.values_to_restore,
            "config_updated": self.config_updated,
        }

    def as_text(self, requests: int) -> str:
        prefix = "[dry run] " if self.dry_run else ""
        lines = [f"board: {self.board}"] + [f"{prefix}{step.describe()}" for step in self.steps]
        lines += [f"note: {note}" for note in self.notes]
        if self.values_restored:
            lines.append(f"{self.values_restored} item value(s) put back")
        if self.values_to_restore:
            lines.append(
                f"{prefix}{self.values_to_restore} item value(s) to put back (GitHub clears them when options change)"
            )
        if self.config_updated:
            lines.append(f"wrote project_url: {self.board} into {self.config_updated}: commit it")
        lines.append(f"{prefix}{len(self.steps)} change(s); {requests} request(s)")
        return "\n".join(lines)


def board_state(node: dict[str, Any]) -> BoardState:
    fields = tuple(
        FieldState(
            f["id"],
            f["name"],
            f["dataType"],
            tuple(SelectOption(o["name"], o["color"], o["description"], o["id"]) for o in f.get("options") or ()),
        )
        for f in node["fields"]["nodes"]
        if f and "id" in f
    )
    return BoardState(
        node["id"],
        node["number"],
        node["title"],
        node["url"],
        (node.get("owner") or {}).get("login", ""),
        node["viewerCanUpdate"],
        fields,
        frozenset(r["nameWithOwner"].lower() for r in node["repositories"]["nodes"]),
    )


class BoardProvisioner:
    """Reads and changes one board's set-up through GraphQL, with the board token."""

    def __init__(
        self,
        client: GitHubClient,
        *,
        batch_size: int = 50,
        pause_seconds: float = 1.0,
        journals: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.batch_size = batch_size
        self.pause_seconds = pause_seconds
        self.journals = journals or journal_dir()
        self._sleep = sleep

    # ---- reads ----------------------------------------------------------------------------------------
    def _run(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.client.graphql(load(name), variables)
        except GraphQLError as error:
            raise self.access_error(str(error), error) from error

    def access_error(self, what: str, error: GraphQLError | None = None) -> GitHubError:
        if error is not None and not error.types & {"FORBIDDEN", "INSUFFICIENT_SCOPES", "NOT_FOUND"}:
            return error
        fix = token_fix(self.client.oauth_scopes, self.client.token_name, write=True)
        return BoardAccessError(f"{what}; {fix}")

    def read(self, project: ProjectRef) -> BoardState:
        variables = {
            "owner": project.owner,
            "number": project.number,
            "isOrganization": project.owner_kind == "organization",
        }
        unreadable = (
            f"cannot read the board {project.url} with {self.client.token_name} "
            "(there is no such board, or the token may not see it)"
        )
        try:
            data = self.client.graphql(load("ReadBoardSetup"), variables)
        except GraphQLError as error:
            raise self.access_error(unreadable, error) from error
        owner = data.get("organization") or data.get("user") or {}
        if not owner.get("projectV2"):
            raise self.access_error(unreadable)
        return board_state(owner["projectV2"])

    def find(self, repository: str, title: str) -> tuple[dict[str, Any], BoardState | None]:
        """The repository (id, owner) and its linked board titled `title`, if there is one."""
        owner, name = repository.split("/", 1)
        data = self._run("RepositoryBoards", {"owner": owner, "name": name, "title": title})
        repo = data.get("repository")
        if repo is None:
            raise GitHubError(f"repository {repository} was not found, or the token cannot read it")
        boards = [b for b in repo["projectsV2"]["nodes"] if b and b["title"] == title]
        return repo, board_state(min(boards, key=lambda b: b["number"])) if boards else None

    def field_values(self, project_id: str, field_name: str) -> dict[str, str]:
        """item id -> option name, for every item that has a value in the field."""
        values: dict[str, str] = {}
        after = None
        while True:
            data = self._run("FieldValues", {"projectId": project_id, "field": field_name, "after": after})
            items = data["node"]["items"]
            for node in items["nodes"]:
                if node and (node.get("value") or {}).get("name"):
                    values[node["id"]] = node["value"]["name"]
            if not items["pageInfo"]["hasNextPage"]:
                return values
            after = items["pageInfo"]["endCursor"]

    # ---- writes --------------------------------------------------------------------------------------
    def create_board(self, owner_id: str, title: str, repository: str, repository_id: str | None) -> BoardState:
        """Sent once: a replay would make a second board. When the answer is lost, the repository's boards
        are read back, and the board is created again only if it is not there."""
        variables = {"ownerId": owner_id, "title": title, "repositoryId": repository_id}
        once = self.client.without_replay()

        def create() -> BoardState:
            try:
                data = once.graphql(load("CreateBoard"), variables)
            except GraphQLError as error:
                raise self.access_error(str(error), error) from error
            return board_state(data["createProjectV2"]["projectV2"])

        return create_once(once.rest, create, lambda: self.find(repository, title)[1], what=f"board {title!r}")

    def link(self, project_id: str, repository: str) -> None:
        owner, name = repository.split("/", 1)
        repo = self._run("RepositoryId", {"owner": owner, "name": name}).get("repository")
        if repo is None:
            raise GitHubError(f"repository {repository} was not found, or the token cannot read it")
        self._run("LinkRepository", {"projectId": project_id, "repositoryId": repo["id"]})

    def create_field(self, project_id: str, step: SetupStep) -> None:
        variables = {"projectId": project_id, "name": step.target, "options": _inputs(step)}
        try:
            self.client.graphql(load("CreateSelectField"), variables)
        except GraphQLError as error:
            # The plan has just read that the field is missing: "taken" means a replayed request whose
            # first answer was lost had created it.
            if not any("already been taken" in str(e.get("message")) for e in error.errors):
                raise self.access_error(str(error), error) from error

    def replace_options(self, state: BoardState, step: SetupStep) -> int:
        """Send the merged option list, then put every item's value back; returns how many."""
        found = state.field(step.target)
        assert found is not None  # the plan adds options to fields it found
        journal = self._journal_path(state.project_id, step.target)
        values = self.field_values(state.project_id, step.target)
        journal.parent.mkdir(parents=True, exist_ok=True)
        journal.write_text(
            json.dumps({"project_id": state.project_id, "field": step.target, "values": values}), encoding="utf-8"
        )
        data = self._run("ReplaceFieldOptions", {"fieldId": found.id, "options": _inputs(step)})
        options = {o["name"]: o["id"] for o in data["updateProjectV2Field"]["projectV2Field"]["options"]}
        restored = self._set_values(state.project_id, found.id, values, options)
        journal.unlink()
        return restored

    def finish_interrupted(self, state: BoardState) -> int:
        """Put back the values an interrupted option update cleared (never over a value set since)."""
        restored = 0
        for journal, saved in self.pending_journals(state.project_id):
            found = state.field(saved["field"])
            if found is not None:
                current = self.field_values(state.project_id, found.name)
                missing = {item: name for item, name in saved["values"].items() if item not in current}
                options = {o.name: o.id or "" for o in found.options}
                restored += self._set_values(state.project_id, found.id, missing, options)
            journal.unlink()
        return restored

    def pending_journals(self, project_id: str) -> Iterator[tuple[Path, dict[str, Any]]]:
        if not self.journals.is_dir():
            return
        for path in sorted(self.journals.glob("restore-*.json")):
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(saved, dict) and saved.get("project_id") == project_id:
                yield path, saved

    def _journal_path(self, project_id: str, field_name: str) -> Path:
        key = hashlib.sha256(f"{project_id}\n{field_name}".encode()).hexdigest()[:16]
        return self.journals / f"restore-{key}.json"

    def _set_values(self, project_id: str, field_id: str, values: dict[str, str], options: dict[str, str]) -> int:
        target = {"projectId": project_id, "fieldId": field_id}
        inputs = [
            {**target, "itemId": item, "value": {"singleSelectOptionId": options[name]}}
            for item, name in values.items()
            if options.get(name)
        ]
        restored = 0
        last: float | None = None
        for start in range(0, len(inputs), self.batch_size):
            batch = inputs[start : start + self.batch_size]
            if last is not None and self.pause_seconds > 0:
                self._sleep(max(0.0, self.pause_seconds - (time.monotonic() - last)))
            document = batch_document([ActionKind.SET_STATUS] * len(batch))
            data, errors = self.client.graphql_with_errors(document, {f"i{n}": v for n, v in enumerate(batch)})
            last = time.monotonic()
            gone = [e for e in errors if e.get("type") == "NOT_FOUND"]  # an item deleted meanwhile
            if len(gone) != len(errors):
                raise GitHubError(f"could not put item values back: {errors[0].get('message')}")
            restored += sum(1 for n in range(len(batch)) if (data.get(f"m{n}") or {}).get("projectV2Item"))
        return restored


def _inputs(step: SetupStep) -> list[dict[str, str]]:
    return [{"name": o.name, "color": o.color, "description": o.description} for o in step.options]


def set_up_board(
    config: Config,
    provisioner: BoardProvisioner,
    repositories: list[str],
    *,
    dry_run: bool,
    title: str = DEFAULT_BOARD_TITLE,
    root: Path | None = None,
) -> SetupReport:
    """Find (or create) the board and give it what the configuration needs."""
    repository_node: dict[str, Any] | None = None
    if config.project is not None:
        state: BoardState | None = provisioner.read(config.project)
        owner = config.project.owner
    elif repositories:
        repository_node, state = provisioner.find(repositories[0], title)
        owner = repository_node["owner"]["login"]
    else:
        raise ConfigError(
            "no board and no repository: set project_url in .github/mlops.yml (or MLOPS_PROJECT_URL), or name the "
            "repository with --repo or GITHUB_REPOSITORY so a board can be created for its owner"
        )
    if state is not None and not state.can_update:
        raise provisioner.access_error(f"the token may read the board {state.url} but not change it")

    report = SetupReport(state.url if state else title, dry_run)
    if state is not None:
        pending = list(provisioner.pending_journals(state.project_id))
        if pending and dry_run:
            report.values_to_restore += sum(len(saved["values"]) for _, saved in pending)
        elif pending:
            report.values_restored += provisioner.finish_interrupted(state)

    plan = plan_setup(state, config.board, repositories, owner=owner, new_board_title=title)
    report.notes = list(plan.notes)
    if dry_run:
        report.steps = list(plan.steps)
        for step in plan.steps:
            if step.kind == "add_options" and state is not None:
                report.values_to_restore += len(provisioner.field_values(state.project_id, step.target))
        return report

    if state is None:
        assert repository_node is not None
        same_owner = repositories[0].split("/", 1)[0].lower() == owner.lower()
        state = provisioner.create_board(
            repository_node["owner"]["id"], title, repositories[0], repository_node["id"] if same_owner else None
        )
        report.created, report.board = True, state.url
        report.steps.append(plan.steps[0])
        plan = plan_setup(state, config.board, repositories, owner=owner, new_board_title=title)
    _apply(provisioner, state, plan, report)
    if config.project is None and root is not None:
        report.config_updated = remember_board_url(root, state.url)
    return report


def _apply(provisioner: BoardProvisioner, state: BoardState, plan: SetupPlan, report: SetupReport) -> None:
    for step in plan.steps:
        if step.kind == "link_repository":
            provisioner.link(state.project_id, step.target)
        elif step.kind == "create_field":
            provisioner.create_field(state.project_id, step)
        elif step.kind == "add_options":
            report.values_restored += provisioner.replace_options(state, step)
        report.steps.append(step)


def remember_board_url(root: Path, url: str) -> str | None:
    """Write `project_url` into `.github/mlops.yml` when it has none: the placeholder line `init` wrote
    becomes the real one (as `init --project-url` would have written it), else a line is added on top.
    Returns the file changed, or None."""
    config_path = root / DEFAULT_PATH
    if not config_path.is_file():
        return None
    text = config_path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if any(line.startswith("project_url:") for line in lines):
        return None
    placeholder = next((n for n, line in enumerate(lines) if line.startswith("# project_url:")), None)
    if placeholder is not None:
        lines[placeholder] = f"project_url: {url}\n"
    else:
        lines.insert(0, f"project_url: {url}\n")
    new_text = "".join(lines)
    config_path.write_text(new_text, encoding="utf-8")
    lock_path = root / LOCK_FILE
    if lock_path.is_file():  # still init's file, so a later `init` may keep updating it
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
        if lock.get(DEFAULT_PATH) == digest(text):
            lock[DEFAULT_PATH] = digest(new_text)
            lock_path.write_text(json.dumps(dict(sorted(lock.items())), indent=1) + "\n", encoding="utf-8")
    return DEFAULT_PATH
