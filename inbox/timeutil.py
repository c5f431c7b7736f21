"""Times and durations: one ISO format everywhere so stored times compare as strings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def parse_duration(text: str) -> timedelta:
    """`90m`, `2h`, `3d`, `1w` -> timedelta. Raises ValueError with the accepted form."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"bad duration {text!r}: use a number and a unit m, h, d or w (e.g. 2d)")
    try:
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:
        raise ValueError(f"bad duration {text!r}: too long") from None


def format_duration(span: timedelta) -> str:
    """The inverse of `parse_duration`, in the largest whole unit: 2d, 36h, 90m."""
    minutes = max(0, int(span.total_seconds() // 60))
    for unit, size in (("w", 7 * 24 * 60), ("d", 24 * 60), ("h", 60)):
        if minutes and minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 string (Z, offset or ms), epoch seconds, or a datetime -> aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) == 20 and value[-1] == "Z":  # the stored form: the fast way
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, timezone.utc)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z") or text.endswith("z"):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0)


def iso(moment: datetime | None) -> str | None:
    """The one stored form: `2026-11-21T09:30:00Z`. (A sync formats every post and reply:
    `isoformat` is the fast way; `strftime` only pads the years before 1000.)"""
    if moment is None:
        return None
    if moment.tzinfo is not timezone.utc:  # what the adapters parse is UTC already
        moment = moment.astimezone(timezone.utc)
    if moment.year < 1000:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()[:19] + "Z"


def parse_until(text: str, now: datetime) -> datetime:
    """A snooze target: a duration from now (`2d`) or a date/time (`2026-12-01`)."""
    try:
        return now + parse_duration(text)
    except (ValueError, OverflowError):  # OverflowError: past the year 9999
        pass
    try:
        day = date.fromisoformat(text.strip())
        return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
    except ValueError:
        pass
    moment = parse_time(text)
    if moment is None:
        raise ValueError(f"bad snooze {text!r}: use a duration (4h, 2d, 1w) or a date (2026-12-01)")
    return moment


def ago(moment: datetime | str | None, now: datetime) -> str:
    """A short age for a list column: `5m`, `3h`, `2d`, `6w`."""
    if isinstance(moment, str):
        moment = parse_time(moment)
    if moment is None:
        return "-"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 3600:
        return f"{max(1, seconds // 60)}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    if seconds < 86400 * 14:
        return f"{seconds // 86400}d"
    if seconds < 86400 * 365:
        return f"{seconds // (86400 * 7)}w"
    return f"{seconds // (86400 * 365)}y"


def human_time(moment: datetime | str | None, now: datetime, zone: tzinfo | None = None) -> str:
    """A moment as a person reads it, in `zone` (None: this computer's local time):
    `today 15:00`, `tomorrow 09:30`, `yesterday 18:05`, `Thu Dec 3 09:00`, and the year
    when it is not this one (`Tue Jan 5 2027 09:00`). "" for no moment.

    The one formatter for times on screen: stored times are UTC (`2026-12-07T03:15:06Z`),
    which nobody should have to convert in their head."""
    if isinstance(moment, str):
        moment = parse_time(moment)
    if moment is None:
        return ""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local:%H:%M}"
    days = (local.date() - today).days
    if -1 <= days <= 1:
        return f"{('yesterday', 'today', 'tomorrow')[days + 1]} {clock}"
    year = f" {local.year}" if local.year != today.year else ""
    return f"{local:%a %b} {local.day}{year} {clock}"
