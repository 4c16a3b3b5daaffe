"""REST through PyGithub, imported only when a feature first asks for REST: the retry policy (GitHub's
rate limits, never a blind replay of a creation) and the request counting PyGithub is given."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import requests
import urllib3
from github import Auth, Github, GithubException
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.GithubRetry import GithubRetry
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass, Requester
from urllib3.exceptions import MaxRetryError, ResponseError

from bot.github.queries import is_mutation, operation_name
from bot.github.transport import (
    SECONDARY_RATE_WAIT,
    Endpoints,
    RateLimitWaitTooLong,
    RequestLog,
    RequestRecord,
    RetrySettings,
    log,
    replay_safe,
    too_long,
)

# Failures of the transport or of GitHub itself, as PyGithub and requests raise them.
REST_FAILURES: tuple[type[BaseException], ...] = (
    GithubException,
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
)


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
                raise RateLimitWaitTooLong(too_long(method, where, wait, self.cap))
        elif error is not None and self._is_read_error(error) and not replay_safe(method, url or ""):
            raise error.with_traceback(_stacktrace)
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except RateLimitExceededExceedsMaxWait as exc:
            raise RateLimitWaitTooLong(too_long(method, where, exc.wait or 0.0, self.cap)) from None
        if wait is not None and response is not None and response.status == 429 and not _retry_after(response):
            retry.get_backoff_time = lambda: wait  # type: ignore[method-assign]  # as GithubRetry does for 403s
        if self.request_log is not None:
            reason = f"{response.status}" if response is not None else type(error).__name__
            self.request_log.add_retry(f"{method} {where}: {reason}")
        return retry


def _retry_after(response: Any) -> float | None:
    raw = (response.headers or {}).get("Retry-After")
    return float(raw) if raw and raw.strip().isdigit() else None


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


def rest_client(token: str | None, endpoints: Endpoints, settings: RetrySettings, request_log: RequestLog) -> Github:
    """A PyGithub client for `endpoints.api_url`, retrying and counting as the rest of the bot does."""
    retry = RetryPolicy(
        request_log=request_log,
        cap=settings.max_wait,
        total=settings.total,
        backoff_factor=settings.backoff,
        backoff_jitter=settings.backoff,
        backoff_max=settings.max_wait,
    )
    return Github(
        auth=Auth.Token(token) if token else None,
        base_url=endpoints.api_url,
        retry=retry,
        timeout=int(max(1, settings.timeout)),
        per_page=100,
        lazy=True,  # objects are fetched when read, not when named: no request for get_repo alone
        # PyGithub would wait 1 s between any two writes; the board paces its own mutations
        # (sync.mutation_pause_seconds), as GitHub's guidance asks.
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
