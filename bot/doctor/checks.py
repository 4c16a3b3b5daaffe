"""`mlops-bot doctor`, pure part: what was found about a setup -> one verdict per check, with its fix.

A check passes ("ok"), fails ("fail": the setup does not work as it stands), or could not be read
("unknown": the token may not see it; the fix says who can).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from bot.board.setup import BoardState, WantedField, plan_fields, token_fix, wanted_fields
from bot.config import Config
from bot.errors import ConfigError
from bot.schemas import Problem

Verdict = Literal["ok", "fail", "unknown"]
ReadState = Literal["read", "absent", "unreadable"]  # found / GitHub says there is none / we may not look
GITHUB_ACTIONS_APP_ID = 15368
_PINNED = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+@[0-9a-f]{40}$")


@dataclass(frozen=True)
class Check:
    name: str
    verdict: Verdict
    detail: str
    fix: str = ""

    def line(self) -> str:
        mark = {"ok": "ok  ", "fail": "FAIL", "unknown": "?   "}[self.verdict]
        return f"{mark}  {self.name}: {self.detail}" + (f" -> fix: {self.fix}" if self.fix else "")


@dataclass(frozen=True)
class Remote:
    """One thing read from GitHub: its value, or why there is none."""

    state: ReadState
    value: object = None
    message: str = ""  # GitHub's answer when not "read"


@dataclass(frozen=True)
class ActionUse:
    where: str  # file:line
    uses: str


@dataclass(frozen=True)
class SetupFacts:
    """Everything `doctor` looked at, as plain data."""

    repository: str
    github_token: bool
    project_token: bool
    repository_read: Remote  # value: the default branch
    token_scopes: tuple[str, ...] | None  # GITHUB_TOKEN's scopes when it is a classic token
    board: Remote  # value: BoardState
    board_token: str
    board_scopes: tuple[str, ...] | None
    labels: Remote  # value: frozenset of lower-cased label names
    forms_missing: tuple[str, ...]
    form_problems: tuple[Problem, ...]
    workflows_missing: tuple[str, ...]
    workflow_problems: tuple[Problem, ...]
    action_uses: tuple[ActionUse, ...]
    action_commit: Remote  # value: the commit's sha
    rules: Remote  # value: {context: integration id or None} required by active rulesets
    protection: Remote  # value: {context: app id or None}; "absent": not protected or no required checks
    pages: Remote  # value: build_type
    secret: Remote  # value: "repository" or "organization"
    notes: tuple[str, ...] = field(default_factory=tuple)


def diagnose(facts: SetupFacts, config: Config) -> list[Check]:
    return [
        check_github_token(facts),
        check_board(facts, config),
        *check_board_fields(facts, config),
        check_secret(facts),
        check_labels(facts, config),
        check_forms(facts),
        check_workflows(facts),
        check_action(facts),
        check_status_required(facts, config.gate.status_context),
        check_pages(facts),
    ]


def _no_repository(facts: SetupFacts) -> bool:
    return facts.repository_read.state != "read"


def check_github_token(facts: SetupFacts) -> Check:
    if not facts.github_token:
        return Check(
            "GITHUB_TOKEN", "fail", "not set", "export GITHUB_TOKEN=$(gh auth token), or any token that reads it"
        )
    if facts.repository_read.state != "read":
        return Check(
            "GITHUB_TOKEN",
            "fail",
            f"cannot read {facts.repository}: {facts.repository_read.message}",
            "use a token with access to it (classic: the 'repo' scope; fine-grained: Metadata and Contents read)",
        )
    kind = (
        f"a classic token with scopes {', '.join(facts.token_scopes) or 'none'}"
        if facts.token_scopes is not None
        else "an App, Actions or fine-grained token"
    )
    return Check("GITHUB_TOKEN", "ok", f"reads {facts.repository} ({kind})")


def check_board(facts: SetupFacts, config: Config) -> Check:
    if config.project is None:
        return Check(
            "board",
            "fail",
            "no project_url in the configuration",
            "mlops-bot init --board (finds or creates the board and writes its URL into .github/mlops.yml)",
        )
    if facts.board.state == "unreadable" and not facts.github_token:
        return Check("board", "unknown", f"{config.project.url} not checked: no token")
    if facts.board.state != "read":
        return Check(
            "board",
            "fail",
            facts.board.message or f"cannot reach {config.project.url} with {facts.board_token}",
            token_fix(_scopes(facts.board_scopes), facts.board_token, write=True),
        )
    board = facts.board.value
    assert isinstance(board, BoardState)
    unset = "" if facts.project_token else " (MLOPS_PROJECT_TOKEN is not set here)"
    if not board.can_update:
        return Check(
            "board",
            "fail",
            f"{facts.board_token} may read {board.url} but not change it",
            token_fix(_scopes(facts.board_scopes), facts.board_token, write=True),
        )
    return Check("board", "ok", f"{board.title!r} ({board.url}) readable and writable with {facts.board_token}{unset}")


def _scopes(scopes: tuple[str, ...] | None) -> list[str] | None:
    return None if scopes is None else list(scopes)


def check_board_fields(facts: SetupFacts, config: Config) -> list[Check]:
    """The Status field's options against the columns (and the stage field's, when configured)."""
    checks = []
    for wanted in wanted_fields(config.board):
        name = "Status options" if wanted.setting == "status_field" else "stage field"
        checks.append(_check_field(facts, wanted, name))
    return checks


def _check_field(facts: SetupFacts, wanted: WantedField, name: str) -> Check:
    if facts.board.state != "read":
        return Check(name, "unknown", "not checked: the board could not be read")
    board = facts.board.value
    assert isinstance(board, BoardState)
    try:
        steps = plan_fields(board, [wanted])
    except ConfigError as error:
        return Check(name, "fail", error.message, "rename the field or option on the board, or in .github/mlops.yml")
    if not steps:
        return Check(
            name, "ok", f"{wanted.name!r} has all {len(wanted.options)}: {', '.join(o.name for o in wanted.options)}"
        )
    (step,) = steps
    what = "field missing" if step.kind == "create_field" else f"{wanted.name!r} lacks {', '.join(step.added)}"
    return Check(name, "fail", what, "mlops-bot init --board (adds them and keeps what the board has)")


def check_secret(facts: SetupFacts) -> Check:
    name = "secret MLOPS_PROJECT_TOKEN"
    if _no_repository(facts):
        return Check(name, "unknown", "not checked: the repository could not be read")
    if facts.secret.state == "read":
        return Check(
            name, "ok", f"set as {'an organization' if facts.secret.value == 'organization' else 'a repository'} secret"
        )
    if facts.secret.state == "absent":
        return Check(
            name,
            "fail",
            "the workflows' board jobs have no token",
            f"gh secret set MLOPS_PROJECT_TOKEN --repo {facts.repository}",
        )
    return Check(
        name,
        "unknown",
        f"could not read the repository's secrets ({facts.secret.message})",
        "run doctor with a token that has write access (an Actions token never may)",
    )


def bot_labels(config: Config) -> list[str]:
    names = list(config.labels)
    names += [label for column in config.board.columns for label in column.labels if label not in names]
    return names


def check_labels(facts: SetupFacts, config: Config) -> Check:
    if facts.labels.state != "read":
        return Check("labels", "unknown", f"could not list the labels ({facts.labels.message or 'no token'})")
    existing = facts.labels.value
    assert isinstance(existing, frozenset)
    wanted = bot_labels(config)
    missing = [name for name in wanted if name.lower() not in existing]
    if missing:
        return Check(
            "labels",
            "fail",
            f"missing {', '.join(missing)}",
            f"mlops-bot init --repo {facts.repository} --action-ref OWNER/REPO@SHA (creates them; keeps your files)",
        )
    return Check("labels", "ok", f"all {len(wanted)} exist")


def _problem_list(problems: tuple[Problem, ...], limit: int = 3) -> str:
    shown = "; ".join(str(p) for p in problems[:limit])
    return shown + (f"; and {len(problems) - limit} more" if len(problems) > limit else "")


def _check_files(name: str, folder: str, missing: tuple[str, ...], problems: tuple[Problem, ...], ok: str) -> Check:
    if missing:
        return Check(
            name, "fail", f"missing {', '.join(missing)} in {folder}", "mlops-bot init (writes what is missing)"
        )
    if problems:
        return Check(name, "fail", _problem_list(problems), "mlops-bot validate lists them all")
    return Check(name, "ok", ok)


def check_forms(facts: SetupFacts) -> Check:
    return _check_files(
        "issue forms", ".github/ISSUE_TEMPLATE", facts.forms_missing, facts.form_problems, "all present and valid"
    )


def check_workflows(facts: SetupFacts) -> Check:
    ok = "valid, least permissions, every action pinned to a full commit SHA"
    return _check_files("workflows", ".github/workflows", facts.workflows_missing, facts.workflow_problems, ok)


def check_action(facts: SetupFacts) -> Check:
    name = "action ref"
    if not facts.action_uses:
        return Check(
            name, "fail", "no workflow step runs the mlops-bot action", "mlops-bot init --action-ref OWNER/REPO@SHA"
        )
    local = [u for u in facts.action_uses if u.uses.startswith("./")]
    remote = [u for u in facts.action_uses if not u.uses.startswith("./")]
    unpinned = [u for u in remote if not _PINNED.match(u.uses)]
    if unpinned:
        first = unpinned[0]
        return Check(
            name,
            "fail",
            f"{first.where}: {first.uses} is not pinned to a full commit SHA"
            + (f" (and {len(unpinned) - 1} more)" if len(unpinned) > 1 else ""),
            "pin the release's full SHA: mlops-bot init --action-ref OWNER/REPO@SHA --force, or edit the uses: lines",
        )
    refs = sorted({u.uses for u in remote})
    if len(refs) > 1:
        return Check(
            name, "fail", f"the workflows pin different releases: {', '.join(refs)}", "use one release in every step"
        )
    if not refs:
        return Check(name, "ok", f"every step uses this repository's own action ({local[0].uses})")
    (ref,) = refs
    if facts.action_commit.state == "absent":
        return Check(
            name, "fail", f"{ref}: {facts.action_commit.message}", "pin a commit that exists in the action's repository"
        )
    if facts.action_commit.state == "unreadable":
        return Check(name, "unknown", f"{ref} is a full SHA; could not look it up ({facts.action_commit.message})")
    return Check(name, "ok", f"{ref}: a full commit SHA of {ref.split('@')[0]}")


def check_status_required(facts: SetupFacts, context: str) -> Check:
    name = "status check"
    if _no_repository(facts):
        return Check(name, "unknown", f"{context} not checked: the repository could not be read")
    branch = facts.repository_read.value
    by_rules = facts.rules.value if facts.rules.state == "read" else {}
    by_protection = facts.protection.value if facts.protection.state == "read" else {}
    assert isinstance(by_rules, dict) and isinstance(by_protection, dict)
    places = [
        (source, found[context])
        for source, found in (("a ruleset", by_rules), ("branch protection", by_protection))
        if context in found
    ]
    pinned = [(source, app) for source, app in places if app is not None]
    if pinned:
        source, app = pinned[0]
        origin = "GitHub Actions, which any workflow can post as" if app == GITHUB_ACTIONS_APP_ID else f"app {app}"
        return Check(name, "ok", f"{context} is required on {branch} by {source} (expected source: {origin})")
    if places:
        return Check(
            name,
            "fail",
            f"{context} is required on {branch} by {places[0][0]} from any source: anyone who may post statuses "
            "can satisfy it",
            "set its expected source to the GitHub App whose token the gate job uses (at least GitHub Actions)",
        )
    how = f"require {context} on {branch}: Settings > Rules > Rulesets (or Branches), from the App that posts it"
    unreadable = [
        what
        for what, remote in (("rulesets", facts.rules), ("branch protection", facts.protection))
        if remote.state == "unreadable"
    ]
    if unreadable:
        return Check(
            name,
            "unknown",
            f"{context} is not required by what could be read; could not read {' or '.join(unreadable)}"
            f" ({'; '.join(r.message for r in (facts.rules, facts.protection) if r.state == 'unreadable')})",
            "branch protection is readable by admins only: run doctor with an admin's token, or look in Settings",
        )
    return Check(name, "fail", f"{context} is not required on {branch}: the gate can be merged past", how)


def check_pages(facts: SetupFacts) -> Check:
    name = "GitHub Pages"
    if _no_repository(facts):
        return Check(name, "unknown", "not checked: the repository could not be read")
    settings = "(or Settings > Pages > Source: GitHub Actions)"
    if facts.pages.state == "absent":
        return Check(
            name,
            "fail",
            "Pages is off",
            f"gh api -X POST repos/{facts.repository}/pages -f build_type=workflow {settings}",
        )
    if facts.pages.state == "unreadable":
        return Check(name, "unknown", f"could not read the Pages settings ({facts.pages.message})")
    if facts.pages.value != "workflow":
        return Check(
            name,
            "fail",
            f"Pages builds from a branch ({facts.pages.value}), not from the site workflow",
            f"gh api -X PUT repos/{facts.repository}/pages -f build_type=workflow {settings}",
        )
    return Check(name, "ok", "built by GitHub Actions (the site workflow deploys it)")
