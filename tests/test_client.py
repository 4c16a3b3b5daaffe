"""The one GitHub client survives GitHub's failures as promised, and counts every request."""

from __future__ import annotations

import time

import pytest
import requests
from github import GithubException

from bot.errors import GitHubError, UsageError
from bot.github.client import (
    Clients,
    Endpoints,
    GitHubClient,
    GraphQLError,
    HTTPFailure,
    RateLimitWaitTooLong,
    RetrySettings,
    replay_safe,
)
from bot.github.writes import outcome_unknown
from tests.emulator import Fault
from tests.emulator.graphql_api import github_schema
from tests.helpers import BOT_TOKEN

FAST = RetrySettings(total=4, backoff=0.01, max_wait=3, timeout=2)
VIEWER = "query Viewer { viewer { login } }"


@pytest.fixture(scope="module", autouse=True)
def github_schema_loaded():
    """The emulator parses GitHub's schema on its first GraphQL request, which can take longer than
    the short timeouts these tests use: parse it before any test starts its clock."""
    github_schema()


def client_for(github, token=BOT_TOKEN, settings=FAST) -> GitHubClient:
    return GitHubClient(token, Endpoints(github.api_url, github.graphql_url), settings=settings)


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


def test_secondary_rate_limit_waits_the_whole_retry_after_within_the_cap(github, repo):
    github.inject(Fault("secondary_rate_limit", method="GET", retry_after=2))
    client = client_for(github)  # cap: 3 s
    started = time.monotonic()
    fetch_repo(client)
    assert time.monotonic() - started >= 2.0  # never early
    assert client.request_log.retries == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_secondary_rate_limit_beyond_the_cap_stops_at_once(github, repo, method):
    issue = github.state.issue(repo, "task")
    github.inject(Fault("secondary_rate_limit", method=method, retry_after=600))
    client = client_for(github)
    started = time.monotonic()
    with pytest.raises(RateLimitWaitTooLong) as caught:
        if method == "GET":
            fetch_repo(client)
        else:
            client.rest.get_repo("acme/churn").get_issue(issue.number).create_comment("hello")
    assert time.monotonic() - started < 1.5
    assert (
        caught.value.exit_code == 3
        and "600s pause" in str(caught.value)
        and "MLOPS_RETRY_MAX_WAIT" in str(caught.value)
    )
    assert len(github.served()) == 1  # one request, refused; none sent again
    assert issue.comments == []


def test_a_secondary_rate_limit_naming_no_time_means_a_minute(github, repo):
    """GitHub: without Retry-After, wait at least a minute; a cap below that stops the run instead."""
    github.inject(Fault("secondary_rate_limit", method="GET", retry_after=None))
    started = time.monotonic()
    with pytest.raises(RateLimitWaitTooLong, match="60s pause"):
        fetch_repo(client_for(github))
    assert time.monotonic() - started < 1.5


def test_too_many_requests_naming_no_time_means_a_minute_too(github, repo):
    github.inject(Fault("status", status=429, method="GET"))
    started = time.monotonic()
    with pytest.raises(RateLimitWaitTooLong, match="60s pause"):
        fetch_repo(client_for(github))
    assert time.monotonic() - started < 1.5


def test_too_many_requests_within_the_cap_waits_the_minute(github, repo, monkeypatch):
    slept = []
    monkeypatch.setattr("urllib3.util.retry.time.sleep", slept.append)
    github.inject(Fault("status", status=429, method="GET"))
    settings = RetrySettings(total=2, backoff=0.01, max_wait=120, timeout=5)
    assert fetch_repo(client_for(github, settings=settings))["name"] == "churn"
    assert slept == [60.0]


def test_a_rate_limited_post_is_retried_because_github_did_not_do_it(github, repo):
    issue = github.state.issue(repo, "task")
    github.inject(Fault("secondary_rate_limit", method="POST", path="/comments$", retry_after=1))
    client = client_for(github)
    client.rest.get_repo("acme/churn").get_issue(issue.number).create_comment("hello")
    assert [c.body for c in issue.comments] == ["hello"]
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
    with pytest.raises(RateLimitWaitTooLong, match="longer than the cap of 3s"):
        fetch_repo(client)
    assert time.monotonic() - started < 1.5


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


@pytest.mark.parametrize(
    "fault",
    [Fault("drop", after_processing=True), Fault("status", status=502, after_processing=True)],
    ids=["dropped answer", "502 after processing"],
)
def test_a_rest_post_is_never_replayed_by_the_transport(github, repo, fault):
    issue = github.state.issue(repo, "task")
    fault.method, fault.path = "POST", "/comments$"
    github.inject(fault)
    client = client_for(github)
    gh_issue = client.rest.get_repo("acme/churn").get_issue(issue.number)
    with pytest.raises((GithubException, requests.exceptions.ConnectionError)) as caught:
        gh_issue.create_comment("hello")
    assert outcome_unknown(caught.value)  # the caller must read back before it tries again
    assert len(issue.comments) == 1  # created once, never twice
    assert len(github.served(method="POST")) == 1 and client.request_log.retries == 0


def test_a_5xx_before_processing_is_not_replayed_either(github, repo):
    """The client cannot tell a 502 before the work from one after it."""
    issue = github.state.issue(repo, "task")
    github.inject(Fault("status", status=502, method="POST", path="/comments$"))
    client = client_for(github)
    with pytest.raises(GithubException) as caught:
        client.rest.get_repo("acme/churn").get_issue(issue.number).create_comment("hello")
    assert caught.value.status == 502 and issue.comments == []


def test_writes_that_are_sets_are_replayed(github, repo):
    """PATCH (an edit), commit statuses (the newest per context wins) and GraphQL are sent again."""
    issue = github.state.issue(repo, "task", body="old")
    sha = "a" * 40
    github.inject(Fault("drop", method="PATCH", after_processing=True))
    github.inject(Fault("status", status=502, method="POST", path="/statuses/", after_processing=True))
    github.inject(Fault("status", status=502, operation="Viewer"))
    client = client_for(github)
    gh_repo = client.rest.get_repo("acme/churn")
    gh_repo.get_issue(issue.number).edit(body="new")
    gh_repo.get_commit(sha).create_status("success", context="mlops/test")
    assert client.graphql(VIEWER)["viewer"]["login"] == "mlops-bot"
    assert issue.body == "new"
    assert client.request_log.retries == 3


@pytest.mark.parametrize(
    ("method", "url", "safe"),
    [
        ("GET", "https://api.github.com/repos/a/b/issues", True),
        ("PATCH", "https://api.github.com/repos/a/b/issues/1", True),
        ("DELETE", "https://api.github.com/repos/a/b/issues/1/labels/x", True),
        ("POST", "https://api.github.com/graphql", True),
        ("POST", "https://ghe.acme.io/api/graphql", True),
        ("POST", "https://api.github.com/repos/a/b/statuses/abc", True),
        ("POST", "https://api.github.com/repos/a/b/issues/1/comments", False),
        ("POST", "https://api.github.com/repos/a/b/issues", False),
        ("POST", "https://api.github.com/repos/a/b/labels", False),
        ("POST", "https://api.github.com/repos/a/b/issues/1/labels", False),
    ],
)
def test_which_requests_may_be_replayed(method, url, safe):
    assert replay_safe(method, url) is safe


@pytest.mark.parametrize(
    ("exc", "unknown"),
    [
        (GithubException(502, {"message": "Server Error"}), True),
        (GithubException(504, None), True),
        (GithubException(422, {"message": "Validation Failed"}), False),
        (GithubException(404, {"message": "Not Found"}), False),
        (requests.exceptions.ConnectionError("Connection aborted."), True),
        (requests.exceptions.ReadTimeout("read timed out"), True),
        (RateLimitWaitTooLong("wait"), False),
    ],
)
def test_which_failures_leave_a_write_unknown(exc, unknown):
    assert outcome_unknown(exc) is unknown


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


# ---- GraphQL's own transport (no PyGithub) -------------------------------------------------------------
def test_graphql_waits_out_a_secondary_rate_limit_within_the_cap(github):
    github.inject(Fault("secondary_rate_limit", operation="Viewer", retry_after=1))
    client = client_for(github)
    started = time.monotonic()
    assert client.graphql(VIEWER)["viewer"]["login"] == "mlops-bot"
    assert time.monotonic() - started >= 1.0 and client.request_log.retries == 1


def test_graphql_stops_at_once_when_the_wait_is_beyond_the_cap(github):
    github.inject(Fault("secondary_rate_limit", operation="Viewer", retry_after=600))
    client = client_for(github)
    with pytest.raises(RateLimitWaitTooLong, match="600s pause"):
        client.graphql(VIEWER)
    assert len(github.served()) == 1


def test_graphql_gives_up_after_the_configured_total_with_one_line(github):
    github.inject(Fault("status", status=503, operation="Viewer", times=100))
    client = client_for(github, settings=RetrySettings(total=2, backoff=0.01, max_wait=1, timeout=2))
    with pytest.raises(HTTPFailure, match="GitHub answered 503") as caught:
        client.graphql(VIEWER)
    assert caught.value.exit_code == 3 and len(github.served()) == 3


def test_graphql_refusals_are_not_retried(github):
    client = client_for(github, token="not-a-token")
    with pytest.raises(HTTPFailure) as caught:
        client.graphql(VIEWER)
    assert caught.value.status == 401 and len(github.served()) == 1 and client.request_log.retries == 0


def test_graphql_reports_the_scopes_of_a_classic_token(github):
    client = client_for(github)
    client.graphql(VIEWER)
    assert client.oauth_scopes is not None and "project" in client.oauth_scopes
