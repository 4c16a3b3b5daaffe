"""Bring the site's snapshot up to date with GitHub, reading only what changed: the edge to GitHub.

An incremental refresh gives exactly what a full read would, whatever happened on GitHub since the last
snapshot: issues edited, closed, relabelled, stripped of their last mapped label, deleted or transferred,
repositories added to or removed from the configuration.

Request cost, per configured repository (N labelled issues in it, c of them updated since the snapshot):
- incremental: ceil((c + 1) / 50) queries. The first page also counts the labelled issues; every issue that
  is labelled now was either in the snapshot or updated since, so the count falls short of what the
  snapshot holds exactly when some issues were deleted, transferred away or unlabelled. Only then
  ceil(N / 100) more queries list the numbers still labelled (numbers only: one point of rate limit each).
- in full: ceil(N / 50) queries, for a repository the snapshot does not cover yet, with `--full`, or when
  what the entries are derived from changed (the mapped labels, columns, issue forms, bot version or server:
  the snapshot's `basis`).
A repository removed from the configuration is dropped without a request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.config import Config
from bot.github.client import GitHubClient
from bot.github.queries import load
from bot.site.snapshot import assemble, issue_entry, snapshot_basis

# Issues edited while the previous snapshot was being taken are read again.
OVERLAP = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Refreshed:
    snapshot: dict[str, Any]
    fetched: int  # issues read with their bodies
    dropped: int  # issues of the previous snapshot that are gone from GitHub or from the configuration
    read_in_full: tuple[str, ...]  # repositories read from scratch
    since: str | None  # where the incremental reads started


def refresh(
    client: GitHubClient, config: Config, previous: dict[str, Any] | None, server_url: str, started: str
) -> Refreshed:
    """The snapshot as of `started`, from `previous` (None: read everything) and what changed since."""
    basis = snapshot_basis(config, server_url)
    usable = previous if previous is not None and previous.get("basis") == basis else None
    since = None
    if usable is not None:
        taken = dt.datetime.fromisoformat(usable["generated_at"].replace("Z", "+00:00"))
        since = (taken - OVERLAP).isoformat().replace("+00:00", "Z")
    covered = {name.lower() for name in (usable or {}).get("repositories", [])}
    labels = sorted(config.board.mapped_labels)
    entries: list[dict[str, Any]] = []
    fetched, read_in_full = 0, []
    for repository in config.repositories:
        incremental = repository.lower() in covered
        kept = {
            e["number"]: e for e in (usable or {}).get("issues", []) if e["repository"].lower() == repository.lower()
        }
        count = None
        for page_count, fresh in _changed(client, config, repository, labels, since if incremental else None):
            count = page_count if count is None else count
            kept.update((entry["number"], entry) for entry in fresh)
            fetched += len(fresh)
        if not incremental:
            read_in_full.append(repository)
        elif count != len(kept):  # some are gone: keep the ones still labelled
            still = set(_labelled_numbers(client, repository, labels))
            kept = {number: entry for number, entry in kept.items() if number in still}
        entries.extend(kept.values())
    snapshot = assemble(entries, list(config.repositories), started, server_url, basis)
    return Refreshed(snapshot, fetched, len(_keys(previous) - _keys(snapshot)), tuple(read_in_full), since)


def _keys(snapshot: dict[str, Any] | None) -> set[tuple[str, int]]:
    return {(e["repository"].lower(), e["number"]) for e in (snapshot or {}).get("issues", [])}


def _changed(
    client: GitHubClient, config: Config, repository: str, labels: list[str], since: str | None
) -> Iterator[tuple[int | None, list[dict[str, Any]]]]:
    """Pages of labelled issues updated since `since` (all of them when None), as snapshot entries; the first
    page of an incremental read comes with the count of labelled issues."""
    owner, name = repository.split("/", 1)
    after = None
    while True:
        variables = {"owner": owner, "name": name, "labels": labels, "since": since, "after": after}
        data = client.graphql(load("SnapshotIssues"), {**variables, "withCount": since is not None and after is None})
        issues = data["repository"]["issues"]
        count = (data["repository"].get("labelled") or {}).get("totalCount")
        yield count, [issue_entry(_raw(node, repository), config) for node in issues["nodes"]]
        if not issues["pageInfo"]["hasNextPage"]:
            return
        after = issues["pageInfo"]["endCursor"]


def _labelled_numbers(client: GitHubClient, repository: str, labels: list[str]) -> Iterator[int]:
    owner, name = repository.split("/", 1)
    after = None
    while True:
        data = client.graphql(
            load("SnapshotIssueNumbers"), {"owner": owner, "name": name, "labels": labels, "after": after}
        )
        issues = data["repository"]["issues"]
        yield from (node["number"] for node in issues["nodes"])
        if not issues["pageInfo"]["hasNextPage"]:
            return
        after = issues["pageInfo"]["endCursor"]


def _raw(node: dict[str, Any], repository: str) -> dict[str, Any]:
    """One issue as GraphQL returns it -> the flat shape `issue_entry` reads."""
    milestone = node.get("milestone")
    return {
        "repository": repository,
        "number": node["number"],
        "title": node["title"],
        "url": node["url"],
        "state": node["state"].lower(),
        "body": node["body"],
        "created_at": node["createdAt"],
        "updated_at": node["updatedAt"],
        "closed_at": node["closedAt"],
        "author": (node.get("author") or {}).get("login"),
        "assignees": [user["login"] for user in (node.get("assignees") or {}).get("nodes") or [] if user],
        "milestone": None
        if not milestone
        else {"title": milestone["title"], "number": milestone["number"], "due_on": milestone["dueOn"]},
        "labels": [label["name"] for label in node["labels"]["nodes"]],
    }
