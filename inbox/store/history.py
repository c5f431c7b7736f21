"""Triage history and what each person has seen.

Every triage write records, in its own transaction, one row per field it changed: who,
when, the value it replaced and the value it wrote, and the rule if a rule did it. Two
people changing one field at once both get a row: each write reads the old value under
the write lock, so the second row's old value is the first row's new one, and the last
write is the field's value.

"New since you last looked" compares, per person, when they last opened an item with the
item's last channel activity and its last triage change. A change by the person who had
already seen everything moves their own mark along with it, so only someone else's change
makes an item new to them. The list reads both on primary keys, for the rows of a page.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

SEEN_JOIN = ("LEFT JOIN item_seen s ON s.person = :seen_by AND s.key = i.key "
             "LEFT JOIN last_triage_change c ON c.key = i.key")
"""Joined onto `inbox.store.where.FROM` when a list row says whether it is new to `:seen_by`."""
NEW_SQL = ("CASE WHEN s.seen_at IS NULL OR i.last_activity_at > s.seen_at OR c.changed_at > s.seen_at "
           "THEN 1 ELSE 0 END")
"""1 when `:seen_by` never opened the item, or it changed since they did."""


@dataclass(frozen=True)
class Change:
    """One triage field changed: a row of `triage_history` (values as stored text)."""

    at: str
    by: str
    field: str
    old: str | None
    new: str | None
    rule: str | None = None
    """The rule that made the change, or None (a person did)."""


Entry = tuple[str, str, str | None, str | None]
"""(key, field, old, new), as `record` takes them."""

_MOVE_OWN_MARK = (
    # the writer's mark follows their own change only where it covered everything before it
    "UPDATE item_seen SET seen_at = :at WHERE person = :by AND key = :key AND seen_at < :at "
    "AND seen_at >= COALESCE((SELECT changed_at FROM last_triage_change WHERE key = :key), '') "
    "AND seen_at >= COALESCE((SELECT last_activity_at FROM items WHERE key = :key), '')")
_CHANGED = ("INSERT INTO last_triage_change (key, changed_at) VALUES (:key, :at) "
            "ON CONFLICT (key) DO UPDATE SET changed_at = excluded.changed_at "
            "WHERE excluded.changed_at > last_triage_change.changed_at")
_ENTRY = ("INSERT INTO triage_history (key, at, changed_by, field, old, new, rule) "
          "VALUES (:key, :at, :by, :field, :old, :new, :rule)")
_SEEN = ("INSERT INTO item_seen (person, key, seen_at) VALUES (:person, :key, :at) "
         "ON CONFLICT (person, key) DO UPDATE SET seen_at = excluded.seen_at "
         "WHERE excluded.seen_at > item_seen.seen_at")


def record(conn: sqlite3.Connection, entries: Iterable[Entry], *, by: str, now: datetime,
           rule: str | None = None) -> None:
    """In the caller's transaction (the one that made the changes): the history rows, and
    each item's last change."""
    at = iso(now)
    rows = [{"key": key, "at": at, "by": by, "field": field, "old": old, "new": new, "rule": rule}
            for key, field, old, new in entries]
    if not rows:
        return
    keys = [{"key": key, "at": at, "by": by} for key in dict.fromkeys(row["key"] for row in rows)]
    conn.executemany(_MOVE_OWN_MARK, keys)
    conn.executemany(_ENTRY, rows)
    conn.executemany(_CHANGED, keys)


class History:
    """Reached as `store.history`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, key: str) -> list[Change]:
        """The item's triage history, oldest first (in the order the writes were made)."""
        with self.store._reading() as conn:
            rows = conn.execute(
                "SELECT at, changed_by, field, old, new, rule FROM triage_history WHERE key = :key "
                "ORDER BY at, id", {"key": key}).fetchall()
        return [Change(*row) for row in rows]

    def seen(self, person: str, keys: Sequence[str], *, now: datetime) -> None:
        """`person` opened these items now (a mark never moves back)."""
        at = iso(now)
        with self.store._transaction() as conn:
            conn.executemany(_SEEN, [{"person": person, "key": key, "at": at} for key in keys])

    def seen_at(self, person: str, key: str) -> str | None:
        """When `person` last opened the item, or None."""
        with self.store._reading() as conn:
            row = conn.execute("SELECT seen_at FROM item_seen WHERE person = :person AND key = :key",
                               {"person": person, "key": key}).fetchone()
        return row[0] if row else None
