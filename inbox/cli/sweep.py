"""`inbox sweep [--weekly] [--post] [--format mrkdwn|markdown|text|json]`: the Help Wanted
sweep (or the Wednesday list) as the TUI's `W` shows it, printed or posted to Slack."""

from __future__ import annotations

import argparse
import asyncio
import sys

from inbox.config import Config
from inbox.errors import UsageError
from inbox.store import Store
from inbox.text.wording import plural
from inbox.timeutil import utcnow

EXIT_OK = 0


def add_parsers(commands: argparse._SubParsersAction) -> None:
    sweep = commands.add_parser("sweep", help="the Help Wanted list of posts for the community (--weekly: quiet issues)")
    sweep.add_argument("--weekly", action="store_true",
                       help="the Wednesday list: no activity for more than 7 days, not opened by the team")
    sweep.add_argument("--format", choices=["mrkdwn", "markdown", "text", "json"], default="mrkdwn",
                       help="how to print it (default: Slack mrkdwn)")
    sweep.add_argument("--post", action="store_true",
                       help="post it to Slack through the webhook named by [slack] webhook_env")


def run(command: str, config: Config, store: Store, args: argparse.Namespace) -> int:
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
