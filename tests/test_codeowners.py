"""CODEOWNERS matching as GitHub documents it (the examples of GitHub's "About code owners" page)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.records.codeowners import owners_of, segment_matches

# (pattern, path, matches)
CASES = [
    ("*", "README.md", True),
    ("*", "a/b/c.py", True),
    ("*.js", "app.js", True),
    ("*.js", "src/deep/app.js", True),
    ("*.js", "src/app.jsx", False),
    ("/build/logs/", "build/logs/x.log", True),
    ("/build/logs/", "build/logs/deep/x.log", True),
    ("/build/logs/", "src/build/logs/x.log", False),
    ("/build/logs/", "build/logs", False),  # a file named like the folder is not in it
    ("docs/*", "docs/getting-started.md", True),
    ("docs/*", "docs/build-app/troubleshooting.md", False),  # one level only
    ("docs/*", "src/docs/a.md", False),  # a slash in the middle anchors
    ("apps/", "apps/a.py", True),
    ("apps/", "src/apps/deep/a.py", True),  # a folder anywhere
    ("/docs/", "docs/a/b.md", True),
    ("/docs/", "src/docs/a.md", False),
    ("**/logs", "build/logs/x", True),
    ("**/logs", "deeply/nested/logs/x", True),
    ("**/logs", "logs/x", True),
    ("/docs", "docs/a/b.md", True),  # a matched folder owns what is below it
    ("registry/churn-classifier/", "registry/churn-classifier/2.1.0.yml", True),
    ("registry/churn-classifier/", "Registry/churn-classifier/2.1.0.yml", False),  # case-sensitive
    ("/registry/**/*.yml", "registry/a/b/c.yml", True),
    ("/registry/**/*.yml", "registry/c.yml", True),
    ("?.md", "a.md", True),
    ("?.md", "ab.md", False),
    ("[ab].md", "a.md", False),  # ranges do not work on GitHub: the pattern is literal
    ("[ab].md", "[ab].md", True),
    ("a*b*c", "axxbyyc", True),
    ("a*b*c", "axxbyy", False),
]


@pytest.mark.parametrize(("pattern", "path", "matches"), CASES)
def test_pattern(pattern, path, matches):
    assert (owners_of(path, f"{pattern} @owner\n") == ["owner"]) is matches


def test_the_last_matching_rule_wins_and_may_name_no_one():
    text = "* @global\n/registry/ @ml-leads @acme/ops\n/registry/sandbox/\n"
    assert owners_of("README.md", text) == ["global"]
    assert owners_of("registry/x/1.yml", text) == ["ml-leads", "acme/ops"]
    assert owners_of("registry/sandbox/1.yml", text) == []


def test_comments_emails_and_blank_lines():
    text = "# * @nobody\n\n   \n*.yml @ana ops@example.com @acme/ml # @not-an-owner\n"
    assert owners_of("registry/a/1.yml", text) == ["ana", "acme/ml"]
    assert owners_of("x.yml", "") == []
    assert owners_of("x.yml", None) == []


def test_a_pattern_of_many_stars_does_not_backtrack():
    rule = "*a" * 40 + "b"
    assert owners_of("a" * 4000, f"{rule} @x\n") == []
    assert not segment_matches("*a" * 40 + "b", "a" * 4000)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab*?/.", max_size=12), st.text(alphabet="ab/.", max_size=20))
def test_any_pattern_and_path_give_an_answer(pattern, path):
    owners = owners_of(path, f"{pattern} @x\n")
    assert owners in ([], ["x"])
