"""The emulator's board set-up mutations and repository-settings routes answer as GitHub does."""

from __future__ import annotations

import pytest
import requests

from tests.emulator import GitHubEmulator
from tests.helpers import ACTIONS_TOKEN, BOT_TOKEN

READ_ONLY_TOKEN = "ghp_read_project_only"
HUMAN_TOKEN = "ghp_jo_no_admin"

FIELD = """
  ... on ProjectV2SingleSelectField { id name options { id name color description } }
  ... on ProjectV2Field { id name dataType }
"""


def graphql(github: GitHubEmulator, query: str, variables: dict | None = None, token: str = BOT_TOKEN) -> dict:
    answer = requests.post(
        github.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"bearer {token}"},
        timeout=10,
    )
    assert answer.status_code == 200
    return answer.json()


def rest(github: GitHubEmulator, path: str, token: str | None = BOT_TOKEN) -> requests.Response:
    headers = {"Authorization": f"token {token}"} if token else {}
    return requests.get(github.api_url + path, headers=headers, timeout=10)


@pytest.fixture
def acme(github):
    github.state.add_token(READ_ONLY_TOKEN, "mlops-bot", scopes=("repo", "read:project"))
    github.state.add_token(HUMAN_TOKEN, "jo")
    repo = github.state.repo("acme/churn")
    return repo


CREATE = f"""
mutation Create($owner: ID!, $repo: ID, $title: String!) {{
  createProjectV2(input: {{ownerId: $owner, repositoryId: $repo, title: $title}}) {{
    projectV2 {{
      id number title viewerCanUpdate
      repositories(first: 10) {{ nodes {{ nameWithOwner }} }}
      fields(first: 20) {{ nodes {{ {FIELD} }} }}
    }}
  }}
}}
"""


def test_a_new_board_has_githubs_default_fields_and_a_number_after_the_last(github, acme):
    github.state.project("acme", 3)
    answer = graphql(github, CREATE, {"owner": acme.owner.node_id, "repo": acme.node_id, "title": "ML team board"})
    board = answer["data"]["createProjectV2"]["projectV2"]
    assert board["number"] == 4 and board["title"] == "ML team board" and board["viewerCanUpdate"]
    assert board["repositories"]["nodes"] == [{"nameWithOwner": "acme/churn"}]
    status = next(f for f in board["fields"]["nodes"] if f["name"] == "Status")
    assert [(o["name"], o["color"]) for o in status["options"]] == [
        ("Todo", "GREEN"),
        ("In Progress", "YELLOW"),
        ("Done", "PURPLE"),
    ]
    assert {"Title", "Assignees", "Labels", "Milestone", "Repository"} <= {f["name"] for f in board["fields"]["nodes"]}


@pytest.mark.parametrize(
    ("token", "error_type"), [(READ_ONLY_TOKEN, "INSUFFICIENT_SCOPES"), (ACTIONS_TOKEN, "FORBIDDEN")]
)
def test_creating_a_board_takes_the_project_scope(github, acme, token, error_type):
    answer = graphql(github, CREATE, {"owner": acme.owner.node_id, "title": "B"}, token=token)
    assert answer["data"]["createProjectV2"] is None
    assert answer["errors"][0]["type"] == error_type
    assert github.state.projects == {}


def test_read_project_reads_but_never_writes(github, acme):
    project = github.state.project("acme", 3, status_options=("Backlog",))
    read = graphql(
        github, 'query { organization(login: "acme") { projectV2(number: 3) { title } } }', token=READ_ONLY_TOKEN
    )
    assert read["data"]["organization"]["projectV2"]["title"] == "Board"
    link = graphql(
        github,
        "mutation L($p: ID!, $r: ID!) { linkProjectV2ToRepository(input: {projectId: $p, repositoryId: $r}) "
        "{ repository { nameWithOwner } } }",
        {"p": project.id, "r": acme.node_id},
        token=READ_ONLY_TOKEN,
    )
    assert "['project']" in link["errors"][0]["message"] and project.linked_repos == []


def test_linking_twice_links_once_and_the_repository_lists_its_boards(github, acme):
    project = github.state.project("acme", 3)
    link = (
        "mutation L($p: ID!, $r: ID!) { linkProjectV2ToRepository(input: {projectId: $p, repositoryId: $r}) "
        "{ repository { nameWithOwner } } }"
    )
    for _ in range(2):
        answer = graphql(github, link, {"p": project.id, "r": acme.node_id})
        assert answer["data"]["linkProjectV2ToRepository"]["repository"]["nameWithOwner"] == "acme/churn"
    assert project.linked_repos == [acme]
    listed = graphql(
        github,
        'query { repository(owner: "acme", name: "churn") { projectsV2(first: 5, query: "boa") '
        "{ nodes { number } } } }",
    )
    assert listed["data"]["repository"]["projectsV2"]["nodes"] == [{"number": 3}]
    other = github.state.repo("jo/models", owner_type="User")
    refused = graphql(github, link, {"p": project.id, "r": other.node_id})
    assert refused["errors"][0]["type"] == "UNPROCESSABLE"


CREATE_FIELD = f"""
mutation F($p: ID!, $name: String!, $options: [ProjectV2SingleSelectFieldOptionInput!]) {{
  createProjectV2Field(input: {{projectId: $p, dataType: SINGLE_SELECT, name: $name, singleSelectOptions: $options}}) {{
    projectV2Field {{ {FIELD} }}
  }}
}}
"""
UPDATE_FIELD = f"""
mutation U($f: ID!, $options: [ProjectV2SingleSelectFieldOptionInput!]) {{
  updateProjectV2Field(input: {{fieldId: $f, singleSelectOptions: $options}}) {{ projectV2Field {{ {FIELD} }} }}
}}
"""


def option(name: str, color: str = "GRAY", description: str = "") -> dict:
    return {"name": name, "color": color, "description": description}


def test_creating_a_single_select_field(github, acme):
    project = github.state.project("acme", 3, status_options=("Done",))
    made = graphql(github, CREATE_FIELD, {"p": project.id, "name": "Stage", "options": [option("Ideation", "BLUE")]})
    field = made["data"]["createProjectV2Field"]["projectV2Field"]
    assert field["name"] == "Stage" and [(o["name"], o["color"]) for o in field["options"]] == [("Ideation", "BLUE")]
    for name, options in (("stage", [option("x")]), ("Labels", [option("x")]), ("Empty", [])):
        refused = graphql(github, CREATE_FIELD, {"p": project.id, "name": name, "options": options})
        assert refused["errors"][0]["type"] == "UNPROCESSABLE", name
    duplicate = graphql(github, CREATE_FIELD, {"p": project.id, "name": "Two", "options": [option("a"), option("A")]})
    assert duplicate["errors"][0]["message"] == "Options must have unique names"


def test_replacing_options_gives_every_option_a_new_id_and_clears_item_values(github, acme):
    """GitHub's documented and observed behaviour: the list overwrites the options; nothing keeps its id."""
    project = github.state.project("acme", 3, status_options=("Backlog", "Done"))
    status = project.field_named("Status")
    issue = github.state.issue(acme, "Try boosting")
    item = github.state.add_item(project, issue, github.state.user("mlops-bot"))
    item.values[status.id] = status.options[1].id
    old_ids = {o.id for o in status.options}
    answer = graphql(
        github, UPDATE_FIELD, {"f": status.id, "options": [option("Backlog"), option("Done", "GREEN"), option("New")]}
    )
    options = answer["data"]["updateProjectV2Field"]["projectV2Field"]["options"]
    assert [o["name"] for o in options] == ["Backlog", "Done", "New"]
    assert not old_ids & {o["id"] for o in options}
    assert status.id not in item.values
    unchanged = graphql(github, UPDATE_FIELD, {"f": status.id, "options": []})  # "if empty, no changes"
    assert unchanged["data"]["updateProjectV2Field"]["projectV2Field"]["options"] == options


# ---- repository settings -----------------------------------------------------------------------------
def test_rules_for_a_branch_list_only_active_rulesets_that_target_it(github, acme):
    github.state.add_ruleset(acme, "main", contexts=("mlops/deployment-checklist",))
    github.state.add_ruleset(acme, "trial", contexts=("other",), enforcement="evaluate")
    github.state.add_ruleset(acme, "releases", contexts=("release",), include=("refs/heads/release/*",))
    rules = rest(github, "/repos/acme/churn/rules/branches/main", token=ACTIONS_TOKEN).json()
    checks = [r for r in rules if r["type"] == "required_status_checks"]
    assert len(checks) == 1 and checks[0]["ruleset_source"] == "acme/churn"
    assert checks[0]["parameters"]["required_status_checks"] == [
        {"context": "mlops/deployment-checklist", "integration_id": 15368}
    ]
    release = rest(github, "/repos/acme/churn/rules/branches/release/2.0").json()
    assert [r["parameters"]["required_status_checks"][0]["context"] for r in release if "parameters" in r] == [
        "release"
    ]
    assert rest(github, "/repos/acme/churn/rules/branches/ma*").status_code == 422


def test_branch_protection_is_for_admins(github, acme):
    path = "/repos/acme/churn/branches/main/protection/required_status_checks"
    acme.collaborators["mlops-bot"] = "admin"
    assert rest(github, path).json()["message"] == "Branch not protected"
    github.state.protect_branch(acme, "main", contexts=None)
    assert rest(github, path).json()["message"] == "Required status checks not enabled"
    github.state.protect_branch(acme, "main", contexts=("mlops/deployment-checklist",), app_id=15368)
    answer = rest(github, path).json()
    assert answer["contexts"] == ["mlops/deployment-checklist"]
    assert answer["checks"] == [{"context": "mlops/deployment-checklist", "app_id": 15368}]
    assert rest(github, path, token=ACTIONS_TOKEN).status_code == 403
    assert rest(github, path, token=HUMAN_TOKEN).status_code == 404


def test_pages_and_secrets(github, acme):
    assert rest(github, "/repos/acme/churn/pages").status_code == 404
    acme.settings.pages_build_type = "workflow"
    assert rest(github, "/repos/acme/churn/pages").json()["build_type"] == "workflow"
    acme.collaborators["mlops-bot"] = "admin"
    assert rest(github, "/repos/acme/churn/actions/secrets/MLOPS_PROJECT_TOKEN").status_code == 404
    acme.settings.secrets.add("MLOPS_PROJECT_TOKEN")
    assert rest(github, "/repos/acme/churn/actions/secrets/mlops_project_token").json()["name"] == (
        "MLOPS_PROJECT_TOKEN"
    )
    assert rest(github, "/repos/acme/churn/actions/secrets/MLOPS_PROJECT_TOKEN", ACTIONS_TOKEN).status_code == 403
    acme.settings.organization_secrets.add("shared_token")
    listed = rest(github, "/repos/acme/churn/actions/organization-secrets").json()
    assert listed["total_count"] == 1 and listed["secrets"][0]["name"] == "SHARED_TOKEN"


def test_classic_tokens_hear_their_scopes(github, acme):
    assert rest(github, "/repos/acme/churn", token=READ_ONLY_TOKEN).headers["X-OAuth-Scopes"] == "read:project, repo"
    assert "X-OAuth-Scopes" not in rest(github, "/repos/acme/churn", token=ACTIONS_TOKEN).headers
