"""The `inbox` command: the TUI by default, and the same inbox from scripts.

Every failure the user can act on is one line on stderr with exit code 1 (the work
failed) or 2 (bad usage, config or input); never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import shutil
import sys
import time
from collections.abc import Awaitable, Sequence
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import NoReturn

import platformdirs

from inbox import __version__
from inbox import config as config_module
from inbox.config import Config
from inbox.errors import ConfigError, DatabaseBusy, DatabaseUnreachable, InboxError, QueryError, UsageError
from inbox.models import IdeaStatus, PostType
from inbox.query import INBOX_QUERY, parse_query
from inbox.store import Store, channel_wait_of, item_json, open_store
from inbox.store.sweeps import define as define_sweeps
from inbox.store.triage import TriageChange
from inbox.text import clean, one_line
from inbox.text.wording import plural
from inbox.timeutil import ago, iso, parse_duration, parse_time, parse_until, utcnow

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line like every other error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"inbox: {message} (see `{self.prog} --help`)\n")


GROUPS: dict[str, str] = {
    "sources": "sources",
    "templates": "respond", "reply": "respond", "jira": "respond", "release": "respond",
    "stats": "stats",
    "people": "people",
    "rules": "rules",
    "db": "database",
    "log": "history",
    "similar": "similar",
    "init": "setup", "config": "setup",
}
"""The table of commands kept in a group module (`inbox.cli.<module>`): each module adds
its parsers and runs them as `run(command, config, store, args)`. The commands this module
runs itself are `demo`, `sync`, `list`, `triage`, `sweep` and `playbook`."""

OFFLINE = {"templates"}
"""Group commands that run without opening the store."""
BEFORE_CONFIG = {"init", "config"}
"""Group commands that run before the config is loaded (it may not exist yet)."""


def _group(name: str) -> ModuleType:
    """A command group's module, imported when used so `inbox --help` stays quick."""
    return importlib.import_module(f"inbox.cli.{name}")


def build_parser() -> argparse.ArgumentParser:
    config_path = config_module.default_config_path()
    parser = _Parser(
        prog="inbox",
        description="Every support channel of your community in one keyboard-driven terminal inbox.",
        epilog=_escaped(f"With no command, opens the inbox. Try `inbox demo` for a tour; `inbox init` "
                        f"writes a starter config at {config_path}; `inbox config` says which config "
                        "and database are in use."),
    )
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help=_escaped(f"config file (default: $INBOX_CONFIG, else the user config folder; "
                                      f"here: {config_path})"))
    parser.add_argument("--db", metavar="PATH|URL",
                        help=_escaped(f"a SQLite file or a postgresql:// URL (default: $INBOX_DB, [store] url, "
                                      f"else {config_module.default_db_path()})"))
    parser.add_argument("--version", action="version", version=f"inbox {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = commands.add_parser("demo", help="load the bundled demo workspace and open it")
    demo.add_argument("--no-tui", action="store_true", help="only load the demo, do not open the inbox")

    _group("setup").add_parsers(commands)

    sync = commands.add_parser("sync", help="pull new and changed items from the configured sources")
    sync.add_argument("--source", action="append", default=[], metavar="NAME",
                      help="sync only this source (repeatable)")
    sync.add_argument("--watch", nargs="?", const="5m", metavar="INTERVAL",
                      help="keep syncing every INTERVAL (default 5m; never faster than each "
                           "channel's limits allow); ctrl+c stops")
    sync.add_argument("--wait", action="store_true",
                      help="a source a teammate is syncing is waited for, not skipped")

    _group("sources").add_parsers(commands)

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
    _group("similar").add_triage_options(triage)

    _group("history").add_parsers(commands)

    _group("similar").add_parsers(commands)

    _group("respond").add_parsers(commands)

    _group("stats").add_parsers(commands)

    _group("people").add_parsers(commands)

    _group("rules").add_parsers(commands)

    _group("database").add_parsers(commands)

    sweep = commands.add_parser("sweep", help="the Help Wanted list of posts for the community (--weekly: quiet issues)")
    sweep.add_argument("--weekly", action="store_true",
                       help="the Wednesday list: no activity for more than 7 days, not opened by the team")
    sweep.add_argument("--format", choices=["mrkdwn", "markdown", "text", "json"], default="mrkdwn",
                       help="how to print it (default: Slack mrkdwn)")
    sweep.add_argument("--post", action="store_true",
                       help="post it to Slack through the webhook named by [slack] webhook_env")

    playbook = commands.add_parser("playbook", help="list the event playbooks, or show one (offline)")
    playbook.add_argument("name", nargs="?", help="the playbook to show (e.g. office-hours)")
    playbook.add_argument("--checklist", action="store_true", help="print only the steps")
    playbook.add_argument("--at", metavar="WHEN", help="the event start (2026-11-25 17:00, UTC): "
                          "scheduled steps show when they are due")
    return parser


def _escaped(text: str) -> str:
    """Help text as argparse takes it: a `%` in a path is not a format."""
    return text.replace("%", "%%")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv, negated_terms = _negated_list_terms(list(sys.argv[1:] if argv is None else argv))
    args = parser.parse_args(argv)
    if negated_terms:
        args.query += negated_terms
    try:
        return _run(args)
    except (ConfigError, QueryError, UsageError) as exc:
        _error(exc)
        return EXIT_USAGE
    except InboxError as exc:
        _error(exc)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("inbox: interrupted (everything saved so far is kept)", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `inbox list | head`: the reader left, which is fine
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug: still one line, with a way to see more
        if os.environ.get("INBOX_DEBUG"):
            raise
        _error(InboxError(f"unexpected error ({type(exc).__name__}: {exc}); "
                          "run with INBOX_DEBUG=1 for details"))
        return EXIT_FAILED


_GLOBAL_WITH_VALUE = {"--config", "--db"}
_LIST_WITH_VALUE = {"--limit"}


def _negated_list_terms(argv: list[str]) -> tuple[list[str], list[str]]:
    """Take `-term`s out of `inbox list ...` before argparse reads them as options.

    `inbox list is:open -is:done -helm` is a query; `--json` and `--limit N` stay options,
    and a mistyped `--jsno` is still an error.
    """
    index = 0
    while index < len(argv) and argv[index].startswith("-"):
        index += 2 if argv[index] in _GLOBAL_WITH_VALUE else 1
    if index >= len(argv) or argv[index] != "list":
        return argv, []
    kept, terms = argv[: index + 1], []
    rest = iter(argv[index + 1:])
    for token in rest:
        if token in _LIST_WITH_VALUE:
            kept += [token, next(rest, "")]
        elif token.startswith("-") and not token.startswith("--") and token != "-h" and len(token) > 1:
            terms.append(token)
        else:
            kept.append(token)
    return kept, terms


def _error(exc: Exception) -> None:
    print(f"inbox: {one_line(str(exc))}", file=sys.stderr)


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        return _demo(args)
    if args.command in BEFORE_CONFIG:
        return _group(GROUPS[args.command]).run(args.command, None, None, args)
    from inbox.sources.registry import load_config  # each kind checks its own options

    config = load_config(args.config)
    if args.command == "playbook":  # offline: no store, no network
        return _playbook(config, args)
    if args.command in OFFLINE or (args.command == "rules" and not args.dry_run):  # listing the rules too
        return _group(GROUPS[args.command]).run(args.command, config, None, args)
    from inbox.triage.people import sync_person_logins

    store = _open_store(args, config)
    sync_person_logins(config, store)  # `author:NAME` takes [people.NAME] everywhere
    store.sweeps = define_sweeps(config)  # `sweep:daily` is the sweep this config defines
    if args.command is None:
        return _tui(config, store)
    if args.command == "sync":
        if args.watch:
            return _watch(config, store, args.source, args.watch)
        return _sync(config, store, args.source, wait=args.wait)
    if args.command == "list":
        return _list(config, store, " ".join(args.query), as_json=args.json, limit=args.limit)
    if args.command == "triage":
        return _triage(config, store, args)
    if args.command == "sweep":
        return _sweep(config, store, args)
    if args.command in GROUPS:
        return _group(GROUPS[args.command]).run(args.command, config, store, args)
    raise UsageError(f"unknown command {args.command}")


def _playbook(config: Config, args: argparse.Namespace) -> int:
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


def _open_store(args: argparse.Namespace, config: Config) -> Store:
    try:
        return open_store(config_module.database(args.db, config), password_env=config.store.password_env)
    except (DatabaseBusy, DatabaseUnreachable):  # the right database, busy or away: trying again later works (exit 1)
        raise
    except InboxError as exc:  # not a database, not ours, read-only, or a folder: the path given is wrong
        raise UsageError(str(exc)) from None


def _tui(config: Config, store: Store, *, demo: bool = False) -> int:
    from inbox.tui.app import make_app  # the TUI (and Textual) only load when used

    app = make_app(config, store, demo=demo)
    app.run()
    return app.return_code or EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    import shlex

    from inbox.demo import CONFIG_PATH, demo_config, load_demo

    path = args.db
    if path is None:
        path = Path(platformdirs.user_data_dir(config_module.APP_NAME)) / "demo.db"
        for suffix in ("", "-wal", "-shm"):  # a fresh demo each time, with times relative to now
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    try:
        store = open_store(path)
    except InboxError as exc:
        raise UsageError(str(exc)) from None
    count = load_demo(store, now=utcnow())
    # where it all is, so any other command can be run on the demo too
    print(f"Loaded the demo workspace: {plural(count, 'item')} into {path}, config {CONFIG_PATH}\n"
          f"Try: inbox --config {shlex.quote(str(CONFIG_PATH))} --db {shlex.quote(str(path))} sweep")
    if args.no_tui:
        return EXIT_OK
    return _tui(demo_config(), store, demo=True)


def _sync(config: Config, store: Store, only: list[str], *, wait: bool = False) -> int:
    from inbox.cli.progress import BarsProgress
    from inbox.workspace import Workspace

    only = _chosen_sources(config, only)
    with BarsProgress([s.name for s in config.sources if not only or s.name in only]) as progress:
        report = asyncio.run(Workspace(config, store).sync(only, progress=progress, now=utcnow(),
                                                           on_rules=_print_rule_actions, wait=wait))
    failed = False
    for result in report.results:
        stream = sys.stdout if result.ok else sys.stderr
        print(("" if result.ok else "inbox: ") + one_line(result.summary()), file=stream)
        failed = failed or not result.ok
    return EXIT_FAILED if failed else EXIT_OK


def _print_rule_actions(actions: list) -> None:
    """After a sync: a line per thing a rule did, and per label or draft it could not make
    (what it left alone for your own decisions is in `inbox rules --dry-run`)."""
    for action in actions:
        if action.applied:
            print(f"rule {one_line(action.rule)}: {one_line(action.describe())}")
        elif action.field in ("label", "template") and "left alone" not in (action.reason or ""):
            print(f"inbox: rule {one_line(action.rule)}: {one_line(action.describe())}", file=sys.stderr)


def _chosen_sources(config: Config, only: list[str]) -> list[str]:
    if not config.sources:
        where = config.path or config_module.default_config_path()
        raise ConfigError(f"{where}: no [[sources]] configured (see the README's config example)")
    only = list(dict.fromkeys(only))  # `--source a --source a` syncs it once
    for name in only:
        config.source(name)
    return only


def _watch(config: Config, store: Store, only: list[str], interval_text: str,
           *, sleep=time.sleep, rounds: int | None = None) -> int:
    """Sync again and again; one line per source per round; ctrl+c stops cleanly."""
    from inbox.workspace import Workspace

    only = _chosen_sources(config, only)
    try:
        interval = parse_duration(interval_text)
    except ValueError as exc:
        raise UsageError(f"--watch: {exc}") from None
    if interval < timedelta(minutes=1):
        raise UsageError("--watch: the interval must be 1m or more")
    print(f"Syncing every {interval_text} (slower where a channel's limits ask for it); "
          "ctrl+c stops. Everything synced is kept.", flush=True)
    done = 0
    workspace = Workspace(config, store, now=utcnow)
    try:
        while rounds is None or done < rounds:
            now = utcnow()
            due, next_at = workspace.due_sources(interval, only=only, now=now)
            if due:
                report = asyncio.run(workspace.sync(due, now=now, on_rules=_print_rule_actions))
                stamp = now.strftime("%H:%M")
                for result in report.results:
                    stream = sys.stdout if result.ok else sys.stderr
                    print(f"{stamp} " + ("" if result.ok else "inbox: ") + one_line(result.summary()),
                          file=stream, flush=True)
                done += 1
                due, next_at = workspace.due_sources(interval, only=only, now=utcnow())
            sleep(max(1.0, (next_at - utcnow()).total_seconds()))
    except KeyboardInterrupt:
        print("Stopped watching; everything synced so far is kept.", file=sys.stderr)
    return EXIT_OK


def _list(config: Config, store: Store, query: str, *, as_json: bool, limit: int | None) -> int:
    if limit is not None and limit < 0:
        raise UsageError("--limit must be 0 or more")
    parsed = parse_query(query or INBOX_QUERY)
    now = utcnow()
    rows = store.iter_items(parsed, now=now, me=config.team.me, limit=limit, with_body=as_json)
    if as_json:  # streamed, as `json.dump(items, indent=2)` would write the whole array
        opening = "["
        for row in _group("similar").with_duplicates(store, rows):
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


def _sweep(config: Config, store: Store, args: argparse.Namespace) -> int:
    from inbox.reports.sweep import build_sweep, render

    now = utcnow()
    sweep = build_sweep(config, store, now=now, weekly=args.weekly, bodies=args.format == "json")
    if not args.post:
        sys.stdout.write(render(sweep, args.format, now))
        return EXIT_OK
    if args.format != "mrkdwn":
        raise UsageError("--post sends Slack mrkdwn: leave out --format")
    if sweep.empty:
        print("inbox: nothing to post: no post needs the community's help", file=sys.stderr)
        return EXIT_OK
    from inbox.workspace import Workspace

    text = render(sweep, "mrkdwn", now)
    asyncio.run(Workspace(config, store).post_sweep(text))
    print(text, end="" if text.endswith("\n") else "\n")
    print(f"Posted the {'weekly list' if args.weekly else 'Help Wanted sweep'} to Slack: "
          f"{plural(len(sweep.entries), 'post')}.", file=sys.stderr)
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
        _group("similar").triage_duplicates(config, store, args.keys, args)
    if not changes:
        return EXIT_OK
    before = store.set_triage(args.keys, changes, now=now, by=config.team.who)
    shown = ", ".join(f"{name}={'none' if value is None else value}" for name, value in changes.items())
    for key in args.keys:
        print(f"{key}: {one_line(shown)}")
    if changes.get("type") or "assignee" in changes:
        return _write_to_channels(config, store, args.keys, changes, before)
    return EXIT_OK


def _write_to_channels(config: Config, store: Store, keys: list[str], changes: dict[str, object],
                       before: TriageChange) -> int:
    """Where the channel keeps it too: the type as the label the config maps it to, the
    assignee as the channel's assignee. What is saved here stands if a channel refuses."""
    from inbox.errors import SourceError
    from inbox.workspace import Workspace

    workspace = Workspace(config, store, now=utcnow)
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
