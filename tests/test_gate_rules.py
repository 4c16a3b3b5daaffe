"""The gate's pure rules: facts in, one status out; no server, no subprocess."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config import config_from_document
from bot.gate.rules import (
    Approvers,
    LinkedIssue,
    PullRequestFacts,
    RegistryChange,
    Review,
    Version,
    evaluate_gate,
    latest_approvals,
    linked_issue,
    linked_issue_problem,
)
from bot.yaml_source import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
MODEL = yaml.safe_load((ROOT / "sample/registry/churn-classifier/2.1.0.yml").read_text())
PATH = "registry/churn-classifier/2.1.0.yml"
HEAD = "h" * 40
COMPLETE = "\n".join(
    f"- [x] {item}"
    for item in ["Model validated", "A/B test configured", "Monitoring set up", "Rollback tested", "Alerts configured"]
)


def config(text: str = ""):
    return config_from_document(parse_yaml(text, "mlops.yml"))


def model(stage: str, **changes) -> Version:
    return Version("file", yaml.safe_dump({**MODEL, "stage": stage, **changes}, sort_keys=False))


def facts(*changes: RegistryChange, body: str = COMPLETE, reviews=(), approvers=None, **kwargs) -> PullRequestFacts:
    allowed = Approvers(("ana",), frozenset({"ana"})) if approvers is None else approvers
    return PullRequestFacts(
        number=7,
        draft=False,
        body=body,
        changed_files=tuple(c.path for c in changes),
        author="jo",
        head_sha=HEAD,
        registry_changes=changes,
        reviews=tuple(reviews),
        approvers={c.path: allowed for c in changes},
        **kwargs,
    )


ANA_ON_HEAD = Review("ana", "APPROVED", HEAD)


def judge(*changes: RegistryChange, **kwargs):
    return evaluate_gate(facts(*changes, **kwargs), config())


# ---- production versions ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("base", "head"),
    [
        (model("staging"), model("production")),  # a promotion
        (model("production"), model("production", artifact_uri="s3://x/y.tar.gz")),  # an edit in place
        (model("production"), model("staging")),  # a rollback
        (model("production"), model("archived")),  # retirement
        (Version("symlink"), model("staging")),  # the base cannot be read: it may have been production
        (Version("file", "stage: [unclosed"), model("staging")),
    ],
)
def test_every_change_touching_production_needs_an_approval_on_the_head(base, head):
    change = RegistryChange(PATH, base, head)
    refused = judge(change)
    assert refused.state == "failure" and "needs an approval on the head commit hhhhhhh from ana" in refused.description
    assert judge(change, reviews=[ANA_ON_HEAD]).state == "success"


def test_a_change_that_never_touches_production_needs_no_approval():
    assert judge(RegistryChange(PATH, model("candidate"), model("staging"))).state == "success"


def test_production_also_needs_a_complete_checklist():
    result = judge(RegistryChange(PATH, model("staging"), model("production")), body="", reviews=[ANA_ON_HEAD])
    assert result.state == "failure"
    assert any("needs a complete deployment checklist" in row.detail for row in result.rows)


@pytest.mark.parametrize(
    ("reviews", "counts"),
    [
        ([Review("ana", "APPROVED", "old")], False),  # given on an older commit
        ([Review("ana", "APPROVED", HEAD), Review("ana", "DISMISSED", HEAD)], False),
        ([Review("ana", "APPROVED", HEAD), Review("ana", "CHANGES_REQUESTED", HEAD)], False),
        ([Review("ana", "APPROVED", HEAD), Review("ana", "COMMENTED", HEAD)], True),  # a comment cancels nothing
        ([Review("ana", "CHANGES_REQUESTED", HEAD), Review("ana", "APPROVED", HEAD)], True),
        ([Review("ANA", "APPROVED", HEAD)], True),  # logins ignore case
        ([Review("bob", "APPROVED", HEAD)], False),  # not allowed
        ([Review("ana", "COMMENTED", HEAD)], False),
    ],
)
def test_which_reviews_count(reviews, counts):
    result = judge(RegistryChange(PATH, model("staging"), model("production")), reviews=reviews)
    assert (result.state == "success") is counts


def test_the_author_never_approves_their_own_change():
    approvals = latest_approvals((Review("JO", "APPROVED", HEAD), Review("ana", "APPROVED", HEAD)), author="jo")
    assert approvals == {"ana": HEAD}
    listed = Approvers(("jo",), frozenset({"jo"}))
    result = judge(
        RegistryChange(PATH, model("staging"), model("production")),
        reviews=[Review("jo", "APPROVED", HEAD)],
        approvers=listed,
    )
    assert result.state == "failure"


def test_stale_approvals_are_named():
    result = judge(
        RegistryChange(PATH, model("staging"), model("production")), reviews=[Review("ana", "APPROVED", "o" * 40)]
    )
    assert "ana approved ooooooo, an older commit" in result.rows[-1].detail


def test_no_one_allowed_to_approve_is_said_plainly():
    result = judge(RegistryChange(PATH, model("staging"), model("production")), approvers=Approvers(()))
    assert "no one may give it" in result.description


# ---- the shape of the registry ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "base", "head", "problem"),
    [
        (PATH, model("production"), None, "deleting (or renaming) a model version"),
        (PATH, model("candidate"), None, "deleting (or renaming) a model version"),
        ("registry/churn-classifier/2.1.0.yaml", None, model("production"), "a model version lives at"),
        ("registry/churn-classifier/2.1.0.YML", None, model("candidate"), "a model version lives at"),
        ("registry/churn-classifier/a/2.1.0.yml", None, model("candidate"), "a model version lives at"),
        ("registry/2.1.0.yml", None, model("candidate"), "a model version lives at"),
        ("Registry/churn-classifier/2.1.0.yml", None, model("candidate"), "names are case-sensitive"),
        ("REGISTRY/x.md", None, Version("file", "notes"), "names are case-sensitive"),
        ("registry/../registry/churn-classifier/2.1.0.yml", None, model("candidate"), "an unsafe path"),
        ("registry/churn-classifier/./2.1.0.yml", None, model("candidate"), "an unsafe path"),
        ("registry\\churn-classifier\\2.1.0.yml", None, model("candidate"), "an unsafe path"),
        (PATH, model("production"), Version("symlink"), "symlinks are not allowed"),
        ("registry/churn-classifier/2.2.0.yml", None, Version("submodule"), "submodules are not allowed"),
        ("registry", None, Version("symlink"), "registry must be a folder"),
        ("registry/churn-classifier/link", Version("symlink"), None, "deleting (or renaming)"),
        (PATH, None, model("production"), "a new model version must start as 'candidate'"),
        (PATH, None, Version("file", None, "not UTF-8 text"), "cannot be checked: not UTF-8 text"),
        (PATH, None, Version("file", "a: 1\na: 2\n"), "duplicate key 'a'"),
    ],
)
def test_registry_changes_that_are_refused(path, base, head, problem):
    result = judge(RegistryChange(path, base, head), reviews=[ANA_ON_HEAD])
    assert result.state == "failure" and problem in result.description, result.description


def test_files_beside_the_versions_need_nothing():
    result = judge(RegistryChange("registry/README.md", None, Version("file", "# Models")))
    assert result.state == "success"
    assert judge(RegistryChange("registry/churn-classifier/NOTES.md", Version("file", "x"), None)).state == "success"


def test_a_registry_change_is_a_deployment_whatever_the_deployment_paths():
    only_deploy = config("gate:\n  deployment_paths: [deploy/**]\n")
    result = evaluate_gate(facts(RegistryChange(PATH, model("staging"), model("production"))), only_deploy)
    assert result.state == "failure"


def test_deployment_paths_ignore_case():
    result = evaluate_gate(PullRequestFacts(1, False, "", ("Deploy/x.yaml",)), config())
    assert result.state == "failure"  # no checklist: it was read as a deployment


def test_a_change_the_bot_could_not_read_whole_fails_with_the_reason():
    result = evaluate_gate(PullRequestFacts(1, True, COMPLETE, (), unseen="too many files to check"), config())
    assert (result.state, result.description) == ("failure", "too many files to check")


# ---- the linked deployment issue --------------------------------------------------------------------------
TRUSTED = LinkedIssue(12, "yes", labels=("ml-deployment",), author="lee", author_association="MEMBER", body=COMPLETE)


@pytest.mark.parametrize(
    ("issue", "problem"),
    [
        (TRUSTED, None),
        (LinkedIssue(12, "yes", labels=("ML-Deployment",), author_association="OWNER"), None),
        (LinkedIssue(12, "yes", labels=("ml-deployment",), author="x", author_may_approve=True), None),
        (LinkedIssue(7, "yes", labels=("ml-deployment",), author_association="MEMBER"), "is this pull request"),
        (LinkedIssue(12, "missing"), "issue #12 was not found"),
        (LinkedIssue(12, "elsewhere"), "in another repository"),
        (LinkedIssue(12, "yes", is_pull_request=True, labels=("ml-deployment",)), "is a pull request"),
        (LinkedIssue(12, "yes", labels=("ml-experiment",), author_association="MEMBER"), "ml-deployment label"),
        (LinkedIssue(12, "yes", labels=("ml-deployment",), author="m", author_association="CONTRIBUTOR"), "m, who"),
        (LinkedIssue(12, "yes", labels=("ml-deployment",), author="m", author_association="NONE"), "no write access"),
    ],
)
def test_which_linked_issues_count(issue, problem):
    found = linked_issue_problem(issue, facts())
    assert found == problem if problem is None else problem in found


def test_the_checklist_of_an_issue_that_does_not_count_is_not_read():
    pr_facts = PullRequestFacts(7, False, "Deploys #12", ("deploy/x.yaml",), linked_issue=LinkedIssue(12, "missing"))
    result = evaluate_gate(pr_facts, config("checklist:\n  source: issue\n"))
    assert result.state == "failure" and result.checklist is None


@pytest.mark.parametrize(
    ("body", "number"),
    [
        ("Deploys #12", 12),
        ("deploys: #12", 12),
        ("FIXES #3 and closes #4", 3),
        ("Resolved:\n#5", 5),
        ("Deploys#12", None),
        ("Deploys :#12", None),
        ("redeploys #12", None),
        ("Deploys #12abc", None),
        ("Deploys #12.", 12),
        ("<!-- Deploys #1 -->\nDeploys #2", 2),
        ("<!-- unclosed Deploys #1", None),
        ("Deploys #" + "9" * 11, None),
        ("Deploys #０１", None),  # full-width digits are not an issue number
        ("", None),
        (None, None),
    ],
)
def test_linked_issue_reference(body, number):
    assert linked_issue(body) == number


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Deploys fix:#0129 \t\n<!-->_x")), max_size=400) | st.text(max_size=400))
def test_linked_issue_search_takes_any_text(body):
    number = linked_issue(body)
    assert number is None or 0 <= number < 10**10


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=" \n.,;()*", max_size=200), st.integers(min_value=0, max_value=10**9), st.text(max_size=200))
def test_a_closing_word_after_plain_punctuation_is_always_found(before, number, after):
    assert linked_issue(f"{before}Deploys #{number} {after}") == number


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=65_000), st.sampled_from([" ", "\t", ": ", " :"]))
def test_linked_issue_search_on_long_runs_of_space(length, gap):
    body = ("fix" + gap * (length // len(gap))) * 2 + "x"
    assert linked_issue(body) is None
