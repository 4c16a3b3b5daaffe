"""The PR gate end to end: `mlops-bot check-pr` against the emulator posts the right status on the PR's
current head, and holds against an author who tries to get a production change past it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.gate.check import COULD_NOT_JUDGE
from tests.emulator import GitHubEmulator, git_data
from tests.emulator.server import Fault
from tests.emulator.state import Review
from tests.emulator.webhooks import pull_request_event, pull_request_review_event
from tests.helpers import BOT_TOKEN, EventRunner, run_cli

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ["Model validated", "A/B test configured", "Monitoring set up", "Rollback tested", "Alerts configured"]
COMPLETE = "\n".join(f"- [x] {item}" for item in ITEMS)
MODEL = yaml.safe_load((ROOT / "sample/registry/churn-classifier/2.1.0.yml").read_text())
REGISTRY_FILE = "registry/churn-classifier/2.1.0.yml"
CODEOWNERS = {".github/CODEOWNERS": "registry/churn-classifier/ @ana\n"}
NEEDS_APPROVAL = "needs an approval on the head commit"


def model_text(stage: str, **changes) -> str:
    return yaml.safe_dump({**MODEL, "stage": stage, "version": "2.1.0", **changes}, sort_keys=False)


PRODUCTION = model_text("production")


class Gate(EventRunner):
    def __init__(self, github: GitHubEmulator, workdir: Path) -> None:
        super().__init__(github, workdir)
        self.state = github.state
        self.repo = github.state.repo("acme/ml")
        self.write_config("")

    def config(self, text: str) -> None:
        self.write_config(text)

    def pull(
        self,
        body: str,
        files: dict[str, str | None],
        base: dict[str, str] | None = None,
        *,
        symlinks: dict[str, str] | None = None,
        user: str = "jo",
        **kwargs,
    ):
        """A pull request from a branch off `main` (whose tip holds `base`) writing `files` (None deletes)."""
        base_sha = git_data.commit(self.state, self.repo, base or {})
        head_sha = git_data.commit(self.state, self.repo, files, parent=base_sha, symlinks=symlinks)
        self.repo.branches["main"] = base_sha
        pull = self.state.pull_request(
            self.repo, "Deploy", body=body, user=user, head_sha=head_sha, base_sha=base_sha, **kwargs
        )
        pull.files = git_data.pull_files(self.repo, base_sha, head_sha)
        return pull

    def push(self, pull, files: dict[str, str | None]) -> str:
        pull.head_sha = git_data.commit(self.state, self.repo, files, parent=pull.head_sha)
        pull.files = git_data.pull_files(self.repo, self.repo.branches["main"], pull.head_sha)
        return pull.head_sha

    def merge_into_main(self, files: dict[str, str | None]) -> str:
        """Another change lands on main after the pull request branched off."""
        self.repo.branches["main"] = git_data.commit(self.state, self.repo, files, parent=self.repo.branches["main"])
        return self.repo.branches["main"]

    def review(self, pull, login: str, state: str = "APPROVED", commit: str | None = None) -> Review:
        review = self.state.register(
            "PRR", Review, user=self.state.user(login), state=state, commit_id=commit or pull.head_sha
        )
        pull.reviews.append(review)
        return review

    def check(self, pull, payload: dict | None = None, name: str = "pull_request_target"):
        payload = payload or pull_request_event("opened", pull, self.state.user("jo"), self.github.urls)
        result, _ = self.run(["check-pr"], (name, payload), env={"GITHUB_REPOSITORY": "acme/ml"})
        assert "Traceback" not in result.stderr, result.stderr
        return result, self.status(pull.head_sha)

    def status(self, sha: str):
        found = [s for s in self.repo.statuses if s.sha == sha and s.context == "mlops/deployment-checklist"]
        return found[-1] if found else None


@pytest.fixture
def gate(github, tmp_path):
    return Gate(github, tmp_path)


# ---- what the gate does ----------------------------------------------------------------------------------
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
    path.write_text(json.dumps(pull_request_event("opened", pull, gate.state.user("jo"), gate.github.urls)))
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
    assert result.code == 0


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
    fork = gate.state.repo("mallory/ml", owner_type="User")
    pull = gate.pull(
        COMPLETE, {"registry/churn-classifier/2.2.0.yml": model_text("candidate", version="2.2.0")}, head_repo=fork
    )
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout
    written = {p.name for p in gate.workdir.rglob("*") if p.is_file() and p.suffix != ".json"}
    assert written == {"mlops.yml"}  # nothing of the pull request reached the disk


def test_status_goes_on_the_current_head_not_the_payloads(gate):
    pull = gate.pull(COMPLETE, {"deploy/x.yaml": "a: 1"})
    stale = pull_request_event("opened", pull, gate.state.user("jo"), gate.github.urls)
    old_sha = pull.head_sha
    gate.push(pull, {"deploy/x.yaml": "a: 2"})
    _, status = gate.check(pull, payload=stale)
    assert status is not None and gate.status(old_sha) is None


def test_invalid_registry_file_fails_naming_file_and_line(gate):
    broken = model_text("candidate").replace("artifact_uri: s3://", "artifact_uri: not a uri ")
    pull = gate.pull(COMPLETE, {"registry/churn-classifier/2.1.0.yml": broken})
    result, status = gate.check(pull)
    assert status.state == "failure"
    assert f"{REGISTRY_FILE}:3:1: artifact_uri" in result.stdout


def test_skipping_a_stage_fails_with_the_rule(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("candidate")})
    result, status = gate.check(pull)
    assert result.code == 1 and status.state == "failure"
    assert "stage 'candidate' may move to staging, archived; not to 'production'" in status.description


def test_production_needs_an_allowed_approval_on_the_head(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    _, status = gate.check(pull)
    assert status.state == "failure"
    assert f"{NEEDS_APPROVAL} {pull.head_sha[:7]} from ana" in status.description
    gate.review(pull, "bob")
    assert gate.check(pull)[1].state == "failure"  # bob is not a code owner
    gate.review(pull, "ana")
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout


def test_production_approval_by_a_configured_team(gate):
    gate.config("registry:\n  production_approvers: {teams: [acme/ml-leads], codeowners: false}\n")
    gate.repo.teams["acme/ml-leads"] = {"lee"}
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging")})
    gate.review(pull, "lee")
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout


def test_production_without_complete_checklist_fails(gate):
    pull = gate.pull("- [x] Model validated", {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging")})
    _, status = gate.check(pull)
    assert status.state == "failure"


def test_no_one_allowed_to_approve_is_said_plainly(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging")})
    gate.review(pull, "ana")
    _, status = gate.check(pull)
    assert status.state == "failure" and "no one may give it" in status.description


def test_checklist_in_the_linked_deployment_issue(gate):
    gate.config("checklist:\n  source: issue\n")
    issue = gate.state.issue(gate.repo, "Deploy churn 2.1", body=COMPLETE, labels=("ml-deployment",))
    pull = gate.pull(f"Deploys #{issue.number}", {"deploy/x.yaml": "a: 1"})
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout + result.stderr
    unlinked = gate.pull("No link here", {"deploy/x.yaml": "a: 1"})
    assert "no deployment issue linked" in gate.check(unlinked)[1].description


def test_merge_group_gets_a_status(gate):
    sha = git_data.commit(gate.state, gate.repo, {"x": "y"})
    payload = {"action": "checks_requested", "merge_group": {"head_sha": sha}, "repository": {"full_name": "acme/ml"}}
    result, _ = gate.check(type("P", (), {"head_sha": sha})(), payload=payload, name="merge_group")
    assert result.code == 0 and gate.status(sha).state == "success"


# ---- an author trying to get around it ------------------------------------------------------------------
def test_a_production_version_edited_in_place_needs_an_approval(gate):
    swapped = model_text("production", artifact_uri="s3://mallory/model.tar.gz")
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: swapped}, base={REGISTRY_FILE: PRODUCTION, **CODEOWNERS})
    _, status = gate.check(pull)
    assert status.state == "failure" and NEEDS_APPROVAL in status.description
    gate.review(pull, "ana")
    assert gate.check(pull)[1].state == "success"


@pytest.mark.parametrize("new_stage", ["staging", "archived"])
def test_moving_a_version_out_of_production_needs_an_approval(gate, new_stage):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: model_text(new_stage)}, base={REGISTRY_FILE: PRODUCTION, **CODEOWNERS})
    _, status = gate.check(pull)
    assert status.state == "failure" and NEEDS_APPROVAL in status.description


def test_an_approval_given_on_an_older_commit_does_not_count(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    approved = pull.head_sha
    gate.review(pull, "ana")
    assert gate.check(pull)[1].state == "success"
    gate.push(pull, {REGISTRY_FILE: model_text("production", artifact_uri="s3://mallory/model.tar.gz")})
    result, status = gate.check(pull)
    assert status.state == "failure"
    assert f"ana approved {approved[:7]}, an older commit" in result.stdout
    gate.review(pull, "ana")
    assert gate.check(pull)[1].state == "success"


def test_a_dismissed_approval_does_not_count(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    review = gate.review(pull, "ana")
    assert gate.check(pull)[1].state == "success"
    review.state = "DISMISSED"  # what GitHub does to a review an admin dismisses
    assert gate.check(pull)[1].state == "failure"


def test_a_later_request_for_changes_cancels_an_approval(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    gate.review(pull, "ana")
    gate.review(pull, "ana", "COMMENTED")
    assert gate.check(pull)[1].state == "success"  # a comment does not cancel it
    gate.review(pull, "ana", "CHANGES_REQUESTED")
    assert gate.check(pull)[1].state == "failure"


def test_the_author_cannot_approve_their_own_change_even_when_listed(gate):
    gate.config("registry:\n  production_approvers: {users: [Jo], teams: [acme/ml-leads]}\n")
    gate.repo.teams["acme/ml-leads"] = {"jo"}
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging")}, user="jo")
    gate.review(pull, "JO")  # GitHub refuses this; a bot must not rely on it
    _, status = gate.check(pull)
    assert status.state == "failure" and NEEDS_APPROVAL in status.description


def test_approver_logins_match_whatever_their_case(gate):
    pull = gate.pull(
        COMPLETE,
        {REGISTRY_FILE: PRODUCTION},
        base={REGISTRY_FILE: model_text("staging"), ".github/CODEOWNERS": "/registry/ @Ana\n"},
    )
    gate.review(pull, "ana")
    assert gate.check(pull)[1].state == "success"


def test_a_codeowners_change_in_the_same_pull_request_does_not_count(gate):
    files = {REGISTRY_FILE: PRODUCTION, ".github/CODEOWNERS": "registry/ @mallory\n"}
    pull = gate.pull(COMPLETE, files, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    gate.review(pull, "mallory")
    _, status = gate.check(pull)
    assert status.state == "failure" and "from ana" in status.description


def test_a_stale_review_event_payload_is_not_trusted(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    review = gate.review(pull, "ana")
    payload = pull_request_review_event("submitted", pull, review, gate.state.user("ana"), gate.github.urls)
    gate.push(pull, {REGISTRY_FILE: model_text("production", artifact_uri="s3://mallory/model.tar.gz")})
    result, status = gate.check(pull, payload=payload, name="pull_request_review")
    assert status.state == "failure" and NEEDS_APPROVAL in status.description, result.stdout


def test_draft_state_is_read_from_github_not_the_payload(gate):
    pull = gate.pull("", {"deploy/x.yaml": "a: 1"}, draft=True)
    as_draft = pull_request_event("opened", pull, gate.state.user("jo"), gate.github.urls)
    pull.draft = False  # flipped to ready for review
    assert gate.check(pull, payload=as_draft)[1].state == "failure"
    as_ready = pull_request_event("ready_for_review", pull, gate.state.user("jo"), gate.github.urls)
    pull.draft = True  # and back
    assert gate.check(pull, payload=as_ready)[1].state == "pending"


def test_a_promotion_past_the_3000_file_listing_is_still_seen(gate):
    noise = {f"assets/{i:04}.txt": "x" for i in range(3000)}
    pull = gate.pull("", {**noise, REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging")})
    assert len(pull.files) == 3001  # GitHub lists the first 3,000
    result, status = gate.check(pull)
    assert status.state == "failure", result.stdout
    assert f"FAIL registry {REGISTRY_FILE}: a change to a production version needs a complete" in result.stdout


def test_a_deployment_path_past_the_3000_file_listing_is_still_seen(gate):
    noise = {f"assets/{i:04}.txt": "x" for i in range(3000)}
    pull = gate.pull("", {**noise, "serving/churn.yaml": "replicas: 9"})
    _, status = gate.check(pull)
    assert status.state == "failure" and "0/5 done" in status.description


def test_a_change_too_large_to_list_fails_and_says_why(gate, monkeypatch):
    monkeypatch.setattr(git_data, "RECURSIVE_TREE_LIMIT", 50)
    noise = {f"assets/{i:04}.txt": "x" for i in range(3000)}
    pull = gate.pull(COMPLETE, {**noise, "serving/churn.yaml": "replicas: 9"})
    _, status = gate.check(pull)
    assert status.state == "failure"
    assert "too many files to check" in status.description and "split the pull request" in status.description


def test_a_version_renamed_out_of_the_registry_is_a_deletion(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: None, "attic/2.1.0.yml": PRODUCTION}, base={REGISTRY_FILE: PRODUCTION})
    listed = {f["filename"]: f for f in pull.files}
    assert listed["attic/2.1.0.yml"]["status"] == "renamed"
    assert listed["attic/2.1.0.yml"]["previous_filename"] == REGISTRY_FILE
    _, status = gate.check(pull)
    assert status.state == "failure" and "deleting (or renaming) a model version" in status.description


def test_a_production_file_renamed_into_the_registry_is_a_new_version(gate):
    pull = gate.pull(
        COMPLETE, {"drafts/2.1.0.yml": None, REGISTRY_FILE: PRODUCTION}, base={"drafts/2.1.0.yml": PRODUCTION}
    )
    assert any(f["status"] == "renamed" for f in pull.files)
    _, status = gate.check(pull)
    assert status.state == "failure" and "must start as 'candidate'" in status.description


@pytest.mark.parametrize(
    ("path", "problem"),
    [
        ("Registry/churn-classifier/2.1.0.yml", "names are case-sensitive"),
        ("registry/churn-classifier/2.1.0.yaml", "a model version lives at registry/<model_name>/<version>.yml"),
        ("registry/churn-classifier/2.1.0.YML", "a model version lives at"),
        ("registry/churn-classifier/old/2.1.0.yml", "a model version lives at"),
    ],
)
def test_a_production_version_under_another_name_is_refused(gate, path, problem):
    gate.config("gate:\n  deployment_paths: [deploy/**]\n")  # the registry is judged whatever the paths say
    pull = gate.pull(COMPLETE, {path: PRODUCTION}, base={REGISTRY_FILE: model_text("staging")})
    _, status = gate.check(pull)
    assert status.state == "failure" and problem in status.description


def test_a_symlink_in_the_registry_is_refused(gate):
    pull = gate.pull(
        COMPLETE,
        {"deploy/evil.yml": model_text("production", artifact_uri="s3://mallory/model.tar.gz")},
        base={REGISTRY_FILE: PRODUCTION},
        symlinks={REGISTRY_FILE: "../../deploy/evil.yml"},
    )
    _, status = gate.check(pull)
    assert status.state == "failure" and "symlinks are not allowed in the registry" in status.description


def test_a_registry_folder_replaced_by_a_symlink_is_refused(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: None}, base={REGISTRY_FILE: PRODUCTION}, symlinks={"registry": "deploy"})
    _, status = gate.check(pull)
    assert status.state == "failure"


def test_main_moving_on_does_not_blame_the_pull_request(gate):
    pull = gate.pull(COMPLETE, {"deploy/x.yaml": "a: 1"}, base={REGISTRY_FILE: model_text("staging")})
    gate.merge_into_main({"registry/churn-classifier/2.2.0.yml": model_text("candidate", version="2.2.0")})
    result, status = gate.check(pull)
    assert status.state == "success", result.stdout


def test_an_edit_on_a_stale_branch_to_a_version_main_changed_since_fails_until_the_branch_is_updated(gate):
    """Both sides changed the file: what the merge writes is neither side, so the gate judges nothing."""
    pull = gate.pull(
        COMPLETE,
        {REGISTRY_FILE: model_text("staging", artifact_uri="s3://mallory/model.tar.gz")},
        base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS},
    )
    gate.merge_into_main({REGISTRY_FILE: PRODUCTION})  # approved elsewhere, after this branch was cut
    _, status = gate.check(pull)
    assert status.state == "failure"
    assert f"{REGISTRY_FILE} changed on main too since this branch left it: update the branch" in status.description


# ---- the linked deployment issue ---------------------------------------------------------------------------
@pytest.fixture
def issue_gate(gate):
    gate.config("checklist:\n  source: issue\n")
    return gate


@pytest.mark.parametrize(
    ("labels", "association", "problem"),
    [
        ((), "MEMBER", "does not carry the ml-deployment label"),
        (("ml-deployment",), "CONTRIBUTOR", "who may not approve and has no write access"),
        (("ml-deployment",), "NONE", "who may not approve and has no write access"),
    ],
)
def test_a_linked_issue_counts_only_when_labelled_and_written_by_someone_trusted(
    issue_gate, labels, association, problem
):
    issue = issue_gate.state.issue(
        issue_gate.repo, "Deploy", body=COMPLETE, labels=labels, user="mallory", author_association=association
    )
    pull = issue_gate.pull(f"Deploys #{issue.number}", {"deploy/x.yaml": "a: 1"})
    _, status = issue_gate.check(pull)
    assert status.state == "failure" and problem in status.description


def test_an_issue_written_by_a_listed_approver_counts(issue_gate):
    issue_gate.config("checklist:\n  source: issue\nregistry:\n  production_approvers: {users: [Lee]}\n")
    issue = issue_gate.state.issue(
        issue_gate.repo, "Deploy", body=COMPLETE, labels=("ML-Deployment",), user="lee", author_association="NONE"
    )
    pull = issue_gate.pull(f"Deploys #{issue.number}", {"deploy/x.yaml": "a: 1"})
    assert issue_gate.check(pull)[1].state == "success"


def test_the_pull_request_itself_is_not_its_deployment_issue(issue_gate):
    pull = issue_gate.pull(COMPLETE, {"deploy/x.yaml": "a: 1"})
    pull.issue.body = f"{COMPLETE}\n\nDeploys #{pull.issue.number}"
    pull.issue.labels = [issue_gate.state.label(issue_gate.repo, "ml-deployment")]
    _, status = issue_gate.check(pull)
    assert status.state == "failure" and "is this pull request" in status.description


def test_another_pull_request_is_not_a_deployment_issue(issue_gate):
    other = issue_gate.pull(COMPLETE, {"deploy/y.yaml": "a: 1"})
    other.issue.labels = [issue_gate.state.label(issue_gate.repo, "ml-deployment")]
    pull = issue_gate.pull(f"Deploys #{other.issue.number}", {"deploy/x.yaml": "a: 1"})
    _, status = issue_gate.check(pull)
    assert status.state == "failure" and "is a pull request" in status.description


def test_a_missing_issue_is_named(issue_gate):
    pull = issue_gate.pull("Deploys #999", {"deploy/x.yaml": "a: 1"})
    _, status = issue_gate.check(pull)
    assert status.state == "failure" and "issue #999 was not found" in status.description


def test_struck_out_items_are_not_done(issue_gate):
    struck = COMPLETE.replace("Model validated", "~~Model validated~~").replace(
        "Rollback tested", "<del>Rollback tested</del>"
    )
    issue = issue_gate.state.issue(issue_gate.repo, "Deploy", body=struck, labels=("ml-deployment",))
    pull = issue_gate.pull(f"Deploys #{issue.number}", {"deploy/x.yaml": "a: 1"})
    _, status = issue_gate.check(pull)
    assert (status.state, status.description) == ("failure", "3/5 done: missing Model validated, Rollback tested")


# ---- held against a second review by an attacker --------------------------------------------------------------
def statuses(gate, sha: str, context: str = "mlops/deployment-checklist") -> list[str]:
    return [s.state for s in gate.repo.statuses if s.sha == sha and s.context == context]


def same_head(gate, decoy_base: str):
    """A promotion into main, and a decoy with the same head into a branch the author made at the
    promotion itself (so, judged against it, the decoy changes nothing)."""
    state, repo = gate.state, gate.repo
    main = git_data.commit(state, repo, {REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    repo.branches["main"] = main
    promotion = git_data.commit(state, repo, {REGISTRY_FILE: PRODUCTION}, parent=main)
    head = git_data.commit(state, repo, {"README.md": "typo"}, parent=promotion)
    repo.branches[decoy_base] = promotion
    real = state.pull_request(repo, "Promote", body=COMPLETE, user="jo", head_sha=head, base_sha=main)
    real.files = git_data.pull_files(repo, main, head)
    decoy = state.pull_request(repo, "Typo", body="", user="jo", head_sha=head, base_sha=promotion, base_ref=decoy_base)
    decoy.files = git_data.pull_files(repo, promotion, head)
    return real, decoy


def test_a_pull_request_into_another_branch_gets_a_status_of_its_own(gate):
    """A commit status is the commit's: a pass judged against a branch the author made must not be the
    status main's branch protection requires."""
    real, decoy = same_head(gate, "wip")
    assert gate.check(real)[1].state == "failure"
    gate.check(decoy, pull_request_event("edited", decoy, gate.state.user("jo"), gate.github.urls))
    assert statuses(gate, real.head_sha, "mlops/deployment-checklist (wip)") == ["pending", "success"]
    assert statuses(gate, real.head_sha) == ["pending", "failure"]  # main's status is untouched


def test_a_retargeted_pull_request_whose_run_never_ran_has_no_status_for_main(gate):
    real, decoy = same_head(gate, "wip")
    real.base_ref, real.base_sha = "wip", decoy.base_sha  # judged into wip: nothing changes there
    assert gate.check(real)[1] is None
    assert statuses(gate, real.head_sha, "mlops/deployment-checklist (wip)")[-1] == "success"
    # the author moves the base to main and cancels the `edited` run: main's required status is still absent


@pytest.mark.parametrize("copies", [1, 11])
def test_strangers_copies_into_the_same_base_cannot_block_an_approved_promotion(gate, copies):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    gate.review(pull, "ana")
    assert gate.check(pull)[1].state == "success"
    spam = []
    for _ in range(copies):
        copy = gate.state.pull_request(
            gate.repo,
            "Spam",
            body="",
            user="mallory",
            head_sha=pull.head_sha,
            base_sha=pull.base_sha,
            author_association="NONE",
        )
        copy.files = pull.files
        spam.append(copy)
    _, status = gate.check(
        spam[-1], pull_request_event("opened", spam[-1], gate.state.user("mallory"), gate.github.urls)
    )
    assert status.state == "success"  # the same change into the same base: one approved pull request is enough
    assert status.description.startswith(f"#{pull.issue.number}, same head commit: ")
    _, status = gate.check(pull)
    assert (status.state, status.description) == ("success", "5/5 done: deployment checklist complete")


def test_a_copy_into_the_same_base_gives_its_verdict_only_when_it_passes(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    copy = gate.state.pull_request(
        gate.repo, "Copy", body=COMPLETE, user="jo", head_sha=pull.head_sha, base_sha=pull.base_sha
    )
    copy.files = pull.files
    _, status = gate.check(pull)
    assert status.state == "failure" and status.description.startswith("registry/")  # its own verdict
    gate.review(copy, "ana")
    _, status = gate.check(pull)
    assert status.state == "success" and status.description.startswith(f"#{copy.issue.number}, same head commit")


def test_a_file_both_sides_deleted_is_no_reason_to_update_the_branch(gate):
    pull = gate.pull(COMPLETE, {"docs/old.md": None, "deploy/churn.yaml": "replicas: 3"}, base={"docs/old.md": "x"})
    gate.merge_into_main({"docs/old.md": None, "docs/new.md": "y"})
    _, status = gate.check(pull)
    assert status.state == "success", status.description


def test_a_run_that_cannot_finish_posts_error_over_an_earlier_success(gate):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    gate.review(pull, "ana")
    assert gate.check(pull)[1].state == "success"
    gate.review(pull, "ana", "CHANGES_REQUESTED")
    gate.github.inject(Fault("status", method="GET", path=r"/pulls/\d+/reviews", status=502, times=100))
    result, status = gate.check(pull)
    assert result.code == 3, result.stderr
    assert (status.state, status.description) == ("error", COULD_NOT_JUDGE)


def test_a_dotted_capital_i_in_a_ticked_item_is_read_not_a_crash(gate):
    gate.config("checklist:\n  required: [Model validated, Tests pass in CI]\n")
    body = "- [x] Model validated\n- [x] Tests pass in C\u0130\n"
    pull = gate.pull(body, {"deploy/churn.yaml": "replicas: 3"})
    result, status = gate.check(pull)
    assert status.state == "failure" and "missing Tests pass in CI" in status.description, result.stderr


def test_a_file_main_changed_too_since_the_branch_left_it_fails_until_the_branch_is_updated(gate):
    """Each side alone is a staging version; git's clean three-way merge of the two is a production one."""
    state, repo = gate.state, gate.repo
    first, rest = model_text("staging").split("\n", 1)
    common = f"{first}\ndescription: &s staging\n{rest}"
    ours = common.replace("\nstage: staging\n", "\nstage: *s\n")  # still staging, read alone
    theirs = common.replace("description: &s staging", "description: &s production")  # landed on main since
    base = git_data.commit(state, repo, {REGISTRY_FILE: common, **CODEOWNERS})
    head = git_data.commit(state, repo, {REGISTRY_FILE: ours}, parent=base)
    repo.branches["main"] = git_data.commit(state, repo, {REGISTRY_FILE: theirs}, parent=base)
    pull = state.pull_request(repo, "Tidy", body=COMPLETE, user="jo", head_sha=head, base_sha=base)
    pull.files = git_data.pull_files(repo, repo.branches["main"], head)
    _, status = gate.check(pull)
    assert status.state == "failure" and "changed on main too" in status.description


@pytest.mark.parametrize("line", ["1: x", "null: x", "true: x", "2020-01-01: x"])
def test_a_key_that_is_not_a_string_is_a_located_problem(gate, line):
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: model_text("staging") + line + "\n"}, base={REGISTRY_FILE: PRODUCTION})
    result, status = gate.check(pull)
    assert status.state == "failure" and "unknown key" in status.description, result.stderr


@pytest.mark.parametrize("path", ["./registry", "registry/.", "registry/"])
def test_a_registry_path_spelled_with_dots_still_guards_production(gate, path):
    gate.config(f"registry:\n  path: {path}\n")
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS})
    _, status = gate.check(pull)
    assert status.state == "failure" and NEEDS_APPROVAL in status.description


def test_the_first_codeowners_file_counts_even_when_empty(gate):
    base = {REGISTRY_FILE: model_text("staging"), ".github/CODEOWNERS": "", "CODEOWNERS": "registry/ @bob\n"}
    pull = gate.pull(COMPLETE, {REGISTRY_FILE: PRODUCTION}, base=base)
    gate.review(pull, "bob")  # GitHub names no code owner: .github/CODEOWNERS exists and is empty
    _, status = gate.check(pull)
    assert status.state == "failure" and "no one may give it" in status.description


@pytest.mark.parametrize("folder", ["regi\u017ftry", "regis\u200ctry", "registry.", "registry ", "REGISTRY\u200d"])
def test_a_folder_a_case_blind_file_system_reads_as_the_registry_is_refused(gate, folder):
    pull = gate.pull(
        COMPLETE,
        {f"{folder}/churn-classifier/2.1.0.yml": model_text("production", artifact_uri="s3://mallory/m.tar.gz")},
        base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS},
    )
    _, status = gate.check(pull)
    assert status.state == "failure" and "the registry is registry/" in status.description


def test_two_versions_differing_only_in_case_are_refused(gate):
    new = "registry/churn-classifier/2.1.0-RC.yml"
    pull = gate.pull(
        COMPLETE,
        {new: model_text("candidate", version="2.1.0-RC")},
        base={"registry/churn-classifier/2.1.0-rc.yml": model_text("production", version="2.1.0-rc")},
    )
    _, status = gate.check(pull)
    assert status.state == "failure" and "names the same file on file systems that ignore case" in status.description


def test_a_file_main_renamed_into_the_registry_carries_no_unjudged_edit(gate):
    """git follows main's rename: the pull request's edit of the old path would land in the registry."""
    state, repo = gate.state, gate.repo
    draft = "drafts/churn-classifier/2.1.0.yml"
    base = git_data.commit(state, repo, {draft: model_text("candidate"), **CODEOWNERS})
    head = git_data.commit(state, repo, {draft: model_text("production", artifact_uri="s3://mallory/m")}, parent=base)
    repo.branches["main"] = git_data.commit(
        state, repo, {draft: None, REGISTRY_FILE: model_text("candidate")}, parent=base
    )
    pull = state.pull_request(repo, "Drafts", body=COMPLETE, user="jo", head_sha=head, base_sha=base)
    pull.files = git_data.pull_files(repo, base, head)
    _, status = gate.check(pull)
    assert status.state == "failure"
    assert f"{draft} was renamed or deleted on main since this branch left it: update the branch" in status.description


@pytest.mark.parametrize(
    "name", ["2.1.0.yml.", "2.1.0.yml ", "2.1.0.yml\u200d", "2.1.0.yml\ufeff", "2.1.0.\uff59\uff4d\uff4c"]
)
def test_a_version_file_named_like_another_by_its_extension_is_refused(gate, name):
    pull = gate.pull(
        COMPLETE,
        {f"registry/churn-classifier/{name}": model_text("production", artifact_uri="s3://mallory/m.tar.gz")},
        base={REGISTRY_FILE: PRODUCTION, **CODEOWNERS},
    )
    _, status = gate.check(pull)
    assert status.state == "failure" and "a model version lives at" in status.description


def test_a_dotless_i_folder_is_refused(gate):
    pull = gate.pull(
        COMPLETE,
        {"reg\u0131stry/churn-classifier/2.1.0.yml": model_text("production", artifact_uri="s3://mallory/m")},
        base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS},
    )
    _, status = gate.check(pull)
    assert status.state == "failure" and "the registry is registry/" in status.description


def test_nobody_approves_their_own_change_through_a_copy_someone_else_opened(gate):
    pull = gate.pull(
        COMPLETE, {REGISTRY_FILE: PRODUCTION}, base={REGISTRY_FILE: model_text("staging"), **CODEOWNERS}, user="ana"
    )
    copy = gate.state.pull_request(
        gate.repo, "Copy", body=COMPLETE, user="bob", head_sha=pull.head_sha, base_sha=pull.base_sha
    )
    copy.files = pull.files
    gate.review(copy, "ana")  # ana owns the file, but she wrote the change: pull request #1 is hers
    _, status = gate.check(pull)
    assert status.state == "failure" and NEEDS_APPROVAL in status.description
    _, status = gate.check(copy, pull_request_event("opened", copy, gate.state.user("bob"), gate.github.urls))
    assert status.state == "failure" and NEEDS_APPROVAL in status.description
    gate.config("registry:\n  production_approvers: {users: [cy]}\n")
    gate.review(copy, "cy")  # someone else approves the same change
    _, status = gate.check(pull)
    assert status.state == "success" and status.description.startswith(f"#{copy.issue.number}, same head commit")
