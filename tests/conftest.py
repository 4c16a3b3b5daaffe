"""Fixtures: a fresh GitHub emulator per test, with the bot's and Actions' tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator import GitHubEmulator
from tests.helpers import ACTIONS_TOKEN, BOT_TOKEN


@pytest.fixture
def github() -> Iterator[GitHubEmulator]:
    with GitHubEmulator() as emulator:
        emulator.state.add_token(BOT_TOKEN, "mlops-bot")
        emulator.state.add_token(ACTIONS_TOKEN, "github-actions[bot]", kind="actions")
        yield emulator
