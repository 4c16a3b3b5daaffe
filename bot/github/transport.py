"""What every request to GitHub shares (settings, the request log, the rules for retrying and for
rate limits), and GraphQL over urllib3.

GraphQL carries the board's, the snapshot's and the gate's reads, so a job that only speaks GraphQL
never loads PyGithub: its import was half of a short job's start. REST goes through PyGithub
(`bot.github.rest`) with the same settings, rules and log.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import urllib3

from bot import __version__
from bot.errors import GitHubError, UsageError
from bot.github.queries import is_mutation, operation_name

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


def rate_limit_wait(status: int, headers: Mapping[str, str], message: str) -> float | None:
    """The seconds GitHub asks for before the next request, or None when an answer is no rate limit.

    GitHub's rules: `Retry-After` when present; with `x-ratelimit-remaining: 0`, until `x-ratelimit-reset`
    (plus a second: the reset is rounded); a secondary limit (or a 429) naming no time, a minute."""
    if status not in (403, 429):
        return None
    lowered = {key.lower(): value for key, value in headers.items()}
    named = _seconds(lowered.get("retry-after"))
    if named is not None:
        return named
    reset = _seconds(lowered.get("x-ratelimit-reset"))
    if lowered.get("x-ratelimit-remaining") == "0" and reset is not None:
        return max(0.0, reset - time.time()) + 1
    if status == 429 or "rate limit" in message.lower():
        return SECONDARY_RATE_WAIT
    return None


def _seconds(raw: str | None) -> float | None:
    return float(raw) if raw and raw.strip().isdigit() else None


def too_long(method: str, path: str, wait: float, cap: float) -> str:
    return (
        f"{method} {path}: GitHub asks for a {wait:.0f}s pause before the next request, longer than the "
        f"cap of {cap:.0f}s (MLOPS_RETRY_MAX_WAIT): stopping now rather than retrying early; run again later"
    )


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


class HTTPFailure(GitHubError):
    """GitHub answered a GraphQL request with an HTTP error (after retries, where they apply)."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.detail = message  # GitHub's own message
        super().__init__(f"GitHub answered {status}: {message}")


class GraphQLTransport:
    """POSTs GraphQL documents to one endpoint with one token, retrying as GitHub asks.

    - 5xx answers and lost connections: sent again with exponential backoff and jitter, up to
      `settings.total` times (every GraphQL operation the bot sends may be sent twice; the one creation,
      a board, goes through a transport with `total=0` and is read back by its caller).
    - Rate limits (403 or 429): the whole wait GitHub asks for when it is within `settings.max_wait`,
      else `RateLimitWaitTooLong` at once; never a request before the time GitHub named.
    - Any other 4xx: `HTTPFailure` at once.
    """

    def __init__(
        self,
        url: str,
        token: str | None,
        settings: RetrySettings,
        request_log: RequestLog,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.settings = settings
        self.request_log = request_log
        self.last_headers: dict[str, str] = {}  # of the latest answer, lower-cased (X-OAuth-Scopes, rate limits)
        self._sleep = sleep
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"mlops-bot/{__version__}",
            **({"Authorization": f"bearer {token}"} if token else {}),
        }
        self._http = _pool_for(url)
        self._timeout = urllib3.Timeout(connect=settings.timeout, read=settings.timeout)

    def post(self, document: str, variables: Mapping[str, Any] | None = None) -> tuple[dict[str, str], Any]:
        """Send one document; return the answer's headers and decoded JSON body."""
        operation = operation_name(document)
        where = f"POST {urllib.parse.urlsplit(self.url).path}" + (f" ({operation})" if operation else "")
        self.request_log.add(
            RequestRecord("POST", urllib.parse.urlsplit(self.url).path, operation, is_mutation(document))
        )
        payload = json.dumps({"query": document, "variables": dict(variables or {})}).encode()
        failures = 0
        while True:
            try:
                answer = self._http.request(
                    "POST", self.url, body=payload, headers=self._headers, retries=False, timeout=self._timeout
                )
            except urllib3.exceptions.HTTPError as exc:  # refused, reset, timed out: the answer is lost
                failures += 1
                if failures > self.settings.total:
                    raise
                self._pause(self._backoff(failures), f"{where}: {type(exc).__name__}")
                continue
            self.last_headers = {key.lower(): value for key, value in answer.headers.items()}
            if answer.status < 400:
                try:
                    return self.last_headers, json.loads(answer.data)
                except ValueError:
                    raise GitHubError(f"{where}: GitHub's answer is not JSON") from None
            message = _message(answer.data)
            wait = rate_limit_wait(answer.status, self.last_headers, message)
            if wait is None and answer.status < 500:
                raise HTTPFailure(answer.status, message)
            failures += 1
            if wait is not None and wait > self.settings.max_wait:
                raise RateLimitWaitTooLong(too_long("POST", where.removeprefix("POST "), wait, self.settings.max_wait))
            if failures > self.settings.total:
                raise HTTPFailure(answer.status, message)
            self._pause(wait if wait is not None else self._backoff(failures), f"{where}: {answer.status}")

    def _backoff(self, failures: int) -> float:
        base = self.settings.backoff * 2 ** (failures - 1)
        return min(self.settings.max_wait, base + random.uniform(0, self.settings.backoff))

    def _pause(self, seconds: float, reason: str) -> None:
        self.request_log.add_retry(f"{reason}, waiting {seconds:.1f}s")
        self._sleep(seconds)


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip() or "(no message)"
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return data["message"][:300]
    return "(no message)"


def _pool_for(url: str) -> urllib3.PoolManager:
    """A connection pool as `requests` would set it up: the proxy from the environment (unless the host
    is exempt by NO_PROXY) and the CA bundle it names, else certifi's, else the system's."""
    parts = urllib.parse.urlsplit(url)
    ca_certs = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or _certifi_bundle()
    options: dict[str, Any] = {"ca_certs": ca_certs} if ca_certs and parts.scheme == "https" else {}
    proxy = urllib.request.getproxies().get(parts.scheme)
    if proxy and not urllib.request.proxy_bypass(parts.hostname or ""):
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)


def _certifi_bundle() -> str | None:
    try:
        import certifi
    except ImportError:
        return None
    return certifi.where()
