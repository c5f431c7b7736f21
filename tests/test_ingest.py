"""Saving sync pages: what a re-sync changes and what it keeps.

A page is written with a few set-based statements and only what changed is rewritten
(labels, findings, the full-text index), so these pin that the result is the same as
rewriting everything: search follows edits, labels follow the channel, findings stay
until the text that held them goes, and new and known items mix in one page.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inbox.models import Item, Reply
from inbox.store import Store
from inbox.text.leaks import leaks_json, scan

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)
TOKEN = "ghp_" + "Zq8Rw2Lm5Tx9Vb3Nc7Hk1Jp4Sd6Fg0Ya8Ue2"
"""Random-looking but made up: the shape of a GitHub token."""
SLACK = "xoxb-2048163592-7310824651938-Qm4ZtR8vWk2LpX9nBc6YhJ3s"


def make_item(number: str = "1", **changes) -> Item:
    item = Item(
        source="server", kind="github", external_id=number,
        url=f"https://github.com/acme/chat-server/issues/{number}",
        title=f"Postgres migration fails ({number})", body="Migration 000112 fails on upgrade.",
        author="rhys", author_is_staff=False, created_at=NOW - timedelta(days=3),
        last_activity_at=NOW - timedelta(days=1), replies=0, labels=["bug"],
    )
    return replace(item, **changes)


def reply(number: str, body: str, *, hours: int = 1, staff: bool = False) -> Reply:
    return Reply(number, "pat" if not staff else "alice", staff, NOW - timedelta(hours=hours), body)


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(tmp_path / "inbox.db")
    yield store
    store.close()


def found(store: Store, words: str) -> set[str]:
    return {row["key"] for row in store.list_items(words, now=NOW)}


def labels(store: Store, key: str) -> list[str]:
    return sorted(row[0] for row in store.db.execute("SELECT label FROM item_labels WHERE key = ?", [key]))


def leaks(store: Store, key: str) -> list[str]:
    row = store.item(key, now=NOW)
    return [leak["masked"] for leak in json.loads(row["leaks"] or "[]")]


def index_is_whole(store: Store) -> bool:
    """FTS5's own check of the index against the rows it indexes."""
    try:
        store.db.execute("INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True


# --- the full-text index -------------------------------------------------------------

def test_a_new_title_is_found_under_the_new_word_and_not_the_old(store: Store) -> None:
    store.save_page("server", [make_item(title="Login loops on Safari")])
    assert found(store, "safari") == {"server:1"}

    store.save_page("server", [make_item(title="Login loops on Firefox")])
    assert found(store, "firefox") == {"server:1"}
    assert found(store, "safari") == set()
    assert index_is_whole(store)


def test_a_new_body_or_author_is_searched_as_well(store: Store) -> None:
    store.save_page("server", [make_item(body="fails with ldap", author="rhys")])
    store.save_page("server", [make_item(body="fails with saml", author="morgan")])
    assert found(store, "saml") == found(store, "morgan") == {"server:1"}
    assert found(store, "ldap") == found(store, "rhys") == set()
    assert index_is_whole(store)


def test_resaving_unchanged_items_keeps_them_searchable(store: Store) -> None:
    page = [make_item(str(n), title=f"Webhook retries {n}") for n in range(5)]
    for _ in range(3):
        store.save_page("server", page)
    assert len(found(store, "webhook")) == 5
    assert index_is_whole(store)


def test_a_body_that_did_not_come_keeps_the_stored_one_searchable(store: Store) -> None:
    store.save_page("server", [make_item(body="crash in the push notification service")])
    store.save_page("server", [make_item(body=None, title="Crash after upgrade")])
    assert store.item("server:1", now=NOW)["body"] == "crash in the push notification service"
    assert found(store, "notification") == found(store, "upgrade") == {"server:1"}
    assert index_is_whole(store)


def test_other_writes_to_an_item_leave_the_index_whole(store: Store) -> None:
    store.save_page("server", [make_item(replies=1, thread=[reply("10", "try again", staff=True)])],
                    replies={"server:1": [reply("10", "try again", staff=True)]})
    store.set_triage(["server:1"], {"type": "bug", "assignee": "alice"}, now=NOW, by="test")
    store.record_posted("server:1", reply("11", "fixed in 2.3", hours=0))
    store.save_page("server", [], removed=["server:1"])
    assert found(store, "postgres") == set()
    assert index_is_whole(store)


# --- labels --------------------------------------------------------------------------

def test_labels_follow_the_channel_on_resync(store: Store) -> None:
    store.save_page("server", [make_item("1", labels=["bug"]), make_item("2", labels=["bug", "ldap"]),
                               make_item("3", labels=["question"])])
    store.save_page("server", [make_item("1", labels=["bug", "enterprise"]), make_item("2", labels=[]),
                               make_item("3", labels=["question"])])

    assert labels(store, "server:1") == ["bug", "enterprise"]
    assert labels(store, "server:2") == []
    assert labels(store, "server:3") == ["question"]
    assert found(store, "label:enterprise") == {"server:1"}
    assert found(store, "label:ldap") == set()
    assert json.loads(store.item("server:2", now=NOW)["labels"]) == []


def test_labels_the_inbox_set_are_replaced_by_what_the_channel_says_next(store: Store) -> None:
    store.save_page("server", [make_item(labels=["bug"])])
    store.set_labels("server:1", ["bug", "needs-info"])
    store.save_page("server", [make_item(labels=["bug"])])
    assert labels(store, "server:1") == ["bug"]


# --- findings ------------------------------------------------------------------------

def test_unchanged_items_keep_their_findings(store: Store) -> None:
    thread = [reply("10", f"my config: SLACK_TOKEN={SLACK}")]
    store.save_page("server", [make_item(body=f"token {TOKEN}", replies=1, thread=thread)])
    first = leaks(store, "server:1")
    assert len(first) == 2 and all(secret not in str(first) for secret in (TOKEN, SLACK))

    store.save_page("server", [make_item(body=f"token {TOKEN}", replies=1)])  # no thread this time
    store.save_page("server", [make_item(body=None, replies=1)])  # nor a body
    assert leaks(store, "server:1") == first


def test_findings_go_when_the_text_that_held_them_is_edited(store: Store) -> None:
    store.save_page("server", [make_item(body=f"token {TOKEN}")])
    assert leaks(store, "server:1")
    store.save_page("server", [make_item(body="token revoked, sorry")])
    assert leaks(store, "server:1") == []
    assert found(store, "is:leak") == set()


def test_a_stored_reply_keeps_its_finding_when_clean_replies_come(store: Store) -> None:
    store.save_page("server", [make_item(replies=1, thread=[reply("10", f"SLACK_TOKEN={SLACK}", hours=5)])])
    first = leaks(store, "server:1")
    store.save_page("server", [make_item(replies=2, thread=[reply("11", "any news?")])])
    assert leaks(store, "server:1") == first


def test_a_reply_edited_to_drop_its_secret_drops_the_finding(store: Store) -> None:
    store.save_page("server", [make_item(replies=1, thread=[reply("10", f"SLACK_TOKEN={SLACK}")])])
    assert leaks(store, "server:1")
    store.save_page("server", [make_item(replies=1, thread=[reply("10", "SLACK_TOKEN=(removed)")])])
    assert leaks(store, "server:1") == []


def test_a_secret_in_a_reply_stream_flags_its_item(store: Store) -> None:
    store.save_page("server", [make_item("1"), make_item("2")])
    store.save_page("server", [], stream="comments",
                    replies={"server:2": [reply("20", f"here: {TOKEN}")],
                             "server:9": [reply("90", f"unknown item {TOKEN}")]})
    assert found(store, "is:leak") == {"server:2"}
    assert store.thread("server:9") == []


def test_findings_match_a_scan_of_each_text_alone() -> None:
    texts = ["Postgres fails", "pass", "word=Xk29fLq7Rm3vTz", None, "", f"see {TOKEN}", f"again {TOKEN}"]
    expected = {(leak.kind, leak.masked) for text in texts for leak in scan(text)}
    assert {(leak["kind"], leak["masked"]) for leak in json.loads(leaks_json(texts))} == expected
    # a cue split across two texts is no cue
    assert leaks_json(["to", "ken=Xk29fLq7Rm3vTz"]) is None
    assert leaks_json([]) is None and leaks_json([None, ""]) is None


# --- a page mixing new and known items -----------------------------------------------

def test_a_page_mixing_new_and_known_items(store: Store) -> None:
    store.save_page("server", [make_item("1", title="Old title one", labels=["bug"]),
                               make_item("2", body=f"token {TOKEN}", labels=["ldap"])])
    store.set_triage(["server:1"], {"type": "bug", "assignee": "alice"}, now=NOW, by="test")
    later = NOW - timedelta(hours=2)

    store.save_page("server", [
        make_item("1", title="New title one", labels=["bug", "saml"], replies=1, last_activity_at=later,
                  thread=[reply("10", "fixed on main", staff=True)]),
        make_item("3", title="Brand new three", labels=["question"], replies=2,
                  thread=[reply("30", "same here"), reply("31", f"SLACK_TOKEN={SLACK}", hours=0)]),
        make_item("2", body=None, labels=["ldap"]),
    ])

    assert store.item_count() == 3
    assert found(store, "title") == {"server:1"} and found(store, "brand") == {"server:3"}
    assert labels(store, "server:1") == ["bug", "saml"] and labels(store, "server:3") == ["question"]
    assert labels(store, "server:2") == ["ldap"]
    assert store.triage_rows(["server:1"])["server:1"]["assignee"] == "alice"
    assert [r["reply_id"] for r in store.thread("server:3")] == ["30", "31"]
    assert leaks(store, "server:2") and leaks(store, "server:3") and not leaks(store, "server:1")
    assert store.item("server:2", now=NOW)["body"] == f"token {TOKEN}"
    fetched = store.threads_fetched_at(["server:1", "server:2", "server:3"])
    assert fetched == {"server:1": "2026-11-18T10:00:00Z", "server:3": "2026-11-17T12:00:00Z"}
    assert store.existing_keys(["server:1", "server:2", "server:3", "server:4"]) == {
        "server:1", "server:2", "server:3"}
    assert index_is_whole(store)


def test_who_replied_last_comes_from_each_streamed_thread(store: Store) -> None:
    store.save_page("server", [make_item(str(n), replies=1) for n in range(1, 4)])
    store.save_page("server", [], stream="comments", replies={
        "server:1": [reply("10", "question", hours=3), reply("11", "answer", hours=2, staff=True)],
        "server:2": [reply("20", "answer", hours=3, staff=True), reply("21", "still broken", hours=2)],
    })
    rows = {row["key"]: row for row in store.list_items("", now=NOW)}
    assert rows["server:1"]["last_reply_by_staff"] == 1
    assert rows["server:2"]["last_reply_by_staff"] == 0
    assert rows["server:3"]["last_reply_by_staff"] is None


def test_a_page_wider_than_one_statement_is_saved_whole(store: Store) -> None:
    """An old SQLite allows 999 parameters per statement: the page is split to fit."""
    store.db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    page = [make_item(str(n), labels=["bug", f"area-{n % 7}"], replies=1,
                      thread=[reply(f"{n}-1", "thanks"), reply(f"{n}-2", f"token {TOKEN}")])
            for n in range(250)]
    store.save_page("server", page)
    assert store.item_count() == 250
    assert store.db.execute("SELECT COUNT(*) FROM item_labels").fetchone()[0] == 500
    assert store.db.execute("SELECT COUNT(*) FROM thread").fetchone()[0] == 500
    assert len(found(store, "is:leak")) == 250
    assert index_is_whole(store)


def test_an_item_removed_in_the_page_that_saves_it_is_gone(store: Store) -> None:
    store.save_page("server", [make_item("1"), make_item("2")])
    store.save_page("server", [make_item("2", thread=[reply("20", "hi")])], removed=["server:1", "server:2"])
    assert store.item_count() == 0
    assert labels(store, "server:2") == [] and store.thread("server:2") == []
    assert index_is_whole(store)
