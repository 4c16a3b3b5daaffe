"""The Protocols that say what the bot uses of PyGithub's objects name only what PyGithub has."""

from __future__ import annotations

import pytest
from github.Issue import Issue
from github.IssueComment import IssueComment
from github.Label import Label
from github.NamedUser import NamedUser
from github.Repository import Repository
from github.Requester import Requester

from bot.github import shapes


def members(protocol: type) -> set[str]:
    return {name for name in vars(protocol) if not name.startswith("_")}


@pytest.mark.parametrize(
    ("protocol", "pygithub"),
    [
        (shapes.User, NamedUser),
        (shapes.Comment, IssueComment),
        (shapes.Label, Label),
        (shapes.Issue, Issue),
        (shapes.Repository, Repository),
        (shapes.Requester, Requester),
    ],
)
def test_every_member_of_a_shape_exists_in_pygithub(protocol, pygithub):
    assert members(protocol), protocol
    assert {name for name in members(protocol) if not hasattr(pygithub, name)} == set()
