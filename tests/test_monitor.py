"""Monitoring: drift figures against scipy and by hand, threshold rules, bad input, and the issues it keeps."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from bot.config import config_from_document
from bot.errors import CheckFailed
from bot.monitor.checks import check_windows, read_report
from bot.monitor.drift import categorical_psi, feature_drift, numeric_psi, psi_from_shares
from bot.yaml_source import parse_yaml
from tests.helpers import BOT_TOKEN, run_cli

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MONITORING = config_from_document(parse_yaml("", "defaults")).monitoring


# ---- figures -------------------------------------------------------------------------------------------
def test_psi_matches_a_hand_computed_example():
    # Shares 0.25/0.25/0.5 -> 0.5/0.25/0.25: 0.25*ln(2) + 0 - 0.25*ln(0.5) = 0.5*ln(2)
    assert psi_from_shares(np.array([0.25, 0.25, 0.5]), np.array([0.5, 0.25, 0.25])) == pytest.approx(0.5 * math.log(2))
    psi, _ = categorical_psi(["a"] * 50 + ["b"] * 50, ["a"] * 75 + ["b"] * 25)
    assert psi == pytest.approx(0.25 * math.log(1.5) + 0.25 * math.log(2))
    same = np.arange(1000.0)
    assert numeric_psi(same, same) == pytest.approx(0.0)


def test_ks_and_chi_square_match_scipy():
    rng = np.random.default_rng(42)
    baseline, current = rng.normal(0, 1, 4000), rng.normal(0.2, 1.1, 3000)
    drift = feature_drift("x", list(baseline), list(current))
    expected = stats.ks_2samp(baseline, current)
    assert drift.ks_statistic == pytest.approx(expected.statistic) and drift.ks_pvalue == pytest.approx(expected.pvalue)
    base, now = ["a"] * 40 + ["b"] * 60, ["a"] * 70 + ["b"] * 30 + ["c"] * 5
    _, p = categorical_psi(base, now)
    table = np.array([[40, 60, 0], [70, 30, 5]])
    assert p == pytest.approx(stats.chi2_contingency(table).pvalue)


def test_out_of_range_values_still_count():
    baseline = np.linspace(0, 1, 1000)
    assert numeric_psi(baseline, baseline + 5) > 5  # every current value beyond the top decile


@pytest.mark.parametrize(
    ("baseline", "current", "message"),
    [
        ([], [1, 2], "baseline sample of 'x' is empty"),
        ([1.0], [1, 2], "has one value"),
        ([1, 2, float("nan")], [1, 2], "missing or infinite"),
        ([1, 2, 3], [1, float("inf")], "missing or infinite"),
        ([3, 3, 3], [1, 2], "has a single value; PSI needs spread"),
        (["a", ""], ["a", "b"], "fewer than two values"),
    ],
)
def test_bad_samples_are_refused(baseline, current, message):
    with pytest.raises(CheckFailed, match=message):
        feature_drift("x", baseline, current)


# ---- thresholds ----------------------------------------------------------------------------------------
def report(rows: list[dict]) -> str:
    return json.dumps({"windows": [{"timestamp": f"2026-11-01T10:{n:02d}:00Z", **row} for n, row in enumerate(rows)]})


def results(rows: list[dict], recovery: int = 3):
    return {
        r.key: r
        for r in check_windows(
            read_report(report(rows), "r.json"), replace(DEFAULT_MONITORING, recovery_windows=recovery), "r.json"
        )
    }


def test_latency_needs_five_consecutive_minutes():
    four = results([{"p99_latency_ms": 250}] * 4 + [{"p99_latency_ms": 100}] * 2)
    assert not four["latency"].breached
    five = results([{"p99_latency_ms": 250}] * 5 + [{"p99_latency_ms": 100}])
    assert five["latency"].breached and five["latency"].worst == 250


def test_error_rate_breaches_in_any_window_and_recovers_after_n_windows():
    spike = results([{"error_rate_percent": 0.2}, {"error_rate_percent": 1.5}, {"error_rate_percent": 0.3}])
    assert spike["error-rate"].breached
    recovered = results([{"error_rate_percent": 1.5}] + [{"error_rate_percent": 0.3}] * 3)
    assert not recovered["error-rate"].breached and recovered["error-rate"].within_now


def test_drift_and_calibration_signals():
    found = results(
        [
            {
                "feature_psi": {"tenure": 0.31, "plan": 0.05},
                "score_ks_pvalue": 0.004,
                "brier": 0.138,
                "brier_baseline": 0.11,
            }
        ]
    )
    assert found["feature-drift:tenure"].breached and not found["feature-drift:plan"].breached
    assert found["score-drift"].breached
    assert found["performance-decay"].breached and found["performance-decay"].worst == pytest.approx(25.455)
    assert found["performance-decay"].retraining_trigger == "Performance decay"
    assert found["feature-drift:tenure"].retraining_trigger == "Data drift"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("timestamp,p99_latency_ms\n2026-11-01T10:00:00Z,\n", "'p99_latency_ms' has no value in window"),
        ("timestamp,p99_latency_ms\n2026-11-01T10:00:00Z,nan\n", "is not a finite number"),
        ("timestamp,p99_latency_ms\nyesterday,12\n", "'yesterday' is not ISO 8601"),
        ("timestamp,p99_latency_ms\n2026-11-01T10:01:00Z,1\n2026-11-01T10:00:00Z,1\n", "in time order"),
        ("timestamp,queue_depth\n2026-11-01T10:00:00Z,4\n", "none of the monitored columns"),
        ("timestamp,brier\n2026-11-01T10:00:00Z,0.1\n", "no `brier_baseline`"),
        ("", "no windows"),
        ("{not json", "not JSON"),
    ],
)
def test_bad_reports_get_clear_errors(text, message):
    with pytest.raises(CheckFailed, match=message):
        check_windows(read_report(text, "r.csv"), DEFAULT_MONITORING, "r.csv")


# ---- end to end ------------------------------------------------------------------------------------------
@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "mlops.yml").write_text(
        f"registry: {{path: {ROOT / 'sample' / 'registry'}}}\n"
        "monitoring: {close_on_recovery: true, status_dir: status, write_status: true}\n"
    )
    return tmp_path


def monitor(github, workdir: Path, rows: list[dict] | None = None, *extra: str):
    if rows is not None:
        (workdir / "report.json").write_text(report(rows))
    return run_cli(
        ["monitor", "--config", "mlops.yml", "--model", "fraud-detector", *(extra or ("--metrics", "report.json"))],
        cwd=workdir,
        env=github.env(BOT_TOKEN, GITHUB_REPOSITORY="acme/ml-platform"),
    )


def test_breach_opens_an_incident_and_retraining_once_then_recovery_closes_it(github, workdir):
    repo = github.state.repo("acme/ml-platform")
    decayed = [{"brier": 0.14, "brier_baseline": 0.11, "p99_latency_ms": 120}] * 3
    first = monitor(github, workdir, decayed)
    assert first.code == 1, first.stderr
    incidents = [i for i in repo.issues.values() if "ml-monitoring" in [lb.name for lb in i.labels]]
    retraining = [i for i in repo.issues.values() if "ml-retraining" in [lb.name for lb in i.labels]]
    assert len(incidents) == 1 and len(retraining) == 1
    (incident,) = incidents
    assert incident.title == "Incident: Brier score degradation (%) on fraud-detector"
    assert "### Model\n\nfraud-detector" in incident.body and "monitoring.md" in incident.body
    assert "### Trigger\n\nPerformance decay" in retraining[0].body and f"#{incident.number}" in retraining[0].body
    assert "| Window | Brier score degradation (%) |" in incident.comments[0].body
    github.clear()
    again = monitor(github, workdir)
    assert again.code == 1 and "unchanged" in again.stdout
    assert len(repo.issues) == 2 and len(incident.comments) == 1
    assert not [r for r in github.requests if r.method in ("POST", "PATCH") and r.operation is None]  # no write
    healthy = [{"brier": 0.111, "brier_baseline": 0.11, "p99_latency_ms": 100}] * 3
    recovered = monitor(github, workdir, healthy)
    assert recovered.code == 0, recovered.stdout
    assert incident.state == "closed" and "**Recovered:**" in incident.comments[0].body
    status = json.loads((workdir / "status" / "fraud-detector.json").read_text())
    assert status["model"] == "fraud-detector" and not any(s["breached"] for s in status["signals"])


def test_drift_from_samples_including_parquet(github, workdir):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(1)
    base = {
        "amount": rng.gamma(2, 30, 2000).tolist(),
        "score": rng.beta(2, 5, 2000).tolist(),
        "channel": rng.choice(["web", "app", "pos"], 2000).tolist(),
    }
    now = {
        "amount": (rng.gamma(2, 30, 2000) * 1.8).tolist(),
        "score": rng.beta(2, 3, 2000).tolist(),
        "channel": rng.choice(["web", "app", "pos"], 2000, p=[0.6, 0.3, 0.1]).tolist(),
    }
    pq.write_table(pa.table(base), workdir / "base.parquet")
    pq.write_table(pa.table(now), workdir / "now.parquet")
    result = monitor(
        github,
        workdir,
        None,
        "--baseline",
        "base.parquet",
        "--current",
        "now.parquet",
        "--no-issues",
        "--format",
        "json",
    )
    assert result.code == 1, result.stderr
    found = {s["key"]: s for s in result.json()["signals"]}
    assert found["feature-drift:amount"]["breached"] and found["score-drift"]["breached"]
    assert {d["feature"]: d["kind"] for d in result.json()["drift"]}["channel"] == "categorical"
    assert github.state.repo("acme/ml-platform").issues == {}


@pytest.mark.parametrize(
    ("files", "message", "code"),
    [
        ({"base.csv": "a,b\n1,2\n3,4\n", "now.csv": "a,c\n1,2\n3,4\n"}, "different columns", 1),
        ({"base.csv": "a\n1\n2\n", "now.csv": "a\n1\nnan\n"}, "missing or infinite", 1),
        ({"base.csv": "a\n", "now.csv": "a\n1\n"}, "no rows", 1),
    ],
)
def test_garbage_samples_open_no_issue(github, workdir, files, message, code):
    for name, text in files.items():
        (workdir / name).write_text(text)
    result = monitor(github, workdir, None, "--baseline", "base.csv", "--current", "now.csv")
    assert result.code == code and message in result.stderr and "Traceback" not in result.stderr
    assert github.state.repo("acme/ml-platform").issues == {}


def test_unknown_model_is_a_configuration_error(github, workdir):
    (workdir / "report.json").write_text(report([{"p99_latency_ms": 1}]))
    result = run_cli(["monitor", "--config", "mlops.yml", "--model", "nope", "--metrics", "report.json"], cwd=workdir)
    assert result.code == 2 and "unknown model 'nope'; the registry has: churn-classifier" in result.stderr


def test_several_signals_list_open_issues_once_and_share_one_retraining_issue(github, workdir):
    repo = github.state.repo("acme/ml-platform")
    drifted = [{"feature_psi": {"amount": 0.4, "velocity_1h": 0.5, "merchant": 0.02}, "score_ks_pvalue": 0.3}] * 3
    result = monitor(github, workdir, drifted)
    assert result.code == 1, result.stderr
    labels = [[label.name for label in issue.labels] for issue in repo.issues.values()]
    assert labels.count(["ml-monitoring"]) == 2 and labels.count(["ml-retraining"]) == 1
    listings = [r for r in github.requests if r.method == "GET" and r.path.endswith("/issues")]
    assert len(listings) == 2  # once for incidents, once for retraining work
