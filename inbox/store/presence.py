"""Who has the reply editor open on which item: "amy is replying".

A row per item and person, written when the editor opens and again by its heartbeat,
deleted when it closes. A row whose heartbeat is more than `FRESH_FOR` old is ignored
(and cleared by the next mark), so a process that died is forgotten a minute later.
Times are the caller's clock, as ISO-8601 UTC text, so a test can move it.

List rows learn who is replying through `JOIN`: one small grouped table read once per
page and joined by key, never a lookup per row of the whole inbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

FRESH_FOR = timedelta(minutes=1)
"""How long a heartbeat counts: the editor beats more often than this."""

JOIN = ("LEFT JOIN (SELECT key, MIN(who) AS who FROM presence WHERE seen_at >= :presence_fresh "
        "AND who <> :presence_viewer GROUP BY key) p ON p.key = i.key")
"""Joined to `inbox.store.where.FROM`: one name per item (the first by name when several reply)."""
COLUMN = "p.who AS replying"


def join_params(now: datetime, viewer: str | None) -> dict[str, Any]:
    """The parameters `JOIN` reads: what is fresh at `now`, and whose presence is left out
    (the viewer's own; None leaves nobody out)."""
    return {"presence_fresh": iso(now - FRESH_FOR), "presence_viewer": viewer or ""}


class Presence:
    """Reached as `store.presence`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def mark(self, key: str, who: str, *, now: datetime) -> None:
        """`who` has the editor open on `key` now (opening it, or a heartbeat)."""
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM presence WHERE seen_at < :stale", {"stale": iso(now - FRESH_FOR)})
            conn.execute("INSERT INTO presence (key, who, seen_at) VALUES (:key, :who, :now) "
                         "ON CONFLICT (key, who) DO UPDATE SET seen_at = excluded.seen_at",
                         {"key": key, "who": who, "now": iso(now)})

    def leave(self, key: str, who: str) -> None:
        """`who` closed the editor on `key`."""
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM presence WHERE key = :key AND who = :who", {"key": key, "who": who})

    def on(self, key: str, *, now: datetime, besides: str | None = None) -> list[str]:
        """Who has the editor open on `key` (but `besides`), by name."""
        with self.store._reading() as conn:
            rows = conn.execute("SELECT who FROM presence WHERE key = :key AND seen_at >= :presence_fresh "
                                "AND who <> :presence_viewer ORDER BY who",
                                {"key": key, **join_params(now, besides)}).fetchall()
        return [row[0] for row in rows]

    def everywhere(self, *, now: datetime, besides: str | None = None) -> dict[str, list[str]]:
        """Every item someone (but `besides`) is replying to, and who: what a screen polls
        to notice that a teammate opened or closed an editor."""
        with self.store._reading() as conn:
            rows = conn.execute("SELECT key, who FROM presence WHERE seen_at >= :presence_fresh "
                                "AND who <> :presence_viewer ORDER BY key, who",
                                join_params(now, besides)).fetchall()
        found: dict[str, list[str]] = {}
        for key, who in rows:
            found.setdefault(key, []).append(who)
        return found
