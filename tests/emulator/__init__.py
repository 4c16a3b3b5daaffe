"""A stateful in-memory GitHub (REST + GraphQL) for the bot's tests: see README.md beside this file."""

from . import git_data
from .server import Event, Fault, GitHubEmulator, Recorded
from .state import State

__all__ = ["Event", "Fault", "GitHubEmulator", "Recorded", "State", "git_data"]
