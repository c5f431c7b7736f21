"""`inbox list [QUERY] [--json] [--limit N]` and `inbox triage KEY... [--type ...]`: the items
themselves, read and decided on from scripts.

`list --json` streams the array (bounded memory at any size); a triage that sets a type
or an assignee also writes it to the channel where the config says so, and what the inbox
saved stands if the channel refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
from collections.abc import Awaitable
from typing import TYPE_CHECKING

from inbox.cli import similar
from inbox.config import Config
from inbox.errors import SourceError, UsageError
from inbox.models import IdeaStatus, PostType
from inbox.query import INBOX_QUERY, parse_query
from inbox.store import Store, channel_wait_of, item_json
from inbox.store.triage import TriageChange
from inbox.text import clean, one_line
from inbox.text.wording import plural
from inbox.timeutil import ago, iso, parse_until, utcnow

if TYPE_CHECKING:
    from inbox.workspace import Workspace

EXIT_OK, EXIT_FAILED = 0, 1


def add_parsers(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("list", help="print the items matching a query (default: the Inbox view)")
    listing.add_argument("query", nargs="*", help="a query, as in the filter bar")
    listing.add_argument("--json", action="store_true", help="print a JSON array of items")
    listing.add_argument("--limit", type=int, metavar="N", help="at most N items")

    triage = commands.add_parser("triage", help="tag, assign, snooze, mark done or link duplicates")
    triage.add_argument("keys", nargs="+", metavar="KEY", help="item keys like server:1234")
    triage.add_argument("--type", type=str.lower, choices=[t.value for t in PostType] + ["none"], help="the post type")
    triage.add_argument("--status", type=str.lower, choices=[s.value for s in IdeaStatus] + ["none"], help="the idea status")
    triage.add_argument("--assign", metavar="NAME|none", help="assign to a person (none to clear)")
    done = triage.add_mutually_exclusive_group()
    done.add_argument("--done", action="store_true", help="mark done (back on new activity)")
    done.add_argument("--undone", action="store_true", help="back into the inbox")
    triage.add_argument("--snooze", metavar="DURATION|DATE", help="hide until then (4h, 2d, 2026-12-01; none)")
    triage.add_argument("--note", metavar="TEXT", help="a private note on the item")
    similar.add_triage_options(triage)


def run(command: str, config: Config, store: Store, args: argparse.Namespace) -> int:
    if command == "list":
        return list_items(config, store, " ".join(args.query), as_json=args.json, limit=args.limit)
    return _triage(config, store, args)


def list_items(config: Config, store: Store, query: str, *, as_json: bool, limit: int | None) -> int:
    if limit is not None and limit < 0:
        raise UsageError("--limit must be 0 or more")
    parsed = parse_query(query or INBOX_QUERY)
    now = utcnow()
    rows = store.iter_items(parsed, now=now, me=config.team.me, limit=limit, with_body=as_json)
    if as_json:  # streamed, as `json.dump(items, indent=2)` would write the whole array
        opening = "["
        for row in similar.with_duplicates(store, rows):
            # split on "\n" only: a title may hold U+2028, which splitlines() would break
            lines = json.dumps(item_json(row), ensure_ascii=False, indent=2).split("\n")
            sys.stdout.write(opening + "\n" + "\n".join("  " + line for line in lines))
            opening = ","
        sys.stdout.write("[]\n" if opening == "[" else "\n]\n")
        return EXIT_OK
    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 10_000
    count, lines = 0, []
    for count, row in enumerate(rows, start=1):
        staff = "*" if row["author_is_staff"] else " "
        wait = channel_wait_of(row)
        why = f" ({wait.describe(row['kind'], now)})" if wait else ""
        line = (f"{row['key']:<16} {(row['type'] or '-'):<15} {ago(row['created_at'], now):>4} "
                f"{row['replies']:>3}r {staff}{one_line(row['author'])[:16]:<16} {one_line(row['title'])}{why}")
        lines.append(line[:width] + "\n")
        if len(lines) == 1000:  # written a thousand lines at a time: one write per line is slow
            sys.stdout.write("".join(lines))
            lines.clear()
    sys.stdout.write("".join(lines))
    if sys.stdout.isatty():
        print(plural(count, "item"), file=sys.stderr)
    return EXIT_OK


def _triage(config: Config, store: Store, args: argparse.Namespace) -> int:
    now = utcnow()
    changes: dict[str, object] = {}
    if args.type:
        changes["type"] = None if args.type == "none" else args.type
    if args.status:
        changes["status"] = None if args.status == "none" else args.status
    if args.assign is not None:
        name = one_line(args.assign)
        if not name:
            raise UsageError("--assign needs a name (or none to unassign)")
        changes["assignee"] = None if name.lower() == "none" else name
    if args.done or args.undone:
        changes["done"] = bool(args.done)
    if args.snooze:
        if args.snooze.lower() == "none":
            changes["snoozed_until"] = None
        else:
            try:
                until = parse_until(args.snooze, now)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            if until <= now:
                raise UsageError(f"--snooze {args.snooze}: that time has passed")
            changes["snoozed_until"] = iso(until)
    if args.note is not None:
        changes["note"] = clean(args.note).strip() or None  # an empty note clears it
    linking = args.duplicate_of is not None or args.not_duplicate is not None
    if not changes and not linking:
        raise UsageError("nothing to change: give --type, --status, --assign, --done, --undone, --snooze, --note, "
                         "--duplicate-of or --not-duplicate")
    known = store.existing_keys(args.keys)
    missing = [key for key in args.keys if key not in known]
    if missing:
        raise UsageError(f"no item with key {missing[0]}" + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
    if linking:
        similar.triage_duplicates(config, store, args.keys, args)
    if not changes:
        return EXIT_OK
    from inbox.workspace import Workspace  # here: `inbox list` needs none of the channels' code

    workspace = Workspace(config, store, now=lambda: now)  # the TUI's triage keys call the same
    before = workspace.triage(args.keys, changes)
    shown = ", ".join(f"{name}={'none' if value is None else value}" for name, value in changes.items())
    for key in args.keys:
        print(f"{key}: {one_line(shown)}")
    if changes.get("type") or "assignee" in changes:
        return _write_to_channels(workspace, args.keys, changes, before)
    return EXIT_OK


def _write_to_channels(workspace: Workspace, keys: list[str], changes: dict[str, object],
                       before: TriageChange) -> int:
    """Where the channel keeps it too: the type as the label the config maps it to, the
    assignee as the channel's assignee. What is saved here stands if a channel refuses."""
    post_type = changes.get("type")
    assigning = "assignee" in changes

    async def written(key: str, write: Awaitable[str | None], kept: str) -> bool:
        """One write to the channel: what it did, or one line on why not (`kept`: what
        stays done in the inbox anyway)."""
        try:
            said = await write
        except SourceError as exc:
            print(f"inbox: {key}: {kept}: {one_line(exc.reason)}", file=sys.stderr)
            return False
        if said:
            print(f"{key}: {one_line(said)}")
        return True

    async def write_all() -> bool:
        failed = False
        for key in keys:
            if post_type:
                failed |= not await written(key, workspace.write_type_label(key, str(post_type)),
                                            "the tag is saved, but the label was not written")
            if assigning:
                assignee = changes["assignee"]
                previous = (before.get(key) or {}).get("assignee")
                failed |= not await written(
                    key, workspace.write_assignee(key, assignee and str(assignee), previous=previous),
                    "assigned in the inbox, but not on the channel")
        return failed

    return EXIT_FAILED if asyncio.run(write_all()) else EXIT_OK
