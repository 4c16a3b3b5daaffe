"""Lineage, pure: which experiment produced which model version, and where each thing lives on GitHub.

A lead follows an experiment to the versions it produced, and a version back to its experiment, its
deployment issue, the pull request and commit of each stage change and its registry file. Links are
built on the snapshot's `server_url`, so they point at GitHub Enterprise Server when the team runs it.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import PurePosixPath
from typing import Any

from bot.records.links import named_models
from bot.records.registry import ModelVersion

_REPOSITORY = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def experiment_anchor(repository: str, number: int) -> str:
    return f"e-{slug(repository)}-{number}"


def version_anchor(version: str) -> str:
    return f"v-{slug(version)}"


def page_href(from_page: str, to_page: str, anchor: str = "", directory_urls: bool = True) -> str:
    """The relative URL from one generated page to another (paths as in `render_site`'s keys)."""
    return _page_href(from_page, to_page, directory_urls) + (f"#{anchor}" if anchor else "")


@cache  # thousands of experiments link to a few dozen pages
def _page_href(from_page: str, to_page: str, directory_urls: bool) -> str:
    def url_of(page: str) -> str:
        path = PurePosixPath(page)
        if not directory_urls:
            return str(path.with_suffix(".html"))
        return str(path.parent) if path.stem == "index" else str(path.with_suffix(""))

    if directory_urls:
        relative = posixpath.relpath(url_of(to_page), url_of(from_page))
        return "./" if relative == "." else relative + "/"
    return posixpath.relpath(url_of(to_page), posixpath.dirname(url_of(from_page)))


@dataclass(frozen=True)
class GitHubLinks:
    """URLs on the GitHub server the snapshot was taken from (github.com or an Enterprise Server)."""

    server_url: str = "https://github.com"
    issue_urls: dict[tuple[str, int], str] = field(default_factory=dict)

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any] | None) -> GitHubLinks:
        server = str((snapshot or {}).get("server_url") or "https://github.com").rstrip("/")
        urls = {(i["repository"].lower(), i["number"]): i["url"] for i in (snapshot or {}).get("issues", [])}
        return cls(server if re.match(r"^https?://[^\s/]+", server) else "https://github.com", urls)

    def repository(self, name: str | None) -> str | None:
        return name if name and _REPOSITORY.match(name) else None

    def issue(self, repository: str, number: int) -> str:
        known = self.issue_urls.get((repository.lower(), number))
        return known or f"{self.server_url}/{repository}/issues/{number}"

    def pull(self, repository: str, number: int) -> str:
        return f"{self.server_url}/{repository}/pull/{number}"

    def commit(self, repository: str, sha: str) -> str:
        return f"{self.server_url}/{repository}/commit/{sha}"

    def file(self, repository: str, path: str) -> str:
        # HEAD names the default branch, whatever it is called.
        return f"{self.server_url}/{repository}/blob/HEAD/{path}"


def pull_number(value: Any) -> int | None:
    """A stage change's pull request as the registry file may give it: 12, "12", "#12" or its URL."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    match = re.fullmatch(r"(?:#|.*/pull/)?([1-9][0-9]{0,9})/?", str(value or "").strip())
    return int(match.group(1)) if match else None


def commit_sha(value: Any) -> str | None:
    text = str(value or "").strip().lower()
    return text if _COMMIT.match(text) else None


@dataclass(frozen=True)
class Produced:
    """A model version an experiment produced."""

    model: str
    version: str
    stage: str


def versions_by_experiment(models: Iterable[ModelVersion]) -> dict[tuple[str, int], list[Produced]]:
    """(repository, issue number) of each experiment -> the versions whose registry file names it."""
    found: dict[tuple[str, int], list[Produced]] = defaultdict(list)
    for model in models:
        links = model.data.get("links") or {}
        number, repository = links.get("experiment_issue"), links.get("repository")
        if isinstance(number, int) and isinstance(repository, str):
            found[(repository.lower(), number)].append(Produced(model.name, model.version, model.stage))
    return found


class ModelMatcher:
    """Which model an experiment is about: the model of the versions it produced, else the one its record
    or title names (`bot.records.links.named_models`, the rule the registry link check applies)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = frozenset(names)

    def model_of(self, issue: dict[str, Any], produced: list[Produced]) -> str:
        if produced:
            return produced[0].model
        named = sorted(named_models(issue, self.names).models)
        return named[0] if len(named) == 1 else ""
