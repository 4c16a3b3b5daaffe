"""MLflow runs on experiment cards: runs an experiment issue names, and runs tagged with its number.

An issue names a run by its URL anywhere in its text, or by its URL or bare ID in the form's
"MLflow runs" field. Only runs on the configured tracking server are read: a URL to any other
server is never fetched (the bot's credentials go to its own server only). A run tagged
`mlops.issue` (12, #12, owner/repo#12 or the issue's URL) is shown on that issue's card too.

Cost per snapshot: one search for experiments, one search (per 1000 tagged runs) for runs tagged
`mlops.issue`, and one read per named run that no tag already brought.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import urllib.parse
from collections import defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from bot.config import MlflowConfig
from bot.mlflow.client import MlflowError, MlflowNotFound, MlflowRefused
from bot.mlflow.facts import RunFacts
from bot.mlflow.fields import issue_reference, run_url

log = logging.getLogger("mlops_bot.mlflow")

RUNS_PER_ISSUE = 10
TAGGED_RUNS_READ = 5000
METRICS_SHOWN = 8
PARAMS_SHOWN = 12
VALUE_CHARS = 80
ISSUE_TAG = "mlops.issue"
_RUN_URL = re.compile(
    r"(?P<base>https?://[^\s#<>()\[\]\"']+?)/(?:#/|ml/)?experiments/(?P<experiment>[0-9A-Za-z_-]+)"
    r"/runs/(?P<run>[0-9a-f]{32})\b"
)
_RUN_ID = re.compile(r"(?<![0-9A-Za-z/])[0-9a-f]{32}(?![0-9A-Za-z])")
RUNS_FIELD = "mlflow_runs"


class RunSource(Protocol):
    """What enrichment reads: the tracking server's client, or runs recorded for the bundled sample."""

    tracking_uri: str

    def get_run(self, run_id: str) -> dict[str, Any]: ...

    def search_experiment_ids(self) -> list[str]: ...

    def search_runs(self, experiment_ids: list[str], filter_string: str, limit: int) -> list[dict[str, Any]]: ...


def named_runs(issue: Mapping[str, Any], server_url: str) -> tuple[list[str], list[str]]:
    """(IDs of runs on `server_url` the issue names, in order; URLs of runs on other servers, ignored)."""
    record = issue.get("record") or {}
    texts = [str(v) for v in (record.get("fields") or {}).values() if isinstance(v, str)]
    texts += [str(v) for v in (record.get("extra_sections") or {}).values()]
    ids: list[str] = []
    foreign: list[str] = []
    for text in texts:
        for match in _RUN_URL.finditer(text):
            if _same_server(match["base"], server_url):
                ids.append(match["run"])
            else:
                foreign.append(match.group(0))
    field = (record.get("fields") or {}).get(RUNS_FIELD)
    if isinstance(field, str):
        without_urls = _RUN_URL.sub(" ", field)
        ids += _RUN_ID.findall(without_urls)
    return list(dict.fromkeys(ids)), list(dict.fromkeys(foreign))


def _same_server(base: str, server_url: str) -> bool:
    def norm(url: str) -> tuple[str, str, str]:
        parts = urllib.parse.urlsplit(url)
        netloc = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        return parts.scheme.lower(), netloc.lower(), parts.path.rstrip("/")

    try:
        return norm(base) == norm(server_url)
    except ValueError:
        return False


def enrich_issues(issues: list[dict[str, Any]], client: RunSource, config: MlflowConfig) -> list[dict[str, Any]]:
    """The snapshot's issues with `mlflow_runs` on each experiment that names runs or has runs tagged for it.

    When MLflow cannot be read, the issues come back as they were (runs from the previous snapshot stay)
    and a warning says why: the snapshot of the issues matters more than the runs on their cards."""
    try:
        return _enrich(issues, client, config)
    except MlflowError as exc:
        log.warning("MLflow runs not refreshed: %s", exc)
        return issues


def _enrich(issues: list[dict[str, Any]], client: RunSource, config: MlflowConfig) -> list[dict[str, Any]]:
    server = client.tracking_uri
    experiments = [i for i in issues if i.get("kind") == "experiment"]
    named: dict[tuple[str, int], list[str]] = {}
    for issue in experiments:
        ids, foreign = named_runs(issue, server)
        named[_key(issue)] = ids
        for url in foreign:
            log.warning("%s#%s: %s is not on %s; not read", issue["repository"], issue["number"], url, server)
    tagged_runs = _tagged_runs(client)
    runs: dict[str, RunFacts] = {run.run_id: run for run in tagged_runs}
    missing = sorted({run_id for ids in named.values() for run_id in ids} - set(runs))
    for run in _read_runs(client, missing):
        runs[run.run_id] = run
    tagged = _runs_by_issue(tagged_runs, issues)

    enriched = []
    for issue in issues:
        issue = {key: value for key, value in issue.items() if key != RUNS_FIELD}
        if issue.get("kind") == "experiment":
            chosen = [runs[i] for i in named.get(_key(issue), []) if i in runs]
            chosen += [run for run in tagged.get(_key(issue), []) if run not in chosen]
            if chosen:
                issue[RUNS_FIELD] = [
                    run_entry(run, server, config, linked=_key(issue) in _issue_keys(run, issues))
                    for run in chosen[:RUNS_PER_ISSUE]
                ]
        enriched.append(issue)
    return enriched


def _key(issue: Mapping[str, Any]) -> tuple[str, int]:
    return str(issue["repository"]).lower(), int(issue["number"])


def _tagged_runs(client: RunSource) -> list[RunFacts]:
    experiment_ids = client.search_experiment_ids()
    if not experiment_ids:
        return []
    found = client.search_runs(experiment_ids, f"tags.`{ISSUE_TAG}` LIKE '%'", TAGGED_RUNS_READ)
    return [RunFacts.from_json(run) for run in found]


def _read_runs(client: RunSource, run_ids: list[str]) -> list[RunFacts]:
    def read(run_id: str) -> RunFacts | None:
        try:
            return RunFacts.from_json(client.get_run(run_id))
        except MlflowNotFound:
            log.warning("MLflow run %s is named on an issue but not found", run_id)
        except MlflowRefused as exc:
            log.warning("MLflow run %s not read: %s", run_id, exc)
        return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        return [run for run in pool.map(read, run_ids) if run is not None]


def _issue_keys(run: RunFacts, issues: Iterable[Mapping[str, Any]]) -> set[tuple[str, int]]:
    """The issues a run's `mlops.issue` tag names; a bare number only where one issue has it."""
    reference = issue_reference(run.tags.get(ISSUE_TAG, ""))
    if reference is None:
        return set()
    repository, number = reference
    if repository:
        return {(repository.lower(), number)}
    holders = {_key(i) for i in issues if int(i["number"]) == number}
    return holders if len(holders) == 1 else set()


def _runs_by_issue(runs: list[RunFacts], issues: list[dict[str, Any]]) -> dict[tuple[str, int], list[RunFacts]]:
    by_issue: dict[tuple[str, int], list[RunFacts]] = defaultdict(list)
    for run in runs:  # newest first, as searched
        for key in _issue_keys(run, issues):
            by_issue[key].append(run)
    return by_issue


def run_entry(run: RunFacts, server_url: str, config: MlflowConfig, *, linked: bool) -> dict[str, Any]:
    """One run as the snapshot keeps it: the metrics and parameters the configuration picks, capped."""
    metric_names = [m for m in config.metrics if m in run.metrics] or sorted(run.metrics)
    param_names = [p for p in config.params if p in run.params] or sorted(run.params)
    return {
        "run_id": run.run_id,
        "name": run.name[:VALUE_CHARS],
        "url": run_url(server_url, run.experiment_id, run.run_id),
        "status": run.status,
        "started": _time(run.start_time),
        "metrics": {name[:VALUE_CHARS]: run.metrics[name] for name in metric_names[:METRICS_SHOWN]},
        "params": {name[:VALUE_CHARS]: run.params[name][:VALUE_CHARS] for name in param_names[:PARAMS_SHOWN]},
        "tagged": linked,
    }


def _time(milliseconds: int | None) -> str | None:
    if not milliseconds or milliseconds <= 0:
        return None
    moment = dt.datetime.fromtimestamp(milliseconds / 1000, dt.UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def with_mlflow_runs(snapshot: dict[str, Any], config: MlflowConfig) -> dict[str, Any]:
    """The snapshot with runs on its experiment issues when the configuration has an `mlflow` section."""
    if not config.configured:
        return snapshot
    return {**snapshot, "issues": enrich_issues(snapshot["issues"], runs_client(config), config)}


def runs_client(config: MlflowConfig, environ: Mapping[str, str] | None = None) -> RunSource:
    """The configured tracking server's client, for the snapshot."""
    import os

    from bot.errors import ConfigError
    from bot.mlflow.client import MlflowClient

    environ = os.environ if environ is None else environ
    uri = config.tracking_uri or environ.get("MLFLOW_TRACKING_URI")
    if not uri:
        raise ConfigError("the mlflow section needs a tracking_uri (or set MLFLOW_TRACKING_URI)")
    return MlflowClient(uri, environ=environ)
