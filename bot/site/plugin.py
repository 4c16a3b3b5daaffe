"""A thin MkDocs plugin: regenerate the pages before each build, and watch their sources when serving.

The generated pages are ordinary files, so the site also builds without this plugin (Zensical runs
none): `mlops-bot site build` writes them first. When serving, the server watches the registry, the
snapshot and the monitoring statuses, and every part of the docs folder except the generated pages: only
pages whose text changed are rewritten, and rewriting them never triggers another build.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config as MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from bot.config import Config, load_config
from bot.errors import BotError
from bot.site import raw_html
from bot.site.generate import generate
from bot.site.render import GENERATED

PAGES_READY = "MLOPS_PAGES_READY"
log = logging.getLogger("mkdocs.plugins.mlops")


class _Options(MkDocsConfig):
    config = config_options.Type(str, default="")


class MlopsPlugin(BasePlugin[_Options]):
    def __init__(self) -> None:
        self.server: Any = None
        self.watched: set[str] = set()
        self.held: dict[str, raw_html.HeldBlocks] = {}  # by page: finished HTML kept out of Markdown

    def _config(self) -> Config:
        # `mlops-bot site build --config X` passes X down; it wins over the option in mkdocs.yml.
        try:
            return load_config(os.environ.get("MLOPS_CONFIG") or self.config.config or None)
        except BotError as exc:
            raise PluginError(str(exc)) from None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defined so that MkDocs keeps this one plugin object across the rebuilds of `mkdocs serve`."""

    def on_pre_build(self, *, config: Any) -> None:
        """Runs before MkDocs collects the pages: write them fresh (unless `site build` just did)."""
        if self.server is not None:
            self._watch_docs(config["docs_dir"])  # folders made since the last build
        if os.environ.pop(PAGES_READY, None) == "1":
            return
        try:
            generated = generate(self._config(), config["docs_dir"])
        except BotError as exc:
            raise PluginError(str(exc)) from None
        for warning in generated.warnings:
            log.warning(warning)  # `mkdocs build --strict` fails on them

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Any) -> str:
        """Hold a generated page's finished HTML out of Python-Markdown (see `bot.site.raw_html`)."""
        if not page.file.src_uri.startswith(GENERATED + "/"):
            return markdown
        text, held = raw_html.hold(markdown, secrets.token_hex(8))
        if held.blocks:
            self.held[page.file.src_uri] = held
        return text

    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        """Put the held HTML back, and tell MkDocs the anchors it defines (links to them are checked)."""
        held = self.held.pop(page.file.src_uri, None)
        if held is None:
            return html
        if isinstance(getattr(page, "present_anchor_ids", None), set):
            page.present_anchor_ids |= raw_html.anchor_ids(held)
        return raw_html.restore(html, held)

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        """Rebuild when the registry, the snapshot or the statuses change; not when the generated pages do."""
        settings = self._config()
        self.server = server
        server.unwatch(config["docs_dir"])
        server.watch(config["docs_dir"], recursive=False)
        self._watch_docs(config["docs_dir"])
        for path in (settings.registry.path, settings.site.snapshot, settings.monitoring.status_dir):
            if path and os.path.exists(path):
                server.watch(path)
        return server

    def _watch_docs(self, docs_dir: str) -> None:
        """Watch each folder of the docs folder but the generated one (MkDocs watched the whole tree)."""
        for folder in sorted(Path(docs_dir).iterdir()):
            if folder.is_dir() and folder.name != GENERATED and str(folder) not in self.watched:
                self.server.watch(str(folder))
                self.watched.add(str(folder))
