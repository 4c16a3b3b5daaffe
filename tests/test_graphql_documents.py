"""Every GraphQL document the bot can send validates against GitHub's real public schema."""

from __future__ import annotations

import itertools

import pytest
from graphql import parse, validate

from bot.board.actions import ActionKind
from bot.board.projects import batch_document
from bot.github.queries import all_documents, operation_name
from tests.emulator.graphql_api import github_schema

DOCUMENTS = all_documents()


def errors_of(document: str) -> list[str]:
    return [error.message for error in validate(github_schema(), parse(document))]


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_stored_document_is_valid_against_githubs_schema(name):
    assert errors_of(DOCUMENTS[name]) == []
    assert operation_name(DOCUMENTS[name]) == name  # the file is named for its operation


@pytest.mark.parametrize(
    "kinds",
    [[kind] for kind in ActionKind]
    + [list(ActionKind) * 20]
    + [list(p) for p in itertools.permutations(["unarchive", "set_status", "archive"])],
)
def test_generated_batch_mutations_are_valid(kinds):
    assert errors_of(batch_document(kinds)) == []


def test_the_validation_would_catch_a_query_github_rejects():
    assert errors_of("query Bad { viewer { loginn } }") == [
        "Cannot query field 'loginn' on type 'User'. Did you mean 'login'?"
    ]
