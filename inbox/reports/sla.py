"""The response-time SLA: every post awaiting the team is due an answer within
`respond_within` of business time (business hours on business days, in the team's
time zone), counted from when it started waiting.

`refresh_sla` writes each awaiting item's due moment to the store (`store.sla`), which is
what `is:overdue` reads; business hours do not fit in SQL, so the clock is computed
here, after each sync and before `inbox stats`: for the items changed since the last
refresh, or for all of them (a chunk at a time) when `[sla]` changed.

Pure core: no Textual. Times in and out are aware UTC datetimes.
"""

from __future__ import annotations

import json
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from typing import Any

from inbox.config import Config, SlaSettings
from inbox.store import Store
from inbox.timeutil import parse_time

AWAITING_QUERY = "is:open -is:done is:awaiting"
"""The items an SLA clock runs for: open, not done, and awaiting the team. The store notes
an item as changed when what this reads moves (its state, activity, replies, thread, done
mark): a term reading anything else needs its trigger too (`m009_sla_changes`)."""
EARLIEST, LATEST = 0, 7258118400
"""The moments business time is counted between (1970-01-01 and 2200-01-01, UTC): an item
dated outside them has no due moment (a calendar from year 1 would take minutes)."""


def sla_settings(config: Config) -> SlaSettings | None:
    """`[sla]` as the config read it when it loaded; None when it has none."""
    return config.sla


# --- business time ----------------------------------------------------------------------------

class BusinessCalendar:
    """Business-hour windows as UTC seconds, with the business seconds before each one, so
    a due moment or a span of business time is two binary searches.

    Windows are built per local date (so daylight-saving changes move them in UTC) and
    grow on demand; one calendar serves a whole refresh. Not shared between threads.
    """

    def __init__(self, settings: SlaSettings) -> None:
        self.settings = settings
        self._first: date | None = None
        self._last: date | None = None
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._before: list[int] = []  # business seconds before each window
        self._through: list[int] = []  # ... up to each window's end

    def _window(self, day: date) -> tuple[int, int] | None:
        settings = self.settings
        if day.weekday() not in settings.days:
            return None
        tz = settings.timezone
        start = int(datetime.combine(day, settings.start, tzinfo=tz).timestamp())
        if settings.end is None:
            end = int(datetime.combine(day + timedelta(days=1), clock(0), tzinfo=tz).timestamp())
        else:
            end = int(datetime.combine(day, settings.end, tzinfo=tz).timestamp())
        return (start, end) if end > start else None  # a day lost to a clock change

    def _local_date(self, seconds: int) -> date:
        try:
            return datetime.fromtimestamp(seconds, self.settings.timezone).date()
        except (OverflowError, OSError, ValueError):
            return date.max if seconds > 0 else date.min

    def _build(self, first: date, last: date) -> None:
        """Windows for every local date from `first` through `last` (kept if already there)."""
        first = max(first, date.min + timedelta(days=2))
        last = min(last, date.max - timedelta(days=2))
        if self._first is not None and self._last is not None:
            if self._first <= first and last <= self._last:
                return
            first, last = min(first, self._first), max(last, self._last)
        starts, ends, before, through = [], [], [], []
        total = 0
        day = first
        while day <= last:
            window = self._window(day)
            if window is not None:
                starts.append(window[0])
                ends.append(window[1])
                before.append(total)
                total += window[1] - window[0]
                through.append(total)
            day += timedelta(days=1)
        self._first, self._last = first, last
        self._starts, self._ends, self._before, self._through = starts, ends, before, through

    def cover(self, low: int, high: int) -> None:
        """Have the windows of every local date from `low` through a week past `high`, so
        some window is still open after `high`.

        Raises:
            ValueError: a moment outside 1970-2200 (a calendar that long is a data error).
        """
        if self._ends and self._starts[0] <= low and high < self._ends[-1]:
            return
        if not (EARLIEST <= low <= LATEST and EARLIEST <= high <= LATEST):
            raise ValueError("business time is counted between 1970 and 2200 only")
        self._build(self._local_date(low) - timedelta(days=1), self._local_date(high) + timedelta(days=8))
        while not self._ends or self._ends[-1] <= high:  # days lost to clock changes only
            self._grow()

    def _grow(self) -> None:
        """Twice as many dates forward (at least four weeks)."""
        assert self._first is not None and self._last is not None
        if self._last >= date.max - timedelta(days=3):
            raise OverflowError("business time runs past the year 9999")
        more = max((self._last - self._first).days, 28)
        self._build(self._first, min(self._last + timedelta(days=more), date.max - timedelta(days=2)))

    def position(self, seconds: int) -> int:
        """Business seconds from the calendar's first window to this moment."""
        self.cover(seconds, seconds)
        index = bisect_right(self._ends, seconds)  # the first window still open after it
        offset = seconds - self._starts[index]
        return self._before[index] + min(max(offset, 0), self._ends[index] - self._starts[index])

    def moment(self, position: int) -> int:
        """The UTC second at which `position` business seconds have passed (a window's end
        when it lands exactly on one)."""
        while not self._through or self._through[-1] < position:
            self._grow()
        index = bisect_left(self._through, position)
        return self._starts[index] + (position - self._before[index])

    def add(self, seconds: int, span: int) -> int:
        """`seconds` + `span` business seconds, as UTC seconds."""
        if span <= 0:
            return seconds
        return self.moment(self.position(seconds) + span)

    def between(self, a: int, b: int) -> int:
        """Business seconds from `a` to `b` (0 when b is not after a)."""
        if b <= a:
            return 0
        self.cover(a, b)
        return self.position(b) - self.position(a)


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def _utc(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def add_business_time(start: datetime, span: timedelta, settings: SlaSettings) -> datetime:
    """When `span` of business time has passed after `start` (aware UTC in and out).

    Only time inside business hours on business days counts, in the configured zone: a
    start after hours or on a weekend counts from the next opening; landing exactly on a
    closing time gives the closing time, not the next opening.
    """
    calendar = BusinessCalendar(settings)
    return _utc(calendar.add(_seconds(start), int(span.total_seconds())))


def business_time_between(a: datetime, b: datetime, settings: SlaSettings) -> timedelta:
    """The business time between two moments (zero when `b` is not after `a`)."""
    return timedelta(seconds=BusinessCalendar(settings).between(_seconds(a), _seconds(b)))


# --- when an item started waiting -------------------------------------------------------------

def epoch_seconds(value: Any) -> int | None:
    """A stored ISO time (`2026-11-21T09:30:00Z`) as UTC seconds; None if unreadable."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = parse_time(value)
            if moment is None:
                return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp())
    moment = parse_time(value)
    return None if moment is None else int(moment.timestamp())


@dataclass
class _Thread:
    """What the SLA needs from a thread: is there one, when did the team last reply, and
    when did the community first write after that (stored times, as given)."""

    replies: int = 0
    last_staff: Any = None
    customer_after: Any = None

    def add(self, is_staff: Any, created: Any) -> None:
        """One reply, in thread order."""
        self.replies += 1
        if created is None or created == "":
            return
        if is_staff:
            self.last_staff = created
            self.customer_after = None
        elif self.customer_after is None:
            self.customer_after = created


def _since(created: Any, activity: Any, replies: Any, last_reply_by_staff: Any,
           thread: _Thread | None) -> int | None:
    """When the clock started, as UTC seconds (the rules of `awaiting_since`)."""
    if thread is not None and thread.replies and thread.last_staff is not None:
        if thread.customer_after is not None:
            return epoch_seconds(thread.customer_after)
        # the thread we hold ends with the team, yet the item awaits us: the customer's
        # answer came after what was fetched (a thread cut short); its latest sign is the
        # last activity
        last_staff, active = epoch_seconds(thread.last_staff), epoch_seconds(activity)
        return max(last_staff, active) if last_staff is not None and active is not None else (
            last_staff if active is None else active)
    if int(replies or 0) > 0 and not last_reply_by_staff and not (thread and thread.replies):
        # replies we never fetched: the clock runs from the last activity we know of
        seconds = epoch_seconds(activity)
        return seconds if seconds is not None else epoch_seconds(created)
    seconds = epoch_seconds(created)
    return seconds if seconds is not None else epoch_seconds(activity)


def awaiting_since(item: dict[str, Any], thread: Sequence[dict[str, Any]]) -> datetime | None:
    """When an item awaiting the team started waiting (None only for an item with no
    readable times).

    - no staff reply in its thread: since it was created;
    - else since the first reply not by staff after the team's last reply;
    - replies the channel counted but the store never fetched (`replies > 0`, the last
      not known to be staff, no thread): since the last activity;
    - a thread that ends with the team while the item still awaits us (the channel cut
      it short): since the last activity.

    `item` is a store row (`Store.list_items`); `thread` its replies in order, as
    `Store.thread` gives them.
    """
    summary = _Thread()
    for reply in thread:
        summary.add(reply.get("author_is_staff"), reply.get("created_at"))
    seconds = _since(item.get("created_at"), item.get("last_activity_at"), item.get("replies"),
                     item.get("last_reply_by_staff"), summary)
    return None if seconds is None else _utc(seconds)


# --- the store --------------------------------------------------------------------------------

def _iso_seconds(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _threads(replies: Iterable[tuple]) -> dict[str, _Thread]:
    """Thread summaries by key from (key, author_is_staff, created_at) rows, by key in
    thread order."""
    threads: dict[str, _Thread] = {}
    current_key, current = None, _Thread()
    for key, is_staff, created in replies:
        if key != current_key:
            current_key, current = key, _Thread()
            threads[key] = current
        current.add(is_staff, created)
    return threads


def due_rows(rows: Iterable[tuple], threads: dict[str, _Thread], settings: SlaSettings,
             calendar: BusinessCalendar | None = None) -> list[tuple[str, str, str]]:
    """(key, due_at, since) as ISO strings, for rows of (key, created_at,
    last_activity_at, replies, last_reply_by_staff)."""
    calendar = calendar or BusinessCalendar(settings)
    span = int(settings.respond_within.total_seconds())
    starts: list[tuple[str, int]] = []
    for key, created, activity, replies, last_by_staff in rows:
        since = _since(created, activity, replies, last_by_staff, threads.get(key))
        if since is not None and EARLIEST <= since <= LATEST - span - 400 * 86400:
            starts.append((key, since))
    if not starts:
        return []
    calendar.cover(min(seconds for _, seconds in starts), max(seconds for _, seconds in starts))
    # `calendar.add`, inlined for the common case: 100k items in well under a second
    opens, closes, before, through = calendar._starts, calendar._ends, calendar._before, calendar._through
    out = []
    for key, since in starts:
        index = bisect_right(closes, since)
        if index < len(closes):
            target = before[index] + min(max(since - opens[index], 0), closes[index] - opens[index]) + span
            if target <= through[-1]:
                found = bisect_left(through, target)
                out.append((key, _iso_seconds(opens[found] + target - before[found]), _iso_seconds(since)))
                continue
        out.append((key, _iso_seconds(calendar.add(since, span)), _iso_seconds(since)))
        opens, closes, before, through = calendar._starts, calendar._ends, calendar._before, calendar._through
    return out


CLOCK_VERSION = 1
"""Part of the settings fingerprint: raise it when the rules of `awaiting_since` or the
business-time arithmetic change, so stored due moments are all computed again."""


def settings_fingerprint(settings: SlaSettings) -> str:
    """Everything the stored due moments depend on besides the items: a changed `[sla]`
    (or clock rules) makes the next refresh recompute every item."""
    return json.dumps({
        "clock": CLOCK_VERSION, "query": AWAITING_QUERY, "bounds": [EARLIEST, LATEST],
        "respond_within": settings.respond_within.total_seconds(),
        "start": settings.start.isoformat(), "end": settings.end.isoformat() if settings.end else None,
        "days": sorted(settings.days), "timezone": settings.timezone_name,
    }, sort_keys=True)


def refresh_sla(config: Config, store: Store, *, now: datetime,
                settings: SlaSettings | None = None, full: bool = False) -> int:
    """Bring every awaiting item's due moment in the store up to date for `is:overdue`.

    Items that are open, not done and awaiting the team (`is:open -is:done is:awaiting`;
    snoozed ones too: they come back with their clock still running) get one; the rest
    lose theirs. Only items changed since the last refresh are computed again (a few
    milliseconds after a sync), all of them when `[sla]` changed or `full` (chunk by
    chunk, in bounded memory). With no `[sla]` the table is emptied (nothing is
    overdue). Returns how many items have a due moment.

    Raises:
        ConfigError: a bad `[sla]` setting.
    """
    settings = settings or sla_settings(config)
    if settings is None:
        store.sla.replace([])
        return 0
    calendar = BusinessCalendar(settings)  # one for the whole refresh: its windows are reused

    def compute(rows: list[tuple], replies: list[tuple]) -> list[tuple[str, str, str]]:
        return due_rows(rows, _threads(replies), settings, calendar)

    return store.sla.update(AWAITING_QUERY, compute, now=now, fingerprint=settings_fingerprint(settings),
                            full=full)


def due_times(store: Store, keys: Sequence[str]) -> dict[str, str]:
    """By key, the stored due moment (ISO) of the items that have one: for a list column."""
    return store.sla.due_times(keys)


def sla_label(due_at: str | None, now: datetime) -> str:
    """Wall-clock time to the due moment for the list: `45m left`, `5h left`,
    `2d 3h left`, `overdue 4h` (due exactly now is overdue); "" when there is none."""
    due = parse_time(due_at)
    if due is None:
        return ""
    seconds = int((due - now).total_seconds())
    if seconds > 0:
        return f"{_span(-(-seconds // 60))} left"  # round up: 30 seconds left is "1m left"
    return f"overdue {_span(-seconds // 60)}"


def _span(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 24:
        return f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"
