"""`inbox sync [--source NAME]... [--watch [INTERVAL]] [--wait]`: pull what is new from the
channels, then let the rules act on it; a progress bar per source, a line per result.

Exit 1 when a source failed (what the others brought is saved).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import timedelta

from inbox import config as config_module
from inbox.config import Config
from inbox.errors import ConfigError, UsageError
from inbox.store import Store
from inbox.text import one_line
from inbox.timeutil import parse_duration, utcnow

EXIT_OK, EXIT_FAILED = 0, 1


def add_parsers(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser("sync", help="pull new and changed items from the configured sources")
    sync.add_argument("--source", action="append", default=[], metavar="NAME",
                      help="sync only this source (repeatable)")
    sync.add_argument("--watch", nargs="?", const="5m", metavar="INTERVAL",
                      help="keep syncing every INTERVAL (default 5m; never faster than each "
                           "channel's limits allow); ctrl+c stops")
    sync.add_argument("--wait", action="store_true",
                      help="a source a teammate is syncing is waited for, not skipped")


def run(command: str, config: Config, store: Store, args: argparse.Namespace) -> int:
    if args.watch:
        return watch(config, store, args.source, args.watch)
    return sync(config, store, args.source, wait=args.wait)


def sync(config: Config, store: Store, only: list[str], *, wait: bool = False) -> int:
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


def watch(config: Config, store: Store, only: list[str], interval_text: str,
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
