"""The optional parts of mlops-bot: which extra a command line needs, and one clear line when it is missing.

The core (board sync, records and slash commands, the gate, validate, snapshot, init, monitoring reports)
needs none. This module imports nothing beyond the standard library, so `tools/action-install.sh` can ask it
which lock file to install before any dependency is there.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence

from bot.errors import EXIT_USAGE, BotError

# extra -> the top-level modules it brings (mkdocs-material imports as `material`)
EXTRAS: dict[str, tuple[str, ...]] = {
    "site": ("mkdocs", "material", "nh3"),
    "monitor": ("numpy", "scipy"),
    "parquet": ("pyarrow",),
}
# One lock file per install: the core alone, or the core and one extra (`parquet` includes `monitor`).
LOCKS = ("core", "site", "monitor", "parquet")
DRIFT_OPTIONS = ("--baseline", "--current")  # `monitor` computes drift (numpy, scipy) only when given samples


class MissingExtra(BotError):
    """A command needs an optional part that is not installed."""

    exit_code = EXIT_USAGE


def require(extra: str) -> None:
    """Raise MissingExtra, naming what to install, unless every module of `extra` can be imported."""
    missing = [module for module in EXTRAS[extra] if importlib.util.find_spec(module) is None]
    if missing:
        raise MissingExtra(
            f"this needs the {extra!r} extra ({', '.join(missing)} not installed): pip install 'mlops-bot[{extra}]'"
        )


def lock_for(words: Sequence[str]) -> str:
    """The lock file `mlops-bot WORDS...` installs from: `core` unless the command needs an extra."""
    command = words[0] if words else ""
    if command == "site":
        return "site"
    if command == "monitor" and any(_names_a_sample(word) for word in words):
        return "parquet" if any(word.endswith(".parquet") for word in words) else "monitor"
    return "core"


def _names_a_sample(word: str) -> bool:
    # argparse accepts unambiguous abbreviations (--base) and the --option=value form.
    option = word.split("=", 1)[0]
    return len(option) > 2 and option.startswith("--") and any(full.startswith(option) for full in DRIFT_OPTIONS)
