"""`inbox stats [--since DURATION] [--json]`: response times per channel.

Like every command, a failure the user can act on is one line on stderr (exit 2: bad
usage or config). Source names and every other value reach the terminal as plain
Rich `Text`, never as markup.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, tzinfo

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from inbox.cli import options
from inbox.config import Config
from inbox.errors import ConfigError, QueryError, UsageError
from inbox.reports.sla import refresh_sla
from inbox.reports.stats import (
    StatsReport,
    build_report,
    hours_label,
    share_label,
    stats_json,
)
from inbox.store import Store
from inbox.text import one_line
from inbox.timeutil import format_duration, utcnow

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_SINCE = "30d"


def add_parsers(commands: argparse._SubParsersAction) -> None:
    stats = commands.add_parser(
        "stats", help="per channel: items in, time to first staff reply, share answered within "
                      "the SLA, items still waiting")
    stats.add_argument("--since", metavar="DURATION", default=DEFAULT_SINCE,
                       help=f"count posts created this long ago or later (default {DEFAULT_SINCE})")
    stats.add_argument("--json", action="store_true", help="print JSON")


def refresh(config: Config, store: Store, *, now: datetime | None = None) -> int:
    """Recompute every awaiting item's SLA due moment (after a sync, before a count).

    Returns how many items have one (0 with no `[sla]`: nothing is overdue).

    Raises:
        ConfigError: a bad `[sla]` setting.
    """
    return refresh_sla(config, store, now=now or utcnow())


def run(command: str, config: Config, store: Store, args: argparse.Namespace, *,
        now: datetime | None = None) -> int:
    """Refresh the SLA, then print the table (or `--json`). A bad `--since` or `[sla]` is
    one line on stderr and exit 2."""
    try:
        since = options.since(getattr(args, "since", None) or DEFAULT_SINCE)
        report = build_report(config, store, now=now or utcnow(), since=since)
    except (ConfigError, QueryError, UsageError) as exc:
        print(f"inbox: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "json", False):
        print(json.dumps(stats_json(report), indent=2, ensure_ascii=False))
        return EXIT_OK
    console = Console(highlight=False, emoji=False, markup=False)
    console.print(heading(report, config.sla.timezone if config.sla else None))
    console.print(table(report, console.width))
    return EXIT_OK


def heading(report: StatsReport, zone: tzinfo | None) -> Text:
    """`Since Mon Oct 19 12:00 (30d) · target: 24h business time (09:00-17:00 mon-fri, UTC)`,
    in the zone the SLA counts in (else this computer's)."""
    return Text(f"Since {report.shown_start(zone)} ({format_duration(report.since)}) · "
                f"target: {report.target}", style="bold")


def table(report: StatsReport, width: int | None = None) -> Table:
    """One row per source and the total, every cell plain `Text`. Numbers keep their
    width; in a terminal `width` columns wide the source and channel names are cut
    with an ellipsis to fit."""
    headers = ("Source", "Channel", "In", "Replied", "Median", "p90", "Within SLA", "Waiting", "Overdue")
    rows = []
    for row in report.channels:
        rows.append(["total" if row.is_total else one_line(row.source), "" if row.is_total else one_line(row.channel),
                     str(row.items_in),
                     str(row.replied), hours_label(row.median_hours), hours_label(row.p90_hours),
                     share_label(row), str(row.waiting), str(row.overdue)])
    widths = [max(len(cells[index]) for cells in [list(headers), *rows]) for index in range(len(headers))]
    names = None
    if width is not None:  # what the numbers leave (2 between columns), shared by the names
        names = max(6, (width - sum(widths[2:]) - 2 * (len(headers) - 1)) // 2)
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True, header_style="bold")
    for index, name in enumerate(headers):
        if index < 2:
            grid.add_column(name, no_wrap=True, overflow="ellipsis", max_width=names)
        else:
            grid.add_column(name, justify="right", no_wrap=True, min_width=widths[index])
    for row, cells in zip(report.channels, rows):
        if row.is_total:
            grid.add_section()
        style = "bold" if row.is_total else ""
        grid.add_row(*(Text(cell, style=style) for cell in cells))
    return grid
