"""The PR gate end to end: `mlops-bot check-pr` posts the right status on the PR's current head."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml

from tests.emulator import GitHubEmulator
from tests.emulator.state import Review
from tests.emulator.webhooks import pull_request_event
from tests.helpers import BOT_TOKEN, run_cli

ROOT = Path(__file__).resolve().parents[1]
COMPLETE = "\n".join(
    f"- [x] {item}"
    for item in ["Model validated", "A/B test configured", "Monitoring set up", "Rollback tested", "Alerts configured"]
)
MODEL = yaml.safe_load((ROOT / "sample/registry/churn-classifier/2.1.0.yml").read_text())


def model_text(stage: str, **changes) -> str:
    return yaml.safe_dump({**MODEL, "stage": stage, "version": "2.1.0", **changes}, sort_keys=False)


class Gate:
    def __init__(self, github: GitHubEmulator, workdir: Path) -> None:
        self.github = github
        self.workdir = workdir
        self.repo = github.state.repo("acme/ml")
        (workdir / ".github").mkdir()
        (workdir / ".github" / "mlops.yml").write_text("")

    def config(self, text: str) -> None:
        (self.workdir / ".github" / "mlops.yml").write_text(text)

    def pull(self, body: str, files: dict[str, str | None], base: dict[str, str] | None = None, **kwargs):
        state = self.github.state
        base_sha = state.commit(self.repo, base or {})
        head_sha = state.commit(self.repo, {p: t for p, t in files.items() if t is not None}, parent=base_sha)
        return state.pull_request(
            self.repo, "Deploy", body=body, head_sha=head_sha, base_sha=base_sha, files=tuple(files), **kwargs
        )

    def check(self, pull, payload: dict | None = None, name: str = "pull_request_target"):
        payload = payload or pull_request_event("opened", pull, self.github.state.user("jo"), self.github.urls)
        path = self.workdir / f"{uuid.uuid4().hex}.json"
        path.write_text(json.dumps(payload))
        result = run_cli(
            ["check-pr"],
            cwd=self.workdir,
            env=self.github.env(
                BOT_TOKEN, GITHUB_EVENT_NAME=name, GITHUB_EVENT_PATH=str(path), GITHUB_REPOSITORY="acme/ml"
            ),
        )
        return result, self.status(pull.head_sha)

    def status(self, sha: str):
        found = [s for s in self.repo.statuses if s.sha == sha and s.context == "mlops/deployment-checklist"]
        return found[-1] if found else None


@pytest.fixture
def gate(github, tmp_path):
    return Gate(github, tmp_path)


REGISTRY_FILE = "registry/churn-classifier/2.1.0.yml"


def test_complete_checklist_passes(gate):
    pull = gate.pull(COMPLETE, {"deploy/churn.yaml": "replicas: 3"})
    result, status = gate.check(pull)
    assert result.code == 0, result.stderr
    assert (status.state, status.description) == ("success", "5/5 done: deployment checklist complete")


def test_incomplete_checklist_fails_with_what_is_missing(gate):
    body = "- [x] Model validated\n- [x] A/B test configured\n- [x] Monitoring set up\n- [ ] Rollback tested\n"
    pull = gate.pull(body, {"deploy/churn.yaml": "replicas: 3"})
    summary = gate.workdir / "summary.md"
    path = gate.workdir / "event.json"
    path.write_text(json.dumps(pull_request_event("opened", pull, gate.github.state.user("jo"), gate.github.urls)))
    result = run_cli(
        ["check-pr"],
        cwd=gate.workdir,
        env=gate.github.env(
            BOT_TOKEN,
            GITHUB_EVENT_NAME="pull_request_target",
            GITHUB_EVENT_PATH=str(path),
            GITHUB_STEP_SUMMARY=str(summary),
        ),
    )
    status = gate.status(pull.head_sha)
    assert result.code == 1
    assert (status.state, status.description) == ("failure", "3/5 done: missing Rollback tested, Alerts configured")
    assert "| Rollback tested | open |" in summary.read_text()


def test_not_applicable_item_passes_when_allowed(gate):
    gate.config("checklist:\n  required: [Model validated, {item: A/B test configured, allow_not_applicable: true}]\n")
    pull = gate.pull(
        "- [x] Model validated\n- [ ] N/A: A/B test configured — batch scoring only\n", {"deploy/x.yaml": "a: 1"}
    )
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout
    assert "batch scoring only" in result.stdout or result.code == 0


def test_no_deployment_in_this_change(gate):
    pull = gate.pull("Fix a typo", {"README.md": "hello"})
    result, status = gate.check(pull)
    assert result.code == 0
    assert (status.state, status.description) == ("success", "no deployment in this change")


def test_draft_is_pending(gate):
    pull = gate.pull("", {"deploy/x.yaml": "a: 1"}, draft=True)
    _, status = gate.check(pull)
    assert status.state == "pending"


def test_pull_request_from_a_fork_is_read_through_the_api(gate):
    fork = gate.github.state.repo("mallory/ml", owner_type="User")
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: model_text("candidate")}, head_repo=fork)
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout
    written = {p.name for p in gate.workdir.rglob("*") if p.is_file() and p.suffix != ".json"}
    assert written == {"mlops.yml"}  # nothing of the pull request reached the disk


def test_status_goes_on_the_current_head_not_the_payloads(gate):
    pull = gate.pull(COMPLETE, {"deploy/x.yaml": "a: 1"})
    stale = pull_request_event("opened", pull, gate.github.state.user("jo"), gate.github.urls)
    old_sha = pull.head_sha
    pull.head_sha = gate.github.state.commit(gate.repo, {"deploy/x.yaml": "a: 2"})
    _, status = gate.check(pull, payload=stale)
    assert status is not None and gate.status(old_sha) is None


def test_invalid_registry_file_fails_naming_file_and_line(gate):
    broken = model_text("candidate").replace("artifact_uri: s3://", "artifact_uri: not a uri ")
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: broken})
    result, status = gate.check(pull)
    assert status.state == "failure"
    assert f"{REGISTRY_FILE}:3:1: artifact_uri" in result.stdout


def test_skipping_a_stage_fails_with_the_rule(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: model_text("production")}, base={REGISTRY_FILE: model_text("candidate")})
    result, status = gate.check(pull)
    assert result.code == 1 and status.state == "failure"
    assert "stage 'candidate' may move to staging, archived; not to 'production'" in status.description


def test_production_needs_an_allowed_approval(gate):
    files = {REGISTRY_FILE: model_text("production")}
    base = {REGISTRY_FILE: model_text("staging"), ".github/CODEOWNERS": "registry/churn-classifier/ @ana\n"}
    pull = gate.pull(COMPLETE, files, base=base)
    _, status = gate.check(pull)
    assert status.state == "failure"
    assert "needs an approving review from an allowed reviewer" in status.description
    state = gate.github.state
    pull.reviews.append(
        state.register("PRR", Review, user=state.user("bob"), state="APPROVED", commit_id=pull.head_sha)
    )
    assert gate.check(pull)[1].state == "failure"  # bob is not a code owner
    pull.reviews.append(
        state.register("PRR", Review, user=state.user("ana"), state="APPROVED", commit_id=pull.head_sha)
    )
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout


def test_production_approval_by_a_configured_team(gate):
    gate.config("registry:\n  production_approvers: {teams: [acme/ml-leads], codeowners: false}\n")
    gate.repo.teams["acme/ml-leads"] = {"lee"}
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: model_text("production")}, base={REGISTRY_FILE: model_text("staging")})
    pull.reviews.append(
        gate.github.state.register(
            "PRR", Review, user=gate.github.state.user("lee"), state="APPROVED", commit_id=pull.head_sha
        )
    )
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout


def test_production_without_complete_checklist_fails(gate):
    pull = gate.pull(
        "- [x] Model validated", {REGISTRY_FILE: model_text("production")}, base={REGISTRY_FILE: model_text("staging")}
    )
    _, status = gate.check(pull)
    assert status.state == "failure"


def test_checklist_in_the_linked_deployment_issue(gate):
    gate.config("checklist:\n  source: issue\n")
    issue = gate.github.state.issue(gate.repo, "Deploy churn 2.1", body=COMPLETE, labels=("ml-deployment",))
    pull = gate.pull(f"Deploys #{issue.number}", {"deploy/x.yaml": "a: 1"})
    assert gate.check(pull)[1].state == "success"
    unlinked = gate.pull("No link here", {"deploy/x.yaml": "a: 1"})
    assert "no deployment issue linked" in gate.check(unlinked)[1].description


def test_merge_group_gets_a_status(gate):
    sha = gate.github.state.commit(gate.repo, {"x": "y"})
    payload = {"action": "checks_requested", "merge_group": {"head_sha": sha}, "repository": {"full_name": "acme/ml"}}
    result, _ = gate.check(type("P", (), {"head_sha": sha})(), payload=payload, name="merge_group")
    assert result.code == 0 and gate.status(sha).state == "success"
