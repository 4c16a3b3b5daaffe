"""Projects (v2) through GraphQL: read a board and its issues, and apply planned actions in batches.

Mutations go out one request at a time (never concurrently), several per request as aliases. Bulk runs
pause between mutation requests, as GitHub's secondary-rate-limit guidance asks of "a large number" of
them; the first `UNPACED_MUTATION_REQUESTS` of a run go out at once, so a single event (add, then place:
two requests) never waits.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from bot.board.actions import KINDS, ActionKind
from bot.board.plan import Action, BoardFields, IssueState, ItemState
from bot.config import ProjectRef
from bot.errors import GitHubError
from bot.github.client import GitHubClient, GraphQLError
from bot.github.queries import load

UNPACED_MUTATION_REQUESTS = 2


def batch_document(kinds: list[ActionKind]) -> str:
    """One mutation document with an alias per action: `m0: addProjectV2ItemById(input: $i0) {...}`."""
    names = {KINDS[k].operation for k in kinds}
    operation = names.pop() if len(names) == 1 else "UpdateItems"
    variables = ", ".join(f"$i{n}: {KINDS[k].input_type}!" for n, k in enumerate(kinds))
    fields = "\n".join(
        f"  m{n}: {KINDS[k].mutation}(input: $i{n}) {{ {KINDS[k].selection} }}" for n, k in enumerate(kinds)
    )
    return f"mutation {operation}({variables}) {{\n{fields}\n}}\n"


class BoardAccessError(GitHubError):
    """The token cannot see or change the board."""


@dataclass(frozen=True)
class BoardSnapshot:
    """What one event's read returned."""

    viewer: str
    fields: BoardFields | None
    status_field: dict[str, Any] | None  # raw, for checking against the configuration
    issue: IssueState | None
    item: ItemState | None


class ProjectsClient:
    def __init__(
        self,
        client: GitHubClient,
        project: ProjectRef,
        status_field: str,
        *,
        stage_field: str | None = None,
        batch_size: int = 50,
        pause_seconds: float = 1.0,
        unpaced_mutation_requests: int = UNPACED_MUTATION_REQUESTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.project = project
        self.status_field = status_field
        self.stage_field = stage_field
        self.batch_size = batch_size
        self.pause_seconds = pause_seconds
        self.unpaced_mutation_requests = unpaced_mutation_requests
        self._sleep = sleep
        self._last_mutation: float | None = None
        self._mutation_requests = 0

    @property
    def url(self) -> str:
        return self.project.url

    # ---- reads ---------------------------------------------------------------------------------
    def _field_variables(self) -> dict[str, Any]:
        # GraphQL wants a value for $stageField even when @include skips it.
        return {
            "statusField": self.status_field,
            "stageField": self.stage_field or "-",
            "withStage": self.stage_field is not None,
        }

    def _board_variables(self) -> dict[str, Any]:
        return {
            "owner": self.project.owner,
            "number": self.project.number,
            "isOrganization": self.project.owner_kind == "organization",
            **self._field_variables(),
        }

    def _query(self, name: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            return self.client.graphql(load(name), variables)
        except GraphQLError as error:
            raise self._explain(error) from error

    def _explain(self, error: GraphQLError) -> GitHubError:
        touches_board = any(
            "projectV2" in (e.get("path") or []) or e.get("type") in ("FORBIDDEN", "INSUFFICIENT_SCOPES")
            for e in error.errors
        )
        if not touches_board:
            return error
        message = error.errors[0].get("message", "")
        return BoardAccessError(
            f"cannot reach the board {self.url} with {self.client.token_name}: {message}. "
            "GITHUB_TOKEN cannot use Projects (v2): set MLOPS_PROJECT_TOKEN to a classic personal access token with "
            "the 'project' scope, or to a GitHub App token with organization Projects read and write permission"
        )

    def _board_of(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
        owner = data.get("organization") or data.get("user") or {}
        board = owner.get("projectV2")
        if board is None:
            raise BoardAccessError(f"cannot reach the board {self.url} with {self.client.token_name}")
        return board, board.get("status")

    def _fields(self, board: dict[str, Any], status: dict[str, Any] | None) -> BoardFields | None:
        if not status or "options" not in status:
            return None
        stage = board.get("stageField") or {}
        return BoardFields(
            board["id"],
            board["title"],
            status["id"],
            {o["name"]: o["id"] for o in status["options"]},
            stage.get("id"),
            {o["name"]: o["id"] for o in stage.get("options", [])},
        )

    def read_board(self) -> tuple[str, dict[str, Any], BoardFields | None]:
        """(viewer login, raw status field, fields) for the whole-board run."""
        data = self._query("BoardFields", self._board_variables())
        board, status = self._board_of(data)
        return (
            data["viewer"]["login"],
            {"title": board["title"], "status": status, "stage": board.get("stageField")},
            self._fields(board, status),
        )

    def read_for_issue(self, issue_node_id: str) -> BoardSnapshot:
        """One request: the issue as it is now, its item on this board, and the board's fields."""
        data = self._query("BoardForIssue", {**self._board_variables(), "issueId": issue_node_id})
        board, status = self._board_of(data)
        issue_data = data.get("issue") or {}
        issue = issue_state(issue_data) if issue_data.get("id") else None
        item = None
        for node in (issue_data.get("projectItems") or {}).get("nodes", []):
            if node["project"]["id"] == board["id"]:
                item = _item_state(node, issue_node_id)
        return BoardSnapshot(
            data["viewer"]["login"],
            self._fields(board, status),
            {"title": board["title"], "status": status, "stage": board.get("stageField")},
            issue,
            item,
        )

    def reconcile_pages(
        self, project_id: str, repositories: list[str], labels: list[str]
    ) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
        """Yield (item nodes, issue nodes) page by page: board items and each repository's labelled
        issues advance side by side in one request until both are exhausted."""
        items_after: str | None = None
        items_done = False
        pending = list(repositories)
        issues_after: str | None = None
        while not items_done or pending:
            owner, name = pending[0].split("/", 1) if pending else ("-", "-")
            data = self._query(
                "ReconcilePage",
                {
                    "projectId": project_id,
                    **self._field_variables(),
                    "itemsAfter": items_after,
                    "withItems": not items_done,
                    "owner": owner,
                    "name": name,
                    "labels": labels,
                    "issuesAfter": issues_after,
                    "withIssues": bool(pending),
                },
            )
            item_nodes: list[dict[str, Any]] = []
            if not items_done:
                items = data["board"]["items"]
                item_nodes = items["nodes"]
                items_after = items["pageInfo"]["endCursor"]
                items_done = not items["pageInfo"]["hasNextPage"]
            issue_nodes: list[dict[str, Any]] = []
            if pending:
                repository = data.get("repository")
                if repository is None:
                    raise GitHubError(f"repository {pending[0]} was not found, or the token cannot read it")
                issues = repository["issues"]
                issue_nodes = issues["nodes"]
                if issues["pageInfo"]["hasNextPage"]:
                    issues_after = issues["pageInfo"]["endCursor"]
                else:
                    pending.pop(0)
                    issues_after = None
            yield item_nodes, issue_nodes

    def live_statuses(self, project_id: str) -> list[str | None]:
        """The status option id of every unarchived item: for WIP counts."""
        statuses: list[str | None] = []
        after = None
        while True:
            data = self._query(
                "BoardItems", {"projectId": project_id, "statusField": self.status_field, "after": after}
            )
            items = data["node"]["items"]
            statuses += [(n.get("status") or {}).get("optionId") for n in items["nodes"] if not n["isArchived"]]
            if not items["pageInfo"]["hasNextPage"]:
                return statuses
            after = items["pageInfo"]["endCursor"]

    # ---- writes ----------------------------------------------------------------------------------
    def apply(self, actions: list[Action], fields: BoardFields) -> list[Action]:
        """Apply a plan; returns the actions as applied (adds first, so later steps know item ids)."""
        applied: list[Action] = []
        added: dict[str, tuple[str, bool]] = {}  # content id -> (item id, archived)
        adds = [a for a in actions if a.kind == ActionKind.ADD]
        conflicts: list[Action] = []
        for batch in _chunks(adds, self.batch_size):
            results, errors = self._mutate(batch, fields)
            for index, action in enumerate(batch):
                result = results.get(f"m{index}")
                if result and result.get("item"):
                    added[action.issue.node_id] = (result["item"]["id"], result["item"]["isArchived"])
                    applied.append(replace(action, item_id=result["item"]["id"]))
                elif any("already exists" in e.get("message", "") for e in errors.get(index, [])):
                    conflicts.append(action)  # added by a run racing this one: read it back
                else:
                    raise GitHubError(f"could not add {action.issue.ref} to the board: {_messages(errors.get(index))}")
        if conflicts:
            for content_id, item in self.items_for_issues([a.issue.node_id for a in conflicts], fields).items():
                added[content_id] = (item.item_id, item.archived)

        rest: list[Action] = []
        for action in actions:
            if action.kind == ActionKind.ADD:
                continue
            item_id = action.item_id
            if item_id is None:
                item_id, archived = added[action.issue.node_id]
                if archived:  # GitHub hands back an archived item as it is
                    rest.append(Action(ActionKind.UNARCHIVE, action.issue, item_id, action.column, action.reason))
            rest.append(replace(action, item_id=item_id))
        for batch in _chunks(rest, self.batch_size):
            _, errors = self._mutate(batch, fields)
            if errors:
                first = min(errors)
                raise GitHubError(f"could not {batch[first].describe()}: {_messages(errors[first])}")
            applied.extend(batch)
        return applied

    def items_for_issues(self, content_ids: list[str], fields: BoardFields) -> dict[str, ItemState]:
        found: dict[str, ItemState] = {}
        for chunk in _chunks(content_ids, 100):
            data = self._query("ItemsForIssues", {"ids": chunk, **self._field_variables()})
            for node in data["nodes"]:
                for item in ((node or {}).get("projectItems") or {}).get("nodes", []):
                    if item["project"]["id"] == fields.project_id:
                        found[node["id"]] = _item_state(item, node["id"])
        return found

    def _mutate(
        self, batch: list[Action], fields: BoardFields
    ) -> tuple[dict[str, Any], dict[int, list[dict[str, Any]]]]:
        if self._last_mutation is not None and self._mutation_requests >= self.unpaced_mutation_requests:
            remaining = self.pause_seconds - (time.monotonic() - self._last_mutation)
            if remaining > 0:
                self._sleep(remaining)
        variables = {f"i{n}": _mutation_input(action, fields) for n, action in enumerate(batch)}
        try:
            data, errors = self.client.graphql_with_errors(batch_document([a.kind for a in batch]), variables)
        finally:
            self._last_mutation = time.monotonic()
            self._mutation_requests += 1
        by_alias: dict[int, list[dict[str, Any]]] = {}
        for error in errors:
            path = error.get("path") or []
            if path and str(path[0]).startswith("m") and str(path[0])[1:].isdigit():
                by_alias.setdefault(int(str(path[0])[1:]), []).append(error)
            else:
                raise self._explain(GraphQLError(errors, "mutation"))
        return data, by_alias


def _mutation_input(action: Action, fields: BoardFields) -> dict[str, Any]:
    if action.kind == ActionKind.ADD:
        return {"projectId": fields.project_id, "contentId": action.issue.node_id}
    target = {"projectId": fields.project_id, "itemId": action.item_id}
    if action.kind in (ActionKind.SET_STATUS, ActionKind.SET_STAGE):
        field_id, options = (
            (fields.status_field_id, fields.options)
            if action.kind == ActionKind.SET_STATUS
            else (fields.stage_field_id, fields.stage_options)
        )
        return {**target, "fieldId": field_id, "value": {"singleSelectOptionId": options[action.column or ""]}}
    return target


def _messages(errors: list[dict[str, Any]] | None) -> str:
    return "; ".join(e.get("message", "?") for e in errors or []) or "no answer"


def _chunks(values: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def issue_state(node: dict[str, Any]) -> IssueState:
    labels = tuple(label["name"] for label in node["labels"]["nodes"])
    stage = None
    if "body" in node:  # read only when the board has a stage field
        from bot.records.issue import experiment_stage_of  # the issue forms and markdown-it: not on every event

        stage = experiment_stage_of(labels, node["state"].upper() == "CLOSED", node["body"])
    return IssueState(node["id"], node["repository"]["nameWithOwner"], node["number"], node["state"], labels, stage)


def _item_state(node: dict[str, Any], content_id: str | None) -> ItemState:
    return ItemState(
        node["id"],
        content_id,
        node["isArchived"],
        (node.get("status") or {}).get("optionId"),
        (node.get("creator") or {}).get("login"),
        (node.get("stage") or {}).get("optionId"),
    )


def item_state(node: dict[str, Any]) -> ItemState:
    content = node.get("content") or {}
    return _item_state(node, content.get("id"))
