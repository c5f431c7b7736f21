"""The local SQLite inbox: the one place that writes it, and the queries that read it.

WAL mode lets the TUI read while a sync writes from another thread or process. Each
page of a sync is saved with its cursor in one transaction, so an interrupted sync
resumes where it stopped and an upsert by key never duplicates.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from inbox.errors import InboxError, QueryError, StoreError
from inbox.leaks import leaks_json
from inbox.models import Item, Reply
from inbox.query import (
    AWAITING_SQL,
    DONE_SQL,
    FROM,
    SNOOZED_SQL,
    Query,
    compile_query,
    parse_query,
)
from inbox.store import access, migrations
from inbox.store.drafts import Drafts, Releases
from inbox.store.runs import Runs
from inbox.store.triage import TRIAGE_FIELDS, TriageChange, Undone
from inbox.store.triage import undo as _undo_triage
from inbox.store.triage import write as _write_triage
from inbox.timeutil import iso


LIST_COLUMNS = (
    "i.key, i.source, i.kind, i.external_id, i.url, i.title, i.author, i.author_is_staff, "
    "i.created_at, i.last_activity_at, i.replies, i.last_reply_by_staff, i.answered, i.state, "
    "i.labels, i.leaks, i.supporters, t.type, COALESCE(t.status, i.idea_status) AS status, "
    "t.assignee, t.assigned_at, t.snoozed_until, t.note, t.jira_key, "
    f"{DONE_SQL} AS done, {SNOOZED_SQL} AS snoozed, {AWAITING_SQL} AS awaiting, "
    "(SELECT s.due_at FROM sla_due s WHERE s.key = i.key) AS sla_due_at"
)

_ITEM_COLUMNS = ("key", "source", "kind", "external_id", "url", "title", "body", "author",
                 "author_is_staff", "created_at", "last_activity_at", "replies",
                 "last_reply_by_staff", "answered", "state", "labels", "synced_at", "idea_status",
                 "supporters")
_UPSERT_ITEM = (
    f"INSERT INTO items ({', '.join(_ITEM_COLUMNS)}) VALUES ({', '.join('?' for _ in _ITEM_COLUMNS)}) "
    "ON CONFLICT(key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _ITEM_COLUMNS if c not in ("key", "last_reply_by_staff"))
    # a list page may not know who replied last; keep what a thread fetch learned
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


@dataclass(frozen=True)
class Cursor:
    """Where a stream of one source stands: mid-sync position and how far it has seen."""

    next_url: str | None = None
    high_water: str | None = None
    pending_high_water: str | None = None


class Store:
    """The inbox database. Safe to share between threads (one connection, one lock)."""

    OPEN_WAIT = 3.0
    """Seconds to wait for another writer when opening, before saying the file is busy."""
    WRITE_WAIT = 5.0
    """Seconds a write waits for another writer (a sync's page takes milliseconds) before
    saying the file is busy."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else None
        where = str(path)
        if self.path is not None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InboxError(f"{self.path}: cannot create its folder: {exc}") from None
            access.check_writable(self.path)
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(where, check_same_thread=False, isolation_level=None,
                                   timeout=self.OPEN_WAIT)
            # Before anything writes (even the journal mode): another program's file stays as it was.
            schema = migrations.Schema.read(conn)
            migrations.check(schema, where)
            access.use_wal(conn, self.OPEN_WAIT)
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MB: counts over 100k rows stay in memory
            self.db = sqlite_utils.Database(conn)
            self._lock = threading.RLock()
            if not schema.current:  # an up-to-date file opens without the write lock: reads never wait
                migrations.apply(self.db, where)
            conn.execute(f"PRAGMA busy_timeout = {int(self.WRITE_WAIT * 1000)}")
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise access.explain(where, exc) or StoreError(
                f"{where}: not a usable inbox database ({exc})") from None
        except BaseException:
            if conn is not None:
                conn.close()
            raise

    @property
    def runs(self) -> Runs:
        """Playbook runs and their ticks."""
        return Runs(self)

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error.

        A lock held elsewhere for too long, or a file made read-only meanwhile, is the
        store's one-line error rather than SQLite's.
        """
        with self._lock:
            conn = self.db.conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise self._explained(exc) from None
            try:
                yield conn
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise self._explained(exc) from None
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise self._explained(exc) from None

    def _explained(self, exc: sqlite3.OperationalError) -> Exception:
        return access.explain(str(self.path or ":memory:"), exc) or exc

    # --- writing what channels said ----------------------------------------------

    def save_page(
        self,
        source: str,
        items: Sequence[Item] = (),
        *,
        stream: str = "items",
        cursor: Cursor | None = None,
        etag: tuple[str, str | None] | None = None,
        replies: dict[str, list[Reply]] | None = None,
        synced_at: datetime | None = None,
        removed: Sequence[str] = (),
    ) -> None:
        """One page of a sync, its cursor and its ETag, in one transaction.

        `removed` are keys the channel says are gone (a deleted ticket): their channel data
        goes; the user's triage row stays (harmless, and it comes back if the item does).
        """
        synced = iso(synced_at) if synced_at else None
        streamed = dict(replies or {})
        replies = dict(streamed)
        for item in items:
            if item.thread is not None:
                replies[item.key] = item.thread
        with self.transaction() as conn:
            # An item whose body is None came without one (e.g. an unchanged Discourse topic
            # seen only in the list): keep the stored body.
            kept = self._stored_bodies(conn, [item.key for item in items if item.body is None])
            conn.executemany(_UPSERT_ITEM, [_item_row(item, synced, kept.get(item.key, ""))
                                            for item in items])
            keys = [item.key for item in items]
            conn.executemany("DELETE FROM item_labels WHERE key = ?", [(k,) for k in keys])
            conn.executemany(
                "INSERT OR IGNORE INTO item_labels (key, label) VALUES (?, ?)",
                [(item.key, label) for item in items for label in item.labels],
            )
            known = self._existing_keys(conn, replies)
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
            ours = self._keys_with_our_replies(conn, {*keys, *replies})
            conn.executemany(_LAST_REPLY_FROM_THREAD, [(key,) for key in ours if key in replies and key in known])
            conn.executemany(_LAST_REPLY_FROM_THREAD + _NOTHING_SINCE_THE_THREAD,
                             [(key,) for key in ours if key not in replies])
            conn.executemany("UPDATE items SET thread_at = last_activity_at WHERE key = ?",
                             [(item.key,) for item in items if item.thread is not None])
            self._flag_leaks(conn, {*keys, *(key for key in replies if key in known)})
            for table in ("items", "item_labels", "thread"):
                conn.executemany(f"DELETE FROM {table} WHERE key = ?", [(key,) for key in removed])
            if cursor is not None:
                conn.execute(
                    "INSERT OR REPLACE INTO cursors (source, stream, next_url, high_water, "
                    "pending_high_water) VALUES (?, ?, ?, ?, ?)",
                    (source, stream, cursor.next_url, cursor.high_water, cursor.pending_high_water),
                )
            if etag is not None and etag[1]:
                conn.execute("INSERT OR REPLACE INTO etags (url, etag) VALUES (?, ?)", etag)

    @staticmethod
    def _rows_for_keys(conn: sqlite3.Connection, sql: str, keys: Iterable[str]) -> list[tuple]:
        """Run `sql`, whose `{keys}` becomes `?, ?, ...`, over the keys in chunks that
        stay under SQLite's parameter limit."""
        keys = list(keys)
        rows: list[tuple] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows += conn.execute(sql.format(keys=", ".join("?" for _ in chunk)), chunk).fetchall()
        return rows

    @classmethod
    def _stored_bodies(cls, conn: sqlite3.Connection, keys: list[str]) -> dict[str, str]:
        return dict(cls._rows_for_keys(conn, "SELECT key, body FROM items WHERE key IN ({keys})", keys))

    @classmethod
    def _existing_keys(cls, conn: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
        return {row[0] for row in cls._rows_for_keys(conn, "SELECT key FROM items WHERE key IN ({keys})", keys)}

    @classmethod
    def _keys_with_our_replies(cls, conn: sqlite3.Connection, keys: Iterable[str]) -> set[str]:
        return {row[0] for row in cls._rows_for_keys(
            conn, "SELECT DISTINCT key FROM thread WHERE by_us = 1 AND key IN ({keys})", keys)}

    @classmethod
    def _flag_leaks(cls, conn: sqlite3.Connection, keys: set[str]) -> None:
        """Scan what is stored for these items (title, body, thread) for credentials; the
        item keeps only masked findings, never the secret itself."""
        if not keys:
            return
        replies: dict[str, list[str]] = {}
        for key, body in cls._rows_for_keys(conn, "SELECT key, body FROM thread WHERE key IN ({keys})", keys):
            replies.setdefault(key, []).append(body)
        rows = cls._rows_for_keys(conn, "SELECT key, title, body FROM items WHERE key IN ({keys})", keys)
        # Only rows whose findings changed: an UPDATE also re-indexes the row for search.
        conn.executemany("UPDATE items SET leaks = ?1 WHERE key = ?2 AND leaks IS NOT ?1",
                         [(leaks_json([title, body, *replies.get(key, [])]), key) for key, title, body in rows])

    def record_posted(self, key: str, reply: Reply) -> None:
        """A reply the inbox posted: in the thread at once, counted as the team's answer
        (so the item no longer awaits us), under the id the channel gave it so the next
        sync updates it instead of adding it again."""
        with self.transaction() as conn:
            conn.execute(_UPSERT_REPLY, (key, reply.external_id, reply.author, 1,
                                         iso(reply.created_at), reply.body))
            conn.execute("UPDATE thread SET by_us = 1, author_is_staff = 1 WHERE key = ? AND reply_id = ?",
                         [key, reply.external_id])
            conn.execute(
                "UPDATE items SET replies = replies + 1, last_reply_by_staff = 1, "
                "last_activity_at = MAX(last_activity_at, ?) WHERE key = ?",
                [iso(reply.created_at), key])
            self._flag_leaks(conn, {key})

    def set_labels(self, key: str, labels: Sequence[str]) -> None:
        """The item's labels as the channel now has them (after the inbox added one)."""
        with self.transaction() as conn:
            conn.execute("UPDATE items SET labels = ? WHERE key = ?",
                         [json.dumps(list(labels), ensure_ascii=False), key])
            conn.execute("DELETE FROM item_labels WHERE key = ?", [key])
            conn.executemany("INSERT OR IGNORE INTO item_labels (key, label) VALUES (?, ?)",
                             [(key, label) for label in labels])

    def replace_sla_due(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Every awaiting item's response-time due moment as (key, due_at, since), computed
        by the SLA in Python (business hours do not fit in SQL) and read by `is:overdue`."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM sla_due")
            conn.executemany("INSERT OR REPLACE INTO sla_due (key, due_at, since) VALUES (?, ?, ?)", rows)

    def set_person_logins(self, logins: Iterable[tuple[str, str, str]]) -> None:
        """The config's `[people.NAME]` as (person, kind or source, login): `author:NAME`
        then finds that person's posts on every channel."""
        with self.transaction() as conn:
            conn.execute("DELETE FROM person_logins")
            conn.executemany("INSERT OR IGNORE INTO person_logins (person, kind, login) VALUES (?, ?, ?)",
                             logins)

    @property
    def drafts(self) -> Drafts:
        """Replies being written: kept until posted or discarded."""
        return Drafts(self)

    @property
    def releases(self) -> Releases:
        """Which completed ideas each release announced."""
        return Releases(self)

    def cursor(self, source: str, stream: str = "items") -> Cursor:
        with self._lock:
            row = self.db.execute(
                "SELECT next_url, high_water, pending_high_water FROM cursors "
                "WHERE source = ? AND stream = ?", [source, stream]).fetchone()
        return Cursor(*row) if row else Cursor()

    def etag(self, url: str) -> str | None:
        with self._lock:
            row = self.db.execute("SELECT etag FROM etags WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def record_sync(self, source: str, kind: str, *, now: datetime, error: str | None = None,
                    rate_remaining: int | None = None, rate_limit: int | None = None,
                    rate_reset_at: datetime | None = None) -> None:
        """Remember how the last sync of a source went, for the status line and `sources`."""
        with self.transaction() as conn:
            row = conn.execute("SELECT last_success_at, rate_remaining, rate_limit, rate_reset_at "
                               "FROM sources WHERE name = ?", [source]).fetchone()
            last_success, old_remaining, old_limit, old_reset = row or (None, None, None, None)
            conn.execute(
                "INSERT OR REPLACE INTO sources (name, kind, last_attempt_at, last_success_at, "
                "last_error, rate_remaining, rate_limit, rate_reset_at) VALUES (?,?,?,?,?,?,?,?)",
                (source, kind, iso(now), iso(now) if error is None else last_success, error,
                 rate_remaining if rate_remaining is not None else old_remaining,
                 rate_limit if rate_limit is not None else old_limit,
                 iso(rate_reset_at) if rate_reset_at else old_reset),
            )

    def source_states(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query("SELECT * FROM sources ORDER BY name"))

    # --- reading ------------------------------------------------------------------

    def _where(self, query: Query | str | None, now: datetime, me: str | None) -> tuple[str, dict]:
        if query is None or isinstance(query, str):
            query = parse_query(query or "")
        return compile_query(query, now=now, me=me)

    def _run(self, sql: str, params: dict) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cursor = self.db.conn.execute(sql, params)
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row)) for row in cursor.fetchall()]
            except sqlite3.OperationalError as exc:
                if "fts5" in str(exc) or "MATCH" in str(exc):
                    raise QueryError(f"cannot search for that text ({exc})") from None
                raise

    def list_items(self, query: Query | str | None, *, now: datetime, me: str | None = None,
                   limit: int | None = None, offset: int = 0, with_body: bool = False
                   ) -> list[dict[str, Any]]:
        """Rows for the list, newest activity first."""
        where, params = self._where(query, now, me)
        columns = LIST_COLUMNS + (", i.body" if with_body else "")
        sql = f"SELECT {columns} FROM {FROM} WHERE {where} ORDER BY i.last_activity_at DESC, i.key"
        if limit is not None:
            sql += " LIMIT :limit OFFSET :offset"
            params.update(limit=limit, offset=offset)
        return self._run(sql, params)

    def count(self, query: Query | str | None, *, now: datetime, me: str | None = None) -> int:
        where, params = self._where(query, now, me)
        return self._run(f"SELECT COUNT(*) AS n FROM {FROM} WHERE {where}", params)[0]["n"]

    def position(self, query: Query | str | None, key: str, *, now: datetime,
                 me: str | None = None) -> int | None:
        """Where `key` sits in `list_items` order, or None if the query leaves it out.

        Lets the list keep its cursor on the same item when fresh data arrives.
        """
        where, params = self._where(query, now, me)
        params["key"] = key
        found = self._run(f"SELECT i.last_activity_at AS at FROM {FROM} WHERE {where} AND i.key = :key",
                          params)
        if not found:
            return None
        params["at"] = found[0]["at"]
        return self._run(
            f"SELECT COUNT(*) AS n FROM {FROM} WHERE {where} AND (i.last_activity_at > :at "
            "OR (i.last_activity_at = :at AND i.key < :key))", params)[0]["n"]

    def matches(self, key: str, query: Query | str, *, now: datetime, me: str | None = None) -> bool:
        """Whether the item `key` matches `query` (a playbook's triggers)."""
        where, params = self._where(query, now, me)
        params["key"] = key
        return bool(self._run(f"SELECT 1 AS hit FROM {FROM} WHERE i.key = :key AND {where}", params))

    def item(self, key: str, *, now: datetime) -> dict[str, Any] | None:
        rows = self._run(f"SELECT {LIST_COLUMNS}, i.body FROM {FROM} WHERE i.key = :key",
                         {"key": key, "now": iso(now)})
        return rows[0] if rows else None

    def thread(self, key: str) -> list[dict[str, Any]]:
        return self._run("SELECT reply_id, author, author_is_staff, created_at, body FROM thread "
                         "WHERE key = :key ORDER BY created_at, rowid", {"key": key})

    def threads_fetched_at(self, keys: Sequence[str]) -> dict[str, str]:
        """By key, the activity at which the item's thread was last fetched in full.

        A source compares it with what the channel says now and fetches the thread again
        only when it moved; a thread whose fetch failed is missing here, so it is retried.
        """
        with self._lock:
            return dict(self._rows_for_keys(
                self.db.conn,
                "SELECT key, thread_at FROM items WHERE key IN ({keys}) AND thread_at IS NOT NULL", keys))

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        with self._lock:
            return self._existing_keys(self.db.conn, keys)

    def item_count(self, source: str | None = None) -> int:
        sql, params = "SELECT COUNT(*) AS n FROM items i", {}
        if source:
            sql, params = sql + " WHERE i.source = :source", {"source": source}
        return self._run(sql, params)[0]["n"]

    # --- the user's decisions -----------------------------------------------------

    def triage_rows(self, keys: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        """The current triage of each key (None where the user decided nothing yet)."""
        rows: dict[str, dict[str, Any] | None] = {key: None for key in keys}
        with self._lock:
            found = self._rows_for_keys(
                self.db.conn, f"SELECT key, {', '.join(TRIAGE_FIELDS)} FROM triage WHERE key IN ({{keys}})", keys)
        for row in found:
            rows[row[0]] = dict(zip(("key",) + TRIAGE_FIELDS, row))
        return rows

    def set_triage(self, keys: Sequence[str], changes: dict[str, Any], *, now: datetime) -> TriageChange:
        """Apply the same changes to each key; returns what was there and what changed, which
        is what an undo needs (see `inbox.store.triage`)."""
        unknown = set(changes) - set(TRIAGE_FIELDS)
        if unknown:
            raise ValueError(f"not triage fields: {sorted(unknown)}")
        with self.transaction() as conn:
            return _write_triage(conn, keys, changes, now)

    def restore_triage(self, change: TriageChange) -> Undone:
        """Undo a triage action: put back each field it changed that still holds its value,
        in one transaction; a field changed meanwhile is left, and named in the answer."""
        with self.transaction() as conn:
            return _undo_triage(conn, change)


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
