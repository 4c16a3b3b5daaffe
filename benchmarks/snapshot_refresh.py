"""Request cost of `mlops-bot snapshot`: a full read, then incremental refreshes after k changes of each kind.

Runs the real refresh (bot/site/refresh.py) over HTTP against the GitHub emulator holding N labelled issues
in one repository. Each row starts from a snapshot that matches GitHub and from issues last touched long
ago, makes its changes on the emulator, refreshes, and counts the GraphQL requests it sent.

Run: .venv/bin/python benchmarks/snapshot_refresh.py [--issues 1000 10000]
Prints a Markdown table (the README carries the last run's figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.github.client import Endpoints, GitHubClient  # noqa: E402
from bot.records.forms import forms, render_body  # noqa: E402
from bot.site.refresh import refresh  # noqa: E402
from bot.site.snapshot import utc_now  # noqa: E402
from tests.emulator import GitHubEmulator  # noqa: E402
from tests.emulator.state import Issue, Repo, State  # noqa: E402

REPOSITORY = "acme/ml-platform"
TOKEN = "ghp_benchmark"
LONG_AGO = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
LABELS = ("ml-experiment", "ml-deployment", "ml-data", "ml-monitoring")


def seed(state: State, count: int) -> Repo:
    repo = state.repo(REPOSITORY)
    state.repo("acme/archive")
    body = render_body(
        forms()["experiment"], {"hypothesis": "If we add x, then AUC improves because y.", "dataset": "d"}
    )
    for number in range(count):
        state.issue(repo, f"Experiment {number}", body=body, labels=(LABELS[number % len(LABELS)],))
    return repo


def edit(state: State, issues: list[Issue]) -> None:
    for issue in issues:
        issue.title += " (edited)"
        issue.touch()


def unlabel(state: State, issues: list[Issue]) -> None:
    for issue in issues:
        issue.labels = [state.label(issue.repo, "documentation")]
        issue.touch()


def delete(state: State, issues: list[Issue]) -> None:
    for issue in issues:
        state.delete_issue(issue)


def transfer(state: State, issues: list[Issue]) -> None:
    for issue in issues:
        state.transfer_issue(issue, state.repos["acme/archive"])


CASES: list[tuple[str, int, Callable[[State, list[Issue]], None]]] = [
    ("nothing changed", 0, edit),
    ("1 edited", 1, edit),
    ("10 edited", 10, edit),
    ("100 edited", 100, edit),
    ("1 unlabelled", 1, unlabel),
    ("1 deleted", 1, delete),
    ("10 deleted", 10, delete),
    ("1 transferred away", 1, transfer),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, nargs="+", default=[1_000, 10_000])
    args = parser.parse_args()
    print("| Labelled issues | Change since the last snapshot | Requests | Issues read | Time |")
    print("|---:|---|---:|---:|---:|")
    for count in args.issues:
        with GitHubEmulator() as github, tempfile.TemporaryDirectory() as tmp:
            github.state.add_token(TOKEN, "mlops-bot")
            repo = seed(github.state, count)
            (Path(tmp) / "mlops.yml").write_text(f"repositories: [{REPOSITORY}]\n")
            config = load_config(Path(tmp) / "mlops.yml", environ={})
            client = GitHubClient(TOKEN, Endpoints(github.api_url, github.graphql_url))
            started = time.perf_counter()
            current = refresh(client, config, None, "https://github.com", utc_now()).snapshot
            row(count, "none (full read)", client.request_log.total, count, time.perf_counter() - started)
            for case, (name, changes, change) in enumerate(CASES):
                for issue in repo.issues.values():
                    issue.updated_at = LONG_AGO  # what an earlier refresh read is older than its overlap
                current = {**current, "generated_at": utc_now()}
                labelled = [i for _, i in sorted(repo.issues.items()) if {lb.name for lb in i.labels} & set(LABELS)]
                change(github.state, labelled[case::7][:changes])  # issues no earlier row changed
                client.request_log.records.clear()
                started = time.perf_counter()
                done = refresh(client, config, current, "https://github.com", utc_now())
                row(count, name, client.request_log.total, done.fetched, time.perf_counter() - started)
                current = done.snapshot


def row(count: int, change: str, requests: int, read: int, seconds: float) -> None:
    print(f"| {count:,} | {change} | {requests} | {read} | {seconds:.2f} s |", flush=True)


if __name__ == "__main__":
    main()
