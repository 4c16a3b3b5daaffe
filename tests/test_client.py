"""The one GitHub client survives GitHub's failures as promised, and counts every request."""

from __future__ import annotations

import time

import pytest
from github import GithubException

from bot.errors import GitHubError, UsageError
from bot.github.client import Clients, Endpoints, GitHubClient, GraphQLError, RetrySettings
from tests.emulator import Fault
from tests.helpers import BOT_TOKEN

FAST = RetrySettings(total=4, backoff=0.01, max_wait=3, timeout=2)
VIEWER = "query Viewer { viewer { login } }"


def client_for(github, token=BOT_TOKEN, settings=FAST, replay_posts=True) -> GitHubClient:
    return GitHubClient(
        token, Endpoints(github.api_url, github.graphql_url), settings=settings, replay_posts=replay_posts
    )


def fetch_repo(client: GitHubClient) -> dict:
    """Read the repository for real (the client is lazy: naming it sends nothing)."""
    return client.rest.get_repo("acme/churn").raw_data


@pytest.fixture
def repo(github):
    return github.state.repo("acme/churn")


def test_5xx_is_retried_with_backoff_and_counted(github, repo):
    github.inject(Fault("status", status=502, method="GET", path="/repos/acme/churn$", times=2))
    client = client_for(github)
    assert client.rest.get_repo("acme/churn").raw_data["full_name"] == "acme/churn"
    assert client.request_log.retries == 2
    assert client.request_log.total == 1  # one logical request
    assert [r.status for r in github.served(path="/repos/acme/churn$")] == [502, 502, 200]


def test_secondary_rate_limit_honours_retry_after(github, repo):
    github.inject(Fault("secondary_rate_limit", method="GET", retry_after=1))
    client = client_for(github)
    started = time.monotonic()
    fetch_repo(client)
    assert time.monotonic() - started >= 1.0
    assert client.request_log.retries == 1


def test_primary_rate_limit_waits_for_reset_within_the_cap(github, repo):
    github.inject(Fault("primary_rate_limit", method="GET", reset_in=1))
    client = client_for(github)
    fetch_repo(client)
    assert client.request_log.retries == 1
    assert [r.fault for r in github.served(path="/repos/acme/churn$")] == ["primary_rate_limit", None]


def test_primary_rate_limit_beyond_the_cap_fails_instead_of_sleeping(github, repo):
    github.inject(Fault("primary_rate_limit", method="GET", reset_in=3600))
    client = client_for(github)
    started = time.monotonic()
    with pytest.raises(GithubException):
        fetch_repo(client)
    assert time.monotonic() - started < 3


def test_graphql_rate_limited_error_waits_and_retries(github):
    github.inject(Fault("primary_rate_limit", operation="Viewer", reset_in=1))
    client = client_for(github)
    assert client.graphql(VIEWER) == {"viewer": {"login": "mlops-bot"}}
    assert client.request_log.retries == 1


def test_dropped_connection_is_retried_for_reads_and_graphql(github, repo):
    github.inject(Fault("drop", method="GET", path="/repos/acme/churn$"))
    github.inject(Fault("drop", operation="Viewer"))
    client = client_for(github)
    fetch_repo(client)
    assert client.graphql(VIEWER)["viewer"]["login"] == "mlops-bot"
    assert client.request_log.retries == 2


def test_lost_answer_to_a_rest_post_is_not_replayed(github, repo):
    issue = github.state.issue(repo, "task")
    github.inject(Fault("drop", method="POST", path="/comments$", after_processing=True))
    client = client_for(github, replay_posts=False)
    gh_issue = client.rest.get_repo("acme/churn").get_issue(issue.number)
    with pytest.raises(Exception) as caught:
        gh_issue.create_comment("hello")
    assert "Connection" in type(caught.value).__name__ or "Connection" in str(caught.value)
    assert len(issue.comments) == 1  # created once, never twice


def test_slow_answer_times_out_and_is_retried(github, repo):
    github.inject(Fault("slow", method="GET", path="/repos/acme/churn$", delay=2.5))
    client = client_for(github, settings=RetrySettings(total=3, backoff=0.01, max_wait=3, timeout=1))
    assert client.rest.get_repo("acme/churn").raw_data["name"] == "churn"
    assert client.request_log.retries == 1


def test_validation_errors_are_never_retried(github, repo):
    client = client_for(github)
    gh_repo = client.rest.get_repo("acme/churn")
    with pytest.raises(GithubException) as caught:
        gh_repo.create_label("bad", "not-a-colour")
    assert caught.value.status == 422
    assert client.request_log.retries == 0
    assert len(github.served(method="POST", path="/labels$")) == 1


def test_retries_give_up_after_the_configured_total(github, repo):
    github.inject(Fault("status", status=503, method="GET", times=100))
    client = client_for(github, settings=RetrySettings(total=2, backoff=0.01, max_wait=1, timeout=2))
    with pytest.raises(Exception):  # noqa: B017 - requests' RetryError or PyGithub's exception, by version
        fetch_repo(client)
    assert len(github.served(path="/repos/acme/churn$")) == 3


def test_graphql_errors_are_errors_never_data(github):
    client = client_for(github)
    with pytest.raises(GraphQLError) as caught:
        client.graphql('query Missing { organization(login: "nobody") { login } }')
    assert caught.value.types == {"NOT_FOUND"}
    assert isinstance(caught.value, GitHubError) and caught.value.exit_code == 3


def test_requests_are_counted_by_operation(github, repo):
    client = client_for(github)
    client.graphql(VIEWER)
    client.graphql(VIEWER)
    fetch_repo(client)
    counts = client.request_log.by_operation()
    assert counts["Viewer"] == 2 and counts["GET /repos/acme/churn"] == 1


def test_endpoints_follow_actions_variables():
    ghes = Endpoints.from_env({"GITHUB_API_URL": "https://ghe.acme.io/api/v3"})
    assert ghes.graphql_url == "https://ghe.acme.io/api/graphql"
    dotcom = Endpoints.from_env({})
    assert (dotcom.api_url, dotcom.graphql_url) == ("https://api.github.com", "https://api.github.com/graphql")
    with pytest.raises(UsageError):
        Endpoints.from_env({"GITHUB_API_URL": "https://a.example/api/v3", "GITHUB_GRAPHQL_URL": "https://b.example/g"})


def test_board_token_falls_back_to_github_token(github):
    env = github.env(BOT_TOKEN)
    clients = Clients.from_env(env)
    assert clients.board.token_name == "GITHUB_TOKEN"
    clients = Clients.from_env({**env, "MLOPS_PROJECT_TOKEN": "other"})
    assert clients.board.token_name == "MLOPS_PROJECT_TOKEN"
