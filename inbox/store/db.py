"""The inbox's database: the one place that writes it, and the queries that read it.

`Store` is a SQLite file (WAL mode lets the TUI read while a sync writes from another
thread or process); `inbox.store.postgres.PostgresStore` is the same store on a team's
PostgreSQL server, with the same methods and SQL. Each page of a sync is saved with its
cursor in one transaction, so an interrupted sync resumes where it stopped and an upsert
by key never duplicates.

`Store` holds the connection and its lock, and writes what channels said; the list's reads
(pages by key, counts, positions) come from `inbox.store.lists.ListReads`, which it is
built on. Each table family's SQL lives in its own module and is reached from here: `store.drafts`, `store.releases`, `store.runs`,
`store.rule_actions` (and `store.rules_pass()`), `store.people`, `store.sla`,
`store.stats`, `store.history`, `store.presence`, `store.sync_locks`, `store.duplicates`
(and `store.similar()`, in `inbox.store.similar`). Everything goes in
and out as plain data (dicts, tuples, dataclasses).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from inbox.errors import InboxError, QueryError, StoreError
from inbox.models import Cursor, Item, Reply
from inbox.store import access, migrations, similar, sweeps, triage
from inbox.store import items as _items
from inbox.store.dialect import upsert
from inbox.store.drafts import Drafts, Releases
from inbox.store.duplicates import Duplicates
from inbox.store.history import History
from inbox.store.lists import ListReads
from inbox.store.people import People
from inbox.store.presence import Presence
from inbox.store.readers import Cancelled, Readers
from inbox.store.rules import RuleActions, RulesPass, rules_pass
from inbox.store.runs import Runs
from inbox.store.sla import Sla
from inbox.store.stats import Stats
from inbox.store.suggestions import Suggestions
from inbox.store.sync_locks import SyncLocks
from inbox.store.triage import TRIAGE_FIELDS, TriageChange, Undone
from inbox.store.watch import FileWatch, Watch
from inbox.timeutil import iso

class Store(ListReads):
    """The inbox database. Safe to share between threads (one connection, one lock).

    `db` is the SQLite handle itself: for this package and the tests, never the callers.
    """

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
            conn.execute(f"PRAGMA cache_size = -{self.WRITE_CACHE_KB}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {self.CHECKPOINT_PAGES}")
            conn.execute(f"PRAGMA journal_size_limit = {self.CHECKPOINT_PAGES * 4096}")
            sweeps.functions(conn)
            self.db = sqlite_utils.Database(conn)
            self._lock = threading.RLock()
            self._readers = (None if self.path is None else
                             Readers(self.path, wait=self.WRITE_WAIT, explain=self._explained,
                                     prepare=sweeps.functions))
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

    WRITE_CACHE_KB = 32768
    """The writer's page cache (each reader has a smaller one: `Readers.CACHE_KB`)."""
    CHECKPOINT_PAGES = 10_000
    """WAL pages between checkpoints (about 40 MB, and the WAL file is cut back to that
    after one). A sync commits a page of posts at a time, and each commit rewrites the
    same index and tally pages: checkpointing a tenth as often copies each of them to the
    file once instead of ten times (a sync stores about 8% faster than at SQLite's 1,000)."""
    FULL_TEXT = "fts5"
    """How posts are searched and ranked: SQLite's FTS5 (bm25); a server's is `tsvector`."""
    KEEPS_TALLIES = True
    """Counts per bucket and per author are kept by triggers (`inbox.store.tallies`,
    `inbox.store.people`); a server counts them when asked instead."""

    def __str__(self) -> str:
        return str(self.path or ":memory:")

    def watch(self) -> Watch | None:
        """What tells an open inbox that someone else committed a change (`inbox.store.watch`);
        None for an in-memory inbox, which no one else can change."""
        return None if self.path is None else FileWatch(self._others_version)

    def _others_version(self) -> int:
        """SQLite's `data_version` on the writer: it moves when another connection commits,
        never for the writer's own commits."""
        with self._lock:
            return self.db.conn.execute("PRAGMA data_version").fetchone()[0]

    def serial_moved(self, table: str, column: str) -> None:
        """Rows were written with explicit `column` ids (a copy): SQLite's next id follows
        the largest by itself."""

    def another(self) -> Store | None:
        """A store of its own on the same database, for a background job (None for an
        in-memory one, which only this store can see)."""
        if self.path is None:
            return None
        other = Store(self.path)
        other.sweeps = self.sweeps
        other.suggest_threshold = self.suggest_threshold
        return other

    def close(self) -> None:
        with self._lock:
            if self._readers is not None:
                self._readers.close()
            self.db.conn.close()

    # --- the table families --------------------------------------------------------

    @property
    def drafts(self) -> Drafts:
        """Replies being written: kept until posted or discarded."""
        return Drafts(self)

    @property
    def releases(self) -> Releases:
        """Which completed ideas each release announced."""
        return Releases(self)

    @property
    def runs(self) -> Runs:
        """Playbook runs and their ticks."""
        return Runs(self)

    @property
    def rule_actions(self) -> RuleActions:
        """What rules did to each item."""
        return RuleActions(self)

    def rules_pass(self, *, dry_run: bool = False) -> AbstractContextManager[RulesPass]:
        """One run of the rules in one transaction: `with store.rules_pass() as rules:`.
        A dry run, or any error, rolls it all back."""
        return rules_pass(self, dry_run=dry_run)

    @property
    def people(self) -> People:
        """Logins per person, tags, and who wrote what."""
        return People(self)

    @property
    def sla(self) -> Sla:
        """Response-time due moments and the rows they are computed from."""
        return Sla(self)

    @property
    def stats(self) -> Stats:
        """The rows response-time statistics count."""
        return Stats(self)

    @property
    def history(self) -> History:
        """Who changed each item's triage and when, and when each person last opened it."""
        return History(self)

    @property
    def duplicates(self) -> Duplicates:
        """Posts linked as the same question asked twice."""
        return Duplicates(self)

    def similar(self, key: str, *, now: datetime, limit: int = 3) -> list[dict[str, Any]] | None:
        """Up to `limit` posts from any channel most like `key`'s, best first, with their
        state and whether the team answered them (see `inbox.store.similar`); None when
        there is no post `key`."""
        return similar.find(self, key, now=now, limit=limit)

    @property
    def sync_locks(self) -> SyncLocks:
        """Who is syncing which source: one sync at a time per source, across the team."""
        return SyncLocks(self)

    @property
    def suggestions(self) -> Suggestions:
        """The type model the team's tags trained, and each item's type suggestion."""
        return Suggestions(self)

    @property
    def presence(self) -> Presence:
        """Who has the reply editor open on which item."""
        return Presence(self)

    # --- the connection (this package only) ----------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
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

    @contextmanager
    def _reading(self, cancelled: Cancelled | None = None) -> Iterator[sqlite3.Connection]:
        """A connection for a read (see `inbox.store.readers`); an in-memory inbox has one
        connection, shared under the lock."""
        if self._readers is None:
            with self._lock:
                yield self.db.conn
            return
        with self._readers.reading(cancelled) as conn:
            yield conn

    def _explained(self, exc: sqlite3.OperationalError) -> Exception:
        return access.explain(str(self.path or ":memory:"), exc) or exc

    def _run(self, sql: str, params: dict, conn: sqlite3.Connection | None = None,
             cancelled: Cancelled | None = None) -> list[dict[str, Any]]:
        """Rows as dicts, on a reader (or on `conn`: a transaction reading its own writes)."""
        if conn is None:
            with self._reading(cancelled) as reader:
                return self._run(sql, params, reader)
        try:
            cursor = conn.execute(sql, params)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise QueryError(f"cannot search for that text ({exc})") from None
            if "interrupted" in str(exc):
                raise  # `Readers.reading` says why
            raise self._explained(exc) from None

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
        streamed = list(replies or {})
        threads = dict(replies or {})
        for item in items:
            if item.thread is not None:
                threads[item.key] = item.thread
        with self._transaction() as conn:
            _items.save_page(conn, items, replies=threads, streamed=streamed,
                             synced=iso(synced_at) if synced_at else None, removed=removed)
            if cursor is not None:
                conn.execute(
                    upsert("cursors", ("source", "stream", "next_url", "high_water", "pending_high_water"),
                           ("source", "stream")),
                    (source, stream, cursor.next_url, cursor.high_water, cursor.pending_high_water),
                )
            if etag is not None and etag[1]:
                conn.execute(upsert("etags", ("url", "etag"), ("url",)), etag)

    def record_posted(self, key: str, reply: Reply) -> None:
        """A reply the inbox posted: in the thread at once, counted as the team's answer
        (so the item no longer awaits us), under the id the channel gave it so the next
        sync updates it instead of adding it again."""
        with self._transaction() as conn:
            _items.record_posted(conn, key, reply)

    def set_labels(self, key: str, labels: Sequence[str]) -> None:
        """The item's labels as the channel now has them (after the inbox added one)."""
        with self._transaction() as conn:
            _items.set_labels(conn, key, labels)

    def replace_sla_due(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """`store.sla.replace`: every awaiting item's due moment as (key, due_at, since)."""
        self.sla.replace(rows)

    def set_person_logins(self, logins: Iterable[tuple[str, str, str]]) -> None:
        """`store.people.set_logins`: the config's logins as (person, kind or source, login)."""
        self.people.set_logins(logins)

    # --- where each sync stands ----------------------------------------------------

    def cursor(self, source: str, stream: str = "items") -> Cursor:
        with self._reading() as conn:
            row = conn.execute(
                "SELECT next_url, high_water, pending_high_water FROM cursors "
                "WHERE source = ? AND stream = ?", [source, stream]).fetchone()
        return Cursor(*row) if row else Cursor()

    def etag(self, url: str) -> str | None:
        with self._reading() as conn:
            row = conn.execute("SELECT etag FROM etags WHERE url = ?", [url]).fetchone()
        return row[0] if row else None

    def record_sync(self, source: str, kind: str, *, now: datetime, error: str | None = None,
                    rate_remaining: int | None = None, rate_limit: int | None = None,
                    rate_reset_at: datetime | None = None) -> None:
        """Remember how the last sync of a source went, for the status line and `sources`."""
        with self._transaction() as conn:
            row = conn.execute("SELECT last_success_at, rate_remaining, rate_limit, rate_reset_at "
                               "FROM sources WHERE name = ?", [source]).fetchone()
            last_success, old_remaining, old_limit, old_reset = row or (None, None, None, None)
            conn.execute(
                upsert("sources", ("name", "kind", "last_attempt_at", "last_success_at", "last_error",
                                   "rate_remaining", "rate_limit", "rate_reset_at"), ("name",)),
                (source, kind, iso(now), iso(now) if error is None else last_success, error,
                 rate_remaining if rate_remaining is not None else old_remaining,
                 rate_limit if rate_limit is not None else old_limit,
                 iso(rate_reset_at) if rate_reset_at else old_reset),
            )

    def source_states(self) -> list[dict[str, Any]]:
        return self._run("SELECT * FROM sources ORDER BY name", {})

    # --- threads and keys (the list itself is read in `inbox.store.lists`) ------------

    def thread(self, key: str) -> list[dict[str, Any]]:
        return self._run("SELECT reply_id, author, author_is_staff, created_at, body FROM thread "
                         "WHERE key = :key ORDER BY created_at, rowid", {"key": key})

    def threads_fetched_at(self, keys: Sequence[str]) -> dict[str, str]:
        """By key, the activity at which the item's thread was last fetched in full.

        A source compares it with what the channel says now and fetches the thread again
        only when it moved; a thread whose fetch failed is missing here, so it is retried.
        """
        with self._reading() as conn:
            return _items.threads_fetched_at(conn, keys)

    def existing_keys(self, keys: Iterable[str]) -> set[str]:
        with self._reading() as conn:
            return _items.existing_keys(conn, keys)

    def keys_synced_since(self, since: datetime | str) -> list[str]:
        """Keys of the items saved at or after `since` (a sync stamps what it saves)."""
        with self._reading() as conn:
            return _items.keys_synced_since(conn, iso(since) if isinstance(since, datetime) else since)

    def item_count(self, source: str | None = None) -> int:
        sql, params = "SELECT COUNT(*) AS n FROM items i", {}
        if source:
            sql, params = sql + " WHERE i.source = :source", {"source": source}
        return self._run(sql, params)[0]["n"]

    # --- the user's decisions -----------------------------------------------------

    def triage_rows(self, keys: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        """The current triage of each key (None where the user decided nothing yet)."""
        rows: dict[str, dict[str, Any] | None] = {key: None for key in keys}
        with self._reading() as conn:
            found = _items.rows_for_keys(
                conn, f"SELECT key, {', '.join(TRIAGE_FIELDS)} FROM triage WHERE key IN ({{keys}})", keys)
        for row in found:
            rows[row[0]] = dict(zip(("key",) + TRIAGE_FIELDS, row))
        return rows

    def set_triage(self, keys: Sequence[str], changes: dict[str, Any], *, now: datetime,
                   by: str) -> TriageChange:
        """Apply the same changes to each key, recorded in the history as `by`'s; returns
        what was there and what changed, which is what an undo needs (see
        `inbox.store.triage`)."""
        with self._transaction() as conn:
            return triage.write(conn, keys, changes, now, by=by)

    def restore_triage(self, change: TriageChange, *, now: datetime, by: str) -> Undone:
        """Undo a triage action: put back each field it changed that still holds its value,
        in one transaction, recorded in the history as `by`'s; a field changed meanwhile is
        left, and named in the answer."""
        with self._transaction() as conn:
            return triage.undo(conn, change, now, by=by)

