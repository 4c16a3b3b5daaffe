"""Webhook payloads for the changes the emulator makes, shaped like GitHub's real examples."""

from __future__ import annotations

import copy
from typing import Any

from . import objects
from .objects import Urls, example, shared_github_dir
from .state import Comment, Issue, Label, PullRequest, Review, User


def _base(event: str, action: str, sender: User, urls: Urls, repo: Any) -> dict[str, Any]:
    # Not every action has a published example; the others share the opened one's envelope.
    has_example = (shared_github_dir() / "webhooks" / "examples" / event / f"{action}.payload.json").exists()
    payload = copy.deepcopy(example(event, action if has_example else "opened"))
    for key in ("installation", "organization", "enterprise"):
        payload.pop(key, None)
    payload.update(
        {"action": action, "repository": objects.repo_json(repo, urls), "sender": objects.user_json(sender, urls)}
    )
    return payload


def issues_event(
    action: str,
    issue: Issue,
    sender: User,
    urls: Urls,
    *,
    label: Label | None = None,
    changes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    payload = _base("issues", action, sender, urls, issue.repo)
    payload["issue"] = objects.issue_json(issue, urls)
    if action in ("labeled", "unlabeled"):
        if label is None:
            payload.pop("label", None)
        else:
            payload["label"] = objects.label_json(label, issue.repo, urls)
    if action == "edited":
        payload["changes"] = changes or {}
    return payload


def transferred_event(old_issue: Issue, new_issue: Issue, sender: User, urls: Urls) -> dict[str, Any]:
    payload = _base("issues", "transferred", sender, urls, old_issue.repo)
    payload["issue"] = objects.issue_json(old_issue, urls)
    payload["changes"] = {
        "new_issue": objects.issue_json(new_issue, urls),
        "new_repository": objects.repo_json(new_issue.repo, urls),
    }
    return payload


def deleted_event(issue: Issue, sender: User, urls: Urls) -> dict[str, Any]:
    payload = _base("issues", "deleted", sender, urls, issue.repo)
    payload["issue"] = objects.issue_json(issue, urls)
    return payload


def issue_comment_event(
    action: str, issue: Issue, comment: Comment, sender: User, urls: Urls, changes: dict[str, Any] | None = None
) -> dict[str, Any]:
    payload = _base("issue_comment", action, sender, urls, issue.repo)
    payload["issue"] = objects.issue_json(issue, urls)
    payload["comment"] = objects.comment_json(comment, issue, urls)
    if action == "edited":
        payload["changes"] = changes or {"body": {"from": ""}}
    return payload


def pull_request_event(action: str, pull: PullRequest, sender: User, urls: Urls) -> dict[str, Any]:
    payload = _base("pull_request", action, sender, urls, pull.issue.repo)
    payload["number"] = pull.issue.number
    payload["pull_request"] = objects.pull_json(pull, urls)
    if action == "synchronize":
        payload["before"], payload["after"] = "0" * 40, pull.head_sha
    if action == "edited":
        payload["changes"] = {"body": {"from": ""}}
    return payload


_NOT_IN_SIMPLE_PULL_REQUEST = (
    "additions",
    "changed_files",
    "comments",
    "commits",
    "deletions",
    "maintainer_can_modify",
    "mergeable",
    "mergeable_state",
    "merged",
    "merged_by",
    "rebaseable",
    "review_comments",
)


def pull_request_review_event(
    action: str, pull: PullRequest, review: Review, sender: User, urls: Urls
) -> dict[str, Any]:
    """`pull_request_review` (submitted, edited, dismissed): no published example, so the pull_request
    envelope with the review as webhooks send it (its state in lower case)."""
    payload = _base("pull_request", "opened", sender, urls, pull.issue.repo)
    payload.pop("number", None)
    payload["action"] = action
    simple = objects.pull_json(pull, urls)  # review events carry a "simple" pull request: no counts or merge state
    for key in _NOT_IN_SIMPLE_PULL_REQUEST:
        simple.pop(key, None)
    payload["pull_request"] = simple
    review_json = objects.review_json(review, pull, urls)
    review_json["state"] = review.state.lower()
    payload["review"] = review_json
    if action == "edited":
        payload["changes"] = {}
    return payload
