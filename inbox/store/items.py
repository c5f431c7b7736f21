"""Items, their threads and labels: what channels said, written a page at a time.

Functions here run inside a transaction or under the lock the `Store` holds; the `Store`
methods of the same names are what the rest of the inbox calls.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from inbox.models import ChannelWait, Item, Reply
from inbox.store.where import AWAITING_SQL, CHANNEL_WAIT_SQL, DONE_SQL, OWN_SNOOZE_SQL, SUGGESTED_SQL
from inbox.text.leaks import leaks_json, may_leak
from inbox.timeutil import iso, parse_time

LIST_COLUMNS = (
    "i.key, i.source, i.kind, i.external_id, i.url, i.title, i.author, i.author_is_staff, "
    "i.created_at, i.last_activity_at, i.replies, i.last_reply_by_staff, i.answered, i.state, "
    "i.labels, i.leaks, i.supporters, i.type, COALESCE(t.status, i.idea_status) AS status, "
    "i.assignee, i.assigned_at, i.snoozed_until, t.note, t.jira_key, "
    f"{DONE_SQL} AS done, {OWN_SNOOZE_SQL} AS snoozed, {AWAITING_SQL} AS awaiting, i.due_at AS sla_due_at, "
    f"i.channel_wait, i.channel_wait_until, {CHANNEL_WAIT_SQL} AS waiting, "
    f"CASE WHEN {SUGGESTED_SQL} THEN i.suggested_type END AS suggested_type, "
    f"CASE WHEN {SUGGESTED_SQL} THEN i.suggested_confidence END AS suggested_confidence"
)
"""The columns of a list row (`Store.list_items`), over `inbox.store.where.FROM`. `snoozed` is the
user's own snooze and `waiting` the channel's (`is:snoozed` matches either). A type
suggestion is there only for an untagged item, from the threshold (`:suggest_min`)."""

_ITEM_COLUMNS = ("key", "source", "kind", "external_id", "url", "title", "body", "author",
                 "author_is_staff", "created_at", "last_activity_at", "replies",
                 "last_reply_by_staff", "answered", "state", "labels", "synced_at", "idea_status",
                 "supporters", "thread_at", "channel_wait", "channel_wait_until")
_BODY = _ITEM_COLUMNS.index("body")
# (INSERT ..., ON CONFLICT ...): `_insert` puts the VALUES rows between the two.
_UPSERT_ITEM = (
    f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)})",
    "ON CONFLICT(key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ITEM_COLUMNS
                if c not in ("key", "last_reply_by_staff", "thread_at"))
    # A list page may not know who replied last: keep what a thread fetch learned, unless
    # the reply count moved (then it is unknown until the thread arrives).
    + ", last_reply_by_staff = CASE WHEN excluded.replies = 0 THEN NULL "
      "WHEN excluded.last_reply_by_staff IS NOT NULL THEN excluded.last_reply_by_staff "
      "WHEN excluded.replies = items.replies THEN items.last_reply_by_staff ELSE NULL END"
    # An item that came without its thread keeps the activity its last thread was fetched at.
    + ", thread_at = COALESCE(excluded.thread_at, items.thread_at)",
)
_UPSERT_REPLY = (
    "INSERT INTO thread (key, reply_id, author, author_is_staff, created_at, body)",
    ("ON CONFLICT(key, reply_id) DO UPDATE SET "
     # a reply the inbox posted stays staff, whatever the channel says of the posting account
     "author = excluded.author, author_is_staff = CASE WHEN thread.by_us = 1 THEN 1 ELSE excluded.author_is_staff END, "
     "created_at = excluded.created_at, body = excluded.body"),
)
_INSERT_LABELS = ("INSERT OR IGNORE INTO item_labels (key, label)", "")
_json = json.JSONEncoder(ensure_ascii=False).encode
"""`json.dumps(value, ensure_ascii=False)` without building an encoder per call."""
_LAST_REPLY_FROM_THREAD = (
    "UPDATE items SET last_reply_by_staff = (SELECT r.author_is_staff FROM thread r "
    "WHERE r.key = items.key ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1) "
    "WHERE key IN ({keys}) AND replies > 0 AND EXISTS (SELECT 1 FROM thread r WHERE r.key = items.key)"
)
_NOTHING_SINCE_THE_THREAD = (
    " AND last_activity_at <= (SELECT MAX(r.created_at) FROM thread r WHERE r.key = items.key)")


def save_page(conn: sqlite3.Connection, items: Sequence[Item], *, replies: dict[str, list[Reply]],
              streamed: Sequence[str], synced: str | None, removed: Sequence[str]) -> None:
    """In the caller's transaction: a page of items, their replies and labels.

    `streamed` are the keys whose replies came as a reply stream, complete for what changed.

    A sync writes many pages, so each step is one statement for the whole page, what is
    stored is read once up front, and labels and findings are written only where they
    changed.
    """
    keys = [item.key for item in items]
    stored = _stored_items(conn, {*keys, *replies})
    # An item whose body is None came without one (e.g. an unchanged Discourse topic
    # seen only in the list): keep the stored body.
    threaded = {key for key, item in zip(keys, items) if item.thread is not None}
    rows = [_item_row(item, synced, stored[key].body if key in stored else "", key in threaded)
            for key, item in zip(keys, items)]
    _insert(conn, _UPSERT_ITEM, rows)
    # Labels are rewritten only where the stored ones differ; a key ends with the labels of
    # all its copies in the page.
    labels: dict[str, set[str]] = {}
    for key, item in zip(keys, items):
        labels.setdefault(key, set()).update(item.labels)
    before = _stored_labels(conn, labels)
    relabel = {key for key in labels if before[key] != labels[key]}
    _write_for_keys(conn, "DELETE FROM item_labels WHERE key IN ({keys})", [key for key in relabel if before[key]])
    _insert(conn, _INSERT_LABELS, [(key, label) for key, item in zip(keys, items) if key in relabel
                                   for label in item.labels])
    known = {*stored, *keys}
    scanned = {*keys, *(key for key in replies if key in known)}
    had_thread = _keys_with_thread(conn, scanned)
    _insert(conn, _UPSERT_REPLY, [
        (key, r.external_id, r.author, int(r.author_is_staff), iso(r.created_at), r.body)
        for key, thread in replies.items() if key in known for r in thread
    ])
    texts = {key: stored[key] for key in scanned if key in stored}
    for key, item, row in zip(keys, items, rows):
        texts[key] = _Stored(item.title, row[_BODY], stored[key].leaks if key in stored else None)
    # A thread all of which came in this page is not read back when nothing in the item
    # holds a cue (most items): it has no findings either way.
    quiet = {key for key, item in texts.items() if key not in had_thread
             and not may_leak([item.title, item.body, *(r.body for r in replies.get(key, ()))])}
    threads, ours = _stored_threads(conn, scanned - quiet)
    # A reply stream (GitHub's comments) is complete for what changed, so it says who
    # replied last; a thread that came with its item may be cut short and does not.
    # An item the inbox replied to: who replied last is known from the stored thread,
    # whatever the channel thinks of the account that posted.
    _write_for_keys(conn, _LAST_REPLY_FROM_THREAD, {*streamed, *(ours & replies.keys())} & known)
    # Also when only the list came (an unchanged Discourse topic names its last poster,
    # maybe our non-staff API account), as long as nothing happened after the newest
    # stored reply: a newer customer reply still makes it await us.
    _write_for_keys(conn, _LAST_REPLY_FROM_THREAD + _NOTHING_SINCE_THE_THREAD, ours - replies.keys())
    _flag_leaks(conn, texts, threads, quiet)
    for table in ("items", "item_labels", "thread"):
        _write_for_keys(conn, f"DELETE FROM {table} WHERE key IN ({{keys}})", removed)


def record_posted(conn: sqlite3.Connection, key: str, reply: Reply) -> None:
    """In the caller's transaction: a reply the inbox posted, as the team's answer."""
    _insert(conn, _UPSERT_REPLY, [(key, reply.external_id, reply.author, 1, iso(reply.created_at), reply.body)])
    conn.execute("UPDATE thread SET by_us = 1, author_is_staff = 1 WHERE key = ? AND reply_id = ?",
                 [key, reply.external_id])
    conn.execute(
        "UPDATE items SET replies = replies + 1, last_reply_by_staff = 1, "
        "last_activity_at = CASE WHEN last_activity_at >= :at THEN last_activity_at ELSE :at END WHERE key = :key",
        {"at": iso(reply.created_at), "key": key})
    _flag_leaks(conn, _stored_items(conn, [key]), _stored_threads(conn, [key])[0])


def set_labels(conn: sqlite3.Connection, key: str, labels: Sequence[str]) -> None:
    """In the caller's transaction: the item's labels, in its row and in `item_labels`."""
    conn.execute("UPDATE items SET labels = ? WHERE key = ?", [json.dumps(list(labels), ensure_ascii=False), key])
    conn.execute("DELETE FROM item_labels WHERE key = ?", [key])
    conn.executemany("INSERT OR IGNORE INTO item_labels (key, label) VALUES (?, ?)",
                     [(key, label) for label in labels])


def rows_for_keys(conn: sqlite3.Connection, sql: str, keys: Iterable[str]) -> list[tuple]:
    """Run `sql`, whose `{keys}` becomes `?, ?, ...`, over the keys in chunks that stay
    under SQLite's parameter limit."""
    keys = list(keys)
    rows: list[tuple] = []
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        rows += conn.execute(sql.format(keys=", ".join("?" for _ in chunk)), chunk).fetchall()
    return rows


def existing_keys(conn: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    return {row[0] for row in rows_for_keys(conn, "SELECT key FROM items WHERE key IN ({keys})", keys)}


def threads_fetched_at(conn: sqlite3.Connection, keys: Sequence[str]) -> dict[str, str]:
    return dict(rows_for_keys(
        conn, "SELECT key, thread_at FROM items WHERE key IN ({keys}) AND thread_at IS NOT NULL", keys))


def keys_synced_since(conn: sqlite3.Connection, since: str) -> list[str]:
    return [row[0] for row in conn.execute("SELECT key FROM items WHERE synced_at >= ? ORDER BY key", [since])]


class _Stored(NamedTuple):
    """What a page needs of an item as stored: its text and findings (JSON)."""

    title: str
    body: str | None
    leaks: str | None


def _stored_items(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, _Stored]:
    return {key: _Stored(*rest) for key, *rest in rows_for_keys(
        conn, "SELECT key, title, body, leaks FROM items WHERE key IN ({keys})", keys)}


def _stored_labels(conn: sqlite3.Connection, keys: Iterable[str]) -> dict[str, set[str]]:
    """Each key's rows in `item_labels` (an empty set where it has none)."""
    labels: dict[str, set[str]] = {key: set() for key in keys}
    for key, label in rows_for_keys(conn, "SELECT key, label FROM item_labels WHERE key IN ({keys})", labels):
        labels[key].add(label)
    return labels


def _stored_threads(conn: sqlite3.Connection, keys: Iterable[str]) -> tuple[dict[str, list[str]], set[str]]:
    """The stored reply bodies by key, and the keys with a reply the inbox posted."""
    bodies: dict[str, list[str]] = {}
    ours: set[str] = set()
    for key, body, by_us in rows_for_keys(conn, "SELECT key, body, by_us FROM thread WHERE key IN ({keys})", keys):
        bodies.setdefault(key, []).append(body)
        if by_us == 1:
            ours.add(key)
    return bodies, ours


def _keys_with_thread(conn: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    return {row[0] for row in rows_for_keys(conn, "SELECT DISTINCT key FROM thread WHERE key IN ({keys})", keys)}


def _flag_leaks(conn: sqlite3.Connection, items: dict[str, _Stored], threads: dict[str, list[str]],
                quiet: Iterable[str] = ()) -> None:
    """Scan each item's title, body and thread bodies for credentials; the item keeps only
    masked findings, never the secret itself. `quiet` items are known to have none. Only
    findings that changed are written."""
    quiet = set(quiet)
    conn.executemany("UPDATE items SET leaks = ? WHERE key = ?", [
        (found, key) for key, item in items.items()
        if (found := None if key in quiet else leaks_json([item.title, item.body, *threads.get(key, ())]))
        != item.leaks])


def _insert(conn: sqlite3.Connection, statement: tuple[str, str], rows: Sequence[tuple]) -> None:
    """`INSERT ... VALUES (...), (...) ON CONFLICT ...` for all the rows in as few
    statements as SQLite's parameter limit allows.

    One statement per row costs far more than the rows: the full-text index writes a new
    segment at the end of every statement that changed it, and merges them later.
    """
    if not rows:
        return
    into, on_conflict = statement
    width = len(rows[0])
    per_statement = max(1, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width)
    placeholders = "(" + ", ".join("?" * width) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start:start + per_statement]
        conn.execute(f"{into} VALUES {', '.join([placeholders] * len(chunk))} {on_conflict}",
                     [value for row in chunk for value in row])


def _write_for_keys(conn: sqlite3.Connection, sql: str, keys: Iterable[str]) -> None:
    """A write whose `{keys}` becomes `?, ?, ...`, in the chunks `rows_for_keys` reads in."""
    rows_for_keys(conn, sql, keys)


def _item_row(item: Item, synced_at: str | None, stored_body: str = "", threaded: bool = False) -> tuple:
    """The `_ITEM_COLUMNS` of an item; `threaded`: its thread came with it (or with another
    copy of it in the page), fetched at its current activity."""
    last_reply = None if item.replies == 0 or item.last_reply_by_staff is None else int(item.last_reply_by_staff)
    body = item.body if item.body is not None else (stored_body or "")
    activity = iso(item.last_activity_at)
    wait = item.channel_wait
    return (
        item.key, item.source, item.kind, item.external_id, item.url, item.title, body,
        item.author, int(item.author_is_staff), iso(item.created_at), activity,
        int(item.replies), last_reply, int(item.answered), item.state,
        _json(item.labels), synced_at, item.idea_status, item.supporters, activity if threaded else None,
        wait.reason if wait else None, iso(wait.until) if wait else None,
    )


def item_json(row: dict[str, Any]) -> dict[str, Any]:
    """The item JSON contract of `inbox list --json` from a store row (`duplicates`: the
    keys `store.duplicates.attach` gave it)."""
    last_reply = row.get("last_reply_by_staff")
    return {
        "key": row["key"],
        "source": row["source"],
        "kind": row["kind"],
        "external_id": row["external_id"],
        "url": row["url"],
        "title": row["title"],
        "body": row.get("body"),
        "author": row["author"],
        "author_is_staff": bool(row["author_is_staff"]),
        "created_at": row["created_at"],
        "last_activity_at": row["last_activity_at"],
        "replies": row["replies"],
        "last_reply_by_staff": None if row["replies"] == 0 or last_reply is None else bool(last_reply),
        "answered": bool(row["answered"]),
        "state": row["state"],
        "labels": json.loads(row["labels"] or "[]"),
        "leaks": json.loads(row.get("leaks") or "[]"),
        "supporters": row.get("supporters"),
        "type": row["type"],
        "status": row["status"],
        "assignee": row["assignee"],
        "done": bool(row["done"]),
        "snoozed_until": row["snoozed_until"],
        "channel_waiting": channel_waiting(row),
        "note": row.get("note"),
        "jira": row.get("jira_key"),
        "replying": row.get("replying"),
        "suggested_type": row.get("suggested_type"),
        "suggested_confidence": (None if row.get("suggested_confidence") is None
                                 else round(float(row["suggested_confidence"]), 3)),
        "duplicates": row.get("duplicates") or [],
    }


def channel_wait_of(row: dict[str, Any]) -> ChannelWait | None:
    """The channel's own snooze or wait on a list row while it holds; None when there is
    none, or it has ended."""
    if not row.get("waiting") or not row.get("channel_wait"):
        return None
    return ChannelWait(str(row["channel_wait"]), parse_time(row.get("channel_wait_until")))


def channel_waiting(row: dict[str, Any]) -> dict[str, Any] | None:
    """`channel_wait_of` as `inbox list --json` shows it: `{"reason": "pending", "until": null}`."""
    wait = channel_wait_of(row)
    return None if wait is None else {"reason": wait.reason, "until": iso(wait.until)}
