"""`mlops-bot site build|serve`: write the generated pages, then run MkDocs on them."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from bot.cli import add_format, emit
from bot.config import load_config
from bot.errors import EXIT_CHECK_FAILED, EXIT_OK, ConfigError, Location
from bot.site.generate import generate
from bot.site.plugin import PAGES_READY
from bot.yaml_source import parse_yaml


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("build", "serve", "generate"),
        help="build the site, serve it with live reload, or only write the generated pages",
    )
    parser.add_argument("--mkdocs-config", default="mkdocs.yml", help="the MkDocs configuration (default: mkdocs.yml)")
    parser.add_argument("--strict", action="store_true", help="fail the build on MkDocs warnings")
    add_format(parser)


def _docs_dir(mkdocs_config: str) -> Path:
    path = Path(mkdocs_config)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("MkDocs configuration not found", Location(str(path))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the MkDocs configuration: {exc}", Location(str(path))) from None
    # MkDocs configurations may carry !!python tags (read as None); only docs_dir matters here.
    data = parse_yaml(text, str(path), ConfigError, foreign_tags=True).data
    docs_dir = data.get("docs_dir", "docs") if isinstance(data, dict) else "docs"
    return path.parent / str(docs_dir)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    started = time.perf_counter()
    counts = generate(config, _docs_dir(args.mkdocs_config))
    generated = time.perf_counter() - started
    if args.action == "generate":
        emit(
            args,
            {**counts, "generate_seconds": round(generated, 3)},
            f"wrote {counts['pages']} pages in {generated:.2f}s",
        )
        return EXIT_OK
    env = {**os.environ}
    if args.config:
        env["MLOPS_CONFIG"] = args.config
    if args.action == "build":
        env[PAGES_READY] = "1"  # the plugin need not render them again
    command = [sys.executable, "-m", "mkdocs", args.action, "-f", args.mkdocs_config]
    if args.strict and args.action == "build":
        command.append("--strict")
    done = subprocess.run(command, env=env, check=False)
    total = time.perf_counter() - started
    if done.returncode != 0:
        print(f"error: mkdocs {args.action} failed (exit {done.returncode})", file=sys.stderr)
        return EXIT_CHECK_FAILED
    emit(
        args,
        {**counts, "generate_seconds": round(generated, 3), "total_seconds": round(total, 3)},
        f"built {counts['pages']} generated pages ({counts['models']} model versions, {counts['issues']} issues): "
        f"generation {generated:.2f}s of {total:.2f}s",
    )
    return EXIT_OK
