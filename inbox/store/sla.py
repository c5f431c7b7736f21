"""Response-time due moments (`sla_due`, read by `is:overdue`) and the rows the SLA clock
is computed from. Business hours do not fit in SQL: the clock is the caller's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from inbox.query import FROM, Query
from inbox.store.items import rows_for_keys

if TYPE_CHECKING:
    from inbox.store.db import Store

ClockItem = tuple[str, str | None, str | None, int | None, int | None]
"""(key, created_at, last_activity_at, replies, last_reply_by_staff)."""
ClockReply = tuple[str, int | None, str | None]
"""(key, author_is_staff, created_at)."""


class Sla:
    """Reached as `store.sla`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def rows_for(self, query: Query | str, *, now: datetime) -> tuple[list[ClockItem], list[ClockReply]]:
        """The items `query` matches, and the replies of those with any, by key in thread
        order: two queries, only the columns a clock reads."""
        where, params = self.store._where(query, now, None)
        items_sql = (f"SELECT i.key, i.created_at, i.last_activity_at, i.replies, i.last_reply_by_staff "
                     f"FROM {FROM} WHERE {where}")
        replies_sql = (f"SELECT r.key, r.author_is_staff, r.created_at FROM thread r WHERE r.key IN "
                       f"(SELECT i.key FROM {FROM} WHERE {where} AND i.replies > 0) "
                       "ORDER BY r.key, r.created_at, r.rowid")
        with self.store._lock:
            conn = self.store.db.conn
            return conn.execute(items_sql, params).fetchall(), conn.execute(replies_sql, params).fetchall()

    def replace(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Every awaiting item's due moment as (key, due_at, since); the rest have none."""
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM sla_due")
            conn.executemany("INSERT OR REPLACE INTO sla_due (key, due_at, since) VALUES (?, ?, ?)", rows)

    def due_times(self, keys: Sequence[str]) -> dict[str, str]:
        """By key, the stored due moment (ISO) of the items that have one."""
        with self.store._lock:
            return dict(rows_for_keys(self.store.db.conn,
                                      "SELECT key, due_at FROM sla_due WHERE key IN ({keys})", keys))
