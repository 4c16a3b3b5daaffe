"""`mlops-bot check-pr`: the deployment gate, as a commit status on the pull request's current head."""

from __future__ import annotations

import argparse

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", help="owner/name (default: the event's repository, or GITHUB_REPOSITORY)")
    parser.add_argument("--pr", type=int, help="pull request number (default: the event's)")
    parser.add_argument("--event-name", help="default: GITHUB_EVENT_NAME")
    parser.add_argument("--event-path", help="default: GITHUB_EVENT_PATH")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.errors import EXIT_CHECK_FAILED, EXIT_OK
    from bot.events import load_event
    from bot.gate.check import find_target, run_gate
    from bot.github.client import Clients

    config = load_config(args.config)
    event = None if args.pr else load_event(args.event_name, args.event_path, hint="or pass --repo and --pr")
    gate = run_gate(find_target(args.repo, args.pr, event), config, Clients.from_env())
    checks = [{"check": r.check, "ok": r.ok, "detail": r.detail} for r in gate.rows]
    text = [f"{gate.state}: {gate.description} ({gate.sha[:7]})"]
    text += [f"{'ok  ' if r.ok else 'FAIL'} {r.check}: {r.detail}" for r in gate.rows]
    verdict = {"state": gate.state, "context": gate.context, "sha": gate.sha, "description": gate.description}
    emit(args, {**verdict, "checks": checks}, "\n".join(text))
    return EXIT_CHECK_FAILED if gate.state == "failure" else EXIT_OK
