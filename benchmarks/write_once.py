"""What a lost answer costs: each write the bot makes, run by the real CLI against the GitHub emulator,
cleanly and with the answer lost after GitHub did the work (a 502, or a dropped connection).

Run: .venv/bin/python benchmarks/write_once.py [--backoff 1]
Prints a Markdown table: requests, POSTs, what exists afterwards (always exactly one), and seconds.
`--backoff` is MLOPS_RETRY_BACKOFF, the pause before a read-back (the default run uses the shipped 1 s).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.emulator import Fault, GitHubEmulator  # noqa: E402
from tests.emulator import objects as gh_objects  # noqa: E402
from tests.emulator.graphql_api import github_schema  # noqa: E402
from tests.emulator.objects import example  # noqa: E402
from tests.helpers import BOT_TOKEN, run_cli  # noqa: E402

Setup = tuple[list[str], dict[str, str], Callable[[], object]]  # CLI words, environment, what exists after
FAULTS: dict[str, Callable[[str, str], Fault] | None] = {
    "clean": None,
    "502 after processing": lambda method, path: Fault(
        "status", status=502, method=method, path=path, times=3, after_processing=True
    ),
    "answer lost": lambda method, path: Fault("drop", method=method, path=path, times=3, after_processing=True),
}


def event(github: GitHubEmulator, workdir: Path, name: str, action: str, issue, **comment: str) -> dict[str, str]:
    payload = json.loads(json.dumps(example(name, action)))
    payload["issue"] = gh_objects.issue_json(issue, github.urls)
    payload["repository"] = gh_objects.repo_json(issue.repo, github.urls)
    if comment:
        payload["comment"].update(author_association="MEMBER", **comment)
        payload["comment"]["user"].update(login="jo", type="User")
    path = workdir / f"{name}.json"
    path.write_text(json.dumps(payload))
    return {"GITHUB_EVENT_NAME": name, "GITHUB_EVENT_PATH": str(path)}


def record_comment(github: GitHubEmulator, workdir: Path) -> Setup:
    issue = github.state.issue(github.state.repo("acme/ml"), "Experiment", labels=("ml-experiment",))
    return ["triage"], event(github, workdir, "issues", "opened", issue), lambda: len(issue.comments)


def command_labels(github: GitHubEmulator, workdir: Path) -> Setup:
    issue = github.state.issue(github.state.repo("acme/ml"), "Experiment", labels=("ml-experiment",))
    env = event(github, workdir, "issue_comment", "created", issue, body="/outcome promote")
    return ["triage"], env, lambda: sum(label.name == "outcome: promote" for label in issue.labels)


def incident_issue(github: GitHubEmulator, workdir: Path) -> Setup:
    repo = github.state.repo("acme/ml-platform")
    (workdir / "m.yml").write_text(f"registry: {{path: {ROOT / 'sample' / 'registry'}}}\n")
    rows = [{"timestamp": f"2026-11-01T10:0{n}:00Z", "p99_latency_ms": 900} for n in range(6)]
    (workdir / "report.json").write_text(json.dumps({"windows": rows}))
    args = ["monitor", "--config", "m.yml", "--model", "fraud-detector", "--metrics", "report.json"]
    return args, {"GITHUB_REPOSITORY": "acme/ml-platform"}, lambda: len(repo.issues)


def init_labels(github: GitHubEmulator, workdir: Path) -> Setup:
    repo = github.state.repo("acme/empty")
    args = ["init", "--path", str(workdir), "--repo", "acme/empty", "--action-ref", "acme/mlops-bot@" + "0" * 40]
    # Each label once: the emulator keys labels by name, so a second POST would have been refused (422).
    return args, {}, lambda: "1 each" if len(repo.labels) == len({name.lower() for name in repo.labels}) else "2+"


WRITES = {
    "record comment (POST /issues/N/comments)": (record_comment, "POST", r"/issues/\d+/comments$"),
    "command labels (POST /issues/N/labels)": (command_labels, "POST", r"/issues/\d+/labels$"),
    "incident issue (POST /issues)": (incident_issue, "POST", r"/issues$"),
    "init labels (POST /labels, 3 lost)": (init_labels, "POST", r"/labels$"),
}


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__)
    options.add_argument("--backoff", default="1", help="MLOPS_RETRY_BACKOFF in seconds (default 1)")
    backoff = options.parse_args().backoff
    github_schema()  # the emulator parses GitHub's schema once; not part of any run
    print("| Write | Answer | Requests | POSTs | Copies afterwards | Seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for write, (setup, method, path) in WRITES.items():
        for fault_name, fault in FAULTS.items():
            with GitHubEmulator() as github, tempfile.TemporaryDirectory() as folder:
                github.state.add_token(BOT_TOKEN, "mlops-bot")
                workdir = Path(folder)
                args, env, copies = setup(github, workdir)
                if fault is not None:
                    github.inject(fault(method, path))
                started = time.perf_counter()
                result = run_cli(args, cwd=workdir, env=github.env(BOT_TOKEN, MLOPS_RETRY_BACKOFF=backoff, **env))
                seconds = time.perf_counter() - started
                assert result.code in (0, 1), result.stderr
                posts = len(github.served(method=method, path=path))
                print(f"| {write} | {fault_name} | {len(github.requests)} | {posts} | {copies()} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
