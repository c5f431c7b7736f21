"""The stats screen: per channel, items in, time to first staff reply and the share
answered within the SLA, with small bar charts.

It only shows a `StatsReport` its caller computed in a worker (`build_report`); it runs
no SQL. Every value is drawn as plain Rich `Text`, so a source name is never markup.
"""

from __future__ import annotations

from datetime import tzinfo

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Static

from inbox.reports.stats import ChannelStats, StatsReport, hours_label, share_label
from inbox.text import one_line
from inbox.timeutil import format_duration
from inbox.tui.widgets.keyed import KeyedScroll

BAR_WIDTH = 10
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float | None, maximum: float | None, width: int = BAR_WIDTH) -> str:
    """`value` of `maximum` as a bar of block characters `width` cells wide (eighths of a
    cell for the last one); padded with spaces so columns line up."""
    if width <= 0:
        return ""
    if not value or not maximum or value <= 0 or maximum <= 0:
        return " " * width
    eighths = max(1, round(min(value / maximum, 1.0) * width * 8))
    full, part = divmod(eighths, 8)
    drawn = "█" * full + (_EIGHTHS[part] if part else "")
    return drawn.ljust(width)


def _cell(chart: str, label: str, colour: str) -> Text:
    text = Text(chart, style=colour)
    text.append(f" {label}" if chart else label)
    return text


def stats_table(report: StatsReport, bar_width: int = BAR_WIDTH, *, tight: bool = False) -> Table:
    """The per-channel table with a bar for items in, median reply time and within-SLA
    (`bar_width` 0: numbers only; `tight`: one space between columns, names cut sooner).

    Numbers keep their full width; a long source name is cut with an ellipsis instead.
    """
    rows = report.channels
    channels = [row for row in rows if not row.is_total]
    most_in = max((row.items_in for row in channels), default=0)
    slowest = max((row.median_hours or 0 for row in channels), default=0)
    cells = [_cells(row, most_in, slowest, bar_width) for row in rows]
    headers = ("Channel", "Items in", "Median reply", "p90", "Within SLA", "Waiting")
    grid = Table(box=None, pad_edge=False, header_style="bold", expand=False,
                 padding=(0, 1, 0, 0) if tight else (0, 1))
    for index, header in enumerate(headers):
        widest = max([len(header), *(row[index].cell_len for row in cells)])
        if index == 0:
            grid.add_column(header, no_wrap=True, overflow="ellipsis", min_width=min(widest, 12),
                            max_width=12 if tight else 32)
        else:
            grid.add_column(header, no_wrap=True, min_width=widest,
                            justify="right" if header in ("p90", "Waiting") else "left")
    for row, row_cells in zip(rows, cells):
        grid.add_row(*row_cells, style="bold" if row.is_total else None)
    return grid


def _cells(row: ChannelStats, most_in: int, slowest: float, width: int) -> list[Text]:
    name = Text(one_line(row.source), style="bold" if row.is_total else "bold #61afef")
    if not row.is_total:
        name.append(f" {one_line(row.channel)}", style="dim")
    share = row.within_share
    waiting = Text(str(row.waiting))
    if row.overdue:
        waiting.append(f" ({row.overdue} overdue)", style="bold #e06c75")
    if row.is_total:  # the totals would dwarf every channel's bar
        blank = " " * width
        return [name, _cell(blank, str(row.items_in), ""), _cell(blank, hours_label(row.median_hours), ""),
                Text(hours_label(row.p90_hours)), _cell(blank, share_label(row), ""), waiting]
    return [
        name,
        _cell(bar(row.items_in, most_in, width), str(row.items_in), "#61afef"),
        _cell(bar(row.median_hours, slowest, width), hours_label(row.median_hours), "#e5c07b"),
        Text(hours_label(row.p90_hours)),
        _cell(bar(share, 1.0, width), share_label(row), "#98c379"),
        waiting,
    ]


class FittedStatsTable:
    """The stats table with the widest bars that fit where it is drawn (none at the
    narrowest), so a narrow terminal keeps every column and number whole."""

    LAYOUTS = ((BAR_WIDTH, False), (6, False), (3, False), (0, False), (0, True))
    """Bar widths and tightness, tried in turn."""

    def __init__(self, report: StatsReport) -> None:
        self.report = report

    def _table(self, console: Console, options: ConsoleOptions) -> Table:
        unbounded = options.update_width(10_000)  # a measure is capped at the width it is given
        for width, tight in self.LAYOUTS:
            table = stats_table(self.report, width, tight=tight)
            if Measurement.get(console, unbounded, table).maximum <= options.max_width:
                return table
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self._table(console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._table(console, options))


class StatsScreen(ModalScreen[None]):
    """Response times per channel; escape closes it."""

    BINDINGS = [Binding("escape,q", "dismiss", "Close", id="stats_close")]

    def __init__(self, report: StatsReport, *, zone: tzinfo | None = None) -> None:
        super().__init__()
        self.report = report
        self.start = report.shown_start(zone)
        """Where the window starts, as a person reads it in the SLA's zone."""

    def compose(self) -> ComposeResult:
        report = self.report
        with KeyedScroll(id="stats-box"):
            yield Static(Text("Response times per channel", style="bold"), id="stats-title")
            yield Static(Text(f"Posts since {self.start} "
                              f"({format_duration(report.since)}) · target: {report.target}",
                              style="dim"), id="stats-window")
            yield Static(FittedStatsTable(report), id="stats-table")
            yield Static(Text("Median and p90: time to the first staff reply. Within SLA: of the "
                              "posts answered or already late. Waiting: awaiting us now.  ·  "
                              "esc to close", style="dim"), id="stats-help")
