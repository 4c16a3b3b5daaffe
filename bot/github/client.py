"""The one GitHub client: GraphQL over our own small transport, REST through PyGithub (loaded on demand).

Both share one retry policy (exponential backoff with jitter on 5xx and network errors, GitHub's primary
and secondary rate limits waited out in full up to a cap, never a retry on a 4xx validation error, never
a blind replay of a REST POST: `bot.github.transport`) and one request log that counts every request, so
features can prove their request budgets.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import urllib3

from bot.errors import GitHubError, UsageError
from bot.github.queries import load, operation_name
from bot.github.transport import (
    SECONDARY_RATE_WAIT,
    Endpoints,
    GraphQLError,
    GraphQLTransport,
    HTTPFailure,
    RateLimitWaitTooLong,
    RequestLog,
    RequestRecord,
    RetrySettings,
    replay_safe,
    too_long,
)

if TYPE_CHECKING:
    from github import Github

__all__ = [
    "Clients",
    "Endpoints",
    "GitHubClient",
    "GraphQLError",
    "HTTPFailure",
    "RateLimitWaitTooLong",
    "RequestLog",
    "RequestRecord",
    "RetrySettings",
    "describe_failure",
    "replay_safe",
    "transport_failures",
]


class GitHubClient:
    """GraphQL and REST (PyGithub) against one GitHub or GitHub Enterprise Server, with one token."""

    def __init__(
        self,
        token: str | None,
        endpoints: Endpoints,
        *,
        request_log: RequestLog | None = None,
        settings: RetrySettings | None = None,
        token_name: str = "GITHUB_TOKEN",
    ) -> None:
        self.endpoints = endpoints
        self.request_log = request_log if request_log is not None else RequestLog()
        self.settings = settings or RetrySettings()
        self.token_name = token_name
        self._token = token
        self._viewer: str | None = None
        self._graphql = GraphQLTransport(endpoints.graphql_url, token, self.settings, self.request_log)

    @cached_property
    def rest(self) -> Github:
        """PyGithub, for REST: imported and built the first time a feature asks for it."""
        from bot.github.rest import rest_client

        return rest_client(self._token, self.endpoints, self.settings, self.request_log)

    @property
    def oauth_scopes(self) -> list[str] | None:
        """The scopes GitHub reported for a classic token on the latest answer (None: not reported)."""
        header = self._graphql.last_headers.get("x-oauth-scopes")
        if header is None and "rest" in self.__dict__:
            return self.rest.oauth_scopes
        return None if header is None else [scope.strip() for scope in header.split(",") if scope.strip()]

    def without_replay(self) -> GitHubClient:
        """The same token and log, but nothing is sent twice by the transport: for the one GraphQL
        mutation that is a creation (a board), whose caller reads back before it sends again."""
        return GitHubClient(
            self._token,
            self.endpoints,
            request_log=self.request_log,
            settings=replace(self.settings, total=0),
            token_name=self.token_name,
        )

    def viewer_login(self) -> str:
        """Who this token acts as (GraphQL's viewer: unlike REST's GET /user it works for installation
        tokens too). Asked once per client."""
        if self._viewer is None:
            self._viewer = self.graphql(load("Viewer"))["viewer"]["login"]
        return self._viewer

    def graphql(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run one GraphQL document; return its `data`, or raise `GraphQLError` if it has `errors`."""
        data, errors = self.graphql_with_errors(document, variables)
        if errors:
            raise GraphQLError(errors, operation_name(document))
        return data

    def graphql_with_errors(
        self, document: str, variables: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Run one document and return (data, errors): for batches whose parts fail on their own.

        GraphQL reports an exhausted primary rate limit as an error of type RATE_LIMITED (HTTP 200),
        which the transport cannot see: that case waits for the reset, within the cap, and retries.
        """
        operation = operation_name(document)
        for attempt in range(self.settings.total + 1):
            headers, body = self._graphql.post(document, variables)
            body = body if isinstance(body, dict) else {}
            errors = body.get("errors") or []
            data = body.get("data")
            if any(error.get("type") == "RATE_LIMITED" for error in errors) and attempt < self.settings.total:
                wait = _seconds_until_reset(headers)
                if wait > self.settings.max_wait:
                    raise RateLimitWaitTooLong(
                        too_long("GraphQL", operation or "request", wait, self.settings.max_wait)
                    )
                self.request_log.add_retry(f"GraphQL {operation}: rate limited, waiting {wait:.1f}s")
                time.sleep(wait)
                continue
            if not isinstance(data, dict):
                if errors:
                    raise GraphQLError(errors, operation)
                raise GitHubError(f"GraphQL {operation}: the answer has no data")
            return data, errors
        raise AssertionError("unreachable")


def _seconds_until_reset(headers: dict[str, Any]) -> float:
    lowered = {k.lower(): v for k, v in headers.items()}
    if lowered.get("retry-after", "").isdigit():
        return float(lowered["retry-after"])
    reset = lowered.get("x-ratelimit-reset", "")
    return max(0.0, float(reset) - time.time() + 1) if reset.isdigit() else SECONDARY_RATE_WAIT


@dataclass
class Clients:
    """The REST client (GITHUB_TOKEN) and the board client (MLOPS_PROJECT_TOKEN, else GITHUB_TOKEN)."""

    rest: GitHubClient
    board: GitHubClient
    request_log: RequestLog

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str] | None = None) -> Clients:
        """The clients for this environment; without GITHUB_TOKEN, a one-line error before any request."""
        environ = os.environ if environ is None else environ
        if not environ.get("GITHUB_TOKEN"):
            raise UsageError(
                "GITHUB_TOKEN is not set: export a token that can read the repository (e.g. "
                "GITHUB_TOKEN=$(gh auth token)); in GitHub Actions the mlops-bot action passes the job's token"
            )
        endpoints = Endpoints.from_env(environ)
        settings = RetrySettings.from_env(environ)
        request_log = RequestLog()
        token = environ.get("GITHUB_TOKEN") or None
        board_token_name = "MLOPS_PROJECT_TOKEN" if environ.get("MLOPS_PROJECT_TOKEN") else "GITHUB_TOKEN"
        board_token = environ.get("MLOPS_PROJECT_TOKEN") or token
        rest = GitHubClient(token, endpoints, request_log=request_log, settings=settings)
        board = GitHubClient(
            board_token,
            endpoints,
            request_log=request_log,
            settings=settings,
            token_name=board_token_name,
        )
        return cls(rest, board, request_log)


def require_repository(
    given: str | None, environ: dict[str, str] | os._Environ[str] | None = None, *, otherwise: str = ""
) -> str:
    """`--repo`, else GITHUB_REPOSITORY; a one-line error naming both (and `otherwise`) when neither is set."""
    environ = os.environ if environ is None else environ
    repository = given or environ.get("GITHUB_REPOSITORY")
    if not repository:
        raise UsageError(f"no repository: pass --repo OWNER/NAME or set GITHUB_REPOSITORY{otherwise}")
    if repository.count("/") != 1 or not all(repository.split("/")):
        raise UsageError(f"{repository!r} is not a repository: write it as OWNER/NAME")
    return repository


def transport_failures() -> tuple[type[BaseException], ...]:
    """The exceptions that mean GitHub could not be reached or refused: urllib3's (GraphQL), and
    PyGithub's and requests' once REST has been used."""
    rest = sys.modules.get("bot.github.rest")
    return rest.REST_FAILURES if rest is not None else (urllib3.exceptions.HTTPError,)


def describe_failure(exc: BaseException) -> str:
    """One line for a GitHub or network failure, for the CLI."""
    github = sys.modules.get("github")
    if github is not None and isinstance(exc, github.GithubException):
        data = exc.data if isinstance(exc.data, dict) else {}
        message = data.get("message") or exc.message or str(exc.data)
        return f"GitHub answered {exc.status}: {message}"
    return f"could not reach GitHub: {type(exc).__name__}: {exc}"
