"""The one GitHub client: PyGithub for REST, GraphQL through PyGithub's requester.

Both share a retry policy (exponential backoff with jitter on 5xx and network errors, GitHub's
primary and secondary rate limits waited out in full up to a cap, never a retry on a 4xx validation
error, never a blind replay of a REST POST) and a request log that counts every request, so
features can prove their request budgets.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

import requests
import urllib3
from github import Auth, Github, GithubException
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.GithubRetry import GithubRetry
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass, Requester
from urllib3.exceptions import MaxRetryError, ResponseError

from bot.errors import GitHubError, UsageError
from bot.github.queries import is_mutation, load, operation_name

log = logging.getLogger("mlops_bot.github")

DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    operation: str | None  # the GraphQL operation name, for POSTs to the GraphQL endpoint
    mutation: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}" + (f" ({self.operation})" if self.operation else "")


@dataclass
class RequestLog:
    """Every request a client sent (first attempts) and how many retries it took."""

    records: list[RequestRecord] = field(default_factory=list)
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self.records.append(record)
        log.debug("request %s", record)

    def add_retry(self, reason: str) -> None:
        with self._lock:
            self.retries += 1
        log.info("retrying: %s", reason)

    @property
    def total(self) -> int:
        return len(self.records)

    @property
    def mutations(self) -> int:
        return sum(1 for r in self.records if r.mutation)

    def by_operation(self) -> Counter[str]:
        return Counter(r.operation or f"{r.method} {r.path}" for r in self.records)


@dataclass(frozen=True)
class RetrySettings:
    total: int = 5
    backoff: float = 1.0  # seconds; doubles on each consecutive failure, plus jitter
    max_wait: float = 60.0  # cap on one wait, rate limits included
    timeout: float = 30.0  # seconds per request

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str]) -> RetrySettings:
        def number(name: str, default: float) -> float:
            raw = environ.get(name)
            try:
                return float(raw) if raw else default
            except ValueError:
                raise UsageError(f"{name}={raw!r} is not a number") from None

        return cls(
            total=int(number("MLOPS_RETRY_TOTAL", cls.total)),
            backoff=number("MLOPS_RETRY_BACKOFF", cls.backoff),
            max_wait=number("MLOPS_RETRY_MAX_WAIT", cls.max_wait),
            timeout=number("MLOPS_HTTP_TIMEOUT", cls.timeout),
        )


# GitHub: after a secondary rate limit that names no time, wait at least a minute.
SECONDARY_RATE_WAIT = 60.0


class RateLimitWaitTooLong(GitHubError):
    """GitHub asked for a pause longer than the cap: the run stops now instead of retrying early."""


def replay_safe(method: str, url: str) -> bool:
    """May a request whose outcome is unknown (a 5xx, a lost answer) be sent again as it is?

    A REST POST creates something (a comment, an issue, a label): GitHub may have done it, so the
    transport never sends it twice; its caller reads back and creates again only if it is absent
    (`bot.github.writes`). Two POSTs are sets, not creations, and are replayed: commit statuses
    (the newest per context wins) and GraphQL (queries, and the board's mutations, which add an
    item only once and set field values).
    """
    if method.upper() != "POST":
        return True
    path = urllib.parse.urlsplit(url).path
    return path.endswith("/graphql") or "/statuses/" in path


class RetryPolicy(GithubRetry):
    """PyGithub's rate-limit-aware retry, with a cap, jitter, counting and a replay rule.

    - 5xx and lost answers: retried with backoff, except for requests `replay_safe` refuses.
    - Rate limits: the whole wait GitHub asks for (`Retry-After`, the primary limit's reset, or a
      minute for a secondary limit that names no time) when it is within `cap` seconds; beyond the
      cap, `RateLimitWaitTooLong` at once. Never a retry before the time GitHub asked for.
    """

    def __init__(self, *, request_log: RequestLog | None = None, cap: float = 60.0, **kwargs: Any) -> None:
        self.request_log = request_log
        self.cap = cap
        kwargs.setdefault("status_forcelist", [*range(500, 600), 429])
        kwargs.setdefault("allowed_methods", None)  # every method; `replay_safe` decides below
        kwargs.setdefault("raise_on_status", False)  # out of retries: PyGithub raises for the last answer
        kwargs.setdefault("retry_after_max", cap)
        kwargs.setdefault("max_rate_limit_wait", cap)
        kwargs.setdefault("secondary_rate_wait", SECONDARY_RATE_WAIT)
        super().__init__(**kwargs)

    def new(self, **kw: Any) -> RetryPolicy:
        kw.setdefault("request_log", self.request_log)
        kw.setdefault("cap", self.cap)
        return super().new(**kw)  # type: ignore[return-value]

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # type: ignore[override]
        method, where = (method or "").upper(), urllib.parse.urlsplit(url or "").path
        wait = None  # seconds GitHub asked for, when it asked
        if response is not None:
            if response.status >= 500 and not replay_safe(method, url or ""):
                # Hand the answer back as it is: the caller reads back before it writes again.
                raise MaxRetryError(_pool, url, ResponseError(f"{response.status} on {method}, not replayed"))
            wait = _retry_after(response)
            if wait is None and response.status == 429:  # too many requests, naming no time: a minute
                wait = SECONDARY_RATE_WAIT
            if wait is not None and wait > self.cap:
                raise RateLimitWaitTooLong(_too_long(method, where, wait, self.cap))
        elif error is not None and self._is_read_error(error) and not replay_safe(method, url or ""):
            raise error.with_traceback(_stacktrace)
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except RateLimitExceededExceedsMaxWait as exc:
            raise RateLimitWaitTooLong(_too_long(method, where, exc.wait or 0.0, self.cap)) from None
        if wait is not None and response is not None and response.status == 429 and not _retry_after(response):
            retry.get_backoff_time = lambda: wait  # type: ignore[method-assign]  # as GithubRetry does for 403s
        if self.request_log is not None:
            reason = f"{response.status}" if response is not None else type(error).__name__
            self.request_log.add_retry(f"{method} {where}: {reason}")
        return retry


def _retry_after(response: Any) -> float | None:
    raw = (response.headers or {}).get("Retry-After")
    return float(raw) if raw and raw.strip().isdigit() else None


def _too_long(method: str, path: str, wait: float, cap: float) -> str:
    return (
        f"{method} {path}: GitHub asks for a {wait:.0f}s pause before the next request, longer than the "
        f"cap of {cap:.0f}s (MLOPS_RETRY_MAX_WAIT): stopping now rather than retrying early; run again later"
    )


class _RetryChatter(logging.Filter):
    """urllib3 warns on every retry of a broken connection; the request log already logs each retry
    (INFO), so urllib3's line is kept for --verbose runs only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return log.isEnabledFor(logging.INFO) or not str(record.msg).startswith("Retrying")


logging.getLogger("urllib3.connectionpool").addFilter(_RetryChatter())


def _counting(base: type) -> type:
    class Counting(base):  # type: ignore[misc, valid-type]
        def request(self, verb: str, url: str, input: Any, headers: dict[str, str], stream: bool = False) -> None:
            request_log = getattr(self.retry, "request_log", None)
            if request_log is not None:
                path = urllib.parse.urlsplit(url).path
                document = _graphql_document(input) if verb == "POST" and path.endswith("graphql") else ""
                request_log.add(
                    RequestRecord(verb, path, operation_name(document) if document else None, is_mutation(document))
                )
            return super().request(verb, url, input, headers, stream)

    Counting.__name__ = f"Counting{base.__name__}"
    return Counting


def _graphql_document(body: Any) -> str:
    try:
        return str(json.loads(body)["query"])
    except (TypeError, ValueError, KeyError):
        return ""


# PyGithub offers no per-client request hook; its public seam for swapping the connection classes is
# process-wide, so ours look up the log on the retry policy each client hands its connection.
Requester.injectConnectionClasses(_counting(HTTPRequestsConnectionClass), _counting(HTTPSRequestsConnectionClass))


@dataclass(frozen=True)
class Endpoints:
    api_url: str
    graphql_url: str

    @classmethod
    def from_env(cls, environ: dict[str, str] | os._Environ[str]) -> Endpoints:
        api_url = (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        graphql_url = environ.get("GITHUB_GRAPHQL_URL") or _graphql_url_for(api_url)
        if urllib.parse.urlsplit(graphql_url).netloc != urllib.parse.urlsplit(api_url).netloc:
            raise UsageError(
                f"GITHUB_GRAPHQL_URL ({graphql_url}) and GITHUB_API_URL ({api_url}) must be on the same host"
            )
        return cls(api_url, graphql_url.rstrip("/"))


def _graphql_url_for(api_url: str) -> str:
    # github.com: https://api.github.com/graphql; Enterprise Server: https://HOST/api/v3 -> https://HOST/api/graphql
    if api_url.endswith("/api/v3"):
        return api_url[: -len("/v3")] + "/graphql"
    return api_url + "/graphql"


class GraphQLError(GitHubError):
    """GitHub answered a GraphQL request with an `errors` array: never treated as data."""

    def __init__(self, errors: list[dict[str, Any]], operation: str | None) -> None:
        self.errors = errors
        self.operation = operation
        messages = "; ".join(str(e.get("message", e)) for e in errors[:3])
        super().__init__(f"GraphQL {operation or 'request'} failed: {messages}")

    @property
    def types(self) -> set[str]:
        return {str(e.get("type")) for e in self.errors if e.get("type")}


class GitHubClient:
    """REST (PyGithub) and GraphQL against one GitHub or GitHub Enterprise Server, with one token."""

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
        retry = RetryPolicy(
            request_log=self.request_log,
            cap=self.settings.max_wait,
            total=self.settings.total,
            backoff_factor=self.settings.backoff,
            backoff_jitter=self.settings.backoff,
            backoff_max=self.settings.max_wait,
        )
        self.rest = Github(
            auth=Auth.Token(token) if token else None,
            base_url=endpoints.api_url,
            retry=retry,
            timeout=int(max(1, self.settings.timeout)),
            per_page=100,
            lazy=True,  # objects are fetched when read, not when named: no request for get_repo alone
            # PyGithub would wait 1 s between any two POSTs, and every GraphQL query is a POST; the board
            # client paces its mutations itself (sync.mutation_pause_seconds), as GitHub's guidance asks.
            seconds_between_requests=None,
            seconds_between_writes=None,
        )

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
            headers, body = self.rest.requester.requestJsonAndCheck(
                "POST", self.endpoints.graphql_url, input={"query": document, "variables": variables or {}}
            )
            body = body if isinstance(body, dict) else {}
            errors = body.get("errors") or []
            data = body.get("data")
            if any(error.get("type") == "RATE_LIMITED" for error in errors) and attempt < self.settings.total:
                wait = _seconds_until_reset(headers)
                if wait > self.settings.max_wait:
                    raise RateLimitWaitTooLong(
                        _too_long("GraphQL", operation or "request", wait, self.settings.max_wait)
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


# Failures of the transport or of GitHub itself, as PyGithub and requests raise them.
TRANSPORT_FAILURES: tuple[type[BaseException], ...] = (
    GithubException,
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
)


def describe_failure(exc: BaseException) -> str:
    """One line for a GitHub or network failure, for the CLI."""
    if isinstance(exc, GithubException):
        data = exc.data if isinstance(exc.data, dict) else {}
        message = data.get("message") or exc.message or str(exc.data)
        return f"GitHub answered {exc.status}: {message}"
    return f"could not reach GitHub: {type(exc).__name__}: {exc}"
