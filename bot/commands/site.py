"""`mlops-bot site build|serve|generate`: write the generated pages, then run MkDocs on them.

Every registry file left out of the site and every registry link that does not hold is printed as a
warning with its file and line; `--strict` fails on them (and on MkDocs' own warnings).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from bot.cli import add_format, emit
from bot.errors import EXIT_OK, CheckFailed


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action",
        choices=("build", "serve", "generate"),
        help="build the site, serve it with live reload, or only write the generated pages",
    )
    parser.add_argument("--mkdocs-config", default="mkdocs.yml", help="the MkDocs configuration (default: mkdocs.yml)")
    parser.add_argument(
        "--strict", action="store_true", help="fail on a skipped registry file, a broken link or an MkDocs warning"
    )
    parser.add_argument(
        "--dev-addr",
        type=_address,
        metavar="HOST:PORT",
        help="where `serve` listens (default: MkDocs' dev_addr, localhost:8000)",
    )
    add_format(parser)


def _address(text: str) -> str:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r} is not HOST:PORT (e.g. 127.0.0.1:8000)")
    return text


def run(args: argparse.Namespace) -> int:
    from bot.extras import require

    require("site")
    from bot.config import load_config
    from bot.site.engine import docs_dir, mkdocs_command, run_child
    from bot.site.generate import generate
    from bot.site.plugin import PAGES_READY

    config = load_config(args.config)
    started = time.perf_counter()
    generated = generate(config, docs_dir(args.mkdocs_config))
    seconds = time.perf_counter() - started
    for line in generated.warnings + _left_out_count(len(generated.left_out)):
        print(f"warning: {line}", file=sys.stderr)
    if args.strict and generated.warnings:
        raise CheckFailed(f"{len(generated.warnings)} warning(s) about the registry, and --strict fails on them")
    if args.action != "generate":
        env = {**os.environ, PAGES_READY: "1", **({"MLOPS_CONFIG": args.config} if args.config else {})}
        command = mkdocs_command(args.action, args.mkdocs_config, strict=args.strict, dev_addr=args.dev_addr)
        finished = run_child(command, env)
        if finished.returncode != 0 and not (finished.stopped and args.action == "serve"):
            raise CheckFailed(f"mkdocs {args.action} failed (exit {finished.returncode})")
    total = time.perf_counter() - started
    emit(
        args,
        {**generated.counts(), "generate_seconds": round(seconds, 3), "total_seconds": round(total, 3)},
        f"{'wrote' if args.action == 'generate' else 'built'} {generated.pages} generated pages "
        f"({generated.models} model versions, {generated.issues} issues; {generated.written} rewritten): "
        f"generation {seconds:.2f}s of {total:.2f}s",
    )
    return EXIT_OK


def _left_out_count(count: int) -> list[str]:
    return [f"{count} registry file(s) left out of the site; `mlops-bot validate` lists every problem"] if count else []
