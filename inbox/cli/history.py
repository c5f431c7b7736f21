"""`inbox log KEY [--json]`: who changed an item's triage, what, and when, oldest first.

An unknown key is one line and exit 2, as in `inbox triage`. An item removed from its
channel keeps its history, and `log` still shows it.
"""

from __future__ import annotations

import argparse
import json
import sys

from inbox.config import Config
from inbox.errors import UsageError
from inbox.store import Store
from inbox.text import one_line
from inbox.triage.history import change_json, log_lines

EXIT_OK = 0


def add_parsers(commands: argparse._SubParsersAction) -> None:
    log = commands.add_parser("log", help="who changed an item's triage, what and when (oldest first)")
    log.add_argument("key", metavar="KEY", help="an item key like server:1234")
    log.add_argument("--json", action="store_true",
                     help="print a JSON array: at, by, field, old, new and rule per change")


def run(command: str, config: Config, store: Store, args: argparse.Namespace) -> int:
    key = args.key
    changes = store.history.of(key)
    if not changes and not store.existing_keys([key]):
        raise UsageError(f"no item with key {one_line(key) or '(empty)'}")
    if args.json:
        json.dump([change_json(change) for change in changes], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not changes:
        print(f"{one_line(key)}: no triage change recorded yet")
        return EXIT_OK
    sys.stdout.write("".join(f"{line}\n" for line in log_lines(changes)))
    return EXIT_OK
