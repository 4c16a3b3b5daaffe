"""Board sync request budget and memory, measured: the real CLI against the GitHub emulator.

Run: .venv/bin/python benchmarks/board_sync.py [--issues 10000]
Prints a Markdown table (the README carries the last run's figures).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import DEFAULTS  # noqa: E402
from tests.emulator import GitHubEmulator  # noqa: E402
from tests.emulator.webhooks import issues_event  # noqa: E402

TOKEN = "ghp_benchmark"
COLUMNS = tuple(DEFAULTS["columns"])
LABELS = tuple(DEFAULTS["labels"])
# Runs the CLI and reports its own peak resident memory on stderr's last line.
RUNNER = (
    "import resource, sys; from bot.cli import main; code = main(sys.argv[1:]); "
    "print('maxrss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)"
)


class Bench:
    def __init__(self, github: GitHubEmulator, workdir: Path) -> None:
        self.github = github
        self.workdir = workdir
        (workdir / "mlops.yml").write_text(
            f"project_url: {github.urls.web}/orgs/acme/projects/1\nrepositories: [acme/churn]\n"
            "sync:\n  mutation_pause_seconds: 0\n  batch_size: 50\n"
        )

    def run(self, *args: str, event: dict | None = None) -> dict:
        env = {**self.github.env(TOKEN), "PYTHONPATH": str(ROOT), "GITHUB_REPOSITORY": "acme/churn"}
        if event is not None:
            path = self.workdir / "event.json"
            path.write_text(json.dumps(event))
            env.update(GITHUB_EVENT_NAME="issues", GITHUB_EVENT_PATH=str(path))
        before = len(self.github.requests)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, "sync", "--config", "mlops.yml", "--format", "json", *args],
            cwd=self.workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"sync failed: {done.stderr}")
        served = self.github.requests[before:]
        return {
            "requests": len(served),
            "mutations": sum(
                1
                for r in served
                if r.operation and (r.operation.endswith("Items") or r.operation.startswith(("Set", "Update")))
            ),
            "seconds": elapsed,
            "rss_mib": int(done.stderr.split("maxrss_kib")[-1]) / 1024,
            "report": json.loads(done.stdout),
        }


def board_with(issue_count: int) -> GitHubEmulator:
    github = GitHubEmulator().start()
    github.state.add_token(TOKEN, "mlops-bot")
    repo = github.state.repo("acme/churn")
    github.state.project("acme", 1, status_options=COLUMNS)
    for n in range(issue_count):
        github.state.issue(
            repo, f"task {n}", labels=(LABELS[n % len(LABELS)],), state="closed" if n % 4 == 0 else "open"
        )
    return github


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=10_000)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # One event at a time.
        github = board_with(0)
        bench = Bench(github, Path(tmp))
        repo = github.state.repos["acme/churn"]
        sender = github.state.user("jo")
        issue = github.state.issue(repo, "new experiment", labels=("ml-experiment",))
        added = bench.run(event=issues_event("opened", issue, sender, github.urls))
        unchanged = bench.run(event=issues_event("edited", issue, sender, github.urls, changes={}))
        issue.labels.append(github.state.label(repo, "ml-evaluation"))
        moved = bench.run(
            event=issues_event("labeled", issue, sender, github.urls, label=github.state.label(repo, "ml-evaluation"))
        )
        unmapped = github.state.issue(repo, "typo", labels=("documentation",))
        ignored = bench.run(event=issues_event("opened", unmapped, sender, github.urls))
        github.stop()
        rows += [
            ("event: issue without a mapped label", ignored, "0"),
            ("event: nothing changes", unchanged, "1"),
            ("event: item moves", moved, "≤ 2"),
            ("event: item added and placed", added, "≤ 3"),
        ]

        for count in sorted({1_000, args.issues}):
            github = board_with(count)
            bench = Bench(github, Path(tmp))
            first = bench.run("--all")
            second = bench.run("--all")
            github.stop()
            rows += [
                (f"reconcile {count:,} issues, all need adding", first, f"≤ {count // 10}"),
                (f"reconcile {count:,} issues, nothing changed", second, f"≤ {count // 50}, no mutation"),
            ]

    print("| Run | Requests | Mutation requests | Budget | Wall time | Peak RSS |")
    print("|---|---:|---:|---|---:|---:|")
    for name, result, budget in rows:
        print(
            f"| {name} | {result['requests']:,} | {result['mutations']:,} | {budget} | "
            f"{result['seconds']:.1f} s | {result['rss_mib']:.0f} MiB |"
        )


if __name__ == "__main__":
    main()
