"""A run without a token, or without the repository it needs, stops before any request with one
line that names what to set (never retry noise, never a silent no-op)."""

from __future__ import annotations

import json

import pytest

from tests.helpers import BOT_TOKEN, ROOT, run_cli


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "mlops.yml").write_text(
        "project_url: https://github.com/orgs/acme/projects/3\n"
        f"registry: {{path: {ROOT / 'sample' / 'registry'}}}\nmonitoring: {{status_dir: status}}\n"
    )
    windows = [{"timestamp": f"2026-11-01T10:0{minute}:00Z", "p99_latency_ms": 900} for minute in range(6)]
    (tmp_path / "report.json").write_text(json.dumps({"windows": windows}))
    return tmp_path


def only_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args",
    [
        ["sync", "--all", "--dry-run"],
        ["triage", "--reminders"],
        ["check-pr", "--repo", "acme/churn", "--pr", "1"],
        ["snapshot"],
        ["monitor", "--model", "fraud-detector", "--metrics", "report.json", "--repo", "acme/churn"],
    ],
)
def test_no_token_is_one_line_before_any_request(github, workdir, args):
    env = {
        "GITHUB_API_URL": github.api_url,
        "GITHUB_GRAPHQL_URL": github.graphql_url,
        "GITHUB_REPOSITORY": "acme/churn",
    }
    result = run_cli([*args, "--config", "mlops.yml"], cwd=workdir, env=env)
    assert result.code == 2
    assert only_line(result).startswith("error: GITHUB_TOKEN is not set: export a token")
    assert github.requests == []


def test_reminders_without_repositories_say_so(github, workdir):
    result = run_cli(["triage", "--reminders", "--config", "mlops.yml"], cwd=workdir, env=github.env(BOT_TOKEN))
    assert (
        result.code == 2 and "no repositories to remind" in only_line(result) and "GITHUB_REPOSITORY" in result.stderr
    )
    assert github.requests == []


def test_monitor_without_a_repository_opens_nothing_silently(github, workdir):
    args = ["monitor", "--config", "mlops.yml", "--model", "fraud-detector", "--metrics", "report.json"]
    result = run_cli(args, cwd=workdir, env=github.env(BOT_TOKEN))
    assert result.code == 2
    assert only_line(result) == (
        "error: incidents need a repository: set GITHUB_REPOSITORY or pass --repo (or --no-issues)"
    )
    assert not (workdir / "status").exists() and github.requests == []
    report_only = run_cli([*args, "--no-issues"], cwd=workdir)
    assert report_only.code == 1 and "BREACH" in report_only.stdout


def test_a_malformed_repository_is_named(github, workdir):
    result = run_cli(["doctor", "--repo", "churn"], cwd=workdir, env=github.env(BOT_TOKEN))
    assert result.code == 2 and "'churn' is not a repository: write it as OWNER/NAME" in only_line(result)
