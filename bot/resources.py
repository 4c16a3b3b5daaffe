"""Files the bot ships beside its code, found in the installed wheel or in a source checkout.

The wheel carries copies under `bot/_*` (see `[tool.hatch.build.targets.wheel.force-include]` in
pyproject.toml); a source checkout or an editable install reads them where they are kept.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).parent
_CHECKOUT = _PACKAGE.parent


def _either(packaged: str, source: str) -> Path:
    installed = _PACKAGE / packaged
    return installed if installed.is_dir() else _CHECKOUT / source


def schemas_dir() -> Path:
    """Every JSON Schema (`schemas/` in the checkout)."""
    return _either("_schemas", "schemas")


def forms_dir() -> Path:
    """The issue forms (`.github/ISSUE_TEMPLATE/` in the checkout)."""
    return _either("_forms", ".github/ISSUE_TEMPLATE")


def site_skeleton_dir() -> Path:
    """The folder holding `mkdocs.yml` and `site_src/`, as `init` copies them into a repository."""
    return _either("_site", ".")
