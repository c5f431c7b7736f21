"""The words on screen: counts in the right number, text shortened at a word, and times
as a person reads them, in the configured zone."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from inbox.models import ChannelWait
from inbox.text.wording import plural, shorten
from inbox.timeutil import human_time

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("count, noun, said", [
    (0, "item", "0 items"), (1, "item", "1 item"), (2, "item", "2 items"),
    (1, "reply", "1 reply"), (3, "reply", "3 replies"), (2, "day", "2 days"),
    (1, "person", "1 person"), (12_000, "person", "12,000 people"), (2, "match", "2 matches"),
    (1_234, "item", "1,234 items"), (2, "ticked step", "2 ticked steps"),
])
def test_plural_says_one_and_many(count, noun, said):
    assert plural(count, noun) == said


def test_plural_takes_a_plural_it_does_not_know():
    assert plural(2, "criterion", "criteria") == "2 criteria"
    assert plural(1, "criterion", "criteria") == "1 criterion"


@pytest.mark.parametrize("text, limit, shortened", [
    ("Desktop app crashes on start", 60, "Desktop app crashes on start"),    # fits: as it is
    ("Desktop app crashes on start", 16, "Desktop app…"),                     # not "Desktop app cr…"
    ("Desktop app crashes on start", 20, "Desktop app crashes…"),             # the cut falls on a space
    ("Desktop app, crashes on start", 14, "Desktop app…"),                    # no comma before the ellipsis
    ("https://example.org/a/very/long/path/to/a/page", 20, "https://example.org…"),  # one word: cut inside
    ("", 10, ""),
])
def test_shorten_cuts_at_a_word(text, limit, shortened):
    assert shorten(text, limit) == shortened
    assert len(shorten(text, limit)) <= limit


def test_shorten_never_ends_inside_a_word():
    title = "Webhooks stop firing after the upgrade to version ten point two on the cluster"
    for limit in range(12, len(title)):
        short = shorten(title, limit)
        assert short.endswith("…") and len(short) <= limit
        assert title.startswith(short[:-1]) and title[len(short) - 1] in (" ", ",")


@pytest.mark.parametrize("moment, zone, said", [
    ("2026-12-07T03:15:06Z", timezone.utc, "today 03:15"),
    ("2026-12-07T03:15:06Z", BERLIN, "today 04:15"),               # the zone, not UTC
    ("2026-12-07T23:30:00Z", BERLIN, "tomorrow 00:30"),            # the day is the zone's day
    ("2026-12-06T09:00:00Z", timezone.utc, "yesterday 09:00"),
    ("2026-12-10T08:00:00Z", BERLIN, "Thu Dec 10 09:00"),
    ("2027-01-05T09:00:00Z", timezone.utc, "Tue Jan 5 2027 09:00"),  # another year says it
    ("2026-07-01T12:00:00Z", BERLIN, "Wed Jul 1 14:00"),           # summer time followed
    (None, timezone.utc, ""),
])
def test_human_time_reads_like_a_person_would_say_it(moment, zone, said):
    assert human_time(moment, NOW, zone) == said
    assert "Z" not in said and not any(f"{d}T" in said for d in "0123456789")  # never 07T03:15Z


def test_human_time_without_a_zone_is_local_time(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert human_time("2026-12-07T15:00:00Z", NOW, None) == "today 10:00"
    finally:
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()


def test_a_channel_wait_ends_in_the_zone_shown():
    wait = ChannelWait("snoozed", datetime(2026, 12, 7, 15, 0, tzinfo=timezone.utc))
    assert wait.describe("intercom", NOW) == "snoozed in Intercom until 15:00 UTC"
    assert wait.describe("intercom", NOW, BERLIN) == "snoozed in Intercom until 16:00"
    assert wait.brief(NOW, BERLIN) == "until 16:00"
