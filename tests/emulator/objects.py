"""REST JSON for the emulator's objects, shaped like GitHub's (the webhook examples are the templates)."""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from .state import Comment, Issue, Label, Milestone, PullRequest, Repo, Review, Status, User, iso


def shared_github_dir() -> Path:
    """`../shared/github` beside the project (override with MLOPS_SHARED_GITHUB)."""
    override = os.environ.get("MLOPS_SHARED_GITHUB")
    return Path(override) if override else Path(__file__).resolve().parents[3] / "shared" / "github"


@cache
def example(event: str, action: str) -> dict[str, Any]:
    path = shared_github_dir() / "webhooks" / "examples" / event / f"{action}.payload.json"
    return json.loads(path.read_text(encoding="utf-8"))


class Urls:
    """Where the emulator serves the API and the web pages."""

    def __init__(self, api: str, web: str) -> None:
        self.api = api.rstrip("/")
        self.web = web.rstrip("/")

    def repo(self, repo: Repo) -> str:
        return f"{self.api}/repos/{repo.full_name}"


def user_json(user: User, urls: Urls) -> dict[str, Any]:
    api = f"{urls.api}/users/{user.login}"
    return {
        "login": user.login,
        "id": user.id,
        "node_id": user.node_id,
        "avatar_url": f"{urls.web}/avatars/u/{user.id}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{urls.web}/{user.login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": user.type,
        "site_admin": False,
    }


def label_json(label: Label, repo: Repo, urls: Urls) -> dict[str, Any]:
    return {
        "id": label.id,
        "node_id": label.node_id,
        "url": f"{urls.repo(repo)}/labels/{label.name}",
        "name": label.name,
        "color": label.color,
        "default": label.default,
        "description": label.description,
    }


def milestone_json(milestone: Milestone, repo: Repo, urls: Urls) -> dict[str, Any]:
    api = f"{urls.repo(repo)}/milestones/{milestone.number}"
    return {
        "url": api,
        "html_url": f"{urls.web}/{repo.full_name}/milestone/{milestone.number}",
        "labels_url": f"{api}/labels",
        "id": milestone.id,
        "node_id": milestone.node_id,
        "number": milestone.number,
        "title": milestone.title,
        "description": milestone.description,
        "creator": user_json(milestone.creator, urls),
        "open_issues": sum(1 for i in repo.issues.values() if i.milestone is milestone and i.state == "open"),
        "closed_issues": sum(1 for i in repo.issues.values() if i.milestone is milestone and i.state == "closed"),
        "state": milestone.state,
        "created_at": iso(milestone.created_at),
        "updated_at": iso(milestone.updated_at),
        "due_on": iso(milestone.due_on),
        "closed_at": iso(milestone.closed_at),
    }


def _reactions(url: str) -> dict[str, Any]:
    return {
        "url": f"{url}/reactions",
        "total_count": 0,
        "+1": 0,
        "-1": 0,
        "laugh": 0,
        "hooray": 0,
        "confused": 0,
        "heart": 0,
        "rocket": 0,
        "eyes": 0,
    }


def issue_json(issue: Issue, urls: Urls) -> dict[str, Any]:
    repo = issue.repo
    api = f"{urls.repo(repo)}/issues/{issue.number}"
    body: dict[str, Any] = {
        "url": api,
        "repository_url": urls.repo(repo),
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{urls.web}/{repo.full_name}/{'pull' if issue.pull else 'issues'}/{issue.number}",
        "id": issue.id,
        "node_id": issue.node_id,
        "number": issue.number,
        "title": issue.title,
        "user": user_json(issue.user, urls),
        "labels": [label_json(lb, repo, urls) for lb in issue.labels],
        "state": issue.state,
        "locked": False,
        "assignee": user_json(issue.assignees[0], urls) if issue.assignees else None,
        "assignees": [user_json(user, urls) for user in issue.assignees],
        "milestone": milestone_json(issue.milestone, repo, urls) if issue.milestone else None,
        "comments": len(issue.comments),
        "created_at": iso(issue.created_at),
        "updated_at": iso(issue.updated_at),
        "closed_at": iso(issue.closed_at),
        "author_association": issue.author_association,
        "active_lock_reason": None,
        "body": issue.body,
        "reactions": _reactions(api),
        "timeline_url": f"{api}/timeline",
        "performed_via_github_app": None,
        "state_reason": issue.state_reason,
    }
    if issue.pull:
        body["pull_request"] = {
            "url": f"{urls.repo(repo)}/pulls/{issue.number}",
            "html_url": body["html_url"],
            "diff_url": f"{body['html_url']}.diff",
            "patch_url": f"{body['html_url']}.patch",
            "merged_at": None,
        }
    return body


def comment_json(comment: Comment, issue: Issue, urls: Urls) -> dict[str, Any]:
    api = f"{urls.repo(issue.repo)}/issues/comments/{comment.id}"
    return {
        "url": api,
        "html_url": f"{urls.web}/{issue.repo.full_name}/issues/{issue.number}#issuecomment-{comment.id}",
        "issue_url": f"{urls.repo(issue.repo)}/issues/{issue.number}",
        "id": comment.id,
        "node_id": comment.node_id,
        "user": user_json(comment.user, urls),
        "created_at": iso(comment.created_at),
        "updated_at": iso(comment.updated_at),
        "author_association": comment.author_association,
        "performed_via_github_app": None,
        "body": comment.body,
        "reactions": _reactions(api),
    }


def repo_json(repo: Repo, urls: Urls) -> dict[str, Any]:
    template = copy.deepcopy(example("issues", "opened")["repository"])
    api, web = urls.repo(repo), f"{urls.web}/{repo.full_name}"
    for key, value in list(template.items()):
        if isinstance(value, str) and value.startswith("https://api.github.com/repos/Codertocat/Hello-World"):
            template[key] = value.replace("https://api.github.com/repos/Codertocat/Hello-World", api)
    template.update(
        {
            "id": repo.id,
            "node_id": repo.node_id,
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "owner": user_json(repo.owner, urls),
            "html_url": web,
            "url": api,
            "description": None,
            "fork": False,
            "default_branch": repo.default_branch,
            "visibility": "private" if repo.private else "public",
            "created_at": iso(repo.created_at),
            "updated_at": iso(repo.created_at),
            "pushed_at": iso(repo.created_at),
            "git_url": f"git://{web.split('://', 1)[1]}.git",
            "ssh_url": f"git@emulator:{repo.full_name}.git",
            "clone_url": f"{web}.git",
            "svn_url": web,
            "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open"),
            "open_issues": sum(1 for i in repo.issues.values() if i.state == "open"),
            "has_issues": True,
            "has_projects": True,
            "archived": False,
            "custom_properties": {},
        }
    )
    return template


def pull_json(pull: PullRequest, urls: Urls) -> dict[str, Any]:
    issue, repo = pull.issue, pull.issue.repo
    template = copy.deepcopy(example("pull_request", "opened")["pull_request"])
    api = f"{urls.repo(repo)}/pulls/{issue.number}"
    html = f"{urls.web}/{repo.full_name}/pull/{issue.number}"

    def ref(name: str, sha: str, side_repo: Repo) -> dict[str, Any]:
        return {
            "label": f"{side_repo.owner.login}:{name}",
            "ref": name,
            "sha": sha,
            "user": user_json(side_repo.owner, urls),
            "repo": repo_json(side_repo, urls),
        }

    template.update(
        {
            "url": api,
            "id": pull.id,
            "node_id": pull.node_id,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": f"{urls.repo(repo)}/issues/{issue.number}",
            "number": issue.number,
            "state": issue.state,
            "locked": False,
            "title": issue.title,
            "user": user_json(issue.user, urls),
            "body": issue.body,
            "created_at": iso(issue.created_at),
            "updated_at": iso(issue.updated_at),
            "closed_at": iso(issue.closed_at),
            "merged_at": None,
            "merge_commit_sha": None,
            "assignee": None,
            "assignees": [],
            "requested_reviewers": [],
            "requested_teams": [],
            "labels": [label_json(lb, repo, urls) for lb in issue.labels],
            "milestone": milestone_json(issue.milestone, repo, urls) if issue.milestone else None,
            "commits_url": f"{api}/commits",
            "review_comments_url": f"{api}/comments",
            "review_comment_url": f"{urls.repo(repo)}/pulls/comments{{/number}}",
            "comments_url": f"{urls.repo(repo)}/issues/{issue.number}/comments",
            "statuses_url": f"{urls.repo(repo)}/statuses/{pull.head_sha}",
            "head": ref(pull.head_ref, pull.head_sha, pull.head_repo),
            "base": ref(pull.base_ref, pull.base_sha, repo),
            "author_association": issue.author_association,
            "auto_merge": None,
            "active_lock_reason": None,
            "draft": pull.draft,
            "merged": pull.merged,
            "mergeable": None,
            "rebaseable": None,
            "mergeable_state": "unknown",
            "merged_by": None,
            "comments": len(issue.comments),
            "review_comments": 0,
            "maintainer_can_modify": False,
            "commits": 1,
            "additions": 0,
            "deletions": 0,
            "changed_files": len(pull.files),
        }
    )
    template["_links"] = {
        "self": {"href": api},
        "html": {"href": html},
        "issue": {"href": template["issue_url"]},
        "comments": {"href": template["comments_url"]},
        "review_comments": {"href": f"{api}/comments"},
        "review_comment": {"href": template["review_comment_url"]},
        "commits": {"href": f"{api}/commits"},
        "statuses": {"href": template["statuses_url"]},
    }
    return template


def review_json(review: Review, pull: PullRequest, urls: Urls) -> dict[str, Any]:
    html = f"{urls.web}/{pull.issue.repo.full_name}/pull/{pull.issue.number}"
    return {
        "id": review.id,
        "node_id": review.node_id,
        "user": user_json(review.user, urls),
        "body": review.body,
        "state": review.state,
        "html_url": f"{html}#pullrequestreview-{review.id}",
        "pull_request_url": f"{urls.repo(pull.issue.repo)}/pulls/{pull.issue.number}",
        "author_association": review.author_association,
        "submitted_at": iso(review.submitted_at),
        "commit_id": review.commit_id,
        "_links": {"html": {"href": html}, "pull_request": {"href": html}},
    }


def status_json(status: Status, repo: Repo, urls: Urls) -> dict[str, Any]:
    return {
        "url": f"{urls.repo(repo)}/statuses/{status.sha}",
        "avatar_url": None,
        "id": status.id,
        "node_id": status.node_id,
        "state": status.state,
        "description": status.description,
        "target_url": status.target_url,
        "context": status.context,
        "created_at": iso(status.created_at),
        "updated_at": iso(status.updated_at),
        "creator": user_json(status.creator, urls),
    }
