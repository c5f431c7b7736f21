"""The store's rows for the SLA clock and for response-time statistics, and the due
moments it keeps for `is:overdue`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from inbox.models import Item, Reply
from inbox.store import Store
from inbox.timeutil import iso

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
AWAITING = "is:open -is:done is:awaiting"


def post(number: int, *, ago: timedelta, replies: tuple[tuple[bool, timedelta], ...] = (),
         staff: bool = False, source: str = "server", state: str = "open") -> Item:
    thread = [Reply(external_id=f"{number}-{i}", author="maya" if by_staff else "rhys", author_is_staff=by_staff,
                    created_at=NOW - when, body="...") for i, (by_staff, when) in enumerate(replies)]
    last = min([ago, *(when for _, when in replies)])
    return Item(source=source, kind="github", external_id=str(number), url=f"https://example.org/{number}",
                title=f"Post {number}", body="text", author="maya" if staff else "rhys", author_is_staff=staff,
                created_at=NOW - ago, last_activity_at=NOW - last, replies=len(thread),
                last_reply_by_staff=thread[-1].author_is_staff if thread else None, thread=thread, state=state)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [
        post(1, ago=timedelta(days=2)),  # waits, no replies
        post(2, ago=timedelta(days=3), replies=((True, timedelta(days=2)), (False, timedelta(days=1)))),  # waits again
        post(3, ago=timedelta(days=4), replies=((True, timedelta(days=3)),)),  # answered
        post(4, ago=timedelta(days=40), staff=True, state="closed"),  # the team's own, closed
    ])
    store.save_page("forum", [post(1, ago=timedelta(hours=5), source="forum")])
    yield store
    store.close()


def test_the_clock_rows_are_the_items_a_query_matches_and_their_threads(store: Store) -> None:
    items, replies = store.sla.rows_for(AWAITING, now=NOW)
    assert sorted(items) == [
        ("forum:1", "2026-11-20T05:00:00Z", "2026-11-20T05:00:00Z", 0, None),
        ("server:1", "2026-11-18T10:00:00Z", "2026-11-18T10:00:00Z", 0, None),
        ("server:2", "2026-11-17T10:00:00Z", "2026-11-19T10:00:00Z", 2, 0),
    ]
    assert replies == [("server:2", 1, "2026-11-18T10:00:00Z"), ("server:2", 0, "2026-11-19T10:00:00Z")]


def test_due_moments_are_replaced_whole_and_read_by_key(store: Store) -> None:
    store.sla.replace([("server:1", "2026-11-19T10:00:00Z", "2026-11-18T10:00:00Z")])
    store.sla.replace([("server:2", "2026-11-21T10:00:00Z", "2026-11-19T10:00:00Z")])
    assert store.sla.due_times(["server:1", "server:2", "forum:1"]) == {"server:2": "2026-11-21T10:00:00Z"}
    store.sla.replace([])
    assert store.sla.due_times(["server:2"]) == {}


def test_due_times_read_more_keys_than_one_statement_takes(store: Store) -> None:
    keys = [f"server:{n}" for n in range(1200)]
    store.sla.replace([(key, iso(NOW), iso(NOW)) for key in keys[::2]])
    assert store.sla.due_times(keys) == {key: "2026-11-20T10:00:00Z" for key in keys[::2]}


def _window(store: Store, **bounds) -> list[tuple]:
    bounds = {"clock_from": "1970-01-01T00:00:00Z", "clock_until": "2200-01-01T00:00:00Z", **bounds}
    return list(store.stats.window(**bounds))


def test_posts_in_a_window_with_their_first_staff_reply_and_its_ranks(store: Store) -> None:
    rows = _window(store, start=NOW - timedelta(days=30), now=NOW)
    # (source, kind, posts of the source, created, by staff, waiting, first staff reply,
    # timed), then how many of the source's are timed, and how many of all
    assert sorted(row[:8] + row[9:10] + row[11:] for row in rows) == [
        ("forum", "github", 1, "2026-11-20T05:00:00Z", 0, 1, None, 0, 0, 2),
        ("server", "github", 3, "2026-11-16T10:00:00Z", 0, 0, "2026-11-17T10:00:00Z", 1, 2, 2),
        ("server", "github", 3, "2026-11-17T10:00:00Z", 0, 1, "2026-11-18T10:00:00Z", 1, 2, 2),
        ("server", "github", 3, "2026-11-18T10:00:00Z", 0, 1, None, 0, 2, 2),
    ]
    # both answered in 24 hours: ranks 1 and 2, in the source and overall
    assert sorted(row[8] for row in rows if row[7]) == sorted(row[10] for row in rows if row[7]) == [1, 2]
    assert ("server", "github", 4, "2026-10-11T10:00:00Z", 1, 0, None, 0) in [
        row[:8] for row in _window(store, start=None, now=NOW)]  # the team's own: never timed
    assert _window(store, start=None, now=NOW - timedelta(days=50)) == []
    # a post created outside the clock's bounds is not timed
    assert {row[7] for row in _window(store, start=None, now=NOW, clock_until="2000-01-01T00:00:00Z")} == {0}


def test_waiting_per_source_counts_the_overdue_as_of_the_last_refresh(store: Store) -> None:
    assert sorted(store.stats.waiting(now=NOW)) == [("forum", "github", 1, 0), ("server", "github", 2, 0)]
    store.sla.replace([("server:1", iso(NOW - timedelta(hours=1)), iso(NOW - timedelta(days=2))),
                       ("server:2", iso(NOW + timedelta(hours=1)), iso(NOW - timedelta(days=1)))])
    assert sorted(store.stats.waiting(now=NOW)) == [("forum", "github", 1, 0), ("server", "github", 2, 1)]
