"""A thin MkDocs plugin: regenerate the pages before each build, and watch their sources when serving.

The generated pages are ordinary files, so the site also builds without this plugin (Zensical runs
none): `mlops-bot site build` writes them first.
"""

from __future__ import annotations

import os
from typing import Any

from mkdocs.config import config_options
from mkdocs.config.base import Config as MkDocsConfig
from mkdocs.plugins import BasePlugin

from bot.config import load_config
from bot.site.generate import generate

PAGES_READY = "MLOPS_PAGES_READY"


class _Options(MkDocsConfig):
    config = config_options.Type(str, default="")


class MlopsPlugin(BasePlugin[_Options]):
    def _config(self) -> Any:
        # `mlops-bot site build --config X` passes X down; it wins over the option in mkdocs.yml.
        return load_config(os.environ.get("MLOPS_CONFIG") or self.config.config or None)

    def on_pre_build(self, *, config: Any) -> None:
        """Runs before MkDocs collects the pages: write them fresh (unless `site build` just did)."""
        if os.environ.pop(PAGES_READY, None) == "1":
            return
        generate(self._config(), config["docs_dir"])

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        """Rebuild when the registry or the snapshot changes, not only the docs folder."""
        settings = self._config()
        for path in (settings.registry.path, settings.site.snapshot):
            if os.path.exists(path):
                server.watch(path)
        return server
