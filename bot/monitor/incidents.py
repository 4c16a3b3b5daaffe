"""Incidents and retraining work from monitoring results: one issue per model and trigger, found again by
a hidden marker, updated through the bot's comment (never by rewriting what people added to the issue)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.comments import bounded, update_sections
from bot.github.writes import create_once
from bot.monitor.checks import SignalResult
from bot.records.forms import forms, render_body

INCIDENT_LABEL = "ml-monitoring"
RETRAINING_LABEL = "ml-retraining"
COMMENT_KEY = "monitoring"
MAX_TITLE = 256  # GitHub refuses a longer issue title


def incident_marker(model: str, key: str) -> str:
    return f"<!-- mlops-bot:incident {model}/{key} -->"


def retraining_marker(model: str, trigger: str) -> str:
    return f"<!-- mlops-bot:retraining {model}/{trigger.lower().replace(' ', '-')} -->"


def evidence_table(result: SignalResult) -> str:
    rows = "\n".join(f"| {stamp} | {value:g} |" for stamp, value in result.evidence)
    return f"| Window | {result.signal} |\n|---|---:|\n{rows}"


@dataclass(frozen=True)
class IncidentAction:
    what: str  # opened, updated, unchanged, recovered, retraining opened
    reference: str


class _OpenIssues:
    """The bot's open issues under a label, listed once per run and indexed by their marker line.
    Issues opened during the run are added, so two signals never open the same issue twice."""

    def __init__(self, repo: Any, identity: str) -> None:
        self.repo, self.identity = repo, identity
        self._by_label: dict[str, dict[str, Any]] = {}

    def _index(self, label: str, *, fresh: bool = False) -> dict[str, Any]:
        if fresh or label not in self._by_label:
            self._by_label[label] = {
                (issue.body or "").split("\n", 1)[0]: issue
                for issue in self.repo.get_issues(state="open", labels=[label])
                if issue.user.login == self.identity and (issue.body or "").startswith("<!-- mlops-bot:")
            }
        return self._by_label[label]

    def find(self, label: str, marker: str) -> Any | None:
        return self._index(label).get(marker)

    def open(self, label: str, marker: str, title: str, body: str) -> Any:
        """A new issue; if the answer to creating it is lost, the open issues are listed again and the
        one with `marker` is taken, so a second issue is only opened when the first was not."""
        title = title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"
        issue = create_once(
            self.repo,
            lambda: self.repo.create_issue(title, body=bounded(f"{marker}\n{body}"), labels=[label]),
            lambda: self._index(label, fresh=True).get(marker),
            what=f"the issue {marker.removeprefix('<!-- mlops-bot:').removesuffix(' -->')}",
        )
        self._index(label)[marker] = issue
        return issue


def sync_incidents(
    repo: Any,
    identity: str,
    model: str,
    results: list[SignalResult],
    *,
    guide_url: str,
    open_retraining: bool,
    close_on_recovery: bool,
    recovery_windows: int,
) -> list[IncidentAction]:
    actions: list[IncidentAction] = []
    issues = _OpenIssues(repo, identity)
    for result in results:
        marker = incident_marker(model, result.key)
        incident = issues.find(INCIDENT_LABEL, marker)
        if result.breached:
            evidence = (
                f"**{result.signal}** is past its threshold ({result.threshold}); worst value "
                f"{result.worst:g}.\n\n{evidence_table(result)}\n\nSee the [monitoring guide]({guide_url})."
            )
            opened = incident is None
            if opened:
                body = render_body(
                    forms()["monitoring-incident"],
                    {
                        "model": model,
                        "metric": result.signal,
                        "threshold": result.threshold,
                        "observed": f"{result.worst:g}",
                        "impact": f"Opened by mlops-bot from a monitoring report; see the [guide]({guide_url}).",
                    },
                )
                incident = issues.open(INCIDENT_LABEL, marker, f"Incident: {result.signal} on {model}", body)
                actions.append(IncidentAction("opened", f"#{incident.number} {result.key}"))
            outcome = update_sections(incident, COMMENT_KEY, identity, {"1-evidence": evidence})
            if not opened:  # evidence "updated" or "unchanged" on an incident opened earlier
                actions.append(IncidentAction(outcome.action, f"#{incident.number} {result.key}"))
            trigger = result.retraining_trigger
            if open_retraining and trigger:
                actions.extend(_retraining(issues, model, trigger, result, incident.number))
        elif incident is not None and result.within_now:
            text = (
                f"**Recovered:** {result.signal} has been within its threshold for the last {recovery_windows} "
                f"windows (latest {result.evidence[-1][0] if result.evidence else 'window'})."
            )
            outcome = update_sections(incident, COMMENT_KEY, identity, {"2-recovery": text})
            if close_on_recovery:
                incident.edit(state="closed", state_reason="completed")
            actions.append(
                IncidentAction(
                    "recovered" if outcome.action != "unchanged" else "unchanged", f"#{incident.number} {result.key}"
                )
            )
    return actions


def _retraining(
    issues: _OpenIssues, model: str, trigger: str, result: SignalResult, incident_number: int
) -> list[IncidentAction]:
    marker = retraining_marker(model, trigger)
    if issues.find(RETRAINING_LABEL, marker) is not None:
        return []
    body = render_body(
        forms()["retraining"],
        {
            "model": model,
            "trigger": trigger,
            "incident": f"#{incident_number}",
            "evidence": f"{result.signal}: worst {result.worst:g} ({result.threshold}).",
        },
    )
    issue = issues.open(RETRAINING_LABEL, marker, f"Retrain {model} ({trigger.lower()})", body)
    return [IncidentAction("retraining opened", f"#{issue.number} {trigger}")]
