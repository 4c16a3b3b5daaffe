"""Writes whose answer may be lost: sent once, read back, and sent again only if they did not happen.

After a 5xx or a dropped connection, a POST's outcome is unknown: GitHub may have made the comment,
the issue or the label. The transport never replays such a POST (`client.replay_safe`). The feature
that sent it knows how to look for what it makes (its marker comment, its issue by marker, a label
by name): `create_once` pauses, looks, and creates again only when nothing is there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import requests
import urllib3
from github import GithubException

from bot.github.client import describe_failure
from bot.github.rest import REST_FAILURES, RetryPolicy

log = logging.getLogger("mlops_bot.github")

T = TypeVar("T")
ATTEMPTS = 3  # sends of one write at most, each after a read-back found nothing


def outcome_unknown(exc: BaseException) -> bool:
    """Did the request fail in a way that leaves open whether GitHub carried it out?

    A 5xx or a connection lost after sending: yes. A 4xx (validation, permissions, not found) or a
    rate limit: GitHub refused it, so no."""
    if isinstance(exc, GithubException):
        return exc.status is None or exc.status >= 500
    return isinstance(
        exc,
        (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
            urllib3.exceptions.ProtocolError,
        ),
    )


def create_once(via: Any, create: Callable[[], T], find: Callable[[], T | None], *, what: str) -> T:
    """`create()`; if its outcome is unknown, `find()` what it would have made before creating again.

    `via` is the PyGithub object the write goes through: its client's retry policy gives the pause
    before each read-back (GitHub may still be finishing the write) and counts the extra attempt."""
    policy = retry_policy_of(via)
    pause = policy.backoff_factor if policy is not None else 1.0
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return create()
        except REST_FAILURES as exc:
            if attempt == ATTEMPTS or not outcome_unknown(exc):
                raise
            reason = f"{what}: {describe_failure(exc)}; reading back before trying again"
            if policy is not None and policy.request_log is not None:
                policy.request_log.add_retry(reason)
            else:
                log.info("retrying: %s", reason)
        time.sleep(pause * 2 ** (attempt - 1))
        found = find()
        if found is not None:
            return found
    raise AssertionError("unreachable: the last attempt returns or raises")


def retry_policy_of(obj: Any) -> RetryPolicy | None:
    """The retry policy of the client a PyGithub object belongs to (None for other objects)."""
    requester = getattr(obj, "requester", None)
    policy = requester.kwargs.get("retry") if requester is not None else None
    return policy if isinstance(policy, RetryPolicy) else None


def add_labels(issue: Any, names: list[str]) -> None:
    """Add labels to a PyGithub issue (GitHub makes a missing label in the repository as it goes).

    Adding is a union, but it is a POST: when the answer is lost, the issue's labels are read back
    and the request is sent again only if some are still missing."""
    if not names:
        return

    def all_there() -> bool | None:
        present = {label.name.lower() for label in issue.get_labels()}
        return True if all(name.lower() in present for name in names) else None

    create_once(issue, lambda: issue.add_to_labels(*names) or True, all_there, what=f"labels {', '.join(names)}")


def remove_label(issue: Any, name: str) -> None:
    """Remove a label from a PyGithub issue; one that is already gone is no failure (a DELETE replayed
    after a lost answer finds nothing to remove)."""
    try:
        issue.remove_from_labels(name)
    except GithubException as exc:
        if exc.status != 404:
            raise
