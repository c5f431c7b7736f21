"""The SLA refresh computes only what changed: after each kind of change (a sync's new
reply, a reply the inbox posted, an item closed, done, undone or removed, a write from
another connection) the stored due moments equal what each item's own clock says, and a
changed `[sla]`, or a full pass that was cut short, means every item is computed again.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import inbox.store.sla as store_sla
from inbox.config import Config, parse
from inbox.models import Item, Reply
from inbox.reports import sla
from inbox.reports.sla import (
    AWAITING_QUERY,
    add_business_time,
    awaiting_since,
    refresh_sla,
)
from inbox.store import Store
from inbox.timeutil import iso

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def _config(**settings: Any) -> Config:
    return parse({"team": {"staff": ["alice"]}, "sla": settings or {"respond_within": "24h"},
                  "sources": [{"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"}]})


def _reply(rid: str, when: datetime, staff: bool) -> Reply:
    return Reply(external_id=rid, author="alice" if staff else "rhys", author_is_staff=staff,
                 created_at=when, body="...")


def _item(number: int, created: datetime, thread: list[Reply] | None = None, **changes: Any) -> Item:
    thread = list(thread or [])
    item = Item(source="forum", kind="discourse", external_id=str(number),
                url=f"https://forum.example.org/t/{number}", title=f"Question {number}", body="It fails.",
                author="rhys", author_is_staff=False, created_at=created,
                last_activity_at=max([created, *(r.created_at for r in thread)]), replies=len(thread),
                last_reply_by_staff=thread[-1].author_is_staff if thread else None, thread=thread)
    return replace(item, **changes)


def _stored(store: Store) -> dict[str, tuple[str, str]]:
    return {key: (due, since) for key, due, since in store.db.execute("SELECT key, due_at, since FROM sla_due")}


def _expected(store: Store, config: Config) -> dict[str, tuple[str, str]]:
    """Each awaiting item's due moment, item by item from its own row and thread: what a
    refresh should have stored, whatever it recomputed."""
    settings = config.sla
    assert settings is not None
    expected = {}
    for row in store.list_items(AWAITING_QUERY, now=NOW):
        since = awaiting_since(row, store.thread(row["key"]))
        assert since is not None
        expected[row["key"]] = (iso(add_business_time(since, settings.respond_within, settings)), iso(since))
    return expected


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of three items, so every pass takes several."""
    monkeypatch.setattr(store_sla, "CHUNK", 3)


@pytest.fixture
def computed(monkeypatch) -> list[str]:
    """The keys each refresh computed a clock for."""
    seen: list[str] = []
    original = sla.due_rows

    def spy(rows, *args, **kwargs):
        rows = list(rows)
        seen.extend(row[0] for row in rows)
        return original(rows, *args, **kwargs)

    monkeypatch.setattr(sla, "due_rows", spy)
    return seen


MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)


def _fill(store: Store) -> dict[str, Item]:
    items = {
        1: _item(1, MONDAY),
        2: _item(2, MONDAY, [_reply("21", MONDAY + timedelta(hours=1), True)]),  # answered
        3: _item(3, MONDAY, [_reply("31", MONDAY + timedelta(hours=1), True),
                             _reply("32", MONDAY + timedelta(hours=3), False)]),  # asked again
        4: _item(4, MONDAY + timedelta(hours=2)),
        5: _item(5, MONDAY + timedelta(hours=4)),
    }
    store.save_page("forum", list(items.values()))
    return {item.key: item for item in items.values()}


# --- each kind of change ------------------------------------------------------------------------

def test_a_refresh_after_nothing_changed_computes_nothing(store: Store, computed: list[str]) -> None:
    _fill(store)
    assert refresh_sla(_config(), store, now=NOW) == 4
    assert sorted(computed) == ["forum:1", "forum:3", "forum:4", "forum:5"]
    computed.clear()
    assert refresh_sla(_config(), store, now=NOW) == 4
    assert computed == []
    assert _stored(store) == _expected(store, _config())


def test_a_new_reply_from_the_customer_starts_the_clock_again(store: Store, computed: list[str]) -> None:
    items = _fill(store)
    refresh_sla(_config(), store, now=NOW)
    assert "forum:2" not in _stored(store)
    computed.clear()
    answered = items["forum:2"]
    asked = answered.thread + [_reply("22", NOW - timedelta(hours=1), False)]
    store.save_page("forum", [_item(2, answered.created_at, asked)])
    assert refresh_sla(_config(), store, now=NOW) == 5
    assert computed == ["forum:2"]
    # Wednesday 11:00 + 24 business hours: 6h + 8h + 8h, then 2h on Monday
    assert _stored(store)["forum:2"] == ("2026-11-23T11:00:00Z", "2026-11-18T11:00:00Z")
    assert _stored(store) == _expected(store, _config())


def test_a_reply_the_inbox_posted_stops_the_clock(store: Store, computed: list[str]) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    computed.clear()
    store.record_posted("forum:1", _reply("posted", NOW, True))
    assert refresh_sla(_config(), store, now=NOW) == 3
    assert "forum:1" not in _stored(store)
    assert computed == []  # forum:1 was looked at, and awaits nobody: no clock to compute
    assert _stored(store) == _expected(store, _config())


def test_closed_done_undone_and_removed_items(store: Store) -> None:
    items = _fill(store)
    store.set_triage(["forum:4"], {"type": "bug"}, now=NOW, by="test")  # a triage row before it is done
    refresh_sla(_config(), store, now=NOW)
    store.save_page("forum", [replace(items["forum:1"], state="closed")], removed=["forum:5"])
    change = store.set_triage(["forum:4"], {"done": True}, now=NOW, by="test")
    refresh_sla(_config(), store, now=NOW)
    assert sorted(_stored(store)) == ["forum:3"]
    store.restore_triage(change, now=NOW, by="test")  # undone: it awaits us again
    refresh_sla(_config(), store, now=NOW)
    assert sorted(_stored(store)) == ["forum:3", "forum:4"]
    store.set_triage(["forum:4"], {"done": True}, now=NOW, by="test")
    refresh_sla(_config(), store, now=NOW)
    assert "forum:4" not in _stored(store)
    # new activity after "done" brings it back, with its clock still running from the start
    later = _item(4, items["forum:4"].created_at, last_activity_at=NOW)
    store.save_page("forum", [later])
    refresh_sla(_config(), store, now=NOW)
    assert _stored(store)["forum:4"][1] == "2026-11-16T11:00:00Z"
    assert _stored(store) == _expected(store, _config())


def test_replies_that_arrive_after_their_count(store: Store) -> None:
    # the list said three replies, the last a customer's; the thread comes later, as a stream
    created = MONDAY
    thread = [_reply("71", created + timedelta(hours=1), True), _reply("72", created + timedelta(hours=2), False),
              _reply("73", created + timedelta(hours=5), False)]
    store.save_page("forum", [replace(_item(7, created, thread), thread=None)])
    refresh_sla(_config(), store, now=NOW)
    assert _stored(store)["forum:7"][1] == "2026-11-16T14:00:00Z"  # from the last activity
    store.save_page("forum", [], replies={"forum:7": thread})  # the item's own row does not move
    refresh_sla(_config(), store, now=NOW)
    assert _stored(store)["forum:7"][1] == "2026-11-16T11:00:00Z"  # from the first customer reply
    assert _stored(store) == _expected(store, _config())


def test_a_snooze_changes_nothing(store: Store, computed: list[str]) -> None:
    _fill(store)
    store.set_triage(["forum:1"], {"type": "bug"}, now=NOW, by="test")  # its first triage row counts as a change
    refresh_sla(_config(), store, now=NOW)
    computed.clear()
    store.set_triage(["forum:1"], {"snoozed_until": NOW + timedelta(days=2), "assignee": "alice"}, now=NOW, by="test")
    store.set_labels("forum:1", ["bug"])
    refresh_sla(_config(), store, now=NOW)
    assert computed == []
    assert "forum:1" in _stored(store)


def test_a_write_from_another_connection_is_seen(store: Store, tmp_path) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    other = Store(tmp_path / "inbox.db")  # a sync in another process
    try:
        other.save_page("forum", [_item(6, NOW - timedelta(hours=1))])
        other.record_posted("forum:3", _reply("posted", NOW, True))
    finally:
        other.close()
    refresh_sla(_config(), store, now=NOW)
    assert "forum:6" in _stored(store) and "forum:3" not in _stored(store)
    assert _stored(store) == _expected(store, _config())


def test_a_changed_sla_recomputes_every_item(store: Store, computed: list[str]) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    computed.clear()
    tighter = _config(respond_within="4h", timezone="America/New_York")
    refresh_sla(tighter, store, now=NOW)
    assert sorted(computed) == ["forum:1", "forum:3", "forum:4", "forum:5"]
    assert _stored(store) == _expected(store, tighter)
    assert _stored(store)["forum:1"] == ("2026-11-16T18:00:00Z", "2026-11-16T09:00:00Z")
    computed.clear()
    refresh_sla(tighter, store, now=NOW)
    assert computed == []
    refresh_sla(_config(), store, now=NOW)  # and back
    assert _stored(store) == _expected(store, _config())


def test_without_sla_the_table_empties_and_a_new_sla_computes_everything(store: Store) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    no_sla = parse({"sources": [{"name": "forum", "kind": "discourse", "base_url": "https://forum.example.org"}]})
    assert refresh_sla(no_sla, store, now=NOW) == 0
    store.save_page("forum", [_item(6, NOW)])  # noted while there is no SLA, then forgotten
    assert refresh_sla(no_sla, store, now=NOW) == 0
    assert refresh_sla(_config(), store, now=NOW) == 5
    assert _stored(store) == _expected(store, _config())


def test_a_full_pass_cut_short_is_done_again(store: Store, small_chunks) -> None:
    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    store.save_page("forum", [_item(n, MONDAY + timedelta(minutes=n)) for n in range(10, 20)])
    calls = 0

    def failing(rows, replies):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("interrupted")
        return sla.due_rows(rows, sla._threads(replies), _config(respond_within="1h").sla)

    tighter = sla.settings_fingerprint(_config(respond_within="1h").sla)
    with pytest.raises(RuntimeError):
        store.sla.update(AWAITING_QUERY, failing, now=NOW, fingerprint=tighter)
    # the first chunk holds 1h due moments; the next refresh must not trust any of them
    refresh_sla(_config(), store, now=NOW)
    assert _stored(store) == _expected(store, _config())


def test_a_full_pass_overtaken_by_another_leaves_it_the_table(store: Store, small_chunks, tmp_path,
                                                              monkeypatch) -> None:
    _fill(store)
    other = Store(tmp_path / "inbox.db")
    tighter = _config(respond_within="4h")
    transactions = 0
    own = store._transaction

    def between_chunks():
        nonlocal transactions
        transactions += 1
        if transactions == 3:  # after its first chunk, another process starts a full pass of its own
            refresh_sla(tighter, other, now=NOW)
        return own()

    monkeypatch.setattr(store, "_transaction", between_chunks)
    computed = []

    def clock(rows, replies):
        computed.extend(row[0] for row in rows)
        return sla.due_rows(rows, sla._threads(replies), _config().sla)

    try:
        store.sla.update(AWAITING_QUERY, clock, now=NOW, fingerprint=sla.settings_fingerprint(_config().sla))
    finally:
        other.close()
    assert sorted(computed) == ["forum:1", "forum:3"]  # its first chunk only (forum:2 awaits nobody)
    assert _stored(store) == _expected(store, tighter)
    monkeypatch.undo()
    refresh_sla(tighter, store, now=NOW)
    assert _stored(store) == _expected(store, tighter)


# --- incremental against full, on a random inbox -------------------------------------------------

def _random_thread(rng: random.Random, start: datetime, number: int) -> list[Reply]:
    thread, when = [], start
    for index in range(rng.randrange(0, 5)):
        when += timedelta(minutes=rng.randrange(1, 3000))
        thread.append(_reply(f"{number}-{index}", when, rng.random() < 0.4))
    return thread


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_incremental_refreshes_agree_with_a_full_recompute(store: Store, tmp_path, small_chunks, seed: int) -> None:
    rng = random.Random(seed)
    config = _config(respond_within="8h", timezone="Europe/Berlin")
    base = datetime(2026, 9, 1, tzinfo=UTC)
    items: dict[str, Item] = {}
    threads: dict[str, list[Reply]] = {}  # each thread as the channel has it
    counter = 0

    def new_item() -> Item:
        nonlocal counter
        counter += 1
        created = base + timedelta(minutes=rng.randrange(0, 100_000))
        item = _item(counter, created, _random_thread(rng, created, counter),
                     state="closed" if rng.random() < 0.1 else "open")
        items[item.key], threads[item.key] = item, list(item.thread or [])
        return item

    def synced(key: str) -> Item:
        """The item as a sync that fetched its whole thread saves it."""
        item = items[key]
        items[key] = _item(int(item.external_id), item.created_at, threads[key], state=item.state)
        return items[key]

    store.save_page("forum", [new_item() for _ in range(40)])
    refresh_sla(config, store, now=NOW)
    assert _stored(store) == _expected(store, config)
    other = Store(tmp_path / "inbox.db")

    def change(writer: Store) -> None:
        key = rng.choice(sorted(items))
        item, thread = items[key], threads[key]
        last = max([item.last_activity_at, *(r.created_at for r in thread)])
        reply = _reply(f"{key}-{len(thread)}", last + timedelta(minutes=rng.randrange(1, 2000)), rng.random() < 0.4)
        what = rng.randrange(12)
        if what == 0:  # a new item
            writer.save_page("forum", [new_item()])
        elif what == 1:  # a sync brings a reply with the thread
            thread.append(reply)
            writer.save_page("forum", [synced(key)])
        elif what == 2:  # the inbox posts an answer
            reply = replace(reply, author_is_staff=True)
            thread.append(reply)
            writer.record_posted(key, reply)
            items[key] = replace(item, replies=item.replies + 1, last_reply_by_staff=True,
                                 last_activity_at=reply.created_at)
        elif what == 3:  # closed or reopened
            items[key] = replace(item, state="open" if item.state == "closed" else "closed")
            writer.save_page("forum", [items[key]])
        elif what == 4:  # removed
            del items[key], threads[key]
            writer.save_page("forum", [], removed=[key])
        elif what == 5:  # done or undone
            writer.set_triage([key], {"done": rng.random() < 0.7}, now=NOW, by="test")
        elif what == 6:  # a list page counts a reply it does not show: the thread is not fetched
            thread.append(reply)
            items[key] = replace(item, thread=None, replies=len(thread), last_activity_at=reply.created_at,
                                 last_reply_by_staff=rng.choice([None, reply.author_is_staff]))
            writer.save_page("forum", [items[key]])
        elif what == 7:  # ... then the replies come as a stream, with no item
            writer.save_page("forum", [], replies={key: list(thread)})
        elif what == 8 and thread:  # a reply re-synced: its author's staff flag or its time moved
            index = rng.randrange(len(thread))
            if rng.random() < 0.5:
                thread[index] = replace(thread[index], author_is_staff=not thread[index].author_is_staff)
            else:
                thread[index] = replace(thread[index], created_at=thread[index].created_at - timedelta(minutes=5))
            writer.save_page("forum", [synced(key)])
        elif what == 9:  # a snooze or an assignment: no clock input
            writer.set_triage([key], {"snoozed_until": NOW + timedelta(days=1), "assignee": "alice"}, now=NOW, by="test")
        elif what == 10:  # undo the last triage of the item
            writer.restore_triage(writer.set_triage([key], {"done": True}, now=NOW, by="test"), now=NOW, by="test")
        else:  # the thread re-fetched in full
            writer.save_page("forum", [synced(key)])

    try:
        for _ in range(30):
            for _ in range(rng.randrange(1, 6)):
                change(other if rng.random() < 0.3 else store)
            refresh_sla(config, store, now=NOW)
            assert _stored(store) == _expected(store, config)
    finally:
        other.close()
    incremental = _stored(store)
    refresh_sla(config, store, now=NOW, full=True)
    assert _stored(store) == incremental


# --- the inbox screen ---------------------------------------------------------------------------

async def test_the_inbox_brings_due_times_up_to_date_when_it_opens(store: Store) -> None:
    from inbox.tui.app import make_app
    from tests.pilot_helpers import settle

    _fill(store)
    refresh_sla(_config(), store, now=NOW)
    store.save_page("forum", [_item(6, NOW - timedelta(hours=1))])  # since the last refresh
    tighter = _config(respond_within="4h")  # and the [sla] changed
    app = make_app(tighter, store, now=lambda: NOW)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        assert _stored(store) == _expected(store, tighter)
        assert "forum:6" in _stored(store)
