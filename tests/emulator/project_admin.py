"""Setting boards up through GraphQL, as GitHub does it: create a board, link a repository, create a
single-select field, replace a field's options; and the reads that go with them.

GitHub's `updateProjectV2Field` takes the complete option list (`ProjectV2SingleSelectFieldOptionInput`
has no id): every option is recreated with a new id, even one whose name, colour and description did
not change, and the field's values on every item are cleared. `State.set_options` does exactly that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .state import Project, ProjectField, Repo, User

if TYPE_CHECKING:
    from .graphql_api import Views

# Fields a board always has and which nobody may create again under the same name.
RESERVED_FIELD_NAMES = frozenset(
    name.lower()
    for name in (
        "Title",
        "Assignees",
        "Labels",
        "Linked pull requests",
        "Milestone",
        "Repository",
        "Reviewers",
        "Tracks",
        "Tracked by",
        "Type",
        "Parent issue",
        "Sub-issues progress",
    )
)


def _failure(message: str, error_type: str) -> Exception:
    from .graphql_api import Failure

    return Failure(message, error_type)


def require_write(views: Views, mutation: str | None = None) -> None:
    """Changing a board takes the `project` scope; `read:project` only reads."""
    token = views.token
    if token.can_write_projects():
        return
    if token.kind == "actions":
        raise _failure("Resource not accessible by integration", "FORBIDDEN")
    raise _failure(
        "Your token has not been granted the required scopes to execute this query. The "
        f"'{mutation or 'mutation'}' field requires one of the following scopes: ['project'], but your token has only "
        f"been granted the: {sorted(token.scopes)} scopes. Please modify your token's scopes at: "
        "https://github.com/settings/tokens.",
        "INSUFFICIENT_SCOPES",
    )


def _node(views: Views, node_id: str, kind: type, label: str) -> Any:
    found = views.state.nodes.get(node_id)
    if not isinstance(found, kind):
        raise _failure(f"Could not resolve to {label} node with the global id of '{node_id}'.", "NOT_FOUND")
    return found


def _options(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    options = [(o["name"], o["color"], o["description"]) for o in data.get("singleSelectOptions") or []]
    names = [name.strip().lower() for name, _, _ in options]
    if any(not name for name in names):
        raise _failure("Options must have a name", "UNPROCESSABLE")
    if len(set(names)) != len(names):
        raise _failure("Options must have unique names", "UNPROCESSABLE")
    return options


# ---- mutations --------------------------------------------------------------------------------------
def create_project(views: Views, data: dict[str, Any]) -> dict[str, Any]:
    require_write(views, "createProjectV2")
    owner = _node(views, data["ownerId"], User, "Owner")
    if owner.type == "User" and owner is not views.token.user:
        raise _failure(
            f"{views.token.user.login} does not have permission to create projects for {owner.login}", "FORBIDDEN"
        )
    if not data["title"].strip():
        raise _failure("Title can't be blank", "UNPROCESSABLE")
    project = views.state.new_project(owner, data["title"])
    if data.get("repositoryId"):
        _link(views, project, _node(views, data["repositoryId"], Repo, "Repository"))
    return {"projectV2": views.project(project), "clientMutationId": data.get("clientMutationId")}


def _link(views: Views, project: Project, repo: Repo) -> None:
    if repo.owner is not project.owner:
        raise _failure("The project and the repository must have the same owner", "UNPROCESSABLE")
    if repo not in project.linked_repos:
        project.linked_repos.append(repo)


def link_repository(views: Views, data: dict[str, Any]) -> dict[str, Any]:
    require_write(views, "linkProjectV2ToRepository")
    project = _node(views, data["projectId"], Project, "ProjectV2")
    repo = _node(views, data["repositoryId"], Repo, "Repository")
    _link(views, project, repo)  # linking a linked repository again changes nothing
    return {"repository": views.repository(repo), "clientMutationId": data.get("clientMutationId")}


def create_field(views: Views, data: dict[str, Any]) -> dict[str, Any]:
    require_write(views, "createProjectV2Field")
    project = _node(views, data["projectId"], Project, "ProjectV2")
    name = data["name"].strip()
    if not name:
        raise _failure("Name can't be blank", "UNPROCESSABLE")
    if name.lower() in RESERVED_FIELD_NAMES or any(f.name.lower() == name.lower() for f in project.fields):
        raise _failure("Name has already been taken", "UNPROCESSABLE")
    data_type = data["dataType"]
    options = _options(data)
    if data_type == "SINGLE_SELECT" and not options:
        raise _failure("Single select fields must have at least one option", "UNPROCESSABLE")
    if data_type == "ITERATION":
        raise _failure("Iteration fields are not supported by this emulator", "UNPROCESSABLE")
    with views.state.lock:
        project_field = views.state._field(name, data_type)
        if data_type == "SINGLE_SELECT":
            views.state.set_options(project_field, options)
        project.fields.append(project_field)
    return {"projectV2Field": views.field(project_field), "clientMutationId": data.get("clientMutationId")}


def update_field(views: Views, data: dict[str, Any]) -> dict[str, Any]:
    require_write(views, "updateProjectV2Field")
    project_field = _node(views, data["fieldId"], ProjectField, "ProjectV2Field")
    options = _options(data)
    if options and project_field.data_type != "SINGLE_SELECT":
        raise _failure("Only single select fields have options", "UNPROCESSABLE")
    if data.get("name") is not None:
        if not data["name"].strip():
            raise _failure("Name can't be blank", "UNPROCESSABLE")
        project_field.name = data["name"].strip()
    if options:  # "If empty, no changes will be made to the options"
        views.state.set_options(project_field, options)
    return {"projectV2Field": views.field(project_field), "clientMutationId": data.get("clientMutationId")}


# ---- reads ---------------------------------------------------------------------------------------------
def project_extras(views: Views, project: Project) -> dict[str, Any]:
    """What a board shows beyond its items: linked repositories, and whether the viewer may change it."""
    return {
        "repositories": lambda info, **args: views.connection(
            "repositories", list(project.linked_repos), views.repository, args
        ),
        "viewerCanUpdate": views.token.can_write_projects(),
        "public": False,
        "shortDescription": None,
    }


def repository_projects(views: Views, repo: Repo) -> Any:
    """`Repository.projectsV2`: the boards linked to it, newest first, optionally filtered by `query`."""

    def resolve(info: Any, query: str | None = None, **args: Any) -> dict[str, Any]:
        boards = [p for p in views.state.projects.values() if repo in p.linked_repos and not p.closed]
        if not views.token.can_use_projects():
            boards = []
        if query:
            boards = [p for p in boards if query.lower() in p.title.lower()]
        boards.sort(key=lambda p: p.number, reverse=True)
        return views.connection("projectsV2", boards, views.project, args)

    return resolve
