"""`mlops-bot monitor`: check a monitoring report, or compute drift from two samples, against the thresholds;
open or update incidents (and retraining work) for breaches, note recoveries. Exit 1 on a breach."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.cli import add_format, emit
from bot.config import Config, load_config
from bot.errors import EXIT_CHECK_FAILED, EXIT_OK, CheckFailed, ConfigError, Location, UsageError
from bot.extras import require
from bot.github.client import Clients
from bot.monitor.checks import SignalResult, check_windows, read_report
from bot.monitor.incidents import sync_incidents
from bot.records.registry import read_registry

if TYPE_CHECKING:
    from bot.monitor.drift import FeatureDrift


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="the model's name in the registry")
    parser.add_argument("--metrics", help="a monitoring report (JSON or CSV)")
    parser.add_argument("--baseline", help="baseline sample of features and scores (CSV or Parquet)")
    parser.add_argument("--current", help="current sample, same columns (CSV or Parquet)")
    parser.add_argument("--score-column", default="score", help="the model's score column in the samples")
    parser.add_argument("--repo", help="where incidents go (default: GITHUB_REPOSITORY)")
    parser.add_argument("--no-issues", action="store_true", help="report only; open no issue")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    if args.baseline or args.current:
        require("monitor")  # drift needs numpy and scipy; reports need only the core
    config = load_config(args.config)
    _check_model(config, args.model)
    monitoring = config.monitoring
    drift: list[FeatureDrift] = []
    if args.metrics:
        results = check_windows(
            read_report(_read_text(args.metrics), args.metrics),
            monitoring["thresholds"],
            monitoring["recovery_windows"],
            args.metrics,
        )
    elif args.baseline and args.current:
        drift = _drift(args.baseline, args.current)
        results = _drift_results(drift, monitoring["thresholds"], args.score_column)
    else:
        raise UsageError("give --metrics FILE, or --baseline FILE and --current FILE")

    actions = []
    repository = args.repo or os.environ.get("GITHUB_REPOSITORY")
    if not args.no_issues and repository and os.environ.get("GITHUB_TOKEN"):
        clients = Clients.from_env()
        identity = clients.rest.viewer_login()
        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        guide = config.site.get("url", f"{server}/{repository}/blob/HEAD/site_src/runbooks/monitoring.md")
        actions = sync_incidents(
            clients.rest.rest.get_repo(repository),
            identity,
            args.model,
            results,
            guide_url=guide,
            open_retraining=monitoring["open_retraining_issue"],
            close_on_recovery=monitoring["close_on_recovery"],
            recovery_windows=monitoring["recovery_windows"],
        )
    _write_status(config, args.model, results)
    breached = [r for r in results if r.breached]
    lines = [f"{'BREACH' if r.breached else 'ok    '} {r.signal}: worst {r.worst:g} ({r.threshold})" for r in results]
    lines += [
        f"{d.feature}: PSI {d.psi:.4f}"
        + (
            f", KS {d.ks_statistic:.4f} (p={d.ks_pvalue:.3g})"
            if d.ks_statistic is not None
            else f", chi-square p={d.chi2_pvalue:.3g}"
        )
        for d in drift
    ]
    lines += [f"{a.what}: {a.reference}" for a in actions]
    lines.append(f"{args.model}: {len(breached)} breach(es) in {len(results)} signal(s)")
    emit(
        args,
        {
            "model": args.model,
            "breaches": len(breached),
            "signals": [
                {
                    "key": r.key,
                    "signal": r.signal,
                    "breached": r.breached,
                    "within_now": r.within_now,
                    "worst": r.worst,
                    "threshold": r.threshold,
                }
                for r in results
            ],
            "drift": [vars(d) for d in drift],
            "issues": [vars(a) for a in actions],
        },
        "\n".join(lines),
    )
    return EXIT_CHECK_FAILED if breached else EXIT_OK


def _check_model(config: Config, model: str) -> None:
    models, _ = read_registry(config.registry["path"])
    names = sorted({m.name for m in models})
    if model not in names:
        raise ConfigError(
            f"unknown model {model!r}; the registry has: {', '.join(names) or 'no models'}",
            Location(config.registry["path"]),
        )


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read: {exc}", Location(path)) from None


def _read_sample(path: str) -> dict[str, list[Any]]:
    if path.endswith(".parquet"):
        require("parquet")
        import pyarrow.parquet as parquet

        try:
            return parquet.read_table(path).to_pydict()
        except (OSError, ValueError) as exc:
            raise CheckFailed(f"not a Parquet file: {exc}", Location(path)) from None
    rows = list(csv.DictReader(io.StringIO(_read_text(path))))
    if not rows:
        raise CheckFailed("the sample has no rows", Location(path))
    return {column: [row[column] for row in rows] for column in rows[0]}


def _drift(baseline_path: str, current_path: str) -> list[FeatureDrift]:
    from bot.monitor.drift import feature_drift  # numpy and scipy: the `monitor` extra

    baseline, current = _read_sample(baseline_path), _read_sample(current_path)
    if set(baseline) != set(current):
        only_base = sorted(set(baseline) - set(current))
        only_now = sorted(set(current) - set(baseline))
        raise CheckFailed(
            f"the samples have different columns: only in the baseline {only_base or '-'}, "
            f"only in the current sample {only_now or '-'}",
            Location(current_path),
        )
    return [feature_drift(column, baseline[column], current[column]) for column in sorted(baseline)]


def _drift_results(drift: list[FeatureDrift], thresholds: dict[str, Any], score_column: str) -> list[SignalResult]:
    stamp = "current sample"
    results = []
    for item in drift:
        psi_spec = thresholds["feature_psi"]
        results.append(
            SignalResult(
                f"feature-drift:{item.feature}",
                f"PSI of {item.feature}",
                f"above {psi_spec['max']:g}",
                item.psi > psi_spec["max"],
                item.psi <= psi_spec["max"],
                item.psi,
                [(stamp, round(item.psi, 6))],
            )
        )
        if item.feature == score_column and item.ks_pvalue is not None:
            ks_spec = thresholds["score_ks_pvalue"]
            results.append(
                SignalResult(
                    "score-drift",
                    "score KS p-value",
                    f"below {ks_spec['min']:g}",
                    item.ks_pvalue < ks_spec["min"],
                    item.ks_pvalue >= ks_spec["min"],
                    item.ks_pvalue,
                    [(stamp, item.ks_pvalue)],
                )
            )
    return results


def _write_status(config: Config, model: str, results: list[SignalResult]) -> None:
    folder = Path(config.monitoring.get("status_dir", "data/monitoring"))
    folder.mkdir(parents=True, exist_ok=True)
    latest = max((r.evidence[-1][0] for r in results if r.evidence), default="")
    status = {
        "model": model,
        "latest_window": latest,
        "signals": [
            {"signal": r.signal, "breached": r.breached, "worst": r.worst, "threshold": r.threshold} for r in results
        ],
    }
    (folder / f"{model}.json").write_text(json.dumps(status, indent=1) + "\n", encoding="utf-8")
