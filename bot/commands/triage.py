"""`mlops-bot triage`: answers people in issues.

- issues opened, edited or reopened: reads the body as a record of its form and keeps one bot
  comment that lists what is missing or invalid (or says all is well), edited in place;
- issue comments: runs slash commands from allowed authors, answering in that same comment;
- `--reminders` (the scheduled run): one reminder on each research spike past its time box.
"""

from __future__ import annotations

import argparse

from bot.cli import add_format, emit


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--reminders", action="store_true", help="remind research spikes past their time box")
    parser.add_argument("--event-name", help="default: GITHUB_EVENT_NAME")
    parser.add_argument("--event-path", help="default: GITHUB_EVENT_PATH")
    add_format(parser)


def run(args: argparse.Namespace) -> int:
    from bot.config import load_config
    from bot.errors import EXIT_OK
    from bot.events import load_event
    from bot.triage.dispatch import triage

    config = load_config(args.config)
    event = None if args.reminders else load_event(args.event_name, args.event_path, hint="or use --reminders")
    result = triage(event, config)
    emit(args, result, result["message"])
    return EXIT_OK
