"""One monitoring run for one model: check the report (or the drift), then open, update or close its
incidents and retraining work, and write its status file when asked."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Config
from bot.errors import ConfigError, Location, UsageError
from bot.monitor.checks import SignalResult, check_windows, drift_results, read_report
from bot.monitor.samples import read_sample_pair, read_text
from bot.records.registry import read_registry

if TYPE_CHECKING:  # the GitHub client and the issue forms load only when issues are opened
    from bot.github.client import Clients
    from bot.monitor.incidents import IncidentAction


@dataclass(frozen=True)
class MonitorRequest:
    model: str
    metrics: str | None = None  # a report file
    baseline: str | None = None  # or two sample files
    current: str | None = None
    score_column: str = "score"
    repository: str | None = None  # where incidents go; None with open_issues: an error
    open_issues: bool = True
    status_dir: str | None = None  # overrides the configuration's


@dataclass
class MonitorReport:
    model: str
    results: list[SignalResult]
    drift: list[Any] = field(default_factory=list)  # FeatureDrift, when samples were compared
    actions: list[IncidentAction] = field(default_factory=list)
    status_file: str | None = None

    @property
    def breaches(self) -> list[SignalResult]:
        return [r for r in self.results if r.breached]

    def as_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "breaches": len(self.breaches),
            "signals": [
                {
                    "key": r.key,
                    "signal": r.signal,
                    "breached": r.breached,
                    "within_now": r.within_now,
                    "worst": r.worst,
                    "threshold": r.threshold,
                }
                for r in self.results
            ],
            "drift": [vars(d) for d in self.drift],
            "issues": [vars(a) for a in self.actions],
            "status_file": self.status_file,
        }

    def as_text(self) -> str:
        lines = [
            f"{'BREACH' if r.breached else 'ok    '} {r.signal}: worst {r.worst:g} ({r.threshold})"
            for r in self.results
        ]
        for d in self.drift:
            test = (
                f", KS {d.ks_statistic:.4f} (p={d.ks_pvalue:.3g})"
                if d.ks_statistic is not None
                else f", chi-square p={d.chi2_pvalue:.3g}"
            )
            lines.append(f"{d.feature}: PSI {d.psi:.4f}{test}")
        lines += [f"{a.what}: {a.reference}" for a in self.actions]
        if self.status_file:
            lines.append(f"wrote {self.status_file}")
        lines.append(f"{self.model}: {len(self.breaches)} breach(es) in {len(self.results)} signal(s)")
        return "\n".join(lines)


def monitor_model(
    config: Config, request: MonitorRequest, connect: Callable[[], Clients] | None = None
) -> MonitorReport:
    check_model_known(config, request.model)
    if request.open_issues and not request.repository:
        raise UsageError("incidents need a repository: set GITHUB_REPOSITORY or pass --repo (or --no-issues)")
    clients = None
    if request.open_issues:  # no token: say so in one line before any work
        from bot.github.client import Clients

        clients = (connect or Clients.from_env)()
    report = MonitorReport(request.model, [])
    if request.metrics:
        report.results = check_windows(
            read_report(read_text(request.metrics), request.metrics), config.monitoring, request.metrics
        )
    elif request.baseline and request.current:
        from bot.monitor.drift import feature_drift  # numpy and scipy: only for samples

        baseline, current = read_sample_pair(request.baseline, request.current)
        report.drift = [feature_drift(column, baseline[column], current[column]) for column in sorted(baseline)]
        report.results = drift_results(report.drift, config.monitoring, request.score_column)
    else:
        raise UsageError("give --metrics FILE, or --baseline FILE and --current FILE")

    if clients is not None and request.repository:
        from bot.monitor.incidents import sync_incidents

        server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
        guide = config.site.url or f"{server}/{request.repository}/blob/HEAD/site_src/runbooks/monitoring.md"
        report.actions = sync_incidents(
            clients.rest.rest.get_repo(request.repository),
            clients.rest.viewer_login(),
            request.model,
            report.results,
            guide_url=guide,
            open_retraining=config.monitoring.open_retraining_issue,
            close_on_recovery=config.monitoring.close_on_recovery,
            recovery_windows=config.monitoring.recovery_windows,
        )
    folder = request.status_dir or (config.monitoring.status_dir if config.monitoring.write_status else None)
    if folder:
        report.status_file = write_status(Path(folder), request.model, report.results)
    return report


def check_model_known(config: Config, model: str) -> None:
    models, _ = read_registry(config.registry.path)
    names = sorted({m.name for m in models})
    if model not in names:
        raise ConfigError(
            f"unknown model {model!r}; the registry has: {', '.join(names) or 'no models'}",
            Location(config.registry.path),
        )


def write_status(folder: Path, model: str, results: list[SignalResult]) -> str:
    """The model's latest status, for the site: `<folder>/<model>.json`. Returns the file written."""
    folder.mkdir(parents=True, exist_ok=True)
    latest = max((r.evidence[-1][0] for r in results if r.evidence), default="")
    status = {
        "model": model,
        "latest_window": latest,
        "signals": [
            {"signal": r.signal, "breached": r.breached, "worst": r.worst, "threshold": r.threshold} for r in results
        ],
    }
    path = folder / f"{model}.json"
    path.write_text(json.dumps(status, indent=1) + "\n", encoding="utf-8")
    return path.as_posix()
