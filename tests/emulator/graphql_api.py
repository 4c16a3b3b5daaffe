"""The GraphQL side of the emulator: GitHub's real public schema, executed by graphql-core.

Every document is validated against the schema first, so a query GitHub would reject is
rejected here with GitHub's error shape (HTTP 200, an `errors` array, no `data`). Objects are
served as dicts whose callables graphql-core's default resolver invokes with the field's arguments.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import cache
from typing import Any

from graphql import GraphQLError, GraphQLSchema, build_schema, execute, parse, validate
from graphql.language import OperationDefinitionNode

from . import project_admin, webhooks
from .objects import Urls, shared_github_dir
from .state import Issue, Item, Project, ProjectField, Repo, State, Token, User, iso, now

MAX_PAGE = 100


@cache
def github_schema() -> GraphQLSchema:
    sdl = (shared_github_dir() / "schema.graphql").read_text(encoding="utf-8")
    schema = build_schema(sdl, assume_valid_sdl=True)
    schema._validation_errors = []  # GitHub's SDL has quirks its own server tolerates
    return schema


class Failure(Exception):
    """An error GitHub reports inside a 200 response, with its `type` (NOT_FOUND, FORBIDDEN, ...)."""

    def __init__(self, message: str, error_type: str) -> None:
        super().__init__(message)
        self.error_type = error_type


class Options:
    """Behaviour switches a test may flip."""

    def __init__(self) -> None:
        # GitHub answers a second add of the same content with the existing item; under a race it
        # has also been seen to answer "Content already exists in this project". Tests turn this on.
        self.conflict_on_existing_add = False


def run_graphql(
    state: State,
    urls: Urls,
    token: Token | None,
    body: Any,
    options: Options,
    emit: Callable[[str, Any], Any] | None = None,
) -> tuple[dict[str, Any], str | None]:
    """Execute one GraphQL request body; returns (response JSON, operation name)."""
    if not isinstance(body, dict) or not isinstance(body.get("query"), str):
        return {"errors": [{"message": "A query attribute must be specified and must be a string."}]}, None
    try:
        document = parse(body["query"])
    except GraphQLError as exc:
        return {"errors": [_format(exc)]}, None
    operation = next((d for d in document.definitions if isinstance(d, OperationDefinitionNode)), None)
    operation_name = operation.name.value if operation and operation.name else None
    errors = validate(github_schema(), document)
    if errors:
        return {"errors": [_format(e) for e in errors]}, operation_name
    if token is None:
        return {"message": "This endpoint requires you to be authenticated.", "status": "401"}, operation_name
    views = Views(state, urls, token, options, emit)
    variables = body.get("variables") or {}
    with state.lock:
        result = execute(
            github_schema(),
            document,
            root_value=views.root(),
            variable_values=variables,
            operation_name=body.get("operationName"),
        )
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [_format(e) for e in result.errors]
    return response, operation_name


def _format(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = {"message": error.message}
    original = error.original_error
    if isinstance(original, Failure):
        formatted["type"] = original.error_type
    if error.path:
        formatted["path"] = list(error.path)
    if error.locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if not isinstance(original, Failure) and original is None and not error.path:
        formatted["extensions"] = {"code": "invalidQuery"}
    return formatted


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1]) + 1
    except (ValueError, IndexError):
        raise Failure(f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS") from None


class Views:
    """Dict views of the state for one request, as the schema's types."""

    def __init__(
        self, state: State, urls: Urls, token: Token, options: Options, emit: Callable[[str, Any], Any] | None = None
    ) -> None:
        self.state, self.urls, self.token, self.options = state, urls, token, options
        self.emit = emit or (lambda name, payload: None)  # webhook events of the changes a mutation makes

    # ---- connections ------------------------------------------------------------------------
    def connection(self, name: str, items: list[Any], view: Any, args: dict[str, Any]) -> dict[str, Any]:
        first, last = args.get("first"), args.get("last")
        if first is None and last is None:
            raise Failure(
                f"You must provide a `first` or `last` value to properly paginate the `{name}` connection.",
                "MISSING_PAGINATION_BOUNDARIES",
            )
        for key, value in (("first", first), ("last", last)):
            if value is not None and value > MAX_PAGE:
                raise Failure(
                    f"Requesting {value} records on the `{name}` connection exceeds the `{key}` limit "
                    f"of {MAX_PAGE} records.",
                    "EXCESSIVE_PAGINATION",
                )
            if value is not None and value < 0:
                raise Failure(f"`{key}` on the `{name}` connection cannot be less than zero.", "INVALID_ARGUMENTS")
        start = _offset(args.get("after"))
        end = len(items)
        if args.get("before"):
            end = min(end, _offset(args["before"]) - 1)
        if first is not None:
            window = range(start, min(end, start + first))
        else:
            window = range(max(start, end - last), end)
        page = [items[i] for i in window]
        return {
            "totalCount": len(items),
            "nodes": [view(x) for x in page],
            "edges": [{"cursor": _cursor(i), "node": view(items[i])} for i in window],
            "pageInfo": {
                "hasNextPage": window.stop < end,
                "hasPreviousPage": window.start > 0,
                "startCursor": _cursor(window.start) if page else None,
                "endCursor": _cursor(window.stop - 1) if page else None,
            },
        }

    # ---- root -----------------------------------------------------------------------------------
    def root(self) -> dict[str, Any]:
        return {
            "viewer": lambda info: self.user(self.token.user),
            "organization": lambda info, login: self._owner(login, "Organization"),
            "user": lambda info, login: self._owner(login, "User"),
            "repositoryOwner": lambda info, login: self._owner(login, None),
            "repository": lambda info, owner, name, **_: self._repository(owner, name),
            "node": lambda info, id: self.node(id),
            "nodes": lambda info, ids: [self.node(i) for i in ids],
            "rateLimit": lambda info, **_: {
                "cost": 1,
                "limit": 5000,
                "nodeCount": 0,
                "remaining": 4999,
                "resetAt": iso(now()),
                "used": 1,
            },
            "addProjectV2ItemById": lambda info, input: self.add_item(input),
            "updateProjectV2ItemFieldValue": lambda info, input: self.update_value(input),
            "clearProjectV2ItemFieldValue": lambda info, input: self.clear_value(input),
            "archiveProjectV2Item": lambda info, input: self.set_archived(input, True),
            "unarchiveProjectV2Item": lambda info, input: self.set_archived(input, False),
            "deleteProjectV2Item": lambda info, input: self.delete_item(input),
            "deleteIssue": lambda info, input: self.delete_issue(input),
            "transferIssue": lambda info, input: self.transfer_issue(input),
            # setting a board up: project_admin.py
            "createProjectV2": lambda info, input: project_admin.create_project(self, input),
            "linkProjectV2ToRepository": lambda info, input: project_admin.link_repository(self, input),
            "createProjectV2Field": lambda info, input: project_admin.create_field(self, input),
            "updateProjectV2Field": lambda info, input: project_admin.update_field(self, input),
        }

    def _owner(self, login: str, kind: str | None) -> dict[str, Any]:
        user = self.state.users.get(login.lower())
        if user is None or (kind and user.type != kind and not (kind == "User" and user.type == "Bot")):
            label = {"Organization": "organization", "User": "user"}.get(kind or "", "repository owner")
            raise Failure(
                f"Could not resolve to a{'n' if label[0] in 'aeiou' else ''} {label.title().replace(' ', '')} "
                f"with the login of '{login}'.",
                "NOT_FOUND",
            )
        return self.user(user)

    def _repository(self, owner: str, name: str) -> dict[str, Any]:
        repo = self.state.find_repo(owner, name)
        if repo is None:
            raise Failure(f"Could not resolve to a Repository with the name '{owner}/{name}'.", "NOT_FOUND")
        return self.repository(repo)

    def node(self, node_id: str) -> dict[str, Any] | None:
        obj = self.state.nodes.get(node_id)
        if obj is None:
            raise Failure(f"Could not resolve to a node with the global id of '{node_id}'", "NOT_FOUND")
        for kind, view in (
            (Issue, self.issue),
            (Item, self.item),
            (Project, self.project),
            (Repo, self.repository),
            (User, self.user),
            (ProjectField, self.field),
        ):
            if isinstance(obj, kind):
                self._check_project_access(obj)
                return view(obj)
        return None

    def _check_project_access(self, obj: Any) -> None:
        if isinstance(obj, Project | Item | ProjectField) and not self.token.can_use_projects():
            if self.token.kind == "actions":
                raise Failure("Resource not accessible by integration", "FORBIDDEN")
            raise Failure(
                "Your token has not been granted the required scopes to execute this query. The 'id' field "
                "requires one of the following scopes: ['read:project'], but your token has only been "
                f"granted the: {sorted(self.token.scopes)} scopes.",
                "INSUFFICIENT_SCOPES",
            )

    # ---- owners, repositories, issues -------------------------------------------------------------
    def user(self, user: User) -> dict[str, Any]:
        return {
            "__typename": "Organization" if user.type == "Organization" else ("Bot" if user.type == "Bot" else "User"),
            "id": user.node_id,
            "login": user.login,
            "databaseId": user.id,
            "url": f"{self.urls.web}/{user.login}",
            "projectV2": lambda info, number: self._project_of(user, number),
        }

    def _project_of(self, owner: User, number: int) -> dict[str, Any] | None:
        project = self.state.projects.get((owner.login.lower(), number))
        if project is None:
            raise Failure(f"Could not resolve to a ProjectV2 with the number {number}.", "NOT_FOUND")
        self._check_project_access(project)
        return self.project(project)

    def repository(self, repo: Repo) -> dict[str, Any]:
        return {
            "__typename": "Repository",
            "id": repo.node_id,
            "name": repo.name,
            "nameWithOwner": repo.full_name,
            "databaseId": repo.id,
            "url": f"{self.urls.web}/{repo.full_name}",
            "owner": self.user(repo.owner),
            "isPrivate": repo.private,
            "issue": lambda info, number: self._issue_number(repo, number),
            "issues": lambda info, **args: self._issues(repo, args),
            "projectsV2": project_admin.repository_projects(self, repo),
        }

    def _issue_number(self, repo: Repo, number: int) -> dict[str, Any] | None:
        issue = repo.issues.get(number)
        if issue is None or issue.pull:
            raise Failure(f"Could not resolve to an Issue with the number of {number}.", "NOT_FOUND")
        return self.issue(issue)

    def _issues(self, repo: Repo, args: dict[str, Any]) -> dict[str, Any]:
        filters = args.get("filterBy") or {}
        states = set(args.get("states") or filters.get("states") or [])
        labels = {x.lower() for x in (args.get("labels") or filters.get("labels") or [])}  # any of them
        since = filters.get("since")
        order = args.get("orderBy") or {"field": "CREATED_AT", "direction": "ASC"}
        issues = [
            i
            for i in repo.issues.values()
            if not i.pull
            and (not states or i.state.upper() in states)
            and (not labels or labels & {lb.name.lower() for lb in i.labels})
            and (since is None or iso(i.updated_at) >= _normalise_time(since))
        ]
        key = {"UPDATED_AT": "updated_at", "COMMENTS": "comments"}.get(order["field"], "created_at")
        issues.sort(
            key=lambda i: (len(i.comments) if key == "comments" else getattr(i, key), i.number),
            reverse=order["direction"] == "DESC",
        )
        return self.connection("issues", issues, self.issue, args)

    def issue(self, issue: Issue) -> dict[str, Any]:
        repo = issue.repo
        return {
            "__typename": "PullRequest" if issue.pull else "Issue",
            "id": issue.pull.node_id if issue.pull else issue.node_id,
            "databaseId": issue.id,
            "number": issue.number,
            "title": issue.title,
            "body": issue.body or "",
            "state": issue.state.upper(),
            "stateReason": issue.state_reason.upper() if issue.state_reason else None,
            "closed": issue.state == "closed",
            "url": f"{self.urls.web}/{repo.full_name}/{'pull' if issue.pull else 'issues'}/{issue.number}",
            "createdAt": iso(issue.created_at),
            "updatedAt": iso(issue.updated_at),
            "closedAt": iso(issue.closed_at),
            "author": self.user(issue.user),
            "authorAssociation": issue.author_association,
            "repository": lambda info: self.repository(repo),
            "milestone": (
                lambda info: {
                    "__typename": "Milestone",
                    "id": issue.milestone.node_id,
                    "number": issue.milestone.number,
                    "title": issue.milestone.title,
                    "dueOn": iso(issue.milestone.due_on),
                }
            )
            if issue.milestone
            else None,
            "assignees": lambda info, **args: self.connection("assignees", issue.assignees, self.user, args),
            "labels": lambda info, **args: self.connection(
                "labels",
                issue.labels,
                lambda lb: {
                    "__typename": "Label",
                    "id": lb.node_id,
                    "name": lb.name,
                    "color": lb.color,
                    "description": lb.description,
                },
                args,
            ),
            "projectItems": lambda info, includeArchived=True, **args: self.connection(
                "projectItems",
                [
                    i
                    for p in self.state.projects.values()
                    for i in p.items
                    if i.content is issue and (includeArchived or not i.archived) and self.token.can_use_projects()
                ],
                self.item,
                args,
            ),
        }

    # ---- projects -----------------------------------------------------------------------------------
    def project(self, project: Project) -> dict[str, Any]:
        return {
            "__typename": "ProjectV2",
            "id": project.id,
            "number": project.number,
            "title": project.title,
            "closed": project.closed,
            "owner": lambda info: self.user(project.owner),
            "url": f"{self.urls.web}/{'orgs' if project.owner.type == 'Organization' else 'users'}/"
            f"{project.owner.login}/projects/{project.number}",
            "field": lambda info, name: next((self.field(f) for f in project.fields if f.name == name), None),
            "fields": lambda info, **args: self.connection("fields", project.fields, self.field, args),
            "items": lambda info, **args: self.connection("items", project.items, self.item, args),
            **project_admin.project_extras(self, project),
        }

    def field(self, project_field: ProjectField) -> dict[str, Any]:
        if project_field.data_type == "SINGLE_SELECT":
            return {
                "__typename": "ProjectV2SingleSelectField",
                "id": project_field.id,
                "name": project_field.name,
                "dataType": "SINGLE_SELECT",
                "options": lambda info, names=None: [
                    {
                        "id": o.id,
                        "name": o.name,
                        "color": o.color,
                        "description": o.description,
                        "nameHTML": o.name,
                        "descriptionHTML": o.description,
                    }
                    for o in project_field.options
                    if names is None or o.name in names
                ],
            }
        return {
            "__typename": "ProjectV2Field",
            "id": project_field.id,
            "name": project_field.name,
            "dataType": project_field.data_type,
        }

    def item(self, item: Item) -> dict[str, Any]:
        def value(project_field: ProjectField) -> dict[str, Any] | None:
            if project_field.data_type == "TITLE":
                title = item.content.title if item.content else item.draft_title
                return {
                    "__typename": "ProjectV2ItemFieldTextValue",
                    "text": title,
                    "field": lambda info: self.field(project_field),
                }
            option_id = item.values.get(project_field.id)
            option = next((o for o in project_field.options if o.id == option_id), None)
            if option is None:
                return None
            return {
                "__typename": "ProjectV2ItemFieldSingleSelectValue",
                "optionId": option.id,
                "name": option.name,
                "color": option.color,
                "field": lambda info: self.field(project_field),
                "updatedAt": iso(item.updated_at),
            }

        def by_name(info: Any, name: str) -> dict[str, Any] | None:
            project_field = item.project.field_named(name)
            return value(project_field) if project_field else None

        def all_values(info: Any, **args: Any) -> dict[str, Any]:
            values = [v for v in (value(f) for f in item.project.fields) if v]
            return self.connection("fieldValues", values, lambda v: v, args)

        content: Any = None
        if item.content is not None:
            content = self.issue(item.content)
        elif item.draft_title is not None:
            content = {
                "__typename": "DraftIssue",
                "id": item.id.replace("PVTI", "DI"),
                "title": item.draft_title,
                "body": "",
            }
        return {
            "__typename": "ProjectV2Item",
            "id": item.id,
            "databaseId": item.database_id,
            "isArchived": item.archived,
            "type": item.type,
            "createdAt": iso(item.created_at),
            "updatedAt": iso(item.updated_at),
            "creator": self.user(item.creator),
            "content": content,
            "project": lambda info: self.project(item.project),
            "fieldValueByName": by_name,
            "fieldValues": all_values,
        }

    # ---- mutations ------------------------------------------------------------------------------------
    def _project_by_id(self, project_id: str) -> Project:
        project = self.state.nodes.get(project_id)
        if not isinstance(project, Project):
            raise Failure(f"Could not resolve to ProjectV2 node with the global id of '{project_id}'.", "NOT_FOUND")
        self._check_project_access(project)
        project_admin.require_write(self)
        return project

    def _item_in(self, project: Project, item_id: str) -> Item:
        item = self.state.nodes.get(item_id)
        if not isinstance(item, Item) or item.project is not project:
            raise Failure(f"Could not resolve to ProjectV2Item node with the global id of '{item_id}'.", "NOT_FOUND")
        return item

    def add_item(self, data: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(data["projectId"])
        content = self.state.nodes.get(data["contentId"])
        if isinstance(content, Issue | Item) is False and getattr(content, "issue", None) is not None:
            content = content.issue  # a pull request's node id
        if not isinstance(content, Issue):
            raise Failure(f"Could not resolve to a node with the global id of '{data['contentId']}'", "NOT_FOUND")
        existing = project.item_for(content)
        if existing is not None:
            if self.options.conflict_on_existing_add:
                raise Failure("Content already exists in this project", "UNPROCESSABLE")
            return {"item": self.item(existing), "clientMutationId": data.get("clientMutationId")}
        item = self.state.add_item(project, content, self.token.user)
        return {"item": self.item(item), "clientMutationId": data.get("clientMutationId")}

    def update_value(self, data: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(data["projectId"])
        item = self._item_in(project, data["itemId"])
        project_field = next((f for f in project.fields if f.id == data["fieldId"]), None)
        if project_field is None:
            raise Failure(f"Could not resolve to a node with the global id of '{data['fieldId']}'", "NOT_FOUND")
        value = data["value"]
        if project_field.data_type != "SINGLE_SELECT" or set(value) != {"singleSelectOptionId"}:
            raise Failure("The field value does not match the field's data type.", "UNPROCESSABLE")
        if not any(o.id == value["singleSelectOptionId"] for o in project_field.options):
            raise Failure("The single select option Id does not belong to the field", "UNPROCESSABLE")
        item.values[project_field.id] = value["singleSelectOptionId"]
        item.updated_at = now()
        return {"projectV2Item": self.item(item), "clientMutationId": data.get("clientMutationId")}

    def clear_value(self, data: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(data["projectId"])
        item = self._item_in(project, data["itemId"])
        item.values.pop(data["fieldId"], None)
        return {"projectV2Item": self.item(item), "clientMutationId": data.get("clientMutationId")}

    def set_archived(self, data: dict[str, Any], archived: bool) -> dict[str, Any]:
        project = self._project_by_id(data["projectId"])
        item = self._item_in(project, data["itemId"])
        item.archived = archived
        item.updated_at = now()
        return {"item": self.item(item), "clientMutationId": data.get("clientMutationId")}

    def delete_item(self, data: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(data["projectId"])
        item = self._item_in(project, data["itemId"])
        self.state.remove_item(item)
        return {"deletedItemId": item.id, "clientMutationId": data.get("clientMutationId")}

    # ---- issues ----------------------------------------------------------------------------------------
    def _issue_by_id(self, issue_id: str) -> Issue:
        issue = self.state.nodes.get(issue_id)
        if not isinstance(issue, Issue) or issue.pull is not None:
            raise Failure(f"Could not resolve to a node with the global id of '{issue_id}'", "NOT_FOUND")
        return issue

    def delete_issue(self, data: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue_by_id(data["issueId"])
        repo = issue.repo
        self.state.delete_issue(issue)
        self.emit("issues", webhooks.deleted_event(issue, self.token.user, self.urls))
        return {"repository": self.repository(repo), "clientMutationId": data.get("clientMutationId")}

    def transfer_issue(self, data: dict[str, Any]) -> dict[str, Any]:
        issue = self._issue_by_id(data["issueId"])
        target = self.state.nodes.get(data["repositoryId"])
        if not isinstance(target, Repo):
            raise Failure(f"Could not resolve to a node with the global id of '{data['repositoryId']}'", "NOT_FOUND")
        if target is issue.repo:
            raise Failure("Issue is already in this repository", "UNPROCESSABLE")
        before = self.state.transfer_issue(issue, target, bool(data.get("createLabelsIfMissing")))
        self.emit("issues", webhooks.transferred_event(before, issue, self.token.user, self.urls))
        return {"issue": self.issue(issue), "clientMutationId": data.get("clientMutationId")}


def _normalise_time(value: str) -> str:
    return value.replace("+00:00", "Z") if isinstance(value, str) else value
