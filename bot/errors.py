"""The few error types the bot raises; only `bot.cli` turns them into messages and exit codes.

Each carries enough to name what a user must fix: a file, a line and column, and a field path.
"""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_USAGE = 2
EXIT_GITHUB = 3
EXIT_INTERRUPTED = 130  # as shells report SIGINT


@dataclass(frozen=True)
class Location:
    """Where in a user's file a problem is: every part is optional."""

    file: str | None = None
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based
    field: str | None = None  # dotted path, e.g. columns.Deployment.wip_limit

    def __str__(self) -> str:
        place = ":".join(str(part) for part in (self.file, self.line, self.column) if part is not None)
        return ": ".join(part for part in (place, self.field) if part)


class BotError(Exception):
    """Base of every expected failure; `exit_code` is what the CLI returns for it."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        where = str(self.location) if self.location else ""
        return f"{where}: {self.message}" if where else self.message


class UsageError(BotError):
    """The command line was wrong."""


class ConfigError(BotError):
    """The configuration file (or an option standing for it) is invalid."""


class CheckFailed(BotError):
    """A check ran and did not pass: an incomplete checklist, an invalid registry file."""

    exit_code = EXIT_CHECK_FAILED


class GitHubError(BotError):
    """GitHub could not be reached or refused the request, after retries."""

    exit_code = EXIT_GITHUB
