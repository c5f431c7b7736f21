"""The response-time SLA: business time across weekends, after hours and daylight-saving
changes in a time zone; `[sla]` settings and their errors; when an item started waiting;
and the due moments `refresh_sla` stores for `is:overdue`.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from inbox.config import Config, parse
from inbox.errors import ConfigError
from inbox.models import Item, Reply
from inbox.reports.sla import (
    SlaSettings,
    add_business_time,
    awaiting_since,
    business_time_between,
    due_rows,
    due_times,
    refresh_sla,
    sla_label,
    sla_settings,
)
from inbox.store import Store

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday
DEFAULT = SlaSettings()


def at(text: str, zone: str = "UTC") -> datetime:
    """`2026-11-20 16:00` in `zone`, as aware UTC."""
    local = datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def settings(**sla: Any) -> SlaSettings:
    found = sla_settings(parse({"sla": sla}))
    assert found is not None
    return found


# --- business time --------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "span", "due"), [
    # Friday 16:00 + 24 business hours (8-hour days): 1h Fri, 8h Mon, 8h Tue, 7h Wed
    ("2026-11-20 16:00", 24, "2026-11-25 16:00"),
    # a start on Saturday counts from Monday 09:00
    ("2026-11-21 10:00", 4, "2026-11-23 13:00"),
    ("2026-11-22 23:59", 1, "2026-11-23 10:00"),
    # after hours: the next day's 09:00 is the base
    ("2026-11-17 18:00", 4, "2026-11-18 13:00"),
    ("2026-11-17 17:00", 8, "2026-11-18 17:00"),
    # before hours: the same day's 09:00
    ("2026-11-17 07:00", 4, "2026-11-17 13:00"),
    # landing exactly on closing time is closing time, not the next opening
    ("2026-11-20 16:00", 1, "2026-11-20 17:00"),
    # Thursday morning over a plain weekend (no holidays): 7 + 8 + 8 + 1
    ("2026-11-19 10:00", 24, "2026-11-24 10:00"),
    # two weeks of business time
    ("2026-11-16 09:00", 80, "2026-11-27 17:00"),
    # inside the day
    ("2026-11-18 09:30", 2, "2026-11-18 11:30"),
])
def test_business_time_in_utc(start: str, span: int, due: str) -> None:
    assert add_business_time(at(start), timedelta(hours=span), DEFAULT) == at(due)
    assert business_time_between(at(start), at(due), DEFAULT) == timedelta(hours=span)


def test_respond_within_4h_over_a_weekend() -> None:
    sla = settings(respond_within="4h")
    assert sla.respond_within == timedelta(hours=4)
    assert add_business_time(at("2026-11-20 15:00"), sla.respond_within, sla) == at("2026-11-23 11:00")


def test_business_time_between_skips_nights_and_weekends() -> None:
    assert business_time_between(at("2026-11-20 12:00"), at("2026-11-23 12:00"), DEFAULT) == timedelta(hours=8)
    assert business_time_between(at("2026-11-21 08:00"), at("2026-11-22 20:00"), DEFAULT) == timedelta(0)
    assert business_time_between(at("2026-11-23 12:00"), at("2026-11-20 12:00"), DEFAULT) == timedelta(0)
    assert business_time_between(at("2026-11-18 18:00"), at("2026-11-19 08:00"), DEFAULT) == timedelta(0)


@pytest.mark.parametrize(("zone", "start", "span", "due"), [
    # New York leaves daylight saving on Sunday 2026-11-01: Friday 16:00 EDT + 24h is
    # Wednesday 16:00 EST, 25 hours later in UTC than the same business days in summer
    ("America/New_York", "2026-10-30 16:00", 24, "2026-11-04 16:00"),
    # ... and enters it on Sunday 2026-03-08
    ("America/New_York", "2026-03-06 16:00", 24, "2026-03-11 16:00"),
    ("America/New_York", "2026-03-06 17:30", 1, "2026-03-09 10:00"),
    # Tokyo: no daylight saving, 9 hours ahead of UTC
    ("Asia/Tokyo", "2026-11-20 16:00", 24, "2026-11-25 16:00"),
    ("Asia/Tokyo", "2026-11-23 08:00", 8, "2026-11-23 17:00"),
])
def test_business_time_in_a_time_zone(zone: str, start: str, span: int, due: str) -> None:
    sla = settings(timezone=zone)
    assert add_business_time(at(start, zone), timedelta(hours=span), sla) == at(due, zone)
    assert business_time_between(at(start, zone), at(due, zone), sla) == timedelta(hours=span)


def test_dst_change_moves_the_due_moment_in_utc() -> None:
    sla = settings(timezone="America/New_York")
    start = datetime(2026, 10, 30, 20, 0, tzinfo=UTC)  # Friday 16:00 EDT
    assert add_business_time(start, timedelta(hours=24), sla) == datetime(2026, 11, 4, 21, 0, tzinfo=UTC)
    summer = datetime(2026, 10, 16, 20, 0, tzinfo=UTC)  # two weeks earlier, all in EDT
    assert add_business_time(summer, timedelta(hours=24), sla) == datetime(2026, 10, 21, 20, 0, tzinfo=UTC)


def test_friday_evening_in_utc_is_saturday_in_tokyo() -> None:
    sla = settings(timezone="Asia/Tokyo")
    friday_utc = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # Saturday 05:00 in Tokyo
    # counts from Monday 09:00 JST = Monday 00:00 UTC
    assert add_business_time(friday_utc, timedelta(hours=4), sla) == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    # the same moment is inside New York's Friday (15:00 EST)
    ny = settings(timezone="America/New_York")
    assert add_business_time(friday_utc, timedelta(hours=4), ny) == at("2026-11-23 11:00", "America/New_York")


def test_the_day_clocks_go_back_has_25_hours() -> None:
    sla = settings(timezone="Europe/London", business_hours="00:00-24:00",
                   business_days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    sunday, monday = at("2026-10-25 00:00", "Europe/London"), at("2026-10-26 00:00", "Europe/London")
    assert business_time_between(sunday, monday, sla) == timedelta(hours=25)
    assert add_business_time(sunday, timedelta(hours=25), sla) == monday
    # every hour counts: business time is wall time
    start = datetime(2026, 11, 18, 7, 13, tzinfo=UTC)
    assert add_business_time(start, timedelta(hours=100), sla) == start + timedelta(hours=100)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Tokyo", "Australia/Lord_Howe"])
def test_adding_then_measuring_gives_the_span_back(zone: str) -> None:
    sla = settings(timezone=zone, business_hours="08:30-18:15", business_days=["mon", "wed", "thu", "sat"])
    rng = random.Random(7)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(300):
        start = base + timedelta(seconds=rng.randrange(0, 365 * 86400))
        span = timedelta(minutes=rng.randrange(1, 60 * 60))
        due = add_business_time(start, span, sla)
        assert due > start
        assert business_time_between(start, due, sla) == span
        local = due.astimezone(ZoneInfo(zone))
        assert local.weekday() in sla.days
        assert (local.hour, local.minute) >= (8, 30) and (local.hour, local.minute) <= (18, 15)


# --- settings -------------------------------------------------------------------------------

def test_defaults_and_no_section() -> None:
    assert sla_settings(parse({})) is None
    sla = settings()
    assert sla == DEFAULT
    assert (sla.respond_within, sla.hours_label, sla.days_label, sla.timezone_name) == (
        timedelta(hours=24), "09:00-17:00", ["mon", "tue", "wed", "thu", "fri"], "UTC")
    assert sla.describe() == "24h business time (09:00-17:00 mon-fri, UTC)"


def test_settings_read_every_field() -> None:
    sla = settings(respond_within="90m", business_hours="08:00-24:00", business_days=["Monday", "sat", "SUN"],
                   timezone="Asia/Tokyo")
    assert sla.respond_within == timedelta(minutes=90)
    assert sla.hours_label == "08:00-24:00"
    assert sla.days_label == ["mon", "sat", "sun"]
    assert (sla.timezone, sla.timezone_name) == (ZoneInfo("Asia/Tokyo"), "Asia/Tokyo")
    assert settings(timezone="utc").timezone is timezone.utc
    assert sla.as_json() == {"respond_within": "90m", "business_hours": "08:00-24:00",
                             "business_days": ["mon", "sat", "sun"], "timezone": "Asia/Tokyo"}


@pytest.mark.parametrize(("sla", "message"), [
    ({"timezone": "Mars/Olympus_Mons"}, "sla.timezone: unknown time zone 'Mars/Olympus_Mons'"),
    ({"timezone": "../../etc/passwd"}, "sla.timezone: unknown time zone"),
    ({"timezone": 5}, "sla.timezone must be a time zone name"),
    ({"business_hours": "25:00-26:00"}, "sla.business_hours: 25:00 is not a time of day"),
    ({"business_hours": "09:00-17:60"}, "sla.business_hours: 17:60 is not a time of day"),
    ({"business_hours": "24:00-24:00"}, "sla.business_hours: 24:00 is not a time of day"),
    ({"business_hours": "17:00-09:00"}, "sla.business_hours: the end 09:00 is not after the start 17:00"),
    ({"business_hours": "09:00-09:00"}, "is not after the start"),
    ({"business_hours": "9 to 5"}, "sla.business_hours must be like \"09:00-17:00\""),
    ({"business_days": []}, "sla.business_days is empty"),
    ({"business_days": ["mon", "funday"]}, "sla.business_days: 'funday' is not a day"),
    ({"business_days": "mon-fri"}, "sla.business_days must be a list"),
    ({"respond_within": "24"}, "sla.respond_within: bad duration '24'"),
    ({"respond_within": "0h"}, "sla.respond_within must be longer than 0"),
    ({"respond_within": 24}, "sla.respond_within must be a duration"),
    ({"respond_in": "24h"}, "[sla]: unknown key respond_in (did you mean respond_within?)"),
])
def test_bad_settings_name_the_field(sla: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse({"sla": sla})
    assert message in str(error.value)
    assert str(error.value).startswith("config: ")
    assert "\n" not in str(error.value)


def test_sla_that_is_not_a_table() -> None:
    with pytest.raises(ConfigError, match=r"\[sla\] must be a table"):
        parse({"sla": "24h"})


# --- when an item started waiting -----------------------------------------------------------

def _row(**changes: Any) -> dict[str, Any]:
    row = {"key": "forum:1", "created_at": "2026-11-16T10:00:00Z", "last_activity_at": "2026-11-17T15:00:00Z",
           "replies": 0, "last_reply_by_staff": None}
    row.update(changes)
    return row


def _reply(when: str, staff: bool) -> dict[str, Any]:
    return {"reply_id": when, "author": "alice" if staff else "rhys", "author_is_staff": int(staff),
            "created_at": when, "body": ""}


def test_awaiting_since_creation_without_replies() -> None:
    assert awaiting_since(_row(), []) == datetime(2026, 11, 16, 10, tzinfo=UTC)


def test_awaiting_since_creation_when_only_the_community_replied() -> None:
    thread = [_reply("2026-11-16T11:00:00Z", False), _reply("2026-11-17T15:00:00Z", False)]
    assert awaiting_since(_row(replies=2, last_reply_by_staff=0), thread) == datetime(2026, 11, 16, 10, tzinfo=UTC)


def test_awaiting_since_the_first_community_reply_after_the_last_staff_reply() -> None:
    thread = [_reply("2026-11-16T11:00:00Z", True), _reply("2026-11-16T12:00:00Z", False),
              _reply("2026-11-16T13:00:00Z", True), _reply("2026-11-17T09:00:00Z", False),
              _reply("2026-11-17T15:00:00Z", False)]
    assert awaiting_since(_row(replies=5, last_reply_by_staff=0), thread) == datetime(2026, 11, 17, 9, tzinfo=UTC)


def test_awaiting_since_last_activity_when_the_replies_were_never_fetched() -> None:
    row = _row(replies=3, last_reply_by_staff=None)
    assert awaiting_since(row, []) == datetime(2026, 11, 17, 15, tzinfo=UTC)
    assert awaiting_since(_row(replies=3, last_reply_by_staff=0), []) == datetime(2026, 11, 17, 15, tzinfo=UTC)


def test_awaiting_since_a_thread_cut_short_after_the_team() -> None:
    # the stored thread ends with the team, but the channel says a customer wrote last
    thread = [_reply("2026-11-16T11:00:00Z", False), _reply("2026-11-16T12:00:00Z", True)]
    row = _row(replies=25, last_reply_by_staff=0)
    assert awaiting_since(row, thread) == datetime(2026, 11, 17, 15, tzinfo=UTC)


# --- the store and is:overdue ---------------------------------------------------------------

def _item(number: int, created: datetime, *, thread: list[Reply] | None = None, **changes: Any) -> Item:
    thread = thread or []
    item = Item(
        source="forum", kind="discourse", external_id=str(number), url=f"https://forum.example.org/t/{number}",
        title=f"Question {number}", body="It does not work.", author="rhys", author_is_staff=False,
        created_at=created, last_activity_at=max([created, *(r.created_at for r in thread)]),
        replies=len(thread), last_reply_by_staff=thread[-1].author_is_staff if thread else None,
        thread=thread,
    )
    return replace(item, **changes)


def _r(number: int, when: datetime, staff: bool) -> Reply:
    return Reply(external_id=str(number), author="alice" if staff else "rhys", author_is_staff=staff,
                 created_at=when, body="...")


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


def _config(**sla: Any) -> Config:
    data: dict[str, Any] = {"team": {"staff": ["alice"]},
                            "sources": [{"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"}]}
    data["sla"] = sla
    return parse(data)


def _overdue(store: Store, now: datetime = NOW) -> list[str]:
    return sorted(row["key"] for row in store.list_items("is:overdue", now=now))


FRIDAY = datetime(2026, 11, 13, 10, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _fill(store: Store) -> None:
    thursday = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    store.save_page("forum", [
        _item(1, FRIDAY),  # 7h Fri + 8h Mon + 8h Tue + 1h: due Wednesday 10:00, overdue at NOW
        _item(2, NOW - timedelta(hours=1)),  # 6h + 8h + 8h + 2h: due Monday 11:00
        _item(3, MONDAY, thread=[_r(31, MONDAY + timedelta(hours=1), True)]),  # answered
        # answered, then the customer wrote back an hour ago: the clock starts again
        _item(4, MONDAY, thread=[_r(41, MONDAY + timedelta(hours=1), True),
                                 _r(42, NOW - timedelta(hours=1), False)]),
        # answered, and the customer wrote back on Thursday afternoon (twice): due
        # from the first of those, 2h + 8h + 8h + 6h: Tuesday 15:00
        _item(5, thursday, thread=[_r(51, thursday + timedelta(hours=1), True),
                                   _r(52, thursday + timedelta(hours=6), False),
                                   _r(53, thursday + timedelta(hours=7), False)]),
        _item(6, MONDAY, state="closed"),
        _item(7, MONDAY),  # marked done below
        # due exactly now: 24 business hours before Wednesday 12:00 is Friday 12:00
        _item(8, datetime(2026, 11, 13, 12, 0, tzinfo=UTC)),
        # posted by the team, nobody answered yet: it awaits like any other post
        _item(9, FRIDAY, author="alice", author_is_staff=True),
        _item(10, MONDAY),  # due Wednesday 17:00: not yet
    ])
    store.set_triage(["forum:7"], {"done": True}, now=NOW, by="test")


def test_refresh_stores_due_moments_and_is_overdue_reads_them(store: Store) -> None:
    _fill(store)
    count = refresh_sla(_config(), store, now=NOW)
    assert count == 7  # not the answered, the closed or the done
    due = due_times(store, [f"forum:{n}" for n in range(1, 11)])
    assert due == {"forum:1": "2026-11-18T10:00:00Z", "forum:2": "2026-11-23T11:00:00Z",
                   "forum:4": "2026-11-23T11:00:00Z", "forum:5": "2026-11-17T15:00:00Z",
                   "forum:8": "2026-11-18T12:00:00Z", "forum:9": "2026-11-18T10:00:00Z",
                   "forum:10": "2026-11-18T17:00:00Z"}
    since = dict(store.db.execute("SELECT key, since FROM sla_due").fetchall())
    assert since["forum:1"] == "2026-11-13T10:00:00Z"
    assert since["forum:4"] == "2026-11-18T11:00:00Z"
    assert since["forum:5"] == "2026-11-12T15:00:00Z"
    assert _overdue(store) == ["forum:1", "forum:5", "forum:8", "forum:9"]
    # a second earlier, item 8 is not due yet
    assert "forum:8" not in _overdue(store, NOW - timedelta(seconds=1))
    assert store.count("is:overdue", now=NOW) == 4
    not_overdue = {row["key"] for row in store.list_items("is:open -is:done -is:overdue", now=NOW)}
    assert not_overdue == {"forum:2", "forum:3", "forum:4", "forum:10"}


def test_an_answered_item_is_not_overdue_even_before_the_next_refresh(store: Store) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    assert "forum:1" in _overdue(store)
    store.save_page("forum", [_item(1, FRIDAY, thread=[_r(11, NOW, True)])])
    assert "forum:1" not in _overdue(store)
    refresh_sla(_config(), store, now=NOW)
    assert "forum:1" not in due_times(store, ["forum:1"])


def test_a_staff_answer_by_the_inbox_stops_the_clock(store: Store) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    store.record_posted("forum:8", _r(81, NOW, True))
    refresh_sla(_config(), store, now=NOW)
    assert "forum:8" not in _overdue(store)


def test_no_sla_section_means_nothing_is_overdue(store: Store) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    assert _overdue(store)
    no_sla = parse({"sources": [{"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"}]})
    assert refresh_sla(no_sla, store, now=NOW) == 0
    assert _overdue(store) == []
    assert store.db.execute("SELECT COUNT(*) FROM sla_due").fetchone()[0] == 0


def test_refresh_in_a_time_zone(store: Store) -> None:
    # Friday 16:00 in New York; 4 business hours: 1h Friday, 3h Monday: 12:00 EST
    created = at("2026-11-20 16:00", "America/New_York")
    store.save_page("forum", [_item(1, created)])
    refresh_sla(_config(respond_within="4h", timezone="America/New_York"), store, now=NOW)
    assert due_times(store, ["forum:1"]) == {"forum:1": "2026-11-23T17:00:00Z"}


def test_refresh_with_a_bad_setting_fails_before_touching_the_table(store: Store) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    with pytest.raises(ConfigError, match="sla.timezone"):
        refresh_sla(parse({"sla": {"timezone": "Nowhere/Atlantis"}}), store, now=NOW)
    assert len(due_times(store, [f"forum:{n}" for n in range(1, 11)])) == 7


def test_an_empty_inbox(store: Store) -> None:
    assert refresh_sla(_config(), store, now=NOW) == 0
    assert _overdue(store) == []


# --- the list column ------------------------------------------------------------------------

@pytest.mark.parametrize(("due", "label"), [
    ("2026-11-18T17:00:00Z", "5h left"),
    ("2026-11-18T17:59:00Z", "5h left"),
    ("2026-11-20T15:00:00Z", "2d 3h left"),
    ("2026-11-20T12:00:00Z", "2d left"),
    ("2026-11-18T12:45:00Z", "45m left"),
    ("2026-11-18T12:00:30Z", "1m left"),
    ("2026-11-18T12:00:00Z", "overdue 0m"),
    ("2026-11-18T08:00:00Z", "overdue 4h"),
    ("2026-11-16T09:00:00Z", "overdue 2d 3h"),
    (None, ""),
    ("not a time", ""),
])
def test_sla_label(due: str | None, label: str) -> None:
    assert sla_label(due, NOW) == label


def test_items_dated_absurdly_get_no_due_moment_and_take_no_time(store: Store) -> None:
    store.save_page("forum", [_item(1, datetime(1900, 1, 1, tzinfo=UTC)),
                              _item(2, datetime(2999, 1, 1, tzinfo=UTC)), _item(3, FRIDAY)])
    assert refresh_sla(_config(), store, now=NOW) == 1
    assert list(due_times(store, ["forum:1", "forum:2", "forum:3"])) == ["forum:3"]
    with pytest.raises(ValueError, match="between 1970 and 2200"):
        add_business_time(datetime(1900, 1, 1, tzinfo=UTC), timedelta(hours=1), DEFAULT)


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Tokyo"])
def test_the_bulk_refresh_agrees_with_add_business_time(zone: str) -> None:
    sla = settings(timezone=zone, respond_within="30h")
    rng = random.Random(11)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    rows = []
    for n in range(2000):
        created = base + timedelta(seconds=rng.randrange(0, 700 * 86400))
        rows.append((f"forum:{n}", created.strftime("%Y-%m-%dT%H:%M:%SZ"), None, 0, None))
    due = {key: when for key, when, _ in due_rows(rows, {}, sla)}
    for key, created, *_ in rows:
        start = datetime.fromisoformat(created)
        expected = add_business_time(start, sla.respond_within, sla)
        assert due[key] == expected.strftime("%Y-%m-%dT%H:%M:%SZ"), (key, created)
