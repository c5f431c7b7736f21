"""The rows the reports count and list, counted in SQL so that a million items cost the
reports what a hundred do in memory: the sweep's sections (a count and the first few
rows of each), response-time statistics per source, and what awaits the team now.

Business hours do not fit in SQL: the statistics' posts of a window are streamed for the
caller's clock, with the ranks their percentiles need already computed here.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.query import Query, Term
from inbox.store.where import AWAITING_SQL, DONE_SQL, FROM
from inbox.store.items import LIST_COLUMNS
from inbox.store.readers import Cancelled
from inbox.store.sweeps import Slice, slice_where
from inbox.timeutil import iso, parse_duration

if TYPE_CHECKING:
    from inbox.store.db import Store

WaitingRow = tuple[str, str, int, int]
"""(source, kind, awaiting the team now, of those past their due moment)."""
WindowRow = tuple[str, str, int, str, int, int, str | None, int, int, int, int, int]
"""One post of a statistics window: (source, kind, posts of the source in the window,
created_at, author_is_staff, awaiting the team now, first staff reply's created_at,
whether it is timed (the community's, answered, created within the clock's bounds), then
for a timed post: the rank (from 1) of its time to the reply among its source's timed
posts, how many those are, its rank among all timed posts, and how many those are)."""

WALK = 20_000
"""Rows of an order's index a section's first rows are looked for in, oldest first, before
the whole table is scanned for them instead: the oldest posts of a busy section are found
in the first few hundred rows, and a section whose matches are all recent costs a scan,
never a walk of the whole index with a row lookup each."""

_WAITING_SQL = f"(i.state = 'open' AND NOT {DONE_SQL} AND {AWAITING_SQL})"
_ORDERS = {"created": ("created_at", "items_by_created"), "activity": ("last_activity_at", "items_by_recency")}
"""A section's order: the column, oldest first, and the index that holds it in order."""
_HINT = re.compile(r" (?:INDEXED BY \w+|NOT INDEXED)")
_READS_TRIAGE = re.compile(r"\bt\.")


class Stats:
    """Reached as `store.stats`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- the sweep ---------------------------------------------------------------------

    def count(self, part: Slice, *, now: datetime, me: str | None, cancelled: Cancelled | None = None) -> int:
        """How many posts `part` takes: one statement with the plan `section` counts with."""
        return self.section(part, now=now, me=me, limit=0, cancelled=cancelled)[0]

    def section(self, part: Slice, *, now: datetime, me: str | None, limit: int,
                bodies: bool = False, cancelled: Cancelled | None = None) -> tuple[int, list[dict[str, Any]]]:
        """How many posts `part` takes, and the first `limit` of them in its order (oldest
        first, then by key) as list rows, with `bodies` or without."""
        where, params = slice_where(part, now, me)
        triage = bool(_READS_TRIAGE.search(where))
        # a section of recent posts is found through the index on creation; any other holds
        # much of the inbox, which a scan counts faster than an index walk with row lookups
        recent = _newer_than(part.query, now)
        if recent is not None:
            where += " AND i.created_at >= :recent"
            params["recent"] = recent
        hint = "INDEXED BY items_by_created" if recent is not None else "NOT INDEXED"
        with self.store._reading(cancelled) as conn:
            total = self._run(conn, f"SELECT COUNT(*) AS n FROM {_from(hint, triage)} WHERE {where}",
                              params)[0]["n"]
            if not total or limit <= 0:
                return total, []
            keys = self._first(conn, part.order, where, {**params, "limit": limit}, triage,
                               wanted=min(limit, total), recent=recent is not None)
            columns = LIST_COLUMNS + (", i.body" if bodies else "")
            rows = self._run(conn, f"SELECT {columns} FROM {FROM} WHERE i.key IN "
                             "(SELECT value FROM json_each(:keys))",
                             {"keys": json.dumps(keys), "now": params["now"],
                              "suggest_min": params["suggest_min"]})
        place = {key: index for index, key in enumerate(keys)}
        return total, sorted(rows, key=lambda row: place[row["key"]])

    def _first(self, conn: sqlite3.Connection, order: str, where: str, params: dict[str, Any],
               triage: bool, *, wanted: int, recent: bool) -> list[str]:
        """The keys of the first `:limit` rows in `order`: of recent posts through the index
        on creation; else among the oldest `WALK` rows of the order's index, or, when fewer
        than `wanted` are there, by a scan."""
        column, index = _ORDERS[order]

        def keys(hint: str, condition: str = "") -> list[str]:
            return [row["key"] for row in self._run(
                conn, f"SELECT i.key FROM {_from(hint, triage)} WHERE {where}{condition} "
                f"ORDER BY i.{column}, i.key LIMIT :limit", params)]

        if recent:
            return keys("INDEXED BY items_by_created")
        cap = self._run(conn, f"SELECT {column} AS at FROM items INDEXED BY {index} "
                        f"ORDER BY {column} LIMIT 1 OFFSET {WALK}", {})
        if not cap:  # a small inbox: any plan reads it at once
            return keys("")
        params["cap"] = cap[0]["at"]
        found = keys(f"INDEXED BY {index}", f" AND i.{column} <= :cap")
        return found if len(found) >= wanted else keys("NOT INDEXED")

    def _run(self, conn: sqlite3.Connection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """`Store._run` on `conn`; a plan hint naming an index this schema lacks is dropped
        (the answer is the same, only slower)."""
        try:
            return self.store._run(sql, params, conn)
        except sqlite3.OperationalError as exc:
            if "no such index" not in str(exc):
                raise
            return self.store._run(_HINT.sub("", sql), params, conn)

    def sources(self) -> dict[str, str]:
        """Each source with stored items, and its kind: one index lookup per source, not a
        read of every row."""
        with self.store._reading() as conn:
            return dict(conn.execute(
                "WITH RECURSIVE s(source) AS (SELECT MIN(source) FROM items UNION ALL "
                "SELECT (SELECT MIN(source) FROM items WHERE source > s.source) FROM s "
                "WHERE s.source IS NOT NULL) "
                "SELECT source, (SELECT kind FROM items WHERE source = s.source LIMIT 1) FROM s "
                "WHERE source IS NOT NULL").fetchall())

    # --- response times ----------------------------------------------------------------

    def window(self, *, start: datetime | None, now: datetime, clock_from: str,
               clock_until: str) -> Iterator[WindowRow]:
        """Every post created from `start` (None: the beginning) to `now`, streamed, with
        its first staff reply (one not older than the post) and the ranks the percentiles
        are read at. A post is timed when it is the community's, answered, and created
        within the clock's bounds (`clock_from` to `clock_until`, ISO).

        The reader stays with the iteration: run it to the end (or close it).
        """
        first_staff = ("(SELECT MIN(r.created_at) FROM thread r WHERE r.key = i.key AND r.author_is_staff = 1 "
                       "AND r.created_at >= i.created_at)")
        # OFFSET 0 keeps SQLite from copying the first-reply subquery into every use below
        posts = (f"SELECT i.source AS source, i.kind AS kind, i.created_at AS created_at, "
                 f"i.author_is_staff AS by_staff, {_WAITING_SQL} AS waiting, {first_staff} AS first_staff "
                 f"FROM {_from('', bool(_READS_TRIAGE.search(_WAITING_SQL)))} "
                 "WHERE i.created_at >= :since AND i.created_at <= :now LIMIT -1 OFFSET 0")
        # ranked by days to the reply: the same order as seconds, the exact figure is the caller's
        timed = ("SELECT *, CASE WHEN COALESCE(by_staff, 0) = 0 AND first_staff IS NOT NULL AND created_at "
                 "BETWEEN :clock_from AND :clock_until THEN julianday(first_staff) - julianday(created_at) END "
                 "AS wait FROM posts")
        # one sort per source and one over all; the untimed rows sort first, so a timed row's
        # rank is its row number less the untimed rows before it
        sql = (f"WITH posts AS ({posts}), timed AS ({timed}) "
               "SELECT source, kind, COUNT(*) OVER whole, created_at, by_staff, waiting, first_staff, "
               "wait IS NOT NULL, ROW_NUMBER() OVER by_wait - COUNT(*) OVER whole + COUNT(wait) OVER whole, "
               "COUNT(wait) OVER whole, ROW_NUMBER() OVER (ORDER BY wait NULLS FIRST) - COUNT(*) OVER () + COUNT(wait) OVER (), "
               "COUNT(wait) OVER () FROM timed WINDOW by_wait AS (PARTITION BY source ORDER BY wait NULLS FIRST), "
               "whole AS (by_wait ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)")
        params = {"since": iso(start) if start else "", "now": iso(now), "clock_from": clock_from,
                  "clock_until": clock_until}
        with self.store._reading() as conn:
            cursor = conn.execute(sql, params)
            try:
                yield from cursor
            finally:
                cursor.close()

    def waiting(self, *, now: datetime) -> list[WaitingRow]:
        """Per source with any, the items open, not done and awaiting the team, and how
        many are overdue (as of the last SLA refresh): counted from the store's tallies."""
        rows = []
        for source, kind in self.sources().items():
            open_ = (Term("is", "open"), Term("is", "done", True), Term("source", source))
            count = self.store.count(Query("", (*open_, Term("is", "awaiting"))), now=now)
            if count:
                rows.append((source, kind, count, self.store.count(Query("", (*open_, Term("is", "overdue"))),
                                                                   now=now)))
        return rows


# --- building the SQL ------------------------------------------------------------------------

def _newer_than(query: Query, now: datetime) -> str | None:
    """The earliest creation (ISO) a "newer than" term of the query lets in (`age:<2d`), as a
    range the index on creation serves whatever form the term compiles to; None without one."""
    for term in query.terms:
        if term.field == "age" and not term.negated and term.op in ("<", "<="):
            try:
                return iso(now - parse_duration(term.value))
            except OverflowError:
                return None
    return None


def _from(hint: str, triage: bool) -> str:
    """`inbox.store.where.FROM` with a plan hint on the items table, joined to triage only when a
    condition reads it (a `status:` term): counting a million rows takes half the time
    without the join."""
    items, _, join = FROM.partition(" LEFT JOIN ")
    return f"{items} {hint}".rstrip() + (f" LEFT JOIN {join}" if triage and join else "")
