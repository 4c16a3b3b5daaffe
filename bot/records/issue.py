"""One issue as the bot reads it: the form it was written from, its record, and (for experiments) its stage.

The board, the site's snapshot and triage all read issues through `read_issue`, so they never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.records.forms import Form, IssueRecord, experiment_stage, form_for_labels, read_record


@dataclass(frozen=True)
class ReadIssue:
    form: Form | None  # None: no form's labels are on the issue
    record: IssueRecord | None  # None exactly when form is None
    stage: str | None  # Ideation, Active, Analysis or Decision; None for anything but an experiment


def read_issue(body: str | None, labels: Iterable[str], closed: bool) -> ReadIssue:
    labels = tuple(labels)
    form = form_for_labels(labels)
    if form is None:
        return ReadIssue(None, None, None)
    record = read_record(body, form)
    stage = experiment_stage(record, labels, closed) if form.kind == "experiment" else None
    return ReadIssue(form, record, stage)


def experiment_stage_of(labels: Iterable[str], closed: bool, body: str | None) -> str | None:
    """The lifecycle stage of an experiment issue, without keeping its record (None for other issues).

    Only experiments are parsed: the board asks this for every issue it places."""
    labels = tuple(labels)
    form = form_for_labels(labels)
    return read_issue(body, labels, closed).stage if form is not None and form.kind == "experiment" else None
