"""Items, their threads and labels: what channels said, written a page at a time.

Functions here run inside a transaction or under the lock the `Store` holds; the `Store`
methods of the same names are what the rest of the inbox calls.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from inbox.models import Item, Reply
from inbox.query import AWAITING_SQL, DONE_SQL, SNOOZED_SQL
from inbox.text.leaks import leaks_json
from inbox.timeutil import iso

LIST_COLUMNS = (
    "i.key, i.source, i.kind, i.external_id, i.url, i.title, i.author, i.author_is_staff, "
    "i.created_at, i.last_activity_at, i.replies, i.last_reply_by_staff, i.answered, i.state, "
    "i.labels, i.leaks, i.supporters, t.type, COALESCE(t.status, i.idea_status) AS status, "
    "t.assignee, t.assigned_at, t.snoozed_until, t.note, t.jira_key, "
    f"{DONE_SQL} AS done, {SNOOZED_SQL} AS snoozed, {AWAITING_SQL} AS awaiting, "
    "(SELECT s.due_at FROM sla_due s WHERE s.key = i.key) AS sla_due_at"
)
"""The columns of a list row (`Store.list_items`), over `inbox.query.FROM`."""

_ITEM_COLUMNS = ("key", "source", "kind", "external_id", "url", "title", "body", "author",
                 "author_is_staff", "created_at", "last_activity_at", "replies",
                 "last_reply_by_staff", "answered", "state", "labels", "synced_at", "idea_status",
                 "supporters")
_UPSERT_ITEM = (
    f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) VALUES ({', '.join('?' for _ in _ITEM_COLUMNS)}) "
    "ON CONFLICT(key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ITEM_COLUMNS if c not in ("key", "last_reply_by_staff"))
    # A list page may not know who replied last: keep what a thread fetch learned, unless
    # the reply count moved (then it is unknown until the thread arrives).
    + ", last_reply_by_staff = CASE WHEN excluded.replies = 0 THEN NULL "
      "WHEN excluded.last_reply_by_staff IS NOT NULL THEN excluded.last_reply_by_staff "
      "WHEN excluded.replies = items.replies THEN items.last_reply_by_staff ELSE NULL END"
)
_UPSERT_REPLY = (
    "INSERT INTO thread (key, reply_id, author, author_is_staff, created_at, body) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key, reply_id) DO UPDATE SET "
    # a reply the inbox posted stays staff, whatever the channel says of the posting account
    "author = excluded.author, author_is_staff = MAX(excluded.author_is_staff, COALESCE(thread.by_us, 0)), "
    "created_at = excluded.created_at, body = excluded.body"
)
_LAST_REPLY_FROM_THREAD = (
    "UPDATE items SET last_reply_by_staff = (SELECT r.author_is_staff FROM thread r "
    "WHERE r.key = items.key ORDER BY r.created_at DESC, r.rowid DESC LIMIT 1) "
    "WHERE key = ? AND replies > 0 AND EXISTS (SELECT 1 FROM thread r WHERE r.key = items.key)"
)
_NOTHING_SINCE_THE_THREAD = (
    " AND last_activity_at <= (SELECT MAX(r.created_at) FROM thread r WHERE r.key = items.key)")


def save_page(conn: sqlite3.Connection, items: Sequence[Item], *, replies: dict[str, list[Reply]],
              streamed: Sequence[str], synced: str | None, removed: Sequence[str]) -> None:
    """In the caller's transaction: a page of items, their replies and labels.

    `streamed` are the keys whose replies came as a reply stream, complete for what changed.
    """
    # An item whose body is None came without one (e.g. an unchanged Discourse topic
    # seen only in the list): keep the stored body.
    kept = _stored_bodies(conn, [item.key for item in items if item.body is None])
    conn.executemany(_UPSERT_ITEM, [_item_row(item, synced, kept.get(item.key, "")) for item in items])
    keys = [item.key for item in items]
    conn.executemany("DELETE FROM item_labels WHERE key = ?", [(k,) for k in keys])
    conn.executemany(
        "INSERT OR IGNORE INTO item_labels (key, label) VALUES (?, ?)",
        [(item.key, label) for item in items for label in item.labels],
    )
    known = existing_keys(conn, replies)
    conn.executemany(_UPSERT_REPLY, [
        (key, r.external_id, r.author, int(r.author_is_staff), iso(r.created_at), r.body)
        for key, thread in replies.items() if key in known for r in thread
    ])
    # A reply stream (GitHub's comments) is complete for what changed, so it says who
    # replied last; a thread that came with its item may be cut short and does not.
    conn.executemany(_LAST_REPLY_FROM_THREAD, [(key,) for key in streamed if key in known])
    # An item the inbox replied to: who replied last is known from the stored thread,
    # whatever the channel thinks of the account that posted.
    # Also when only the list came (an unchanged Discourse topic names its last poster,
    # maybe our non-staff API account), as long as nothing happened after the newest
    # stored reply: a newer customer reply still makes it await us.
    ours = _keys_with_our_replies(conn, {*keys, *replies})
    conn.executemany(_LAST_REPLY_FROM_THREAD, [(key,) for key in ours if key in replies and key in known])
    conn.executemany(_LAST_REPLY_FROM_THREAD + _NOTHING_SINCE_THE_THREAD,
                     [(key,) for key in ours if key not in replies])
    conn.executemany("UPDATE items SET thread_at = last_activity_at WHERE key = ?",
                     [(item.key,) for item in items if item.thread is not None])
    _flag_leaks(conn, {*keys, *(key for key in replies if key in known)})
    for table in ("items", "item_labels", "thread"):
        conn.executemany(f"DELETE FROM {table} WHERE key = ?", [(key,) for key in removed])


def record_posted(conn: sqlite3.Connection, key: str, reply: Reply) -> None:
    """In the caller's transaction: a reply the inbox posted, as the team's answer."""
    conn.execute(_UPSERT_REPLY, (key, reply.external_id, reply.author, 1, iso(reply.created_at), reply.body))
    conn.execute("UPDATE thread SET by_us = 1, author_is_staff = 1 WHERE key = ? AND reply_id = ?",
                 [key, reply.external_id])
    conn.execute(
        "UPDATE items SET replies = replies + 1, last_reply_by_staff = 1, "
        "last_activity_at = MAX(last_activity_at, ?) WHERE key = ?",
        [iso(reply.created_at), key])
    _flag_leaks(conn, {key})


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


def _stored_bodies(conn: sqlite3.Connection, keys: list[str]) -> dict[str, str]:
    return dict(rows_for_keys(conn, "SELECT key, body FROM items WHERE key IN ({keys})", keys))


def _keys_with_our_replies(conn: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
    return {row[0] for row in rows_for_keys(
        conn, "SELECT DISTINCT key FROM thread WHERE by_us = 1 AND key IN ({keys})", keys)}


def _flag_leaks(conn: sqlite3.Connection, keys: set[str]) -> None:
    """Scan what is stored for these items (title, body, thread) for credentials; the item
    keeps only masked findings, never the secret itself."""
    if not keys:
        return
    replies: dict[str, list[str]] = {}
    for key, body in rows_for_keys(conn, "SELECT key, body FROM thread WHERE key IN ({keys})", keys):
        replies.setdefault(key, []).append(body)
    rows = rows_for_keys(conn, "SELECT key, title, body FROM items WHERE key IN ({keys})", keys)
    # Only rows whose findings changed: an UPDATE also re-indexes the row for search.
    conn.executemany("UPDATE items SET leaks = ?1 WHERE key = ?2 AND leaks IS NOT ?1",
                     [(leaks_json([title, body, *replies.get(key, [])]), key) for key, title, body in rows])


def _item_row(item: Item, synced_at: str | None, stored_body: str = "") -> tuple:
    last_reply = None if item.replies == 0 or item.last_reply_by_staff is None else int(item.last_reply_by_staff)
    body = item.body if item.body is not None else (stored_body or "")
    return (
        item.key, item.source, item.kind, item.external_id, item.url, item.title, body,
        item.author, int(item.author_is_staff), iso(item.created_at), iso(item.last_activity_at),
        int(item.replies), last_reply, int(item.answered), item.state,
        json.dumps(item.labels, ensure_ascii=False), synced_at, item.idea_status, item.supporters,
    )


def item_json(row: dict[str, Any]) -> dict[str, Any]:
    """The item JSON contract of `inbox list --json` from a store row."""
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
        "note": row.get("note"),
        "jira": row.get("jira_key"),
    }
