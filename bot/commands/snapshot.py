"""`mlops-bot snapshot`: fetch the ml-* issues of the configured repositories into the site's snapshot.

Incremental: with a previous snapshot, only issues updated since it was taken are fetched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os

from bot.cli import add_format, emit
from bot.config import load_config
from bot.errors import EXIT_OK, ConfigError
from bot.github.client import Clients
from bot.github.queries import load
from bot.site.snapshot import issue_entry, merge, read_snapshot, utc_now, write_snapshot

# Issues edited while the previous snapshot was being taken are fetched again.
OVERLAP = dt.timedelta(minutes=5)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", help="snapshot file (default: site.snapshot in the configuration)")
    parser.add_argument("--full", action="store_true", help="fetch everything, ignoring the previous snapshot")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    if not config.repositories:
        raise ConfigError("no repositories to snapshot: list them under `repositories`", config.locate("repositories"))
    path = args.output or config.site.snapshot
    previous = None if args.full else read_snapshot(path)
    since = None
    if previous:
        taken = dt.datetime.fromisoformat(previous["generated_at"].replace("Z", "+00:00"))
        since = (taken - OVERLAP).isoformat().replace("+00:00", "Z")
    started = utc_now()
    clients = Clients.from_env()
    labels = sorted(config.board.mapped_labels)
    fresh = []
    for repository in config.repositories:
        owner, name = repository.split("/", 1)
        after = None
        while True:
            data = clients.rest.graphql(
                load("SnapshotIssues"), {"owner": owner, "name": name, "labels": labels, "since": since, "after": after}
            )
            issues = data["repository"]["issues"]
            for node in issues["nodes"]:
                fresh.append(
                    issue_entry(
                        {
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
                            "milestone": None
                            if not node.get("milestone")
                            else {
                                "title": node["milestone"]["title"],
                                "number": node["milestone"]["number"],
                                "due_on": node["milestone"]["dueOn"],
                            },
                            "labels": [label["name"] for label in node["labels"]["nodes"]],
                        },
                        config,
                    )
                )
            if not issues["pageInfo"]["hasNextPage"]:
                break
            after = issues["pageInfo"]["endCursor"]
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    snapshot = merge(previous, fresh, list(config.repositories), started, server)
    if config.mlflow.configured:  # MLflow runs on experiment cards (bot/mlflow/runs.py)
        from bot.mlflow.runs import enrich_issues, runs_client

        snapshot["issues"] = enrich_issues(snapshot["issues"], runs_client(config.mlflow), config.mlflow)
    write_snapshot(path, snapshot)
    log = clients.request_log
    emit(
        args,
        {
            "file": path,
            "fetched": len(fresh),
            "issues": len(snapshot["issues"]),
            "incremental": bool(since),
            "requests": log.total,
        },
        f"{path}: {len(snapshot['issues'])} issue(s), {len(fresh)} fetched "
        f"{'since ' + since if since else 'in full'}; {log.total} request(s)",
    )
    return EXIT_OK
