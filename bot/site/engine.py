"""Run MkDocs as a child process that never outlives the bot: the edge between the bot and the site engine.

The child gets its own process group (so a Ctrl-C reaches it once, from the bot), is stopped cleanly
(SIGINT, as MkDocs expects) when the bot is asked to stop by SIGINT, SIGTERM or SIGHUP, and on Linux the
kernel sends it SIGTERM if the bot dies without a word (SIGKILL). Material's end-of-life banner is
switched off: it is addressed to the people who maintain a site's toolchain, not to each run of the bot.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError, Location
from bot.yaml_source import parse_yaml

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 10.0  # how long a stopping MkDocs may take before it is killed
_PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Finished:
    returncode: int
    stopped: bool  # the bot was asked to stop and passed it on


def mkdocs_command(action: str, mkdocs_config: str, *, strict: bool = False, dev_addr: str | None = None) -> list[str]:
    command = [sys.executable, "-m", "mkdocs", action, "-f", mkdocs_config]
    if strict and action == "build":
        command.append("--strict")
    if dev_addr and action == "serve":
        command += ["--dev-addr", dev_addr]
    return command


def docs_dir(mkdocs_config: str) -> Path:
    """docs_dir of an MkDocs configuration (which may carry !!python tags: only docs_dir matters here).

    Read through `parse_yaml`, so an `mkdocs.yml` from a pull request is held to the same limits."""
    path = Path(mkdocs_config)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("MkDocs configuration not found", Location(str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not a readable MkDocs configuration: {exc}", Location(str(path))) from None
    data = parse_yaml(text, str(path), ConfigError, foreign_tags=True).data
    docs = data.get("docs_dir", "docs") if isinstance(data, dict) else "docs"
    return path.parent / str(docs)


def run_child(command: Sequence[str], env: dict[str, str]) -> Finished:
    """Run `command` to its end, passing a request to stop on to it; returns how it ended."""
    child = subprocess.Popen(
        list(command),
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
        preexec_fn=functools.partial(_die_with_parent, os.getpid()),
        process_group=0,
    )
    requested: list[float] = []  # when the bot was asked to stop

    def stop(signum: int, frame: object) -> None:
        if not requested and child.poll() is None:
            child.send_signal(signal.SIGINT)
        requested.append(time.monotonic())

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        while True:
            try:
                code = child.wait(timeout=0.5)  # short waits: a signal handler runs between them
                break
            except subprocess.TimeoutExpired:
                if requested and time.monotonic() - requested[0] > GRACE_SECONDS:
                    child.kill()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:  # an exception of our own: the child goes with us
            child.kill()
            child.wait()
    return Finished(code, bool(requested))


def _die_with_parent(parent: int) -> None:
    """In the child, before MkDocs starts: ask Linux to send SIGTERM when the bot's process ends."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the bot died before the request was made
            os._exit(1)
