"""`inbox playbook [NAME] [--checklist] [--at WHEN]`: the event playbooks, read offline."""

from __future__ import annotations

import argparse
import sys

from inbox.config import Config
from inbox.errors import UsageError
from inbox.text import clean, one_line
from inbox.timeutil import parse_time

EXIT_OK = 0


def add_parsers(commands: argparse._SubParsersAction) -> None:
    playbook = commands.add_parser("playbook", help="list the event playbooks, or show one (offline)")
    playbook.add_argument("name", nargs="?", help="the playbook to show (e.g. office-hours)")
    playbook.add_argument("--checklist", action="store_true", help="print only the steps")
    playbook.add_argument("--at", metavar="WHEN", help="the event start (2026-11-25 17:00, UTC): "
                          "scheduled steps show when they are due")


def run(command: str, config: Config, store: None, args: argparse.Namespace) -> int:
    """Offline: no store (None), no network."""
    from inbox.playbooks import checklist_lines, load_library

    library = load_library(config.playbook_paths)
    for warning in library.warnings:
        print(f"inbox: warning: {one_line(warning)}", file=sys.stderr)
    event_start = None
    if args.at:
        event_start = parse_time(args.at)
        if event_start is None:
            raise UsageError(f"--at {args.at}: not a date and time (use 2026-11-25 17:00)")
    if not args.name:
        width = max((len(p.name) for p in library), default=0)
        for playbook in library:
            print(f"{playbook.name:<{width}}  {one_line(playbook.title)}: {one_line(playbook.summary)}")
        return EXIT_OK
    playbook = library.get(args.name)
    if args.checklist:
        print(one_line(playbook.title))
        print("\n".join(clean(line) for line in checklist_lines(playbook, event_start=event_start)))
        return EXIT_OK
    from inbox.playbooks.render import print_playbook

    print_playbook(playbook, event_start=event_start)
    return EXIT_OK
