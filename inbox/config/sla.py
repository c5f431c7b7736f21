"""`[sla]`: the response-time target and the business hours it is counted in."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time as clock
from datetime import timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from inbox.config.checks import duration, table, unknown_keys
from inbox.errors import ConfigError

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
KNOWN_KEYS = ("respond_within", "business_hours", "business_days", "timezone")
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class SlaSettings:
    """`[sla]`, validated once so a typo fails when the config loads."""

    respond_within: timedelta = timedelta(hours=24)
    """Business time to the first answer (`"24h"`). Every unit counts business time:
    `"1d"` is 24 business hours (three 8-hour days), not one business day."""
    start: clock = clock(9, 0)
    """When the business day opens, local time (`business_hours = "09:00-17:00"`)."""
    end: clock | None = clock(17, 0)
    """When it closes, local time; None is midnight at the day's end (`"00:00-24:00"`)."""
    days: frozenset[int] = frozenset(range(5))
    """Business weekdays, Monday = 0 (`business_days = ["mon", ..., "fri"]`)."""
    timezone: tzinfo = timezone.utc
    """The time zone business hours are in (`timezone = "Europe/Berlin"`, a `ZoneInfo`);
    daylight-saving changes are followed. UTC needs no time zone database."""
    timezone_name: str = "UTC"
    """The time zone as the config names it, for reports."""

    @property
    def within_label(self) -> str:
        """`respond_within` in hours or minutes, as business time reads: `24h`, `90m`."""
        minutes = int(self.respond_within.total_seconds() // 60)
        return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"

    @property
    def hours_label(self) -> str:
        end = "24:00" if self.end is None else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}-{end}"

    @property
    def days_label(self) -> list[str]:
        return [DAY_NAMES[day] for day in sorted(self.days)]

    def describe(self) -> str:
        """`24h business time (09:00-17:00 mon-fri, UTC)`."""
        days = self.days_label
        weekdays = (f"{days[0]}-{days[-1]}" if len(days) > 2 and
                    [DAY_NAMES.index(d) for d in days] == list(range(DAY_NAMES.index(days[0]),
                                                                   DAY_NAMES.index(days[-1]) + 1))
                    else ",".join(days))
        return (f"{self.within_label} business time "
                f"({self.hours_label} {weekdays}, {self.timezone_name})")

    def as_json(self) -> dict[str, Any]:
        return {"respond_within": self.within_label,
                "business_hours": self.hours_label, "business_days": self.days_label,
                "timezone": self.timezone_name}


def parse_sla(section: Any, where: str) -> SlaSettings | None:
    """`[sla]`; None when the config has none (no SLA: nothing is ever overdue)."""
    if section is None:
        return None
    section = table(section, where, "sla")
    unknown_keys(section, KNOWN_KEYS, where, "[sla]")
    start, end = _business_hours(section.get("business_hours", "09:00-17:00"), where)
    zone, zone_name = _timezone(section.get("timezone", "UTC"), where)
    return SlaSettings(
        respond_within=duration(section.get("respond_within", "24h"), where, "sla.respond_within",
                                positive=True),
        start=start, end=end,
        days=_business_days(section.get("business_days", list(DAY_NAMES[:5])), where),
        timezone=zone, timezone_name=zone_name,
    )


def _business_hours(value: Any, where: str) -> tuple[clock, clock | None]:
    wrong = f"{where}: sla.business_hours must be like \"09:00-17:00\", not {value!r}"
    match = _HOURS.match(value) if isinstance(value, str) else None
    if not match:
        raise ConfigError(wrong)
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    for hour, minute, edge in ((h1, m1, "start"), (h2, m2, "end")):
        if minute > 59 or hour > 24 or (hour == 24 and (minute or edge == "start")):
            raise ConfigError(f"{where}: sla.business_hours: {hour:02d}:{minute:02d} is not a time "
                              f"of day (00:00 to {'23:59' if edge == 'start' else '24:00'})")
    start = clock(h1, m1)
    end = None if h2 == 24 else clock(h2, m2)
    if end is not None and end <= start:
        raise ConfigError(f"{where}: sla.business_hours: the end {h2:02d}:{m2:02d} is not after the "
                          f"start {h1:02d}:{m1:02d} (hours past midnight are not supported)")
    return start, end


def _business_days(value: Any, where: str) -> frozenset[int]:
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ConfigError(f"{where}: sla.business_days must be a list like [\"mon\", \"tue\"], not {value!r}")
    days = set()
    for entry in value:
        name = entry.strip().lower()
        found = [index for index, full in enumerate(_FULL_DAY_NAMES) if len(name) >= 3 and full.startswith(name)]
        if not found:
            raise ConfigError(f"{where}: sla.business_days: {entry!r} is not a day "
                              f"(use {', '.join(DAY_NAMES)})")
        days.add(found[0])
    if not days:
        raise ConfigError(f"{where}: sla.business_days is empty: name at least one day (e.g. [\"mon\"])")
    return frozenset(days)


def _timezone(value: Any, where: str) -> tuple[tzinfo, str]:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: sla.timezone must be a time zone name like \"Europe/Berlin\", "
                          f"not {value!r}")
    name = value.strip()
    if name.upper() in ("UTC", "Z", "ETC/UTC"):
        return timezone.utc, "UTC"
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ConfigError(f"{where}: sla.timezone: unknown time zone {value!r} (use an IANA name "
                          "like \"UTC\" or \"America/New_York\"; where the system has no time zone "
                          "database, `pip install tzdata`)") from None
