"""The deployment gate, measured: its parsers on hostile bodies, and its API requests per pull request.

Run: .venv/bin/python benchmarks/gate.py
Prints two Markdown tables (the README carries the last run's figures). The parsers are timed in
process (best of 3); the requests are counted on the GitHub emulator with the real CLI.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.config import config_from_document  # noqa: E402
from bot.gate.rules import linked_issue  # noqa: E402
from bot.records.checklist import evaluate  # noqa: E402
from bot.records.codeowners import owners_of  # noqa: E402
from bot.yaml_source import parse_yaml  # noqa: E402
from tests.emulator import GitHubEmulator, git_data  # noqa: E402
from tests.emulator.webhooks import pull_request_event  # noqa: E402

LIMIT = 65_536  # GitHub's largest body
# The pattern the gate used before: `\s*:?\s+` backtracks over every run of spaces after a keyword.
OLD_LINKED_ISSUE = re.compile(
    r"\b(?:deploys|deploy|closes|close|closed|fixes|fix|fixed|resolves|resolve|resolved)\s*:?\s+#(\d+)\b",
    re.IGNORECASE,
)

BODIES = {
    "keyword, 65,000 spaces, no #": "fix" + " " * (LIMIT - 4) + "x",
    "keyword + 40 spaces, repeated": ("fix" + " " * 40) * (LIMIT // 43),
    "keyword + colon + spaces, repeated": ("deploys:" + " " * 40) * (LIMIT // 48),
    "a 65,000-digit issue number": "Deploys #" + "9" * (LIMIT - 10),
    "unclosed HTML comments": "<!--" * (LIMIT // 4),
    "struck task list": "- [x] ~~Model validated~~\n" * (LIMIT // 26),
    "tildes": "- [x] " + "~a" * ((LIMIT - 6) // 2),
}


def best_of_three(work: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def parser_table() -> list[str]:
    checklist = config_from_document(parse_yaml("", "mlops.yml")).checklist
    rows = [
        "| Body (65,536 characters) | Linked issue, before | Linked issue, now | Checklist |",
        "|---|---:|---:|---:|",
    ]
    worst = 0.0
    for name, body in BODIES.items():
        old = best_of_three(lambda body=body: OLD_LINKED_ISSUE.search(body)) if "keyword" in name else None
        new = best_of_three(lambda body=body: linked_issue(body))
        listed = best_of_three(lambda body=body: evaluate(body, checklist))
        worst = max(worst, new)
        before = f"{old * 1000:,.0f} ms" if old is not None else "–"
        rows.append(f"| {name} | {before} | {new * 1000:.1f} ms | {listed * 1000:,.0f} ms |")
    pattern = "*a" * 40 + "b"
    owners = best_of_three(lambda: owners_of("a" * 4000, f"{pattern} @x\n" * 100))
    rows.append(
        f"\nWorst linked-issue search: {worst * 1000:.1f} ms. CODEOWNERS, 100 rules of 40 stars against a "
        f"4,000-character path: {owners * 1000:.0f} ms."
    )
    return rows


def requests_table() -> list[str]:
    model = (ROOT / "sample/registry/churn-classifier/2.1.0.yml").read_text()
    complete = "\n".join(
        f"- [x] {i}"
        for i in ["Model validated", "A/B test configured", "Monitoring set up", "Rollback tested", "Alerts configured"]
    )
    cases = {
        "no deployment (README only)": ({}, {"README.md": "x"}),
        "a deploy/ file": ({}, {"deploy/x.yaml": "a: 1"}),
        "a promotion to production": (
            {"registry/churn-classifier/2.1.0.yml": model},
            {"registry/churn-classifier/2.1.0.yml": model.replace("stage: staging", "stage: production")},
        ),
        "3,001 files with a promotion": (
            {"registry/churn-classifier/2.1.0.yml": model},
            {
                **{f"assets/{i:04}.txt": "x" for i in range(3000)},
                "registry/churn-classifier/2.1.0.yml": model.replace("stage: staging", "stage: production"),
            },
        ),
    }
    rows = ["| Pull request | API requests | Wall time |", "|---|---:|---:|"]
    with GitHubEmulator() as github, tempfile.TemporaryDirectory() as tmp:
        github.state.add_token("ghp_bench", "mlops-bot")
        repo = github.state.repo("acme/ml")
        workdir = Path(tmp)
        (workdir / ".github").mkdir()
        (workdir / ".github" / "mlops.yml").write_text("")
        for name, (base, files) in cases.items():
            base_sha = git_data.commit(github.state, repo, {**base, ".github/CODEOWNERS": "/registry/ @ana\n"})
            head_sha = git_data.commit(github.state, repo, files, parent=base_sha)
            repo.branches["main"] = base_sha
            pull = github.state.pull_request(
                repo, "Deploy", body=complete, user="jo", head_sha=head_sha, base_sha=base_sha
            )
            pull.files = git_data.pull_files(repo, base_sha, head_sha)
            event = workdir / "event.json"
            event.write_text(json.dumps(pull_request_event("opened", pull, github.state.user("jo"), github.urls)))
            github.clear()
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "bot", "check-pr"],
                cwd=workdir,
                env={
                    **github.env("ghp_bench", GITHUB_EVENT_NAME="pull_request_target", GITHUB_EVENT_PATH=str(event)),
                    "PYTHONPATH": str(ROOT),
                    "PATH": "/usr/bin:/bin",
                },
                capture_output=True,
                check=False,
            )
            elapsed = time.perf_counter() - start
            rows.append(f"| {name} | {len(github.served())} | {elapsed:.1f} s |")
    return rows


if __name__ == "__main__":
    print("\n".join(parser_table()))
    print()
    print("\n".join(requests_table()))
