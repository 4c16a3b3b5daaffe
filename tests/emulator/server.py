"""The emulator's HTTP server: REST and GraphQL on 127.0.0.1, recorded requests, injected faults."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import git_data, repo_settings, rest, webhooks  # noqa: F401 (git_data, repo_settings register routes)
from .graphql_api import Options, run_graphql
from .objects import Urls
from .state import Issue, State, Token, now

_OPERATION = re.compile(r"^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)", re.MULTILINE)


@dataclass
class Fault:
    """A failure served instead of (or around) the real answer, `times` times, to matching requests.

    kind: "status" (e.g. 502), "secondary_rate_limit" (403 + Retry-After), "primary_rate_limit"
    (403 + x-ratelimit-remaining 0, or for GraphQL a RATE_LIMITED error), "slow" (delay, then the
    real answer), "drop" (close the connection without answering). With `after_processing` the change
    is made first and the fault replaces the answer (a dropped connection, or e.g. a 502): GitHub did
    the work, the client cannot know it.
    """

    kind: str
    method: str | None = None
    path: str | None = None  # a regular expression searched in the path
    operation: str | None = None  # a GraphQL operation name
    times: int = 1
    status: int = 502
    delay: float = 0.0
    retry_after: int | None = 1  # None: a secondary rate limit that names no time
    reset_in: int = 1
    after_processing: bool = False
    served: int = 0

    def matches(self, method: str, path: str, operation: str | None) -> bool:
        return (
            self.served < self.times
            and (self.method is None or self.method == method)
            and (self.path is None or re.search(self.path, path) is not None)
            and (self.operation is None or self.operation == operation)
        )


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    operation: str | None
    status: int | None
    fault: str | None = None


@dataclass
class Event:
    name: str
    payload: dict[str, Any]

    @property
    def action(self) -> str:
        return self.payload.get("action", "")


class GitHubEmulator:
    """A stateful in-memory GitHub. `with GitHubEmulator() as gh:` serves it on a free port."""

    def __init__(self, *, api_prefix: str = "") -> None:
        self.state = State()
        self.options = Options()
        self.api_prefix = api_prefix.rstrip("/")  # "/api/v3" serves like GitHub Enterprise Server
        self.graphql_path = "/api/graphql" if self.api_prefix == "/api/v3" else self.api_prefix + "/graphql"
        self.requests: list[Recorded] = []
        self.events: list[Event] = []
        self.faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.urls = Urls("http://127.0.0.1:0", "http://127.0.0.1:0")

    # ---- lifecycle -----------------------------------------------------------------------------
    def start(self) -> GitHubEmulator:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.urls = Urls(f"http://127.0.0.1:{port}{self.api_prefix}", f"http://127.0.0.1:{port}")
        self._thread = threading.Thread(target=self._server.serve_forever, name="github-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> GitHubEmulator:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def api_url(self) -> str:
        return self.urls.api

    @property
    def graphql_url(self) -> str:
        return self.urls.web + self.graphql_path

    def env(self, token: str | None = None, **extra: str) -> dict[str, str]:
        """Environment variables that point the bot at this emulator."""
        variables = {
            "GITHUB_API_URL": self.api_url,
            "GITHUB_GRAPHQL_URL": self.graphql_url,
            "GITHUB_SERVER_URL": self.urls.web,
            "MLOPS_RETRY_BACKOFF": "0.01",
            "MLOPS_RETRY_MAX_WAIT": "3",
        }
        if token:
            variables["GITHUB_TOKEN"] = token
        variables.update(extra)
        return variables

    # ---- test helpers --------------------------------------------------------------------------
    def inject(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget recorded requests and events (state stays)."""
        with self._lock:
            self.requests.clear()
            self.events.clear()

    def served(
        self, *, method: str | None = None, operation: str | None = None, path: str | None = None
    ) -> list[Recorded]:
        with self._lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method)
                and (operation is None or r.operation == operation)
                and (path is None or re.search(path, r.path))
            ]

    def emit(self, name: str, payload: dict[str, Any]) -> Event:
        event = Event(name, payload)
        with self._lock:
            self.events.append(event)
        return event

    # ---- request handling -----------------------------------------------------------------------
    def _token(self, header: str | None) -> Token | None:
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        return self.state.tokens.get(value.strip()) if scheme.lower() in ("token", "bearer") else None

    def _take_fault(self, method: str, path: str, operation: str | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.matches(method, path, operation):
                    fault.served += 1
                    return fault
        return None

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], raw_body: bytes
    ) -> tuple[int, dict[str, str], bytes | None]:
        """Returns (status, headers, body); a body of None means: drop the connection."""
        split = urllib.parse.urlsplit(raw_path)
        path, query = split.path, dict(urllib.parse.parse_qsl(split.query))
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            return self._finish(method, path, query, None, 400, {"message": "Problems parsing JSON"}, {})
        is_graphql = method == "POST" and path == self.graphql_path
        operation = None
        if is_graphql and isinstance(body, dict):
            match = _OPERATION.search(str(body.get("query", "")))
            operation = match.group(1) if match else None
        token_header = headers.get("authorization")
        token = self._token(token_header)
        if token_header and token is None:
            return self._finish(method, path, query, operation, 401, {"message": "Bad credentials"}, {})

        fault = self._take_fault(method, path, operation)
        late = fault if fault and fault.after_processing else None
        if fault and fault.kind == "slow":
            time.sleep(fault.delay)
        elif fault and fault.kind == "drop" and not late:
            self._record(method, path, query, operation, None, "drop")
            return 0, {}, None
        elif fault and fault.kind != "drop" and not late:
            return self._fault_response(fault, method, path, query, operation, is_graphql)

        if is_graphql:
            result, _ = run_graphql(self.state, self.urls, token, body, self.options, self.emit)
            status = 401 if "status" in result else 200
            response = rest.Response(status, result)
        elif path.startswith(self.api_prefix):
            request = rest.Request(method, path[len(self.api_prefix) :] or "/", query, body, token, self.urls)
            response = self._dispatch_with_events(request, token)
        else:
            response = rest.Response(404, {"message": "Not Found"})
        if late:
            return self._after_processing(late, method, path, query, operation, is_graphql)
        headers = {**_token_headers(token), **response.headers}
        return self._finish(method, path, query, operation, response.status, response.body, headers)

    def _after_processing(
        self, fault: Fault, method: str, path: str, query: dict[str, str], operation: str | None, is_graphql: bool
    ) -> tuple[int, dict[str, str], bytes | None]:
        """The change is made, then the answer is lost (`drop`) or replaced by the fault's (e.g. a 502):
        what a client sees when GitHub did the work but the answer did not make it back."""
        if fault.kind == "drop":
            self._record(method, path, query, operation, None, "drop")
            return 0, {}, None
        return self._fault_response(fault, method, path, query, operation, is_graphql)

    def _fault_response(
        self, fault: Fault, method: str, path: str, query: dict[str, str], operation: str | None, is_graphql: bool
    ) -> tuple[int, dict[str, str], bytes | None]:
        reset = str(int(now().timestamp()) + fault.reset_in)
        if fault.kind == "secondary_rate_limit":
            return self._finish(
                method,
                path,
                query,
                operation,
                403,
                {
                    "message": "You have exceeded a secondary rate limit. "
                    "Please wait a few minutes before you try again.",
                    "documentation_url": rest.DOCS,
                },
                {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)},
                fault.kind,
            )
        if fault.kind == "primary_rate_limit":
            limit_headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            if is_graphql:
                return self._finish(
                    method,
                    path,
                    query,
                    operation,
                    200,
                    {"errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]},
                    limit_headers,
                    fault.kind,
                )
            return self._finish(
                method,
                path,
                query,
                operation,
                403,
                {"message": "API rate limit exceeded for user ID 1.", "documentation_url": rest.DOCS},
                limit_headers,
                fault.kind,
            )
        return self._finish(
            method,
            path,
            query,
            operation,
            fault.status,
            {"message": "Server Error"} if fault.status >= 500 else {"message": "Injected"},
            {},
            fault.kind,
        )

    def _finish(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        operation: str | None,
        status: int,
        body: Any,
        headers: dict[str, str],
        fault: str | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        self._record(method, path, query, operation, status, fault)
        out = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Media-Type": "github.v3",
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(now().timestamp()) + 3600),
            "X-RateLimit-Used": "1",
            "X-RateLimit-Resource": "graphql" if path.endswith("graphql") else "core",
        }
        out.update(headers)
        return status, out, b"" if body is None else json.dumps(body).encode()

    def _record(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        operation: str | None,
        status: int | None,
        fault: str | None,
    ) -> None:
        with self._lock:
            self.requests.append(Recorded(method, path, query, operation, status, fault))

    # ---- webhooks for REST changes ----------------------------------------------------------------
    def _dispatch_with_events(self, request: rest.Request, token: Token | None) -> rest.Response:
        issue_match = re.match(
            rf"^{rest.REPO}/issues(?:/(?P<number>\d+))?(?P<rest>/labels.*|/comments)?$", request.path
        )
        before = None
        if issue_match and request.method != "GET":
            repo = self.state.find_repo(issue_match["owner"], issue_match["repo"])
            issue = repo.issues.get(int(issue_match["number"])) if repo and issue_match["number"] else None
            before = _snapshot(issue) if issue else None
        response = rest.dispatch(self.state, request)
        if not issue_match or request.method == "GET" or response.status >= 300 or token is None:
            return response
        repo = self.state.find_repo(issue_match["owner"], issue_match["repo"])
        if repo is None:
            return response
        with self.state.lock:
            if issue_match["number"] is None:  # created
                issue = repo.issues[response.body["number"]]
                self.emit("issues", webhooks.issues_event("opened", issue, token.user, self.urls))
                for label in issue.labels:
                    self.emit("issues", webhooks.issues_event("labeled", issue, token.user, self.urls, label=label))
                return response
            issue = repo.issues[int(issue_match["number"])]
            if issue_match["rest"] == "/comments":
                comment = issue.comments[-1]
                self.emit(
                    "issue_comment", webhooks.issue_comment_event("created", issue, comment, token.user, self.urls)
                )
                return response
            self._emit_diff(before, issue, token)
        return response

    def _emit_diff(self, before: dict[str, Any] | None, issue: Issue, token: Token) -> None:
        if before is None:
            return
        after = _snapshot(issue)
        changes = {key: {"from": before[key]} for key in ("title", "body") if before[key] != after[key]}
        if changes:
            self.emit("issues", webhooks.issues_event("edited", issue, token.user, self.urls, changes=changes))
        for name in after["labels"] - before["labels"]:
            label = issue.repo.labels[name]
            self.emit("issues", webhooks.issues_event("labeled", issue, token.user, self.urls, label=label))
        for name in before["labels"] - after["labels"]:
            label = issue.repo.labels.get(name)
            self.emit("issues", webhooks.issues_event("unlabeled", issue, token.user, self.urls, label=label))
        if before["state"] != after["state"]:
            action = "closed" if after["state"] == "closed" else "reopened"
            self.emit("issues", webhooks.issues_event(action, issue, token.user, self.urls))


def _token_headers(token: Token | None) -> dict[str, str]:
    """GitHub names a classic token's scopes on every answer; installation and fine-grained tokens get none."""
    if token is None or token.kind != "pat":
        return {}
    return {"X-OAuth-Scopes": ", ".join(sorted(token.scopes)), "X-Accepted-OAuth-Scopes": ""}


def _snapshot(issue: Issue) -> dict[str, Any]:
    return {
        "title": issue.title,
        "body": issue.body,
        "state": issue.state,
        "labels": {label.name.lower() for label in issue.labels},
    }


def _handler_for(emulator: GitHubEmulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                status, out_headers, body = emulator.handle(self.command, self.path, headers, raw)
            except Exception as exc:  # an emulator bug must reach the test as a 500, not hang it
                status, out_headers = 500, {"Content-Type": "application/json"}
                body = json.dumps({"message": f"emulator error: {type(exc).__name__}: {exc}"}).encode()
            if body is None:
                self.close_connection = True
                return
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    return Handler
