"""The emulator answers as GitHub does: conformant objects and payloads, real schema, real paging."""

from __future__ import annotations

import pytest
import requests
from github import Auth, Github

from tests.emulator import GitHubEmulator, objects, webhooks
from tests.helpers import ACTIONS_TOKEN, BOT_TOKEN, assert_valid, webhook_validator


def gh_client(github: GitHubEmulator, token: str = BOT_TOKEN) -> Github:
    return Github(auth=Auth.Token(token), base_url=github.api_url, retry=None)


def graphql(
    github: GitHubEmulator, query: str, variables: dict | None = None, token: str = BOT_TOKEN
) -> requests.Response:
    return requests.post(
        github.graphql_url,
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"bearer {token}"},
        timeout=10,
    )


# ---- REST objects against GitHub's published schemas ---------------------------------------------------
def test_rest_objects_validate_against_common_schemas(github):
    state = github.state
    repo = state.repo("acme/churn")
    issue = state.issue(repo, "Try gradient boosting", body="### Hypothesis\nIf we ...", labels=("ml-experiment",))
    pull = state.pull_request(repo, "Promote churn v3", files=("registry/churn/3.yml",))
    client = gh_client(github)
    gh_repo = client.get_repo("acme/churn")
    comment = gh_repo.get_issue(issue.number).create_comment("hello")
    cases = {
        "common/issue.schema.json": gh_repo.get_issue(issue.number).raw_data,
        "common/label.schema.json": gh_repo.get_label("ml-experiment").raw_data,
        "common/user.schema.json": client.get_user("mlops-bot").raw_data,
        "common/issue-comment.schema.json": comment.raw_data,
        "common/repository.schema.json": gh_repo.raw_data,
        "common/pull-request.schema.json": gh_repo.get_pull(pull.issue.number).raw_data,
    }
    milestone = gh_repo.create_milestone("Q3 model refresh")
    cases["common/milestone.schema.json"] = milestone.raw_data
    for schema, instance in cases.items():
        assert_valid(webhook_validator(schema), instance)


# ---- webhook payloads ------------------------------------------------------------------------------------
def test_every_webhook_payload_validates(github):
    state, urls = github.state, github.urls
    repo = state.repo("acme/churn")
    other = state.repo("acme/recsys")
    sender = state.user("jo")
    label = state.label(repo, "ml-data")
    issue = state.issue(repo, "Validate new click data", labels=("ml-data",))
    moved = state.issue(other, "Validate new click data")
    client = gh_client(github)
    gh_issue = client.get_repo("acme/churn").get_issue(issue.number)
    gh_issue.add_to_labels("ml-experiment")
    gh_issue.remove_from_labels("ml-data")
    gh_issue.edit(title="Validate click data v2", state="closed")
    gh_issue.edit(state="open")
    gh_issue.create_comment("/outcome promote")
    client.get_repo("acme/churn").create_issue("Deploy churn v3", labels=["ml-deployment"])
    produced = {f"{e.name}/{e.action}" for e in github.events}
    assert {
        "issues/labeled",
        "issues/unlabeled",
        "issues/edited",
        "issues/closed",
        "issues/reopened",
        "issue_comment/created",
        "issues/opened",
    } <= produced
    for event in github.events:
        assert_valid(webhook_validator(f"{event.name}/{event.action}.schema.json"), event.payload)

    pull = state.pull_request(repo, "Promote churn v3", files=("registry/churn/3.yml",))
    built = [
        ("issues/labeled", webhooks.issues_event("labeled", issue, sender, urls, label=label)),
        ("issues/transferred", webhooks.transferred_event(issue, moved, sender, urls)),
    ] + [
        (f"pull_request/{action}", webhooks.pull_request_event(action, pull, sender, urls))
        for action in ("opened", "edited", "synchronize")
    ]
    for schema, payload in built:
        assert_valid(webhook_validator(f"{schema}.schema.json"), payload)


# ---- GraphQL --------------------------------------------------------------------------------------------
def test_invalid_graphql_document_is_rejected_like_github(github):
    response = graphql(github, 'query Broken { repository(owner: "acme", name: "x") { notAField } }')
    assert response.status_code == 200
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["message"] == "Cannot query field 'notAField' on type 'Repository'."
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 55}]


def test_graphql_refuses_pages_over_100_and_unbounded_connections(github):
    github.state.repo("acme/churn")
    too_many = graphql(
        github, 'query { repository(owner: "acme", name: "churn") { issues(first: 101) { totalCount } } }'
    )
    assert too_many.json()["errors"][0]["message"] == (
        "Requesting 101 records on the `issues` connection exceeds the `first` limit of 100 records."
    )
    unbounded = graphql(github, 'query { repository(owner: "acme", name: "churn") { issues { totalCount } } }')
    assert "You must provide a `first` or `last` value" in unbounded.json()["errors"][0]["message"]


def test_projects_items_paging_and_idempotent_add(github):
    state = github.state
    repo = state.repo("acme/churn")
    project = state.project("acme", 3, status_options=("Backlog", "Done"))
    issues = [state.issue(repo, f"task {n}") for n in range(150)]
    add = """mutation Add($p: ID!, $c: ID!) {
        addProjectV2ItemById(input: {projectId: $p, contentId: $c}) { item { id } } }"""
    first = graphql(github, add, {"p": project.id, "c": issues[0].node_id}).json()
    again = graphql(github, add, {"p": project.id, "c": issues[0].node_id}).json()
    assert first["data"]["addProjectV2ItemById"]["item"]["id"] == again["data"]["addProjectV2ItemById"]["item"]["id"]
    for issue in issues[1:]:
        state.add_item(project, issue, state.user("mlops-bot"))
    page = """query Items($after: String) { organization(login: "acme") { projectV2(number: 3) {
        items(first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor }
          nodes { id content { ... on Issue { number } } } } } } }"""
    one = graphql(github, page).json()["data"]["organization"]["projectV2"]["items"]
    two = graphql(github, page, {"after": one["pageInfo"]["endCursor"]}).json()["data"]["organization"]["projectV2"][
        "items"
    ]
    assert one["totalCount"] == 150 and one["pageInfo"]["hasNextPage"] and not two["pageInfo"]["hasNextPage"]
    numbers = [n["content"]["number"] for n in one["nodes"] + two["nodes"]]
    assert sorted(numbers) == list(range(1, 151))
    github.options.conflict_on_existing_add = True
    conflict = graphql(github, add, {"p": project.id, "c": issues[0].node_id}).json()
    assert conflict["errors"][0]["message"] == "Content already exists in this project"


def test_project_errors_name_the_problem(github):
    github.state.project("acme", 3, status_options=("Backlog",))
    query = 'query { organization(login: "acme") { projectV2(number: %d) { id } } }'
    missing = graphql(github, query % 9).json()
    assert missing["errors"][0]["type"] == "NOT_FOUND"
    assert missing["errors"][0]["message"] == "Could not resolve to a ProjectV2 with the number 9."
    forbidden = graphql(github, query % 3, token=ACTIONS_TOKEN).json()
    assert forbidden["errors"][0] == {
        "message": "Resource not accessible by integration",
        "type": "FORBIDDEN",
        "path": ["organization", "projectV2"],
        "locations": [{"line": 1, "column": 39}],
    }


# ---- PyGithub, unmodified ---------------------------------------------------------------------------------
def test_pygithub_pages_issues_labels_comments_statuses_and_pulls(github):
    state = github.state
    repo = state.repo("acme/churn")
    for n in range(260):
        state.issue(
            repo,
            f"issue {n}",
            labels=("ml-data",) if n % 2 else ("ml-experiment",),
            state="closed" if n % 5 == 0 else "open",
        )
    pull = state.pull_request(repo, "Deploy", files=tuple(f"registry/m/{n}.yml" for n in range(120)))
    client = gh_client(github)
    gh_repo = client.get_repo("acme/churn")
    everything = list(gh_repo.get_issues(state="all"))
    assert len(everything) == 261  # GitHub lists pull requests among issues
    open_data = list(gh_repo.get_issues(state="open", labels=[gh_repo.get_label("ml-data")]))
    assert len(open_data) == sum(1 for n in range(260) if n % 2 and n % 5)
    paged = github.served(method="GET", path=r"/repos/acme/churn/issues$")
    assert all(int(r.query.get("per_page", 30)) <= 100 for r in paged)
    gh_pull = gh_repo.get_pull(pull.issue.number)
    assert len(list(gh_pull.get_files())) == 120
    gh_repo.get_commit(pull.head_sha).create_status("success", description="ok", context="mlops/check")
    statuses = list(gh_repo.get_commit(pull.head_sha).get_statuses())
    assert [s.context for s in statuses] == ["mlops/check"]
    label = gh_repo.create_label("ml-retraining", "c5def5", "Model update")
    label.edit("ml-retraining", "c5def6", "Model update: decay or drift")
    assert gh_repo.get_label("ml-retraining").color == "c5def6"


def test_per_page_over_100_is_capped_like_github(github):
    repo = github.state.repo("acme/churn")
    for n in range(130):
        github.state.issue(repo, f"issue {n}")
    response = requests.get(f"{github.api_url}/repos/acme/churn/issues", params={"per_page": 500}, timeout=10)
    assert len(response.json()) == 100
    assert 'rel="next"' in response.headers["Link"]


def test_enterprise_server_paths(github):
    with GitHubEmulator(api_prefix="/api/v3") as ghes:
        ghes.state.add_token(BOT_TOKEN, "mlops-bot")
        ghes.state.repo("acme/churn")
        assert ghes.api_url.endswith("/api/v3") and ghes.graphql_url.endswith("/api/graphql")
        assert gh_client(ghes).get_repo("acme/churn").full_name == "acme/churn"
        assert graphql(ghes, "query { viewer { login } }").json() == {"data": {"viewer": {"login": "mlops-bot"}}}


def test_bad_credentials_and_not_found(github):
    response = requests.get(f"{github.api_url}/repos/acme/none", headers={"Authorization": "token nope"}, timeout=10)
    assert response.status_code == 401 and response.json()["message"] == "Bad credentials"
    assert requests.get(f"{github.api_url}/repos/acme/none", timeout=10).status_code == 404


@pytest.mark.parametrize("schema_name", ["issue", "repository"])
def test_repository_template_has_no_leftover_example_urls(github, schema_name):
    repo = github.state.repo("acme/churn")
    body = objects.repo_json(repo, github.urls)
    assert "Codertocat" not in str(body)
