"""`inbox similar KEY [--json] [--limit N]`: the posts from any channel most like one, as
the preview lists them; and `inbox triage KEY... --duplicate-of OTHER` (or
`--not-duplicate OTHER`), which links posts as the same question asked twice.

An unknown key is one line and exit 2, as in `inbox triage` and `inbox log`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from inbox.config import Config
from inbox.errors import UsageError
from inbox.models import PRODUCT_NAMES
from inbox.store import Store
from inbox.text import one_line
from inbox.timeutil import utcnow

EXIT_OK = 0
MOST = 50
"""The longest list `--limit` may ask for."""


def add_parsers(commands: argparse._SubParsersAction) -> None:
    similar = commands.add_parser("similar", help="the posts from any channel most like one (the same question "
                                                  "asked elsewhere), best first")
    similar.add_argument("key", metavar="KEY", help="an item key like server:1234")
    similar.add_argument("--json", action="store_true",
                         help="print a JSON array: key, source, kind, title, url, state, answered, duplicate")
    similar.add_argument("--limit", type=int, default=3, metavar="N", help=f"at most N posts (default 3, up to {MOST})")


def add_triage_options(triage: argparse.ArgumentParser) -> None:
    """`inbox triage`'s own options for duplicates."""
    linking = triage.add_mutually_exclusive_group()
    linking.add_argument("--duplicate-of", metavar="KEY",
                         help="link the items as duplicates of this one (the pair shows on both)")
    linking.add_argument("--not-duplicate", metavar="KEY",
                         help="undo the duplicate link between the items and this one")


def run(command: str, config: Config, store: Store, args: argparse.Namespace) -> int:
    if not 0 <= args.limit <= MOST:
        raise UsageError(f"--limit must be between 0 and {MOST}")
    now = utcnow()
    found = store.similar(args.key, now=now, limit=args.limit)
    if found is None:
        raise UsageError(f"no item with key {one_line(args.key) or '(empty)'}")
    linked = set(store.duplicates.keys_of([args.key])[args.key])
    rows = [{**row, "duplicate": row["key"] in linked} for row in found]
    if args.json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    if not rows:
        print(f"{one_line(args.key)}: no similar post found")
        return EXIT_OK
    sys.stdout.write("".join(f"{line}\n" for line in similar_lines(rows)))
    return EXIT_OK


def similar_lines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per post: key, channel, state, answered or not, title (all one line of
    plain text, whatever the channel put there)."""
    keys = [one_line(row["key"]) for row in rows]
    channels = [PRODUCT_NAMES.get(row["kind"], one_line(row["kind"])) for row in rows]
    key_width, channel_width = max(map(len, keys)), max(map(len, channels))
    lines = []
    for row, key, channel in zip(rows, keys, channels):
        answered = "answered" if row["answered"] else "unanswered"
        linked = " (linked as duplicate)" if row.get("duplicate") else ""
        lines.append(f"{key:<{key_width}}  {channel:<{channel_width}}  {row['state']:<7}  {answered:<10}  "
                     f"{one_line(row['title'])}{linked}")
    return lines


def with_duplicates(store: Store, rows: Iterable[dict[str, Any]], chunk: int = 1000) -> Iterator[dict[str, Any]]:
    """`inbox list --json`: the rows, each with the keys of the posts linked with it as
    duplicates (read a chunk of rows at a time)."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == chunk:
            yield from store.duplicates.attach(batch)
            batch = []
    yield from store.duplicates.attach(batch)


def triage_duplicates(config: Config, store: Store, keys: list[str], args: argparse.Namespace) -> bool:
    """`inbox triage KEY... --duplicate-of OTHER` or `--not-duplicate OTHER`: the links
    made or undone, a line each; False when neither was asked for."""
    from inbox.workspace import Workspace

    other = args.duplicate_of or args.not_duplicate
    if other is None:
        return False
    workspace = Workspace(config, store)
    if args.duplicate_of:
        linked = set(workspace.link_duplicates(keys, other))
        for key in keys:
            said = f"linked as a duplicate of {other}" if key in linked else f"already linked with {other}"
            print(f"{one_line(key)}: {one_line(said)}")
        return True
    unlinked = set(workspace.unlink_duplicates(keys, other))
    if not unlinked and not store.existing_keys([other]):  # a link to a post gone since can still go
        raise UsageError(f"no item with key {one_line(other) or '(empty)'}")
    for key in keys:
        said = f"no longer linked with {other}" if key in unlinked else f"was not linked with {other}"
        print(f"{one_line(key)}: {one_line(said)}")
    return True
