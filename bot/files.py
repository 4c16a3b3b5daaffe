"""Writing a file whole or not at all, for everything the bot writes into a repository's working tree."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def replace_file(target: Path, data: bytes) -> None:
    """Write `data` to `target` so a reader sees the old text or the new one, never half of either: a
    temporary file beside it, then a rename. Folders on the way are made."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):  # the write failed: leave no stray file behind
            os.unlink(temporary)
