"""The REST side of the emulator: GitHub's routes, status codes, error bodies and Link pagination."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import objects
from .objects import Urls
from .state import Issue, Label, PullRequest, Repo, Review, State, Status, Token, now

DOCS = "https://docs.github.com/rest"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    token: Token | None
    urls: Urls


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    def __init__(self, status: int, message: str, errors: list[Any] | None = None) -> None:
        super().__init__(message)
        self.response = Response(
            status,
            {
                "message": message,
                "documentation_url": DOCS,
                "status": str(status),
                **({"errors": errors} if errors else {}),
            },
        )


class Moved(HttpError):
    """301 for an issue transferred to another repository: GitHub points at its new number."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(301, "Moved Permanently")
        self.issue = issue


def not_found() -> HttpError:
    return HttpError(404, "Not Found")


def validation_failed(resource: str, code: str, field_name: str) -> HttpError:
    return HttpError(422, "Validation Failed", [{"resource": resource, "code": code, "field": field_name}])


Handler = Callable[[State, Request, dict[str, str]], Response]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []
REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$"), handler))
        return handler

    return register


def dispatch(state: State, request: Request) -> Response:
    allowed = False
    for method, pattern, handler in ROUTES:
        match = pattern.match(request.path)
        if match:
            allowed = True
            if method == request.method:
                params = {k: urllib.parse.unquote(v) for k, v in match.groupdict().items()}
                try:
                    with state.lock:
                        return handler(state, request, params)
                except Moved as exc:
                    old = f"/repos/{params['owner']}/{params['repo']}/issues/{params['number']}"
                    new = f"/repos/{exc.issue.repo.full_name}/issues/{exc.issue.number}"
                    exc.response.headers["Location"] = request.urls.api + request.path.replace(old, new, 1)
                    return exc.response
                except HttpError as exc:
                    return exc.response
    return HttpError(405 if allowed else 404, "Not Found" if not allowed else "Method Not Allowed").response


# ---- helpers ----------------------------------------------------------------------------------
def _repo(state: State, params: dict[str, str]) -> Repo:
    repo = state.find_repo(params["owner"], params["repo"])
    if repo is None:
        raise not_found()
    return repo


def _issue(repo: Repo, number: str) -> Issue:
    issue = repo.issues.get(int(number)) if number.isdigit() else None
    if issue is None and number.isdigit() and int(number) in repo.deleted:
        raise HttpError(410, "This issue was deleted")
    if issue is None and number.isdigit() and int(number) in repo.moved:
        raise Moved(repo.moved[int(number)])
    if issue is None:
        raise not_found()
    return issue


def _pull(repo: Repo, number: str) -> PullRequest:
    issue = _issue(repo, number)
    if issue.pull is None:
        raise not_found()
    return issue.pull


def _require_write(request: Request) -> Token:
    if request.token is None:
        raise HttpError(401, "Requires authentication")
    return request.token


def paginate(request: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
    """GitHub's page/per_page paging: at most 100 per page, a Link header with next/last/first/prev."""
    try:
        per_page = max(1, min(100, int(request.query.get("per_page", "30"))))
        page = max(1, int(request.query.get("page", "1")))
    except ValueError:
        raise HttpError(400, "Invalid pagination parameters") from None
    last = max(1, -(-len(items) // per_page))
    chunk = items[(page - 1) * per_page : page * per_page]

    def link(number: int) -> str:
        query = dict(request.query, page=str(number), per_page=str(per_page))
        return f"<{request.urls.api}{request.path}?{urllib.parse.urlencode(query)}>"

    links = []
    if page < last:
        links += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
    if page > 1:
        links += [f'{link(1)}; rel="first"', f'{link(page - 1)}; rel="prev"']
    return chunk, ({"Link": ", ".join(links)} if links else {})


def _since(request: Request) -> dt.datetime | None:
    raw = request.query.get("since")
    if not raw:
        return None
    try:
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise validation_failed("Issue", "invalid", "since") from None


# ---- users and meta --------------------------------------------------------------------------
@route("GET", "/user")
def get_viewer(state: State, request: Request, params: dict[str, str]) -> Response:
    if request.token is None:
        raise HttpError(401, "Requires authentication")
    return Response(200, objects.user_json(request.token.user, request.urls))


@route("GET", "/users/(?P<login>[^/]+)")
def get_user(state: State, request: Request, params: dict[str, str]) -> Response:
    user = state.users.get(params["login"].lower())
    if user is None:
        raise not_found()
    return Response(200, objects.user_json(user, request.urls))


@route("GET", "/rate_limit")
def get_rate_limit(state: State, request: Request, params: dict[str, str]) -> Response:
    core = {"limit": 5000, "remaining": 4999, "reset": int(now().timestamp()) + 3600, "used": 1}
    return Response(200, {"resources": {"core": core, "graphql": core}, "rate": core})


# ---- repositories -----------------------------------------------------------------------------
@route("GET", REPO)
def get_repo(state: State, request: Request, params: dict[str, str]) -> Response:
    return Response(200, objects.repo_json(_repo(state, params), request.urls))


@route("GET", REPO + "/collaborators/(?P<login>[^/]+)/permission")
def get_permission(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    user = state.users.get(params["login"].lower())
    if user is None:
        raise not_found()
    permission = "admin" if user is repo.owner else repo.collaborators.get(user.login.lower(), "none")
    role = {"admin": "admin", "write": "write", "read": "read"}.get(permission, "none")
    return Response(200, {"permission": permission, "role_name": role, "user": objects.user_json(user, request.urls)})


# ---- issues ---------------------------------------------------------------------------------------
@route("GET", REPO + "/issues")
def list_issues(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    wanted_state = request.query.get("state", "open")
    wanted_labels = {x.strip().lower() for x in request.query.get("labels", "").split(",") if x.strip()}
    since = _since(request)
    issues = [
        issue
        for issue in repo.issues.values()
        if (wanted_state == "all" or issue.state == wanted_state)
        and wanted_labels <= {label.name.lower() for label in issue.labels}
        and (since is None or issue.updated_at >= since)
    ]
    sort_key = {"updated": "updated_at", "comments": "comments"}.get(request.query.get("sort", ""), "created_at")
    issues.sort(
        key=lambda i: (len(i.comments) if sort_key == "comments" else getattr(i, sort_key), i.number),
        reverse=request.query.get("direction", "desc") == "desc",
    )
    page, headers = paginate(request, issues)
    return Response(200, [objects.issue_json(issue, request.urls) for issue in page], headers)


@route("POST", REPO + "/issues")
def create_issue(state: State, request: Request, params: dict[str, str]) -> Response:
    token = _require_write(request)
    repo = _repo(state, params)
    body = request.body or {}
    if not isinstance(body.get("title"), str) or not body["title"].strip():
        raise validation_failed("Issue", "missing_field", "title")
    if len(body["title"]) > 256 or len(body.get("body") or "") > 65536:  # GitHub's limits
        raise validation_failed("Issue", "custom", "title" if len(body["title"]) > 256 else "body")
    issue = state.issue(
        repo, body["title"], body=body.get("body"), labels=tuple(body.get("labels") or ()), user=token.user.login
    )
    issue.assignees = [state.user(login) for login in body.get("assignees") or []][:10]
    return Response(201, objects.issue_json(issue, request.urls))


@route("GET", REPO + r"/issues/(?P<number>\d+)")
def get_issue(state: State, request: Request, params: dict[str, str]) -> Response:
    return Response(200, objects.issue_json(_issue(_repo(state, params), params["number"]), request.urls))


@route("PATCH", REPO + r"/issues/(?P<number>\d+)")
def update_issue(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    issue = _issue(repo, params["number"])
    body = request.body or {}
    if "title" in body:
        issue.title = body["title"]
    if "body" in body:
        issue.body = body["body"]
    if "labels" in body:
        issue.labels = [state.label(repo, _label_name(x)) for x in body["labels"] or []]
    if body.get("state") in ("open", "closed") and body["state"] != issue.state:
        issue.state = body["state"]
        issue.closed_at = now() if issue.state == "closed" else None
        issue.state_reason = body.get("state_reason") or ("completed" if issue.state == "closed" else "reopened")
    if "milestone" in body:
        issue.milestone = repo.milestones.get(body["milestone"]) if body["milestone"] else None
    if "assignees" in body:  # GitHub keeps at most ten
        issue.assignees = [state.user(login) for login in body["assignees"] or []][:10]
    issue.touch()
    return Response(200, objects.issue_json(issue, request.urls))


def _label_name(entry: Any) -> str:
    return entry["name"] if isinstance(entry, dict) else str(entry)


@route("GET", REPO + r"/issues/(?P<number>\d+)/labels")
def list_issue_labels(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    page, headers = paginate(request, _issue(repo, params["number"]).labels)
    return Response(200, [objects.label_json(lb, repo, request.urls) for lb in page], headers)


@route("POST", REPO + r"/issues/(?P<number>\d+)/labels")
def add_issue_labels(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    issue = _issue(repo, params["number"])
    names = request.body.get("labels", []) if isinstance(request.body, dict) else request.body or []
    for name in map(_label_name, names):
        label = state.label(repo, name)
        if label not in issue.labels:
            issue.labels.append(label)
    issue.touch()
    return Response(200, [objects.label_json(lb, repo, request.urls) for lb in issue.labels])


@route("PUT", REPO + r"/issues/(?P<number>\d+)/labels")
def set_issue_labels(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    issue = _issue(repo, params["number"])
    names = request.body.get("labels", []) if isinstance(request.body, dict) else request.body or []
    issue.labels = [state.label(repo, name) for name in map(_label_name, names)]
    issue.touch()
    return Response(200, [objects.label_json(lb, repo, request.urls) for lb in issue.labels])


@route("DELETE", REPO + r"/issues/(?P<number>\d+)/labels/(?P<name>[^/]+)")
def remove_issue_label(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    issue = _issue(repo, params["number"])
    kept = [lb for lb in issue.labels if lb.name.lower() != params["name"].lower()]
    if len(kept) == len(issue.labels):
        raise HttpError(404, "Label does not exist")
    issue.labels = kept
    issue.touch()
    return Response(200, [objects.label_json(lb, repo, request.urls) for lb in issue.labels])


# ---- comments ---------------------------------------------------------------------------------------
@route("GET", REPO + r"/issues/(?P<number>\d+)/comments")
def list_comments(state: State, request: Request, params: dict[str, str]) -> Response:
    issue = _issue(_repo(state, params), params["number"])
    since = _since(request)
    comments = [c for c in issue.comments if since is None or c.updated_at >= since]
    page, headers = paginate(request, comments)
    return Response(200, [objects.comment_json(c, issue, request.urls) for c in page], headers)


@route("POST", REPO + r"/issues/(?P<number>\d+)/comments")
def create_comment(state: State, request: Request, params: dict[str, str]) -> Response:
    token = _require_write(request)
    issue = _issue(_repo(state, params), params["number"])
    body = (request.body or {}).get("body")
    if not isinstance(body, str) or not body:
        raise validation_failed("IssueComment", "missing_field", "body")
    if len(body) > 65536:
        raise validation_failed("IssueComment", "custom", "body")
    comment = state.register("IC", _comment_factory, issue_number=issue.number, user=token.user, body=body)
    issue.comments.append(comment)
    issue.touch()
    return Response(201, objects.comment_json(comment, issue, request.urls))


def _comment_factory(**kwargs: Any) -> Any:
    from .state import Comment

    return Comment(**kwargs)


def _find_comment(repo: Repo, comment_id: str) -> tuple[Issue, Any]:
    for issue in repo.issues.values():
        for comment in issue.comments:
            if str(comment.id) == comment_id:
                return issue, comment
    raise not_found()


@route("GET", REPO + r"/issues/comments/(?P<id>\d+)")
def get_comment(state: State, request: Request, params: dict[str, str]) -> Response:
    issue, comment = _find_comment(_repo(state, params), params["id"])
    return Response(200, objects.comment_json(comment, issue, request.urls))


@route("PATCH", REPO + r"/issues/comments/(?P<id>\d+)")
def update_comment(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    issue, comment = _find_comment(_repo(state, params), params["id"])
    body = (request.body or {}).get("body")
    if not isinstance(body, str) or not body:
        raise validation_failed("IssueComment", "missing_field", "body")
    if len(body) > 65536:
        raise validation_failed("IssueComment", "custom", "body")
    comment.body = body
    comment.updated_at = now()
    return Response(200, objects.comment_json(comment, issue, request.urls))


@route("DELETE", REPO + r"/issues/comments/(?P<id>\d+)")
def delete_comment(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    issue, comment = _find_comment(_repo(state, params), params["id"])
    issue.comments.remove(comment)
    return Response(204)


# ---- labels -------------------------------------------------------------------------------------------
@route("GET", REPO + "/labels")
def list_labels(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    page, headers = paginate(request, list(repo.labels.values()))
    return Response(200, [objects.label_json(lb, repo, request.urls) for lb in page], headers)


@route("POST", REPO + "/labels")
def create_label(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    body = request.body or {}
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise validation_failed("Label", "missing_field", "name")
    if name.lower() in repo.labels:
        raise validation_failed("Label", "already_exists", "name")
    color = str(body.get("color", "ededed")).lstrip("#")
    if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
        raise validation_failed("Label", "invalid", "color")
    label = state.label(repo, name, color, body.get("description"))
    return Response(201, objects.label_json(label, repo, request.urls))


@route("GET", REPO + "/labels/(?P<name>[^/]+)")
def get_label(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    label = repo.labels.get(params["name"].lower())
    if label is None:
        raise not_found()
    return Response(200, objects.label_json(label, repo, request.urls))


@route("PATCH", REPO + "/labels/(?P<name>[^/]+)")
def update_label(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    label: Label | None = repo.labels.get(params["name"].lower())
    if label is None:
        raise not_found()
    body = request.body or {}
    if "new_name" in body:
        del repo.labels[label.name.lower()]
        label.name = body["new_name"]
        repo.labels[label.name.lower()] = label
    if "color" in body:
        label.color = str(body["color"]).lstrip("#")
    if "description" in body:
        label.description = body["description"]
    return Response(200, objects.label_json(label, repo, request.urls))


# ---- milestones ---------------------------------------------------------------------------------------
@route("GET", REPO + "/milestones")
def list_milestones(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    wanted = request.query.get("state", "open")
    milestones = [m for m in repo.milestones.values() if wanted == "all" or m.state == wanted]
    page, headers = paginate(request, milestones)
    return Response(200, [objects.milestone_json(m, repo, request.urls) for m in page], headers)


@route("POST", REPO + "/milestones")
def create_milestone(state: State, request: Request, params: dict[str, str]) -> Response:
    token = _require_write(request)
    repo = _repo(state, params)
    title = (request.body or {}).get("title")
    if not title:
        raise validation_failed("Milestone", "missing_field", "title")
    from .state import Milestone

    milestone = state.register(
        "MI",
        Milestone,
        number=repo.next_milestone,
        title=title,
        creator=token.user,
        description=(request.body or {}).get("description"),
    )
    repo.next_milestone += 1
    repo.milestones[milestone.number] = milestone
    return Response(201, objects.milestone_json(milestone, repo, request.urls))


# ---- pull requests ------------------------------------------------------------------------------------
@route("GET", REPO + r"/pulls/(?P<number>\d+)")
def get_pull(state: State, request: Request, params: dict[str, str]) -> Response:
    return Response(200, objects.pull_json(_pull(_repo(state, params), params["number"]), request.urls))


@route("GET", REPO + "/pulls")
def list_pulls(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    wanted = request.query.get("state", "open")
    pulls = [i.pull for i in repo.issues.values() if i.pull and (wanted == "all" or i.state == wanted)]
    if "base" in request.query:  # the base branch's name
        pulls = [p for p in pulls if p.base_ref == request.query["base"]]
    page, headers = paginate(request, pulls)
    return Response(200, [objects.pull_json(p, request.urls) for p in page], headers)


MAX_PULL_FILES = 3000  # "Responses include a maximum of 3000 files"; `changed_files` counts them all


@route("GET", REPO + r"/pulls/(?P<number>\d+)/files")
def list_pull_files(state: State, request: Request, params: dict[str, str]) -> Response:
    pull = _pull(_repo(state, params), params["number"])
    page, headers = paginate(request, pull.files[:MAX_PULL_FILES])
    body = [
        {
            "sha": f.get("sha") or hashlib.sha1(f["filename"].encode()).hexdigest(),
            "filename": f["filename"],
            "status": f.get("status", "modified"),
            "additions": 1,
            "deletions": 0,
            "changes": 1,
            "blob_url": "",
            "raw_url": "",
            "contents_url": "",
            "patch": f.get("patch", ""),
            **({"previous_filename": f["previous_filename"]} if "previous_filename" in f else {}),
        }
        for f in page
    ]
    return Response(200, body, headers)


@route("GET", REPO + r"/pulls/(?P<number>\d+)/reviews")
def list_reviews(state: State, request: Request, params: dict[str, str]) -> Response:
    pull = _pull(_repo(state, params), params["number"])
    page, headers = paginate(request, pull.reviews)
    return Response(200, [objects.review_json(r, pull, request.urls) for r in page], headers)


@route("POST", REPO + r"/pulls/(?P<number>\d+)/reviews")
def create_review(state: State, request: Request, params: dict[str, str]) -> Response:
    token = _require_write(request)
    pull = _pull(_repo(state, params), params["number"])
    body = request.body or {}
    event = body.get("event", "COMMENT")
    review_state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED"}.get(event, "COMMENTED")
    if review_state != "COMMENTED" and token.user is pull.issue.user:
        verb = "approve" if review_state == "APPROVED" else "request changes on"
        raise HttpError(422, "Unprocessable Entity", [f"Can not {verb} your own pull request"])
    review = state.register(
        "PRR",
        Review,
        user=token.user,
        state=review_state,
        commit_id=body.get("commit_id") or pull.head_sha,  # a review may be given on an older commit
        body=body.get("body", ""),
    )
    pull.reviews.append(review)
    return Response(200, objects.review_json(review, pull, request.urls))


@route("PUT", REPO + r"/pulls/(?P<number>\d+)/reviews/(?P<review>\d+)/dismissals")
def dismiss_review(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    pull = _pull(_repo(state, params), params["number"])
    review = next((r for r in pull.reviews if str(r.id) == params["review"]), None)
    if review is None:
        raise not_found()
    if not (request.body or {}).get("message"):
        raise validation_failed("PullRequestReview", "missing_field", "message")
    if review.state not in ("APPROVED", "CHANGES_REQUESTED"):
        raise HttpError(422, "Can not dismiss a commented pull request review")
    review.state = "DISMISSED"
    return Response(200, objects.review_json(review, pull, request.urls))


# ---- commit statuses and check runs -----------------------------------------------------------------
@route("POST", REPO + "/statuses/(?P<sha>[0-9a-f]{40})")
def create_status(state: State, request: Request, params: dict[str, str]) -> Response:
    token = _require_write(request)
    repo = _repo(state, params)
    body = request.body or {}
    if body.get("state") not in ("error", "failure", "pending", "success"):
        raise validation_failed("Status", "invalid", "state")
    description = body.get("description")
    if description is not None and len(description) > 140:
        raise validation_failed("Status", "custom", "description")
    status = state.register(
        "SC",
        Status,
        sha=params["sha"],
        state=body["state"],
        context=body.get("context") or "default",
        description=description,
        target_url=body.get("target_url"),
        creator=token.user,
    )
    repo.statuses.append(status)
    return Response(201, objects.status_json(status, repo, request.urls))


def _statuses_for(repo: Repo, ref: str) -> list[Status]:
    sha = ref
    for issue in repo.issues.values():
        if issue.pull and ref in (issue.pull.head_ref, issue.pull.head_sha):
            sha = issue.pull.head_sha
    return [s for s in reversed(repo.statuses) if s.sha == sha]


@route("GET", REPO + "/commits/(?P<ref>[^/]+)/statuses")
def list_statuses(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    page, headers = paginate(request, _statuses_for(repo, params["ref"]))
    return Response(200, [objects.status_json(s, repo, request.urls) for s in page], headers)


@route("GET", REPO + "/commits/(?P<ref>[^/]+)/status")
def combined_status(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    latest: dict[str, Status] = {}
    for status in _statuses_for(repo, params["ref"]):
        latest.setdefault(status.context, status)
    states = {s.state for s in latest.values()}
    overall = (
        "failure" if states & {"failure", "error"} else "pending" if "pending" in states or not states else "success"
    )
    return Response(
        200,
        {
            "state": overall,
            "sha": params["ref"],
            "total_count": len(latest),
            "statuses": [objects.status_json(s, repo, request.urls) for s in latest.values()],
            "repository": objects.repo_json(repo, request.urls),
        },
    )


@route("POST", REPO + "/check-runs")
def create_check_run(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    body = dict(request.body or {})
    if not body.get("name") or not body.get("head_sha"):
        raise validation_failed("CheckRun", "missing_field", "name" if not body.get("name") else "head_sha")
    body.update({"id": state.next_id(), "status": body.get("status", "queued"), "conclusion": body.get("conclusion")})
    repo.check_runs.append(body)
    return Response(201, body)


@route("GET", REPO + "/commits/(?P<ref>[^/]+)/check-runs")
def list_check_runs(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    runs = [r for r in repo.check_runs if r["head_sha"] == params["ref"]]
    return Response(200, {"total_count": len(runs), "check_runs": runs})


# ---- contents -----------------------------------------------------------------------------------------
def _content_json(repo: Repo, path: str, data: bytes, urls: Urls) -> dict[str, Any]:
    sha = hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
    return {
        "type": "file",
        "encoding": "base64",
        "size": len(data),
        "name": path.rsplit("/", 1)[-1],
        "path": path,
        "content": base64.b64encode(data).decode(),
        "sha": sha,
        "url": f"{urls.repo(repo)}/contents/{path}",
        "git_url": None,
        "html_url": f"{urls.web}/{repo.full_name}/blob/{repo.default_branch}/{path}",
        "download_url": None,
        "_links": {},
    }


@route("GET", REPO + "/contents/(?P<path>.+)")
def get_content(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    ref = request.query.get("ref")
    tree = repo.contents if ref in (None, repo.default_branch) else repo.commits.get(ref)
    if tree is None:
        raise HttpError(404, f"No commit found for the ref {ref}")
    if params["path"] not in tree:
        raise not_found()
    return Response(200, _content_json(repo, params["path"], tree[params["path"]], request.urls))


@route("PUT", REPO + "/contents/(?P<path>.+)")
def put_content(state: State, request: Request, params: dict[str, str]) -> Response:
    _require_write(request)
    repo = _repo(state, params)
    body = request.body or {}
    path = params["path"]
    if path in repo.contents:
        current = _content_json(repo, path, repo.contents[path], request.urls)["sha"]
        if body.get("sha") != current:
            raise HttpError(409, f"{path} does not match {body.get('sha')}")
    try:
        data = base64.b64decode(body.get("content", ""), validate=True)
    except ValueError:
        raise validation_failed("Content", "invalid", "content") from None
    created = path not in repo.contents
    repo.contents[path] = data
    return Response(
        201 if created else 200,
        {
            "content": _content_json(repo, path, data, request.urls),
            "commit": {"sha": hashlib.sha1(data).hexdigest(), "message": body.get("message", "")},
        },
    )


@route("GET", REPO + "/commits/(?P<ref>[^/]+)")
def get_commit(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _repo(state, params)
    sha = params["ref"]
    for issue in repo.issues.values():
        if issue.pull and sha in (issue.pull.head_ref, issue.pull.head_sha):
            sha = issue.pull.head_sha
    if not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise HttpError(422, f"No commit found for SHA: {params['ref']}")
    api = f"{request.urls.repo(repo)}/commits/{sha}"
    return Response(
        200,
        {
            "sha": sha,
            "node_id": state.node_id("C", int(sha[:6], 16)),
            "url": api,
            "html_url": f"{request.urls.web}/{repo.full_name}/commit/{sha}",
            "commit": {"message": "", "url": api},
            "parents": [],
            "files": [],
        },
    )


@route("GET", REPO + "/statuses/(?P<ref>[^/]+)")
def list_statuses_legacy(state: State, request: Request, params: dict[str, str]) -> Response:
    return list_statuses(state, request, params)


@route("GET", "/orgs/(?P<org>[^/]+)/teams/(?P<team>[^/]+)/memberships/(?P<login>[^/]+)")
def get_team_membership(state: State, request: Request, params: dict[str, str]) -> Response:
    for repo in state.repos.values():
        members = repo.teams.get(f"{params['org']}/{params['team']}".lower())
        if members is not None and params["login"].lower() in members:
            return Response(
                200,
                {
                    "url": f"{request.urls.api}/orgs/{params['org']}/teams/{params['team']}/"
                    f"memberships/{params['login']}",
                    "role": "member",
                    "state": "active",
                },
            )
    raise not_found()
