"""REST routes for a repository's settings, with GitHub's permission rules:

- `GET /repos/{o}/{r}/rules/branches/{branch}`: the active rules of every ruleset that targets the
  branch; any reader may ask (rulesets in "evaluate" or "disabled" enforcement are left out);
- `GET /repos/{o}/{r}/branches/{branch}/protection/required_status_checks`: admins only (an Actions
  token gets 403 "Resource not accessible by integration", a user without admin rights 404); an
  unprotected branch answers 404 "Branch not protected", a protected one without required checks 404
  "Required status checks not enabled";
- `GET /repos/{o}/{r}/pages`: 404 when Pages is off, else its `build_type` ("workflow" or "legacy");
- `GET /repos/{o}/{r}/actions/secrets/{name}` and `.../actions/organization-secrets`: collaborators
  with write access (never an Actions token); names and dates only, never values.
"""

from __future__ import annotations

import fnmatch
import urllib.parse
from typing import Any

from .rest import REPO, HttpError, Request, Response, _repo, not_found, paginate, route
from .state import Repo, Ruleset, State, iso, now

INTEGRATION_FORBIDDEN = "Resource not accessible by integration"


def _permission(repo: Repo, request: Request) -> str:
    """ "admin", "write", "read" or "none" for the requesting token on this repository."""
    token = request.token
    if token is None:
        return "none" if repo.private else "read"
    if token.kind == "actions":
        return "write"
    if token.user is repo.owner:
        return "admin"
    return repo.collaborators.get(token.user.login.lower(), "none" if repo.private else "read")


def _readable(state: State, request: Request, params: dict[str, str]) -> Repo:
    repo = _repo(state, params)
    if _permission(repo, request) == "none":
        raise not_found()
    return repo


def _targets(ruleset: Ruleset, repo: Repo, branch: str) -> bool:
    def matches(pattern: str) -> bool:
        if pattern == "~ALL":
            return True
        if pattern == "~DEFAULT_BRANCH":
            return branch == repo.default_branch
        return fnmatch.fnmatchcase(f"refs/heads/{branch}", pattern)

    return any(matches(p) for p in ruleset.include) and not any(matches(p) for p in ruleset.exclude)


@route("GET", REPO + "/rules/branches/(?P<branch>.+)")
def rules_for_branch(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _readable(state, request, params)
    branch = urllib.parse.unquote(params["branch"])
    if any(c in branch for c in "*?["):
        raise HttpError(422, "Branch name cannot contain wildcard characters")
    rules = [
        {
            **rule,
            "ruleset_source_type": ruleset.source_type,
            "ruleset_source": ruleset.source or repo.full_name,
            "ruleset_id": ruleset.id,
        }
        for ruleset in repo.settings.rulesets
        if ruleset.enforcement == "active" and _targets(ruleset, repo, branch)
        for rule in ruleset.rules
    ]
    page, headers = paginate(request, rules)
    return Response(200, page, headers)


@route("GET", REPO + "/branches/(?P<branch>.+)/protection/required_status_checks")
def required_status_checks(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _readable(state, request, params)
    if request.token is not None and request.token.kind == "actions":
        raise HttpError(403, INTEGRATION_FORBIDDEN)
    if _permission(repo, request) != "admin":
        raise not_found()
    branch = urllib.parse.unquote(params["branch"])
    protection = repo.settings.protection.get(branch)
    if protection is None:
        raise HttpError(404, "Branch not protected")
    if protection.contexts is None:
        raise HttpError(404, "Required status checks not enabled")
    url = f"{request.urls.repo(repo)}/branches/{branch}/protection/required_status_checks"
    return Response(
        200,
        {
            "url": url,
            "strict": protection.strict,
            "contexts": list(protection.contexts),
            "contexts_url": f"{url}/contexts",
            "checks": [{"context": c, "app_id": protection.app_ids.get(c)} for c in protection.contexts],
        },
    )


@route("GET", REPO + "/pages")
def get_pages(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _readable(state, request, params)
    build_type = repo.settings.pages_build_type
    if build_type is None:
        raise not_found()
    html = f"https://{repo.owner.login.lower()}.github.io/{repo.name}/"
    body: dict[str, Any] = {
        "url": f"{request.urls.repo(repo)}/pages",
        "status": "built",
        "cname": None,
        "custom_404": False,
        "html_url": html,
        "build_type": build_type,
        "source": {"branch": repo.default_branch, "path": "/"} if build_type == "legacy" else None,
        "public": not repo.private,
        "https_enforced": True,
    }
    return Response(200, body)


def _secret_reader(state: State, request: Request, params: dict[str, str]) -> Repo:
    repo = _readable(state, request, params)
    if request.token is not None and request.token.kind == "actions":
        raise HttpError(403, INTEGRATION_FORBIDDEN)
    if _permission(repo, request) not in ("admin", "write"):
        raise HttpError(403, "Must have admin rights to Repository.")
    return repo


def _secret(name: str) -> dict[str, Any]:
    moment = iso(now())
    return {"name": name, "created_at": moment, "updated_at": moment}


@route("GET", REPO + "/actions/secrets/(?P<name>[^/]+)")
def get_repository_secret(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _secret_reader(state, request, params)
    name = params["name"].upper()  # secret names are case-insensitive and stored upper-case
    if name not in {s.upper() for s in repo.settings.secrets}:
        raise not_found()
    return Response(200, _secret(name))


@route("GET", REPO + "/actions/organization-secrets")
def list_organization_secrets(state: State, request: Request, params: dict[str, str]) -> Response:
    repo = _secret_reader(state, request, params)
    secrets = [_secret(name.upper()) for name in sorted(repo.settings.organization_secrets)]
    page, headers = paginate(request, secrets)
    return Response(200, {"total_count": len(secrets), "secrets": page}, headers)
