"""The emulator's git data, pull request files and reviews, held against GitHub's documented behaviour
(and against git itself for object ids)."""

from __future__ import annotations

import base64
import subprocess

import pytest
from github import Auth, Github, GithubException

from tests.emulator import git_data
from tests.emulator.webhooks import pull_request_review_event
from tests.helpers import assert_valid, webhook_validator


@pytest.fixture
def gh(github):
    github.state.add_token("ghp_jo", "jo")
    github.state.add_token("ghp_ana", "ana")
    return github


def client(github, token: str = "ghp_ana"):
    return Github(auth=Auth.Token(token), base_url=github.api_url, per_page=100, seconds_between_requests=0)


def test_trees_and_blobs_match_git_object_ids(gh, tmp_path):
    repo = gh.state.repo("acme/ml")
    files = {"README.md": "hello\n", "registry/m/1.0.0.yml": "stage: candidate\n", "run.sh": "echo\n"}
    sha = git_data.commit(gh.state, repo, files, symlinks={"registry/m/latest.yml": "1.0.0.yml"})
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for path, text in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    (tmp_path / "registry/m/latest.yml").symlink_to("1.0.0.yml")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    expected = subprocess.run(["git", "-C", str(tmp_path), "write-tree"], capture_output=True, text=True, check=True)

    api = client(gh).get_repo("acme/ml")
    tree = api.get_git_tree(sha, recursive=True)
    assert tree.sha == expected.stdout.strip()
    by_path = {e.path: e for e in tree.tree}
    assert (by_path["registry"].type, by_path["registry"].mode) == ("tree", "040000")
    assert (by_path["registry/m/latest.yml"].type, by_path["registry/m/latest.yml"].mode) == ("blob", "120000")
    assert by_path["README.md"].sha == "ce013625030ba8dba906f756967f9e9ca394464a"  # git hash-object of "hello\n"
    assert by_path["README.md"].size == 6
    top = api.get_git_tree(sha)
    assert [e.path for e in top.tree] == ["README.md", "registry", "run.sh"]
    assert [e.path for e in api.get_git_tree(by_path["registry"].sha).tree] == ["m"]
    blob = api.get_git_blob(by_path["registry/m/latest.yml"].sha)
    assert base64.b64decode(blob.content) == b"1.0.0.yml"


def test_recursive_tree_is_truncated_past_the_limit(gh, monkeypatch):
    repo = gh.state.repo("acme/ml")
    sha = git_data.commit(gh.state, repo, {f"f/{i}.txt": str(i) for i in range(30)})
    monkeypatch.setattr(git_data, "RECURSIVE_TREE_LIMIT", 10)
    _, data = client(gh).requester.requestJsonAndCheck("GET", f"/repos/acme/ml/git/trees/{sha}", {"recursive": "1"})
    assert data["truncated"] is True and len(data["tree"]) == 10


def test_compare_reports_the_merge_base_of_a_diverged_branch(gh):
    repo = gh.state.repo("acme/ml")
    root = git_data.commit(gh.state, repo, {"a.txt": "1"})
    main = git_data.commit(gh.state, repo, {"b.txt": "2"}, parent=root)
    head = git_data.commit(gh.state, repo, {"a.txt": None, "c.txt": "3"}, parent=root)
    repo.branches["main"] = main
    comparison = client(gh).get_repo("acme/ml").compare("main", head)
    assert comparison.merge_base_commit.sha == root and comparison.base_commit.sha == main
    assert (comparison.status, comparison.ahead_by, comparison.behind_by) == ("diverged", 1, 1)
    assert {(f.filename, f.status) for f in comparison.files} == {("a.txt", "removed"), ("c.txt", "added")}


def test_pull_request_files_stop_at_3000_and_report_renames(gh):
    repo = gh.state.repo("acme/ml")
    base = git_data.commit(gh.state, repo, {"old/name.yml": "same"})
    files = {f"n/{i:04}.txt": "x" for i in range(3005)} | {"old/name.yml": None, "z/new.yml": "same"}
    head = git_data.commit(gh.state, repo, files, parent=base)
    pull = gh.state.pull_request(repo, "Big", head_sha=head, base_sha=base)
    pull.files = git_data.pull_files(repo, base, head)
    api = client(gh).get_repo("acme/ml").get_pull(pull.issue.number)
    assert api.changed_files == 3006
    listed = list(api.get_files())
    assert len(listed) == 3000
    rename = git_data.pull_files(repo, base, head)[-1]
    assert rename == {
        "filename": "z/new.yml",
        "status": "renamed",
        "sha": git_data.blob_sha(b"same"),
        "previous_filename": "old/name.yml",
    }


def test_reviews_carry_their_commit_and_follow_github_rules(gh):
    repo = gh.state.repo("acme/ml")
    pull = gh.state.pull_request(repo, "Deploy", user="jo")
    old = pull.head_sha
    api = client(gh).get_repo("acme/ml").get_pull(pull.issue.number)
    review = api.create_review(commit=api.head.repo.get_commit(old), event="APPROVE")
    assert review.commit_id == old and review.state == "APPROVED"
    with pytest.raises(GithubException) as refused:
        client(gh, "ghp_jo").get_repo("acme/ml").get_pull(pull.issue.number).create_review(event="APPROVE")
    assert refused.value.status == 422 and "Can not approve your own pull request" in str(refused.value.data)
    review.dismiss("stale")
    assert [r.state for r in api.get_reviews()] == ["DISMISSED"]


def test_review_event_payload_matches_githubs_schema(gh):
    repo = gh.state.repo("acme/ml")
    pull = gh.state.pull_request(repo, "Deploy", user="jo")
    client(gh).get_repo("acme/ml").get_pull(pull.issue.number).create_review(event="APPROVE")
    payload = pull_request_review_event("submitted", pull, pull.reviews[0], gh.state.user("ana"), gh.urls)
    assert payload["review"]["state"] == "approved" and payload["review"]["commit_id"] == pull.head_sha
    assert_valid(webhook_validator("pull_request_review/submitted.schema.json"), payload)
