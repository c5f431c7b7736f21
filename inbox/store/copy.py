"""Moving an inbox between databases (SQLite to PostgreSQL and back) with nothing lost.

Every table that holds what channels said or what the team decided is copied row by row,
in primary-key order, by upsert: a row already there with the same values is left alone,
so a second copy adds and alters nothing. What the target derives by itself is not copied
(triage copied onto items, tallies, full-text indexes: its triggers and views rebuild
them as the rows arrive). Each table is summed up on both sides by its row count and a
checksum of its rows, so the user sees that the copy holds what the source holds.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inbox.store.db import Store

TABLES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("items", ("key",), ("source", "kind", "external_id", "url", "title", "body", "author", "author_is_staff",
                         "created_at", "last_activity_at", "replies", "last_reply_by_staff", "answered", "state",
                         "labels", "synced_at", "thread_at", "leaks", "idea_status", "supporters", "channel_wait",
                         "channel_wait_until", "suggested_type", "suggested_confidence")),
    ("thread", ("key", "reply_id"), ("author", "author_is_staff", "created_at", "body", "by_us")),
    ("item_labels", ("key", "label"), ()),
    ("triage", ("key",), ("type", "status", "assignee", "done", "done_activity_at", "snoozed_until", "note",
                          "updated_at", "jira_key", "assigned_at")),
    ("triage_history", ("id",), ("key", "at", "changed_by", "field", "old", "new", "rule")),
    ("last_triage_change", ("key",), ("changed_at",)),
    ("duplicates", ("key", "of_key"), ("linked_by", "linked_at")),
    ("item_seen", ("person", "key"), ("seen_at",)),
    ("sources", ("name",), ("kind", "last_attempt_at", "last_success_at", "last_error", "rate_remaining",
                            "rate_limit", "rate_reset_at")),
    ("cursors", ("source", "stream"), ("next_url", "high_water", "pending_high_water")),
    ("etags", ("url",), ("etag", "last_modified")),
    ("playbook_runs", ("id",), ("playbook", "run_date", "event_start", "started_at")),
    ("playbook_ticks", ("run_id", "step_id"), ("step_text", "ticked_at")),
    ("drafts", ("key",), ("template", "text", "updated_at", "error")),
    ("releases", ("version", "key"), ("announced_at",)),
    ("rule_actions", ("id",), ("key", "rule", "field", "value", "at")),
    ("sla_due", ("key",), ("due_at", "since")),
    ("person_logins", ("person", "kind", "login"), ()),
    ("person_tags", ("person", "tag"), ("at",)),
    ("type_model", ("id",), ("model", "fingerprint", "tagged", "trained_at", "generation")),
)
"""(table, primary key, other columns): what a copy moves, parents before children."""

CHUNK = 2000
"""Rows read and written at a time: bounded memory at any size."""


@dataclass(frozen=True)
class TableSum:
    """A table summed up: how many rows, and a checksum of them in key order."""

    rows: int
    checksum: str


@dataclass(frozen=True)
class Copied:
    """One table after a copy: the source's sum, the target's, and how many rows the copy
    wrote (added or changed)."""

    table: str
    source: TableSum
    target: TableSum
    written: int

    @property
    def same(self) -> bool:
        return self.source == self.target


def summed(store: Store, table: str) -> TableSum:
    """Rows and checksum of `table` as `copy` moves it (the same on any backend)."""
    digest = hashlib.sha256()
    count = 0
    for rows in _read(store, table):
        for row in rows:
            digest.update(_canonical(row))
            count += 1
    return TableSum(count, digest.hexdigest()[:16])


def copy(source: Store, target: Store, *, progress: Callable[[str, int], None] | None = None) -> list[Copied]:
    """Every table of `source` into `target`, table by table, each in one transaction."""
    done = []
    for table, key, columns in TABLES:
        written = 0
        for rows in _read(source, table):
            with target._transaction() as conn:
                written += _write(conn, table, key, columns, rows)
            if progress:
                progress(table, len(rows))
        if key == ("id",) and table != "type_model":  # ids given explicitly: the next one made there follows them
            target.serial_moved(table, "id")
        done.append(Copied(table, summed(source, table), summed(target, table), written))
    return done


def _read(store: Store, table: str) -> Iterator[list[tuple]]:
    """The table's rows in key order, a chunk at a time, found by key (not by offset)."""
    key, columns = next((k, c) for t, k, c in TABLES if t == table)
    select = f"SELECT {', '.join((*key, *columns))} FROM {table}"
    order = f" ORDER BY {', '.join(key)} LIMIT {CHUNK}"
    after: tuple | None = None
    while True:
        with store._reading() as conn:
            if after is None:
                rows = conn.execute(select + order).fetchall()
            else:
                places = ", ".join("?" for _ in key)
                rows = conn.execute(f"{select} WHERE ({', '.join(key)}) > ({places}){order}", after).fetchall()
        if not rows:
            return
        rows = [tuple(row) for row in rows]
        yield rows
        after = rows[-1][: len(key)]
        if len(rows) < CHUNK:
            return


def _write(conn: Any, table: str, key: tuple[str, ...], columns: tuple[str, ...], rows: list[tuple]) -> int:
    """Upsert `rows`; a row that holds the same values already is not written. Returns
    how many were added or changed."""
    names = (*key, *columns)
    per_statement = max(1, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(names))
    if len(rows) > per_statement:
        return sum(_write(conn, table, key, columns, rows[start:start + per_statement])
                   for start in range(0, len(rows), per_statement))
    values = ", ".join(["(" + ", ".join("?" for _ in names) + ")"] * len(rows))
    if columns:
        changed = " OR ".join(f"{table}.{c} IS NOT excluded.{c}" for c in columns)
        conflict = (f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in columns) + f" WHERE {changed}")
    else:
        conflict = f"ON CONFLICT ({', '.join(key)}) DO NOTHING"
    cursor = conn.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES {values} {conflict}",
                          [value for row in rows for value in row])
    return max(cursor.rowcount, 0)


def _canonical(row: tuple[Any, ...]) -> bytes:
    """A row as bytes both backends give alike: ints as ints, text as text, NULL apart."""
    return ("\x1f".join("\x00" if value is None else f"{type(value).__name__[0]}{value}" for value in row)
            + "\x1e").encode("utf-8", "surrogatepass")
