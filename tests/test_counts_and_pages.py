"""Counts from the tallies and pages by key: the same answers as reading every row.

A random inbox is built and changed the ways the inbox changes it (syncs moving activity,
replies, closing, triage, snoozes, due moments, removals); after each round every view's
planned count must equal the number of rows the query lists, the tallies must match the
rows, and walking pages by key forwards, backwards and from the end must give the list's
order exactly.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from inbox.errors import ReadCancelled
from inbox.models import Item
from inbox.query import parse_query
from inbox.store import Store, migrations, tallies
from inbox.store.lists import row_key
from inbox.store.readers import Readers
from inbox.timeutil import iso
from inbox.config import parse
from inbox.store.sweeps import define as define_sweeps
from inbox.views import BUILTIN_VIEWS, DAILY_SWEEP, WEEKLY_SWEEP

SLOW_VIEWS = (DAILY_SWEEP, WEEKLY_SWEEP)

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
SOURCES = (("server", "github"), ("forum", "discourse"), ("so", "stackexchange"))
QUERIES = [view.query for view in BUILTIN_VIEWS] + [
    "is:open -is:done -is:snoozed is:awaiting assigned:>=2d",
    "-is:awaiting", "is:closed type:bug", "-type:none staff:no", "kind:discourse -is:done",
    "source:so is:overdue", "age:<3d", "-age:>=3d is:open", "-idle:<7d", "idle:<=2d -is:snoozed",
    "-is:assigned", "assignee:none is:open", "-assignee:none", "is:leak", "-is:leak -is:done",
    "is:open -is:done -is:snoozed is:awaiting age:>=2d -is:assigned",
    "assignee:amy is:snoozed", "is:overdue -is:snoozed age:>=1d", "-assigned:>=2d is:open",
    "is:leak -is:snoozed", "-age:<1d -idle:<2d -is:snoozed type:none",
    "replies:0", "label:bug -is:done",  # not planned: counted row by row
]


def random_item(rng: random.Random, number: int) -> Item:
    source, kind = rng.choice(SOURCES)
    created = NOW - timedelta(hours=rng.randint(1, 24 * 60))
    replies = rng.choice((0, 0, 1, 3))
    return Item(
        source=source, kind=kind, external_id=str(number), url=f"https://example.org/{number}",
        title=f"post {number}" + (" token ghp_" + "a1B2" * 9 if rng.random() < 0.05 else ""),
        body="body", author=f"user{rng.randint(1, 9)}", author_is_staff=rng.random() < 0.2,
        created_at=created, last_activity_at=created + timedelta(hours=rng.randint(0, 48)),
        replies=replies, last_reply_by_staff=None if not replies else rng.random() < 0.5,
        state=rng.choice(("open", "open", "open", "closed")), labels=["bug"] if rng.random() < 0.3 else [],
    )


def change_round(store: Store, rng: random.Random, keys: list[str], items: dict[str, Item]) -> None:
    for key in rng.sample(keys, 12):
        field = rng.choice(("type", "done", "snooze", "assignee", "undone"))
        if field == "type":
            store.set_triage([key], {"type": rng.choice(("bug", "feature", "question", None))}, now=NOW, by="test")
        elif field == "done":
            store.set_triage([key], {"done": True}, now=NOW, by="test")
        elif field == "undone":
            store.set_triage([key], {"done": False}, now=NOW, by="test")
        elif field == "snooze":
            until = NOW + timedelta(days=rng.choice((-1, 2)))
            store.set_triage([key], {"snoozed_until": until}, now=NOW, by="test")
        else:
            store.set_triage([key], {"assignee": rng.choice(("amy", "Carol", None))},
                             now=NOW - timedelta(days=rng.randint(0, 4)), by="test")
    resynced = []
    for key in rng.sample(keys, 10):  # new activity, replies or state from the channel
        old = items[key]
        new = Item(**{**old.__dict__, "last_activity_at": old.last_activity_at + timedelta(hours=rng.randint(1, 30)),
                      "replies": old.replies + rng.choice((0, 1)), "last_reply_by_staff": rng.random() < 0.5,
                      "state": rng.choice(("open", "closed"))})
        items[key] = new
        resynced.append(new)
    for item in resynced:
        store.save_page(item.source, [item])
    with store.db.conn:  # due moments as the SLA refresh writes them
        store.db.conn.execute("DELETE FROM sla_due WHERE key IN (SELECT key FROM sla_due ORDER BY random() LIMIT 5)")
        store.db.conn.executemany("INSERT OR REPLACE INTO sla_due (key, due_at, since) VALUES (?, ?, ?)", [
            (key, iso(NOW + timedelta(hours=rng.randint(-48, 48))), iso(items[key].created_at))
            for key in rng.sample(keys, 20)])
    gone = rng.choice(keys)
    store.save_page(items[gone].source, removed=[gone])
    if rng.random() < 0.5:  # it comes back, triage and all
        store.save_page(items[gone].source, [items[gone]])


SWEEP_CONFIG = parse({"team": {"staff": ["user1"]}, "sources": [
    {"name": "server", "kind": "github", "repo": "acme/server"},
    {"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"},
    {"name": "so", "kind": "stackexchange", "tagged": "acme"}],
    "sweep": {"release_date": NOW.date() - timedelta(days=5), "release_keywords": ["post 1"]}})


@pytest.fixture
def inbox(tmp_path):
    rng = random.Random(7)
    store = Store(tmp_path / "inbox.db")
    store.sweeps = define_sweeps(SWEEP_CONFIG)
    items = {}
    for number in range(160):
        item = random_item(rng, number)
        items[item.key] = item
    for source, _ in SOURCES:
        store.save_page(source, [item for item in items.values() if item.source == source])
    yield store, rng, items
    store.close()


def rows_listed(store: Store, query: str) -> int:
    return len(store.list_items(query, now=NOW, me="amy"))


def test_every_count_equals_the_rows_listed_after_every_kind_of_change(inbox) -> None:
    store, rng, items = inbox
    keys = sorted(items)
    for _ in range(5):
        change_round(store, rng, keys, items)
        assert tallies.drift(store.db.conn) == []
        for query in QUERIES:
            assert store.count(query, now=NOW, me="amy") == rows_listed(store, query), query


def test_a_small_set_with_complements_keeps_both(tmp_path) -> None:
    """Assigned (the small side) and not snoozed (a complement): a snoozed assigned post is
    not counted."""
    store = Store(tmp_path / "inbox.db")
    rng = random.Random(3)
    items = [random_item(rng, n) for n in range(6)]
    store.save_page("server", [Item(**{**item.__dict__, "source": "server", "kind": "github",
                                       "state": "open"}) for item in items])
    keys = [f"server:{n}" for n in range(6)]
    store.set_triage(keys[:4], {"assignee": "amy"}, now=NOW - timedelta(days=3), by="test")
    store.set_triage(keys[:1], {"snoozed_until": NOW + timedelta(days=1)}, now=NOW, by="test")
    for query in ("assignee:amy -is:snoozed", "is:assigned -is:snoozed -age:<1h", "assigned:>=2d -is:snoozed"):
        assert store.count(query, now=NOW) == rows_listed(store, query) == 3, query
    store.close()


def test_view_counts_are_planned_not_counted_row_by_row() -> None:
    """All but the sweeps, which the tallies cannot say (labels, who posted last, keywords):
    their parts are counted in the store, in the background (`SLOW_VIEWS`)."""
    for view in BUILTIN_VIEWS:
        planned = tallies._plan(parse_query(view.query).terms) is not None
        assert planned == (view not in SLOW_VIEWS), view.name
    assert tallies._plan(parse_query("postgres is:open").terms) is None


def test_a_sweep_is_counted_as_the_sum_of_its_parts_with_the_query_around_it(inbox) -> None:
    store, rng, items = inbox
    change_round(store, rng, sorted(items), items)
    for query in ("sweep:daily", "sweep:weekly", "sweep:daily kind:discourse", "sweep:weekly -type:none",
                  "sweep:daily replies:0", "sweep:daily -sweep:weekly"):
        listed = rows_listed(store, query)
        assert store.count(query, now=NOW, me="amy") == listed, query
    assert rows_listed(store, "sweep:daily") > 0 and rows_listed(store, "sweep:weekly") > 0


@pytest.mark.parametrize("query", ["is:open -is:done -is:snoozed", "type:bug", "is:done", "label:bug", ""])
def test_pages_by_key_walk_the_list_in_order_both_ways(inbox, query: str) -> None:
    store, rng, items = inbox
    change_round(store, rng, sorted(items), items)
    everything = [row["key"] for row in store.list_items(query, now=NOW)]
    forwards, page = [], store.page(query, now=NOW, limit=7)
    while page:
        forwards += [row["key"] for row in page]
        page = store.page(query, now=NOW, limit=7, after=row_key(page[-1]))
    assert forwards == everything
    backwards, page = [], store.page(query, now=NOW, limit=7, last=True)
    assert [row["key"] for row in page] == everything[-7:]
    while page:
        backwards = [row["key"] for row in page] + backwards
        page = store.page(query, now=NOW, limit=7, before=row_key(page[0]))
    assert backwards == everything


def test_every_row_streamed_a_page_at_a_time(inbox) -> None:
    store, _, _ = inbox
    for query in ("", "is:open -is:done", "label:bug"):
        everything = [row["key"] for row in store.list_items(query, now=NOW)]
        assert [row["key"] for row in store.iter_items(query, now=NOW, chunk=7)] == everything
        assert [row["key"] for row in store.iter_items(query, now=NOW, chunk=7, limit=15)] == everything[:15]


def test_a_read_nobody_waits_for_stops(inbox, monkeypatch) -> None:
    """A list read for a query typed over meanwhile stops instead of running to the end,
    and its connection reads normally afterwards."""
    store, _, _ = inbox
    monkeypatch.setattr(Readers, "CANCEL_CHECK", 1)
    with pytest.raises(ReadCancelled):
        store.page("", now=NOW, limit=50, cancelled=lambda: True)
    with pytest.raises(ReadCancelled):
        store.count("replies:0", now=NOW, cancelled=lambda: True)
    assert len(store.page("", now=NOW, limit=5, cancelled=lambda: False)) == 5
    assert len(store.page("", now=NOW, limit=5)) == 5


def test_position_within_a_bound(inbox) -> None:
    store, _, _ = inbox
    everything = [row["key"] for row in store.list_items("", now=NOW)]
    assert store.position("", everything[5], now=NOW) == 5
    assert store.position("", everything[5], now=NOW, within=10) == 5
    assert store.position("", everything[50], now=NOW, within=10) is None


def test_an_inbox_from_before_the_tallies_is_tallied_when_upgraded(tmp_path, monkeypatch) -> None:
    path = tmp_path / "old.db"
    every = list(migrations.MIGRATIONS)
    before = every[:every.index(migrations.m007_filter_columns_and_tallies)]
    monkeypatch.setattr(migrations, "MIGRATIONS", before)
    old = Store(path)
    for item in (random_item(random.Random(1), 1), random_item(random.Random(2), 2)):
        # the columns an inbox of that time had (today's sync writes later ones too)
        old.db["items"].insert({
            "key": item.key, "source": item.source, "kind": item.kind, "external_id": item.external_id,
            "url": item.url, "title": item.title, "body": item.body, "author": item.author,
            "author_is_staff": int(item.author_is_staff), "created_at": iso(item.created_at),
            "last_activity_at": iso(item.last_activity_at), "replies": item.replies,
            "last_reply_by_staff": item.last_reply_by_staff, "state": item.state, "labels": "[]"})
    for key in ("server:1", "so:2", "forum:2"):  # as that version's triage wrote it, with no history
        old.db.conn.execute("INSERT INTO triage (key, type, done, done_activity_at, updated_at) VALUES "
                            "(?, 'bug', 1, (SELECT last_activity_at FROM items WHERE key = ?), ?)",
                            [key, key, iso(NOW)])
    old.close()
    monkeypatch.setattr(migrations, "MIGRATIONS", every)
    store = Store(path)
    store.sweeps = define_sweeps(SWEEP_CONFIG)
    assert tallies.drift(store.db.conn) == []
    for query in QUERIES:
        assert store.count(query, now=NOW, me="amy") == rows_listed(store, query), query
    assert store.count("is:done type:bug", now=NOW) == 1
    store.close()
