"""The store: channel data and triage kept apart, done/snooze/undo, the item JSON contract,
migrations and WAL."""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import replace
from pathlib import Path
from datetime import UTC, datetime, timedelta

import pytest

from inbox.models import IdeaStatus, Item, PostType, Reply
from inbox.query import INBOX_QUERY
from inbox.store import Cursor, Store, item_json, migrations, open_store
from inbox.timeutil import iso
from tests.conftest import INTEGRITY_ERRORS

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def make_item(number: str = "1", *, source: str = "server", kind: str = "github",
              activity: datetime | None = None, **changes) -> Item:
    item = Item(
        source=source, kind=kind, external_id=number,
        url=f"https://github.com/parley-chat/parley-server/issues/{number}",
        title=f"Postgres migration fails ({number})", body="Migration 000112 fails on upgrade.",
        author="rhys", author_is_staff=False, created_at=NOW - timedelta(days=3),
        last_activity_at=activity or NOW - timedelta(days=1), replies=0, labels=["bug"],
    )
    return replace(item, **changes)


@pytest.fixture
def store(store_location) -> Store:
    store = open_store(store_location)
    yield store
    store.close()


def triage_of(store: Store, key: str) -> dict | None:
    return store.triage_rows([key])[key]


def in_inbox(store: Store, key: str, now: datetime = NOW) -> bool:
    return key in {row["key"] for row in store.list_items(INBOX_QUERY, now=now)}


def row(store: Store, key: str, now: datetime = NOW) -> dict:
    found = store.item(key, now=now)
    assert found is not None
    return found


# --- channel data and triage never share a row ---------------------------------------

def test_resaving_an_item_never_changes_its_triage(store: Store) -> None:
    store.save_page("server", [make_item()])
    store.set_triage(["server:1"], {"type": "bug", "status": "planned", "assignee": "devin",
                                    "note": "PARLEY-5003", "snoozed_until": iso(NOW + timedelta(days=1))},
                     now=NOW, by="test")
    before = triage_of(store, "server:1")

    changed = make_item(title="Postgres migration 000112 fails", body="Edited by the author",
                        labels=["bug", "enterprise"], state="closed", replies=4,
                        last_reply_by_staff=True, activity=NOW - timedelta(hours=1))
    store.save_page("server", [changed])
    store.save_page("server", [changed])

    assert triage_of(store, "server:1") == before
    stored = row(store, "server:1")
    assert stored["title"] == "Postgres migration 000112 fails"
    assert stored["state"] == "closed"
    assert json.loads(stored["labels"]) == ["bug", "enterprise"]
    assert (stored["type"], stored["status"], stored["assignee"]) == ("bug", "planned", "devin")


def test_triage_lives_in_its_own_table(tmp_path: Path) -> None:
    store = Store(tmp_path / "inbox.db")
    store.save_page("server", [make_item()])
    item_columns = {c.name for c in store.db["items"].columns}
    triage_columns = {c.name for c in store.db["triage"].columns}
    # the decisions live in triage; items carries read-only copies for filtering
    assert not {"status", "done", "note"} & item_columns
    assert {"type", "status", "assignee", "done", "snoozed_until", "note"} <= triage_columns
    assert triage_of(store, "server:1") is None  # saving an item decides nothing
    store.set_triage(["server:1"], {"type": "bug", "assignee": "devin"}, now=NOW, by="test")
    store.save_page("server", [make_item(title="edited upstream")])  # a sync never overwrites them
    assert (row(store, "server:1")["type"], row(store, "server:1")["assignee"]) == ("bug", "devin")
    store.db.execute("DELETE FROM triage")
    assert (row(store, "server:1")["type"], row(store, "server:1")["assignee"]) == (None, None)


def test_triage_before_the_item_arrives(store: Store) -> None:
    store.set_triage(["forum:7"], {"type": "question"}, now=NOW, by="test")
    store.save_page("forum", [make_item("7", source="forum", kind="discourse")])
    assert row(store, "forum:7")["type"] == "question"


def test_set_triage_rejects_fields_that_are_not_triage(store: Store) -> None:
    with pytest.raises(ValueError, match="title"):
        store.set_triage(["server:1"], {"title": "x"}, now=NOW, by="test")


def test_enum_values_are_stored_as_their_names(store: Store) -> None:
    store.save_page("server", [make_item()])
    store.set_triage(["server:1"], {"type": PostType.BUG, "status": IdeaStatus.HELP_WANTED}, now=NOW, by="test")
    assert store.count("type:bug status:help-wanted", now=NOW) == 1


# --- done: hidden until the channel shows new activity -------------------------------

def test_done_hides_until_new_activity(store: Store) -> None:
    first = NOW - timedelta(days=1)
    store.save_page("server", [make_item(activity=first)])
    assert in_inbox(store, "server:1")

    store.set_triage(["server:1"], {"done": True}, now=NOW, by="test")
    assert store.count("is:done", now=NOW) == 1
    assert not in_inbox(store, "server:1")
    assert item_json(row(store, "server:1"))["done"] is True

    # a re-sync with nothing new keeps it done
    store.save_page("server", [make_item(activity=first, title="Retitled, no new activity")])
    assert store.count("is:done", now=NOW) == 1
    assert not in_inbox(store, "server:1")

    # a new comment: it is back, without anyone touching the triage row
    store.save_page("server", [make_item(activity=NOW - timedelta(minutes=5), replies=1)])
    assert store.count("is:done", now=NOW) == 0
    assert store.count("-is:done", now=NOW) == 1
    assert in_inbox(store, "server:1")
    assert item_json(row(store, "server:1"))["done"] is False


def test_undone_clears_the_done_mark(store: Store) -> None:
    store.save_page("server", [make_item()])
    store.set_triage(["server:1"], {"done": True}, now=NOW, by="test")
    store.set_triage(["server:1"], {"done": False}, now=NOW, by="test")
    assert triage_of(store, "server:1")["done_activity_at"] is None
    assert in_inbox(store, "server:1")


def test_untriaged_items_are_in_the_inbox(store: Store) -> None:
    store.save_page("server", [make_item("1"), make_item("2", state="closed")])
    assert {r["key"] for r in store.list_items(INBOX_QUERY, now=NOW)} == {"server:1"}
    assert store.count("-is:done", now=NOW) == 2
    assert store.count("-is:snoozed", now=NOW) == 2


# --- snooze: hidden until the time passes --------------------------------------------

@pytest.mark.parametrize("until", [iso(NOW + timedelta(hours=2)), NOW + timedelta(hours=2)],
                         ids=["iso-string", "datetime"])
def test_snooze_expires_by_now(store: Store, until) -> None:
    store.save_page("server", [make_item()])
    store.set_triage(["server:1"], {"snoozed_until": until}, now=NOW, by="test")
    assert triage_of(store, "server:1")["snoozed_until"] == iso(NOW + timedelta(hours=2))

    assert store.count("is:snoozed", now=NOW) == 1
    assert not in_inbox(store, "server:1")
    assert store.count("is:snoozed", now=NOW + timedelta(hours=1, minutes=59)) == 1

    later = NOW + timedelta(hours=3)
    assert store.count("is:snoozed", now=later) == 0
    assert in_inbox(store, "server:1", now=later)
    assert row(store, "server:1", now=later)["snoozed"] == 0


def test_unsnooze(store: Store) -> None:
    store.save_page("server", [make_item()])
    store.set_triage(["server:1"], {"snoozed_until": iso(NOW + timedelta(days=2))}, now=NOW, by="test")
    store.set_triage(["server:1"], {"snoozed_until": None}, now=NOW, by="test")
    assert in_inbox(store, "server:1")


# --- undo ----------------------------------------------------------------------------

def test_set_triage_returns_the_previous_snapshot_and_restore_undoes(store: Store) -> None:
    store.save_page("server", [make_item("1"), make_item("2")])

    first = store.set_triage(["server:1", "server:2"], {"type": "bug", "assignee": "maya"}, now=NOW, by="test")
    assert first == {"server:1": None, "server:2": None}

    second = store.set_triage(["server:1"], {"type": "feature", "done": True}, now=NOW, by="test")
    assert second["server:1"]["type"] == "bug"
    assert second["server:1"]["assignee"] == "maya"
    assert second["server:1"]["done"] == 0

    store.restore_triage(second, now=NOW, by="test")  # undo the second action
    assert triage_of(store, "server:1")["type"] == "bug"
    assert store.count("is:done", now=NOW) == 0
    assert in_inbox(store, "server:1")

    store.restore_triage(first, now=NOW, by="test")  # undo the first: nothing was decided before
    assert triage_of(store, "server:1") is None
    assert triage_of(store, "server:2") is None
    assert store.count("type:none assignee:none", now=NOW) == 2


def test_undo_of_done_restores_the_done_mark_exactly(store: Store) -> None:
    store.save_page("server", [make_item()])
    store.set_triage(["server:1"], {"done": True}, now=NOW, by="test")
    snapshot = store.set_triage(["server:1"], {"done": False}, now=NOW, by="test")
    store.restore_triage(snapshot, now=NOW, by="test")
    assert store.count("is:done", now=NOW) == 1


# --- the item JSON contract ----------------------------------------------------------

CONTRACT = {
    "key": str, "source": str, "kind": str, "external_id": str, "url": str, "title": str,
    "body": str, "author": str, "author_is_staff": bool, "created_at": str,
    "last_activity_at": str, "replies": int, "last_reply_by_staff": (bool, type(None)),
    "answered": bool, "state": str, "labels": list, "type": (str, type(None)),
    "status": (str, type(None)), "assignee": (str, type(None)), "done": bool,
    "snoozed_until": (str, type(None)),
}


def test_item_json_has_every_contract_field_with_the_right_types(store: Store) -> None:
    store.save_page("server", [
        make_item("1"),
        make_item("2", replies=2, answered=True, labels=["Help Wanted", "enterprise"]),
    ], replies={"server:2": [
        Reply("c1", "rhys", False, NOW - timedelta(hours=5), "Same here"),
        Reply("c2", "devin", True, NOW - timedelta(hours=2), "Fixed in 10.2.2"),
    ]})
    store.set_triage(["server:2"], {"type": "bug", "status": "started", "assignee": "maya",
                                    "snoozed_until": iso(NOW + timedelta(days=1))}, now=NOW, by="test")

    rows = {r["key"]: item_json(r) for r in store.list_items("", now=NOW, with_body=True)}
    assert item_json(row(store, "server:2")) == rows["server:2"]
    for data in rows.values():
        json.dumps(data)
        for name, kind in CONTRACT.items():
            assert name in data, name
            assert isinstance(data[name], kind), (name, data[name])
        assert data["key"] == f"{data['source']}:{data['external_id']}"
        assert ISO_Z.match(data["created_at"]) and ISO_Z.match(data["last_activity_at"])
        assert data["state"] in ("open", "closed")
        assert all(isinstance(label, str) for label in data["labels"])

    fresh, triaged = rows["server:1"], rows["server:2"]
    assert fresh["last_reply_by_staff"] is None  # no replies: null, not false
    assert (fresh["type"], fresh["status"], fresh["assignee"], fresh["done"],
            fresh["snoozed_until"]) == (None, None, None, False, None)
    assert triaged["last_reply_by_staff"] is True  # from the reply stream
    assert triaged["answered"] is True
    assert triaged["labels"] == ["Help Wanted", "enterprise"]
    assert (triaged["type"], triaged["status"], triaged["assignee"]) == ("bug", "started", "maya")
    assert triaged["snoozed_until"] == iso(NOW + timedelta(days=1))
    assert triaged["created_at"] == iso(NOW - timedelta(days=3))


# --- saving pages --------------------------------------------------------------------

def test_upsert_by_key_never_duplicates_items_or_replies(store: Store) -> None:
    thread = [Reply("c1", "rhys", False, NOW - timedelta(hours=3), "Same here"),
              Reply("c2", "devin", True, NOW - timedelta(hours=1), "Looking into it")]
    for _ in range(3):
        store.save_page("server", [make_item(replies=2)], replies={"server:1": thread})
    assert store.item_count() == 1
    assert [r["reply_id"] for r in store.thread("server:1")] == ["c1", "c2"]
    assert store.count("is:awaiting", now=NOW) == 0  # the last reply is from staff

    store.save_page("server", [make_item(replies=3)], replies={"server:1": [
        Reply("c3", "rhys", False, NOW - timedelta(minutes=10), "Still broken for me")]})
    assert store.count("is:awaiting", now=NOW) == 1
    assert len(store.thread("server:1")) == 3


def test_replies_for_unknown_items_are_ignored(store: Store) -> None:
    store.save_page("server", [], replies={"server:404": [
        Reply("c1", "rhys", False, NOW, "orphan comment")]})
    assert store.item_count() == 0
    assert store.thread("server:404") == []


def test_full_text_follows_an_edit(store: Store) -> None:
    store.save_page("server", [make_item(title="Websocket drops behind nginx")])
    assert store.count("websocket", now=NOW) == 1
    store.save_page("server", [make_item(title="Push notifications delayed on iOS")])
    assert store.count("websocket", now=NOW) == 0
    assert store.count("notifications", now=NOW) == 1


def test_labels_are_replaced_on_resave(store: Store) -> None:
    store.save_page("server", [make_item(labels=["bug", "needs-triage"])])
    store.save_page("server", [make_item(labels=["bug"])])
    assert store.count("label:needs-triage", now=NOW) == 0
    assert store.count("label:bug", now=NOW) == 1


def test_a_page_and_its_cursor_are_saved_together(store: Store) -> None:
    cursor = Cursor(next_url="https://api.github.com/repositories/1/issues?page=2",
                    high_water=None, pending_high_water=iso(NOW))
    store.save_page("server", [make_item()], stream="issues", cursor=cursor,
                    etag=("https://api.github.com/repos/o/r/issues", 'W/"abc"'))
    assert store.cursor("server", "issues") == cursor
    assert store.etag("https://api.github.com/repos/o/r/issues") == 'W/"abc"'
    assert store.cursor("server", "comments") == Cursor()


def test_a_bad_page_loses_nothing_already_stored(store: Store) -> None:
    store.save_page("server", [make_item("1")], stream="issues", cursor=Cursor(high_water="A"))
    broken = make_item("3")
    broken.title = None  # type: ignore[assignment]
    with pytest.raises(INTEGRITY_ERRORS):
        store.save_page("server", [make_item("2"), broken], stream="issues",
                        cursor=Cursor(high_water="B"))
    assert store.item_count() == 1
    assert store.cursor("server", "issues").high_water == "A"


# --- the file: migrations and WAL ----------------------------------------------------

def test_migrations_are_idempotent(tmp_path) -> None:
    path = tmp_path / "inbox.db"
    first = Store(path)
    first.save_page("server", [make_item()])
    first.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")
    first.close()

    second = Store(path)  # opening again applies nothing and keeps everything
    assert migrations.apply(second.db) == []
    applied = [r[0] for r in second.db.execute("SELECT name FROM _migrations").fetchall()]
    assert applied == [m.__name__ for m in migrations.MIGRATIONS]
    assert second.item_count() == 1
    assert second.count("type:bug", now=NOW) == 1
    second.close()


def test_a_new_database_gets_every_migration(tmp_path) -> None:
    store = Store(tmp_path / "new.db")
    tables = set(store.db.table_names())
    assert {"items", "thread", "item_labels", "triage", "sources", "cursors", "etags",
            "_migrations"} <= tables
    store.close()


def test_wal_is_on(tmp_path) -> None:
    store = Store(tmp_path / "inbox.db")
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    store.close()


def test_a_second_connection_reads_while_the_store_is_open(tmp_path) -> None:
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [make_item()])
    reader = sqlite3.connect(path)
    try:
        assert reader.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 1
    finally:
        reader.close()
        store.close()


def test_not_a_database_is_a_clear_error(tmp_path) -> None:
    from inbox.errors import InboxError

    path = tmp_path / "notes.txt"
    path.write_text("these are not the pages you are looking for\n" * 200)
    with pytest.raises(InboxError, match="not a usable inbox database"):
        Store(path)


# --- reading for the list and the sync -----------------------------------------------

def test_list_pages_newest_activity_first(store: Store) -> None:
    store.save_page("server", [make_item(str(n), activity=NOW - timedelta(hours=n)) for n in range(1, 8)])
    everything = [r["key"] for r in store.list_items("", now=NOW)]
    assert everything == [f"server:{n}" for n in range(1, 8)]
    pages = [r["key"] for offset in (0, 3, 6) for r in store.list_items("", now=NOW, limit=3, offset=offset)]
    assert pages == everything
    for index, key in enumerate(everything):
        assert store.position("", key, now=NOW) == index
    assert store.position("is:closed", "server:1", now=NOW) is None


def test_threads_fetched_at_and_existing_keys(store: Store) -> None:
    with_thread = make_item("1")
    with_thread.thread = []
    store.save_page("server", [with_thread, make_item("2")])
    assert store.threads_fetched_at(["server:1", "server:2", "server:9"]) == {"server:1": iso(NOW - timedelta(days=1))}
    assert store.existing_keys(["server:2", "server:9"]) == {"server:2"}


def test_record_sync_keeps_the_last_success_through_a_failure(store: Store) -> None:
    store.record_sync("server", "github", now=NOW, rate_remaining=4999, rate_limit=5000)
    store.record_sync("server", "github", now=NOW + timedelta(hours=1), error="HTTP 502")
    (state,) = store.source_states()
    assert state["last_success_at"] == iso(NOW)
    assert state["last_attempt_at"] == iso(NOW + timedelta(hours=1))
    assert state["last_error"] == "HTTP 502"
    assert (state["rate_remaining"], state["rate_limit"]) == (4999, 5000)


def test_threads_fetched_at_leaves_out_items_whose_thread_never_arrived(tmp_path):
    """A topic whose posts failed to load is fetched again on the next sync."""
    from datetime import datetime

    from inbox.models import Item, Reply
    from inbox.store import Store

    now = datetime(2026, 11, 18, tzinfo=UTC)
    store = Store(tmp_path / "t.db")

    def item(n, replies, thread):
        return Item(source="forum", kind="discourse", external_id=str(n), url="https://f/t/x",
                    title="t", body="b", author="a", author_is_staff=False, created_at=now,
                    last_activity_at=now, replies=replies, thread=thread)

    reply = Reply(external_id="9", author="b", author_is_staff=True, created_at=now, body="hi")
    store.save_page("forum", [item(1, 0, []), item(2, 1, [reply]), item(3, 1, None)])
    assert set(store.threads_fetched_at(["forum:1", "forum:2", "forum:3"])) == {"forum:1", "forum:2"}
    # a later sync where the thread failed again keeps what the last good fetch said
    later = item(2, 2, None)
    later.last_activity_at = now + timedelta(hours=1)
    store.save_page("forum", [later])
    assert store.threads_fetched_at(["forum:2"]) == {"forum:2": "2026-11-18T00:00:00Z"}
    row = store.item("forum:2", now=now)
    assert row["last_reply_by_staff"] is None  # two replies now, and who wrote the last is unknown


# --- replies the inbox posted --------------------------------------------------------------

def _awaiting(store: Store, key: str) -> bool:
    return bool(store.item(key, now=NOW)["awaiting"])


def test_a_posted_reply_answers_the_item_at_once_and_stays_the_teams(store: Store) -> None:
    store.save_page("forum", [make_item("5", source="forum", kind="discourse")])
    posted_at = NOW - timedelta(hours=1)
    store.record_posted("forum:5", Reply("88", "inbox-bot", False, posted_at, "See the docs."))
    assert not _awaiting(store, "forum:5")
    assert store.item("forum:5", now=NOW)["replies"] == 1
    # the list names our (non-staff) account as last poster and sends no thread: still ours
    store.save_page("forum", [make_item("5", source="forum", kind="discourse", replies=1,
                                        last_reply_by_staff=False, activity=posted_at)])
    assert not _awaiting(store, "forum:5")
    # the thread comes again with our reply as a community account: still staff, not doubled
    store.save_page("forum", [make_item("5", source="forum", kind="discourse", replies=1, activity=posted_at,
                                        thread=[Reply("88", "inbox-bot", False, posted_at, "See the docs.")])])
    assert [(r["reply_id"], r["author_is_staff"]) for r in store.thread("forum:5")] == [("88", 1)]
    assert not _awaiting(store, "forum:5")


def test_a_customer_reply_after_ours_makes_it_await_us_again(store: Store) -> None:
    store.save_page("forum", [make_item("6", source="forum", kind="discourse")])
    posted_at = NOW - timedelta(hours=2)
    store.record_posted("forum:6", Reply("90", "maya", True, posted_at, "Try this."))
    store.save_page("forum", [make_item("6", source="forum", kind="discourse", replies=2,
                                        last_reply_by_staff=False, activity=NOW - timedelta(minutes=5))])
    assert _awaiting(store, "forum:6")


def test_marking_done_after_replying_is_not_undone_by_our_own_reply(store: Store) -> None:
    store.save_page("server", [make_item("7")])
    posted_at = NOW - timedelta(minutes=30)
    store.record_posted("server:7", Reply("c1", "maya", True, posted_at, "Fixed in 10.2.2."))
    store.set_triage(["server:7"], {"done": True}, now=NOW, by="test")
    # the channel's update time is the comment's
    store.save_page("server", [make_item("7", replies=1, activity=posted_at)])
    assert store.item("server:7", now=NOW)["done"] == 1
