"""Response-time statistics per channel: what came in, how fast the team first answered,
how much of it within the SLA, and what still waits.

For each source, over the posts created in the window (`--since`, default 30 days):
- items in: every post created in the window;
- time to first staff reply: from creation to the first reply by staff in the stored
  thread, for posts not opened by staff; posts with no staff reply are left out of the
  distribution (they show in "still waiting"); median and 90th percentile by nearest
  rank, in hours;
- within the SLA: of the community posts whose outcome is known (answered, or still
  awaiting us past the due moment), the share answered in time: `respond_within` of
  business time when `[sla]` is set, else 24 hours of wall time;
- still waiting: items awaiting us now (open, not done), whatever their age, and how many
  of them are overdue (`is:overdue`, as of the last SLA refresh).

Pure core: reads the store, never writes it (`build_report` refreshes the SLA first).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from inbox.config import Config
from inbox.models import CHANNEL_NAMES
from inbox.reports.sla import (
    EARLIEST,
    LATEST,
    BusinessCalendar,
    SlaSettings,
    epoch_seconds,
    refresh_sla,
    sla_settings,
)
from inbox.store import Store
from inbox.timeutil import format_duration, human_time, iso

WALL_CLOCK_TARGET = timedelta(hours=24)
"""The response target when the config has no `[sla]`: 24 hours, nights and weekends included."""
TOTAL = "all channels"


@dataclass
class ChannelStats:
    """One row of `inbox stats`: a source, or the total over all of them."""

    source: str
    """The source name (the key prefix); "all channels" on the total row."""
    kind: str
    """Its channel kind (github, discourse, ...); "" on the total row."""
    channel: str
    """The channel for people: GitHub, Forum, Stack Overflow."""
    items_in: int = 0
    """Posts created in the window."""
    replied: int = 0
    """Community posts in the window with a staff reply: the size of the distribution."""
    median_hours: float | None = None
    p90_hours: float | None = None
    within_sla: int = 0
    """Community posts answered within the target."""
    sla_decided: int = 0
    """Community posts whose outcome is known: answered, or still awaiting us past due."""
    waiting: int = 0
    """Awaiting us now (open, not done), whatever their age."""
    overdue: int = 0
    """Of those, past their due moment (as of the last SLA refresh)."""
    is_total: bool = False

    @property
    def within_share(self) -> float | None:
        """Answered within the target, as a share of the decided (None: nothing decided)."""
        return self.within_sla / self.sla_decided if self.sla_decided else None

    def as_json(self) -> dict[str, Any]:
        share = self.within_share
        return {
            "source": None if self.is_total else self.source, "kind": self.kind or None,
            "channel": self.channel, "items_in": self.items_in, "replied": self.replied,
            "median_hours": self.median_hours, "p90_hours": self.p90_hours,
            "within_sla": None if share is None else round(share, 4),
            "within_sla_count": self.within_sla, "sla_decided": self.sla_decided,
            "waiting": self.waiting, "overdue": self.overdue,
        }


@dataclass
class StatsReport:
    """What `inbox stats` and the stats screen show: the rows and how they were counted."""

    now: datetime
    since: timedelta
    settings: SlaSettings | None
    channels: list[ChannelStats]
    """One row per source, then the total row last."""

    @property
    def target(self) -> str:
        """`24h business time (09:00-17:00 mon-fri, UTC)` or `24h (no [sla]: wall time)`."""
        if self.settings is None:
            return "24h wall time (no [sla] in the config)"
        return self.settings.describe()

    @property
    def total(self) -> ChannelStats:
        return self.channels[-1]

    @property
    def start(self) -> str:
        """The window's start (ISO), or "the beginning" for a window longer than history."""
        return window_start(self.now, self.since) or "the beginning"

    def shown_start(self, zone: tzinfo | None) -> str:
        """The window's start as a person reads it, in `zone` (None: this computer's
        local time), or "the beginning"."""
        start = _window_from(self.now, self.since)
        return human_time(start, self.now, zone) if start else "the beginning"


def nearest_rank(count: int, p: int) -> int:
    """The rank (from 1) of the `p`th percentile among `count` sorted values, by nearest
    rank: ceil(p% of count), at least 1. Whole numbers, so the store's ranks agree."""
    return max(1, -(-p * count // 100))


def percentile(values: list[float], p: int) -> float | None:
    """Nearest-rank percentile of sorted `values` (the median is p=50); None when empty."""
    if not values:
        return None
    return values[nearest_rank(len(values), p) - 1]


def window_start(now: datetime, since: timedelta) -> str | None:
    """`now - since` as stored times read; None when that is before 1970 (everything:
    `iso` of a year before 1000 would not even sort as a stored time)."""
    start = _window_from(now, since)
    return iso(start) if start else None


def _window_from(now: datetime, since: timedelta) -> datetime | None:
    """`now - since`; None when that is before 1970 (the whole history)."""
    try:
        start = now - since
    except OverflowError:
        return None
    return start if start.year >= 1970 else None


def channel_label(kind: str) -> str:
    """A channel kind as a table heading: GitHub, Forum, Help desk, Stack Overflow."""
    name = CHANNEL_NAMES.get(kind, kind).removeprefix("the ")
    return name[:1].upper() + name[1:]


def channel_stats(config: Config, store: Store, *, now: datetime, since: timedelta,
                  settings: SlaSettings | None = None) -> list[ChannelStats]:
    """Per source (in config order, then any other source in the store), and a total row last.

    The store counts and ranks; only the window's posts pass through here, one at a time,
    for the business-hours clock (linear in the window, not in the inbox).

    Raises:
        ConfigError: a bad `[sla]` setting.
    """
    settings = settings if settings is not None else sla_settings(config)
    rows: dict[str, ChannelStats] = {}

    def row(source: str, kind: str) -> ChannelStats:
        if source not in rows:
            rows[source] = ChannelStats(source=source, kind=kind, channel=channel_label(kind))
        return rows[source]

    for source in config.sources:
        row(source.name, source.kind)
    for source, kind, count, overdue in store.stats.waiting(now=now):
        stats = row(source, kind)
        stats.waiting, stats.overdue = count, int(overdue or 0)

    total = ChannelStats(source=TOTAL, kind="", channel="All channels", is_total=True)
    calendar = BusinessCalendar(settings) if settings is not None else None
    span = int((settings.respond_within if settings else WALL_CLOCK_TARGET).total_seconds())
    now_seconds = int(now.timestamp())
    latest = LATEST - span - 400 * 86400  # room for the due moment
    clock_from, clock_until = (iso(datetime.fromtimestamp(seconds, UTC)) for seconds in (EARLIEST, latest))
    posts = store.stats.window(start=_window_from(now, since), now=now, clock_from=clock_from,
                               clock_until=clock_until)
    for (source, kind, items_in, created_at, by_staff, is_waiting, first_staff, timed,
         rank, replied, overall_rank, overall) in posts:
        stats = row(source, kind)
        stats.items_in, stats.replied = items_in, replied
        created = epoch_seconds(created_at)
        answered = epoch_seconds(first_staff) if first_staff else None
        if timed and created is not None and answered is not None:
            hours = _round((answered - created) / 3600)
            for shown, place, count in ((stats, rank, replied), (total, overall_rank, overall)):
                if place == nearest_rank(count, 50):
                    shown.median_hours = hours
                if place == nearest_rank(count, 90):
                    shown.p90_hours = hours
        if by_staff or created is None or not EARLIEST <= created <= latest:
            continue  # the team's own posts await no answer from the team
        if answered is None and not is_waiting:
            continue  # neither answered nor late: nothing to decide
        due = calendar.add(created, span) if calendar is not None else created + span
        if answered is not None:
            stats.sla_decided += 1
            stats.within_sla += answered <= due
        elif due <= now_seconds:
            stats.sla_decided += 1  # still waiting, and already late

    configured = [source.name for source in config.sources]
    ordered = [rows[name] for name in configured]
    ordered += [rows[name] for name in sorted(set(rows) - set(configured))]
    for stats in ordered:
        for name in ("items_in", "replied", "within_sla", "sla_decided", "waiting", "overdue"):
            setattr(total, name, getattr(total, name) + getattr(stats, name))
    return [*ordered, total]


def _round(hours: float | None) -> float | None:
    return None if hours is None else round(hours, 2)


def build_report(config: Config, store: Store, *, now: datetime, since: timedelta,
                 refresh: bool = True) -> StatsReport:
    """Refresh the SLA due moments (so "overdue" is current), then count. For the CLI and
    for a TUI worker (the screen itself runs no SQL).

    Raises:
        ConfigError: a bad `[sla]` setting.
    """
    settings = sla_settings(config)
    if refresh:
        refresh_sla(config, store, now=now, settings=settings)
    channels = channel_stats(config, store, now=now, since=since, settings=settings)
    return StatsReport(now=now, since=since, settings=settings, channels=channels)


def stats_json(report: StatsReport) -> dict[str, Any]:
    """`{generated_at, since, from, sla, target, channels: [row], total: row}`; a row is
    `{source, kind, channel, items_in, replied, median_hours, p90_hours, within_sla (0..1
    or null), within_sla_count, sla_decided, waiting, overdue}`."""
    return {
        "generated_at": iso(report.now),
        "since": format_duration(report.since),
        "from": window_start(report.now, report.since),
        "sla": report.settings.as_json() if report.settings else None,
        "target": report.target,
        "channels": [row.as_json() for row in report.channels if not row.is_total],
        "total": report.total.as_json(),
    }


# --- labels the table and the screen share -----------------------------------------------------

def hours_label(hours: float | None) -> str:
    """A response time for people: `45m`, `5.5h`, `3.2d`; `-` when there is none."""
    if hours is None:
        return "-"
    if hours < 1:
        return f"{round(hours * 60)}m"
    if hours < 48:
        return f"{hours:.1f}h"
    return f"{hours / 24:.1f}d"


def share_label(stats: ChannelStats) -> str:
    """`83% 10/12`, or `-` when nothing is decided yet."""
    share = stats.within_share
    if share is None:
        return "-"
    return f"{math.floor(share * 100 + 0.5)}% {stats.within_sla}/{stats.sla_decided}"
