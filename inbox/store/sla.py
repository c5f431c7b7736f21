"""Response-time due moments (`sla_due`, read by `is:overdue`) and the rows the SLA clock
is computed from. Business hours do not fit in SQL: the clock is the caller's.

The due moments are kept current a chunk at a time rather than rebuilt. Triggers
(migration `m009_sla_changes`) note in `sla_changed` every item whose clock inputs moved,
whoever wrote them (a sync in another process, a posted reply, a triage); `sla_state`
holds a fingerprint of the settings the stored moments were computed with. `update`
recomputes only the noted items, or every item when the fingerprint differs. Each chunk
is read, computed and written in one short write transaction, so a change made meanwhile
is either seen by that chunk or noted again after it, and other writers wait one chunk
at most.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from inbox.query import Query
from inbox.store.where import FROM
from inbox.store.dialect import upsert
from inbox.store.items import rows_for_keys

if TYPE_CHECKING:
    from inbox.store.db import Store

ClockItem = tuple[str, str | None, str | None, int | None, int | None]
"""(key, created_at, last_activity_at, replies, last_reply_by_staff)."""
ClockReply = tuple[str, int | None, str | None]
"""(key, author_is_staff, created_at)."""
DueRow = tuple[str, str, str]
"""(key, due_at, since), ISO times."""
Clock = Callable[[list[ClockItem], list[ClockReply]], Iterable[DueRow]]
"""The caller's computation: clock rows in (items by key, their replies in thread order),
due moments out."""

CHUNK = 5000
"""Items per chunk: a few milliseconds of work per write transaction, a few MB of memory."""

_State = tuple[str | None, int]
"""(fingerprint, generation) as `sla_state` holds them."""


class Sla:
    """Reached as `store.sla`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def rows_for(self, query: Query | str, *, now: datetime) -> tuple[list[ClockItem], list[ClockReply]]:
        """The items `query` matches, and the replies of those with any, by key in thread
        order: two queries, only the columns a clock reads."""
        where, params = self.store._where(query, now, None)
        with self.store._lock:
            return _clock_rows(self.store.db.conn, where, params)

    def update(self, query: Query | str, clock: Clock, *, now: datetime, fingerprint: str,
               full: bool = False, chunk: int | None = None) -> int:
        """Bring the due moments up to date with `clock`, for the items `query` matches
        (the rest have none); returns how many items have one.

        Only the items changed since the last update are recomputed, unless `fingerprint`
        (what the clock's settings were) differs from the stored one, or `full`: then
        every item is, chunk by chunk. A full pass is complete only once its last chunk
        is written; one interrupted, or overtaken by a full pass started elsewhere, leaves
        the next update to start over.
        """
        where, params = self.store._where(query, now, None)
        chunk = chunk or CHUNK
        with self.store._lock:
            state = _state(self.store.db.conn)
        if full or state[0] != fingerprint:
            self._recompute_all(where, params, clock, fingerprint, chunk)
        else:
            self._recompute_changed(where, params, clock, state, chunk)
        with self.store._lock:
            return self.store.db.conn.execute("SELECT COUNT(*) FROM sla_due").fetchone()[0]

    def _recompute_all(self, where: str, params: dict, clock: Clock, fingerprint: str, chunk: int) -> None:
        with self.store._transaction() as conn:
            # no fingerprint while rows of two settings are mixed: an interrupted pass is redone
            conn.execute("UPDATE sla_state SET fingerprint = NULL, generation = generation + 1")
            expected = _state(conn)
        after: str | None = None
        while True:
            with self.store._transaction() as conn:
                if _state(conn) != expected:
                    return  # a full pass started since owns the table now
                lower = "{key} > :after" if after is not None else "{key} >= :after"
                bound = {"after": after or ""}
                keys = [row[0] for row in conn.execute(
                    f"SELECT key FROM items WHERE {lower.format(key='key')} ORDER BY key LIMIT :chunk",
                    {**bound, "chunk": chunk})]
                last = keys[-1] if len(keys) == chunk else None
                # the last chunk reaches past every item: due moments of removed items go too
                scope = lower if last is None else lower + " AND {key} <= :last"
                _write(conn, clock(*_clock_rows(conn, where, params, keys)), scope, {**bound, "last": last})
                if last is None:
                    conn.execute("UPDATE sla_state SET fingerprint = ? WHERE generation = ?",
                                 [fingerprint, expected[1]])
                    return
                after = last

    def _recompute_changed(self, where: str, params: dict, clock: Clock, expected: _State,
                           chunk: int) -> None:
        after: str | None = None
        while True:
            with self.store._transaction() as conn:
                if _state(conn) != expected:
                    return  # a full pass started elsewhere recomputes everything
                lower = "key > :after" if after is not None else "key >= :after"
                keys = [row[0] for row in conn.execute(
                    f"SELECT key FROM sla_changed WHERE {lower} ORDER BY key LIMIT :chunk",
                    {"after": after or "", "chunk": chunk})]
                if not keys:
                    return
                _write(conn, clock(*_clock_rows(conn, where, params, keys)),
                       "{key} IN (SELECT value FROM json_each(:keys))", {"keys": json.dumps(keys)})
                if len(keys) < chunk:
                    return
                after = keys[-1]  # keys noted again behind this point wait for the next update

    def replace(self, rows: Iterable[DueRow]) -> None:
        """Every awaiting item's due moment as (key, due_at, since); the rest have none.
        Settings unknown: the next `update` recomputes everything."""
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM sla_due")
            conn.executemany(upsert("sla_due", ("key", "due_at", "since"), ("key",)), rows)
            conn.execute("DELETE FROM sla_changed")
            conn.execute("UPDATE sla_state SET fingerprint = NULL, generation = generation + 1")

    def due_times(self, keys: Sequence[str]) -> dict[str, str]:
        """By key, the stored due moment (ISO) of the items that have one."""
        with self.store._lock:
            return dict(rows_for_keys(self.store.db.conn,
                                      "SELECT key, due_at FROM sla_due WHERE key IN ({keys})", keys))


def _state(conn: sqlite3.Connection) -> _State:
    row = conn.execute("SELECT fingerprint, generation FROM sla_state").fetchone()
    return (row[0], row[1]) if row else (None, 0)


def _clock_rows(conn: sqlite3.Connection, where: str, params: dict,
                keys: Sequence[str] | None = None) -> tuple[list[ClockItem], list[ClockReply]]:
    """The items `where` matches (of `keys` only, when given), and the replies of those
    with any, by key in thread order."""
    source = FROM
    if keys is not None:
        # CROSS JOIN keeps the keys the outer loop: each item is found by its key, where an
        # index on what `where` tests would walk every item it matches
        source, where = f"json_each(:keys) AS c CROSS JOIN {FROM}", f"i.key = c.value AND {where}"
        params = {**params, "keys": json.dumps(list(keys))}
    items = conn.execute(f"SELECT i.key, i.created_at, i.last_activity_at, i.replies, i.last_reply_by_staff "
                         f"FROM {source} WHERE {where}", params).fetchall()
    with_replies = sorted(row[0] for row in items if row[3])
    replies = conn.execute("SELECT r.key, r.author_is_staff, r.created_at FROM thread r "
                           "WHERE r.key IN (SELECT value FROM json_each(?)) ORDER BY r.key, r.created_at, r.rowid",
                           [json.dumps(with_replies)]).fetchall() if with_replies else []
    return items, replies


def _write(conn: sqlite3.Connection, due: Iterable[DueRow], scope: str, scope_params: dict) -> None:
    """In the caller's transaction: the due moments of the keys in `scope` (a condition on
    `{key}`) as computed again, `sla_due` rewritten only where they moved (so nothing that
    watches it is touched in vain), and their change notes cleared."""
    moments = {key: (due_at, since) for key, due_at, since in due}
    stored = {key: (due_at, since) for key, due_at, since in conn.execute(
        f"SELECT key, due_at, since FROM sla_due WHERE {scope.format(key='key')}", scope_params)}
    conn.executemany("DELETE FROM sla_due WHERE key = ?", [(key,) for key in stored if key not in moments])
    conn.executemany(
        "INSERT INTO sla_due (key, due_at, since) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET due_at = excluded.due_at, since = excluded.since",
        [(key, *moment) for key, moment in moments.items() if stored.get(key) != moment])
    conn.execute(f"DELETE FROM sla_changed WHERE {scope.format(key='key')}", scope_params)
