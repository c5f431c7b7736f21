"""The rows response-time statistics are counted from: posts in a window with their first
staff reply, and what awaits the team now, per source."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from inbox.query import AWAITING_SQL, DONE_SQL, FROM
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

PostRow = tuple[str, str, str, int, int, str | None]
"""(source, kind, created_at, author_is_staff, awaiting the team now, first staff reply's
created_at)."""
WaitingRow = tuple[str, str, int, int | None]
"""(source, kind, awaiting the team now, of those past their due moment)."""

_WAITING_SQL = f"(i.state = 'open' AND NOT {DONE_SQL} AND {AWAITING_SQL})"
_OVERDUE_SQL = "EXISTS (SELECT 1 FROM sla_due s WHERE s.key = i.key AND s.due_at <= :now)"


class Stats:
    """Reached as `store.stats`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def posts(self, *, start: datetime | None, now: datetime) -> list[PostRow]:
        """Every post created from `start` (None: the beginning) to `now`; the first staff
        reply counts only if it is not older than the post."""
        with self.store._lock:
            return self.store.db.conn.execute(
                f"SELECT i.source, i.kind, i.created_at, i.author_is_staff, {_WAITING_SQL} AS waiting, "
                "(SELECT MIN(r.created_at) FROM thread r WHERE r.key = i.key AND r.author_is_staff = 1 "
                "AND r.created_at >= i.created_at) AS first_staff "
                f"FROM {FROM} WHERE i.created_at >= :since AND i.created_at <= :now",
                {"since": iso(start) if start else "", "now": iso(now)}).fetchall()

    def waiting(self, *, now: datetime) -> list[WaitingRow]:
        """Per source with any, the items open, not done and awaiting the team, and how
        many are overdue (as of the last SLA refresh)."""
        with self.store._lock:
            return self.store.db.conn.execute(
                f"SELECT i.source, MIN(i.kind), COUNT(*), SUM({_OVERDUE_SQL}) FROM {FROM} "
                f"WHERE {_WAITING_SQL} GROUP BY i.source", {"now": iso(now)}).fetchall()
