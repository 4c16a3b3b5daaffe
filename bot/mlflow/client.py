"""The one MLflow client: JSON over HTTP against MLflow's REST API (`/api/2.0/mlflow/...`), with `requests`.

Every call the bridge makes is a read, so every one may be retried: network errors, 429 and 5xx answers
are retried with exponential backoff and jitter (`Retry-After` honoured, up to a cap). Requests and retries
are counted, so the import can prove its request budget.

Credentials come from the environment only, read as MLflow's own clients read them
(`MLFLOW_TRACKING_TOKEN` as a bearer token, else `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`
as basic auth; `MLFLOW_TRACKING_INSECURE_TLS`, `MLFLOW_TRACKING_SERVER_CERT_PATH`,
`MLFLOW_TRACKING_CLIENT_CERT_PATH` for TLS). They are sent in headers and never printed or written:
`tracking_uri` and every message use the address without any user:password part.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from bot.errors import EXIT_GITHUB, EXIT_USAGE, BotError, UsageError

log = logging.getLogger("mlops_bot.mlflow")

API = "/api/2.0/mlflow"
# Larger pages than MLflow's servers accept are refused, not capped: these are each endpoint's maximum.
PAGE_SIZES = {"registered-models/search": 1000, "model-versions/search": 1000, "experiments/search": 1000}
RUNS_PAGE_SIZE = 1000
MAX_TEXT_BYTES = 1_000_000  # an MLmodel file is a few kilobytes; anything this large is not one


class MlflowError(BotError):
    """MLflow could not be reached, refused the request, or answered with something that is not MLflow's."""

    exit_code = EXIT_GITHUB  # the CLI's exit code for a remote service's failure


class MlflowRefused(MlflowError):
    """MLflow answered with an HTTP error (after retries, for 5xx): permission refused, a bad request, a
    server error. Distinct from not reaching it at all, which stops everything."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class MlflowNotFound(MlflowError):
    """MLflow answered that what was asked for does not exist (RESOURCE_DOES_NOT_EXIST)."""

    exit_code = EXIT_USAGE  # a name the user gave is wrong


@dataclass(frozen=True)
class HttpSettings:
    """Retries and timeouts, read from MLflow's own variables."""

    max_retries: int = 5  # MLFLOW_HTTP_REQUEST_MAX_RETRIES
    backoff: float = 1.0  # MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: seconds, doubling on each consecutive failure
    jitter: float = 1.0  # MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: up to this many seconds more, at random
    timeout: float = 120.0  # MLFLOW_HTTP_REQUEST_TIMEOUT: seconds per request
    max_wait: float = 60.0  # the cap on one wait, Retry-After included

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> HttpSettings:
        def number(name: str, default: float) -> float:
            raw = environ.get(name)
            try:
                value = float(raw) if raw else default
            except ValueError:
                raise UsageError(f"{name}={raw!r} is not a number") from None
            if value < 0:
                raise UsageError(f"{name}={raw!r} must not be negative")
            return value

        return cls(
            max_retries=int(number("MLFLOW_HTTP_REQUEST_MAX_RETRIES", cls.max_retries)),
            backoff=number("MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", cls.backoff),
            jitter=number("MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", cls.jitter),
            timeout=number("MLFLOW_HTTP_REQUEST_TIMEOUT", cls.timeout),
        )


@dataclass
class RequestCount:
    """Every request sent (first attempts, by endpoint) and how many retries they took."""

    by_endpoint: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, endpoint: str) -> None:
        with self._lock:
            self.by_endpoint[endpoint] += 1

    def add_retry(self) -> None:
        with self._lock:
            self.retries += 1

    @property
    def total(self) -> int:
        return sum(self.by_endpoint.values())


@dataclass(frozen=True)
class TrackingServer:
    """Where the tracking server is, with any `user:password@` taken out of the address."""

    url: str  # scheme://host[:port][/prefix], no trailing slash, no credentials
    username: str | None = None
    password: str | None = None

    @classmethod
    def parse(cls, uri: str) -> TrackingServer:
        parts = urllib.parse.urlsplit(uri.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(
                f"the MLflow tracking URI must be an http(s) address of a tracking server, e.g. "
                f"https://mlflow.example.com; got {redact(uri)!r}"
            )
        host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
        netloc = host + (f":{parts.port}" if parts.port else "")
        url = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
        username = urllib.parse.unquote(parts.username) if parts.username else None
        password = urllib.parse.unquote(parts.password) if parts.password else None
        return cls(url, username, password)


def redact(uri: str) -> str:
    """An address without its `user:password@` part, for messages."""
    parts = urllib.parse.urlsplit(uri)
    if "@" not in parts.netloc:
        return uri
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class MlflowClient:
    """Reads registered models, versions, runs and model files from one tracking server."""

    def __init__(
        self,
        tracking_uri: str,
        *,
        environ: Mapping[str, str] | None = None,
        settings: HttpSettings | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        environ = os.environ if environ is None else environ
        server = TrackingServer.parse(tracking_uri)
        self.tracking_uri = server.url
        self.settings = settings or HttpSettings.from_env(environ)
        self.requests = RequestCount()
        self._sleep = sleep
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "mlops-bot"
        token = environ.get("MLFLOW_TRACKING_TOKEN")
        username = environ.get("MLFLOW_TRACKING_USERNAME") or server.username
        password = environ.get("MLFLOW_TRACKING_PASSWORD") or server.password
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        elif username and password:
            self._session.auth = (username, password)
        if (environ.get("MLFLOW_TRACKING_INSECURE_TLS") or "").lower() == "true":
            self._session.verify = False
        elif environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH"):
            self._session.verify = environ["MLFLOW_TRACKING_SERVER_CERT_PATH"]
        if environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH"):
            self._session.cert = environ["MLFLOW_TRACKING_CLIENT_CERT_PATH"]

    # ---- the endpoints the bridge reads --------------------------------------------------------------
    def search_registered_models(self) -> list[dict[str, Any]]:
        return self._pages("GET", "registered-models/search", "registered_models", {})

    def get_registered_model(self, name: str) -> dict[str, Any]:
        return self._call("GET", "registered-models/get", params={"name": name})["registered_model"]

    def search_model_versions(self, name: str | None = None) -> list[dict[str, Any]]:
        """The versions of one registered model, or (name None) of every model, in few pages."""
        query = {"filter": _equals("name", name)} if name is not None else {}
        return self._pages("GET", "model-versions/search", "model_versions", query)

    def get_model_version_download_uri(self, name: str, version: str) -> str:
        answer = self._call("GET", "model-versions/get-download-uri", params={"name": name, "version": version})
        return str(answer.get("artifact_uri") or "")

    def get_model_version_file(self, name: str, version: str, path: str) -> str | None:
        """A file of a version's model (e.g. `MLmodel`), as the tracking server serves it to its own UI;
        None when the version has no such file."""
        return self._call_text("model-versions/get-artifact", {"name": name, "version": version, "path": path})

    def get_run(self, run_id: str) -> dict[str, Any]:
        return self._call("GET", "runs/get", params={"run_id": run_id})["run"]

    def search_experiment_ids(self) -> list[str]:
        experiments = self._pages("POST", "experiments/search", "experiments", {"view_type": "ACTIVE_ONLY"})
        return [str(e["experiment_id"]) for e in experiments if "experiment_id" in e]

    def search_runs(self, experiment_ids: list[str], filter_string: str, limit: int) -> list[dict[str, Any]]:
        """Active runs of these experiments matching the filter, newest first, at most `limit`."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(experiment_ids), 100):  # MLflow's SQL stores take up to 100 ids a call
            body = {
                "experiment_ids": experiment_ids[start : start + 100],
                "filter": filter_string,
                "run_view_type": "ACTIVE_ONLY",
                "order_by": ["attributes.start_time DESC"],
            }
            found += self._pages("POST", "runs/search", "runs", body, page_size=RUNS_PAGE_SIZE, limit=limit)
        found.sort(key=lambda run: -int((run.get("info") or {}).get("start_time") or 0))
        return found[:limit]

    # ---- transport ----------------------------------------------------------------------------------------
    def _pages(
        self,
        method: str,
        endpoint: str,
        key: str,
        query: dict[str, Any],
        page_size: int | None = None,
        limit: int | None = None,
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        token: str | None = None
        seen_tokens: set[str] = set()
        while True:
            page = {**query, "max_results": page_size or PAGE_SIZES[endpoint]}
            if token:
                page["page_token"] = token
            answer = self._call(method, endpoint, params=page if method == "GET" else None, body=page)
            items += answer.get(key) or []  # MLflow leaves empty lists out of its answers
            token = answer.get("next_page_token") or None
            if not token or (limit is not None and len(items) >= limit):
                return items
            if token in seen_tokens:
                raise MlflowError(f"{self._where(endpoint)}: the server repeated a page token; stopping")
            seen_tokens.add(token)

    def _call(
        self, method: str, endpoint: str, *, params: dict[str, Any] | None = None, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        response = self._send(
            method,
            f"{API}/{endpoint}",
            endpoint,
            params=params if method == "GET" else None,
            body=None if method == "GET" else body,
        )
        try:
            answer = response.json()
        except ValueError:
            raise MlflowError(
                f"{self._where(endpoint)}: the answer is not JSON (HTTP {response.status_code}); "
                "is the tracking URI the address of an MLflow tracking server?"
            ) from None
        if not isinstance(answer, dict):
            raise MlflowError(f"{self._where(endpoint)}: the answer is not a JSON object")
        return answer

    def _call_text(self, endpoint: str, params: dict[str, Any]) -> str | None:
        try:
            response = self._send("GET", f"/{endpoint}", endpoint, params=params, stream=True)
        except MlflowNotFound:
            return None
        with response:
            content = response.raw.read(MAX_TEXT_BYTES + 1, decode_content=True)
        if len(content) > MAX_TEXT_BYTES:
            raise MlflowError(f"{self._where(endpoint)}: {params.get('path')} is larger than {MAX_TEXT_BYTES} bytes")
        return content.decode("utf-8", errors="replace")

    def _send(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: dict[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        url = self.tracking_uri + path
        self.requests.add(endpoint)
        log.debug("%s %s %s", method, path, params or "")
        for attempt in range(self.settings.max_retries + 1):
            last = attempt == self.settings.max_retries
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=body,
                    timeout=self.settings.timeout,
                    stream=stream,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise MlflowError(
                        f"cannot reach the MLflow tracking server at {self.tracking_uri} "
                        f"({_reason(exc)}) after {attempt + 1} attempt(s)"
                    ) from None
                self._wait(attempt, None, f"{endpoint}: {type(exc).__name__}")
                continue
            except requests.RequestException as exc:
                raise MlflowError(f"{self._where(endpoint)}: {_reason(exc)}") from None
            if (response.status_code >= 500 or response.status_code == 429) and not last:
                retry_after = response.headers.get("Retry-After", "")
                response.close()
                self._wait(
                    attempt,
                    float(retry_after) if retry_after.isdigit() else None,
                    f"{endpoint}: {response.status_code}",
                )
                continue
            if response.status_code >= 400 or 300 <= response.status_code < 400:
                raise self._failure(endpoint, response)
            return response
        raise AssertionError("unreachable")

    def _wait(self, attempt: int, retry_after: float | None, reason: str) -> None:
        self.requests.add_retry()
        wait = retry_after if retry_after is not None else self.settings.backoff * (2**attempt)
        wait = min(self.settings.max_wait, wait + random.uniform(0, self.settings.jitter))
        log.info("retrying in %.1fs: %s", wait, reason)
        self._sleep(wait)

    def _failure(self, endpoint: str, response: requests.Response) -> MlflowError:
        code, message = _error_of(response)
        status = response.status_code
        response.close()
        where = self._where(endpoint)
        if status in (401, 403) or code in ("PERMISSION_DENIED", "UNAUTHENTICATED"):
            return MlflowRefused(
                f"{where}: permission refused (HTTP {status}{': ' + message if message else ''}); "
                "credentials are read from MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and "
                "MLFLOW_TRACKING_PASSWORD",
                status,
            )
        if status == 404 or code == "RESOURCE_DOES_NOT_EXIST":
            return MlflowNotFound(f"{where}: {message or 'not found'}")
        if 300 <= status < 400:
            return MlflowError(
                f"{where}: redirected to {redact(response.headers.get('Location', '?'))}; "
                "give the tracking server's final address as the tracking URI"
            )
        return MlflowRefused(
            f"{where}: HTTP {status}{' ' + code if code else ''}{': ' + message if message else ''}", status
        )

    def _where(self, endpoint: str) -> str:
        return f"MLflow {endpoint} at {self.tracking_uri}"


def _equals(key: str, value: str) -> str:
    """A search filter `key = 'value'`. MLflow's filters have no escapes: a value is quoted with the quote
    character it does not hold."""
    if "'" not in value:
        return f"{key} = '{value}'"
    if '"' not in value:
        return f'{key} = "{value}"'
    raise UsageError(f"MLflow's search filters cannot name {value!r}: it holds both quote characters")


def _error_of(response: requests.Response) -> tuple[str, str]:
    try:
        answer = response.json()
    except ValueError:
        return "", response.reason or ""
    if not isinstance(answer, dict):
        return "", ""
    message = " ".join(str(answer.get("message") or "").split())
    return str(answer.get("error_code") or ""), message[:300]


def _reason(exc: BaseException) -> str:
    """A network failure in a few words: the innermost cause, without the URL (it may be long)."""
    while exc.__context__ is not None and not str(exc):
        exc = exc.__context__
    text = str(exc)
    if "Connection refused" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "NameResolutionError" in text:
        return "host name not found"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.exceptions.SSLError):
        return "TLS failed: " + text[:200]
    return type(exc).__name__
