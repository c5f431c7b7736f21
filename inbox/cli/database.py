"""`inbox db copy --to URL|PATH`: move the inbox into another database (a team's
PostgreSQL server, or back into a SQLite file), with each table's rows and checksum
shown on both sides."""

from __future__ import annotations

import argparse
import sys

from inbox.config import Config
from inbox.errors import UsageError
from inbox.store import Store, open_store
from inbox.store.copy import copy
from inbox.text.wording import plural

EXIT_OK, EXIT_FAILED = 0, 1


def add_parsers(commands: argparse._SubParsersAction) -> None:
    database = commands.add_parser("db", help="the database itself: copy the inbox into another one")
    actions = database.add_subparsers(dest="db_command", metavar="ACTION", required=True,
                                      parser_class=type(database))
    copying = actions.add_parser("copy", help="copy the inbox (--db) into another database; "
                                              "running it again changes nothing")
    copying.add_argument("--to", required=True, metavar="URL|PATH",
                         help="a postgresql:// URL (its password from the environment) or a SQLite file")


def run(command: str, config: Config, store: Store, args: argparse.Namespace) -> int:
    """`inbox db copy --to WHERE`: every table, then a line per table with its rows and
    checksum here and there; exit 1 if any differ."""
    if str(args.to) == str(store):
        raise UsageError(f"--to is the inbox being copied ({store}): name another database")
    target = open_store(args.to, password_env=config.store.password_env)
    counts: dict[str, int] = {}

    def progress(table: str, rows: int) -> None:
        counts[table] = counts.get(table, 0) + rows
        if sys.stderr.isatty():
            print(f"\r  {table}: {plural(counts[table], 'row')}".ljust(40), end="", file=sys.stderr, flush=True)

    try:
        print(f"Copying {store} into {target}", file=sys.stderr)
        results = copy(store, target, progress=progress)
    finally:
        target.close()
    if sys.stderr.isatty():
        print(f"\r{' ' * 40}\r", end="", file=sys.stderr)
    width = max(len(result.table) for result in results)
    print(f"{'table':<{width}}  {'rows':>9}  {'copied':>9}  {'written':>8}  {'checksum':<16}  {'copied':<16}")
    for result in results:
        print(f"{result.table:<{width}}  {result.source.rows:>9,}  {result.target.rows:>9,}  "
              f"{result.written:>8,}  {result.source.checksum:<16}  {result.target.checksum:<16}"
              f"{'' if result.same else '  DIFFERS'}")
    differing = [result.table for result in results if not result.same]
    if differing:
        print(f"inbox: the copy differs in {', '.join(differing)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Every table is the same on both sides ({plural(sum(r.written for r in results), 'row')} written).")
    return EXIT_OK

