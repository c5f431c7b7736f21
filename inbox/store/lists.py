"""Reading the list as the user sees it: rows in order, a page at a time by key, counts,
positions, one row, and whether an item matches a query.

`ListReads` is the half of the store that reads items through the query language; `Store`
(`inbox.store.db`) is built on it and adds the connection, its lock and every write, as
sqlite-utils' `Table` is built on its `Queryable`. It runs its SQL through what the store
gives it: `_run` (rows on a reader), `_reading` and `_explained` (a read's connection, and
its errors in one line), and `stats` (counts the tallies cannot give).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from inbox.query import SUGGEST_THRESHOLD, Query, parse_query
from inbox.store import presence, sweeps, tallies
from inbox.store.history import NEW_SQL, SEEN_JOIN
from inbox.store.items import LIST_COLUMNS
from inbox.store.readers import Cancelled
from inbox.store.sweeps import Sweeps
from inbox.store.where import FROM, compile_query
from inbox.timeutil import iso

RowKey = tuple[str, str]
"""A row's place in list order: (last_activity_at, key)."""
_FORWARD = "i.last_activity_at DESC, i.key"
_BACKWARD = "i.last_activity_at, i.key DESC"


def row_key(row: dict[str, Any]) -> RowKey:
    """The place of a list row, for `Store.page(after=...)` or `before=`."""
    return row["last_activity_at"], row["key"]


class ListReads:
    """The list's reads; part of every store (see the module's docstring)."""

    sweeps: Sweeps | None = None
    """What `sweep:daily` and `sweep:weekly` take: the config's sweeps, set by whoever opens
    the store with a config (`inbox.store.sweeps.define`). Unset, a `sweep:` term is an error."""

    suggest_threshold: float = SUGGEST_THRESHOLD
    """The least confidence a type suggestion counts with (`[suggest] threshold`), in
    filters and list rows alike; set by whoever opens the store with a config."""

    def _where(self, query: Query | str | None, now: datetime, me: str | None) -> tuple[str, dict]:
        """The WHERE clause of `query` and its parameters, with this store's sweeps."""
        if query is None or isinstance(query, str):
            query = parse_query(query or "")
        defined = self.sweeps

        def sweep(name: str, prefix: str) -> tuple[str, dict]:
            assert defined is not None
            return sweeps.sweep_where(defined.parts(name), now, me, prefix)

        return compile_query(query, now=now, me=me, sweeps=sweep if defined is not None else None,
                             threshold=self.suggest_threshold)

    def list_items(self, query: Query | str | None, *, now: datetime, me: str | None = None,
                   limit: int | None = None, offset: int = 0, with_body: bool = False,
                   seen_by: str | None = None, viewer: str | None = None) -> list[dict[str, Any]]:
        """Rows in list order (newest activity first), from `offset`; with `seen_by`, each
        row's `new` says whether it changed since that person last opened it.

        An offset is read past row by row: the list pages with `page` instead."""
        where, params = self._where(query, now, me)
        source, columns = self._list_from(params, now, with_body, seen_by, viewer)
        sql = f"SELECT {columns} FROM {source} WHERE {where} ORDER BY {_FORWARD}"
        if limit is not None:
            sql += " LIMIT :limit OFFSET :offset"
            params.update(limit=limit, offset=offset)
        return self._run(sql, params)

    def page(self, query: Query | str | None, *, now: datetime, me: str | None = None, limit: int,
             after: RowKey | None = None, before: RowKey | None = None, last: bool = False,
             with_body: bool = False, seen_by: str | None = None, viewer: str | None = None,
             cancelled: Cancelled | None = None) -> list[dict[str, Any]]:
        """Up to `limit` rows in list order, found by key rather than by offset: the rows
        just `after` a row, just `before` one, the first (neither), or the `last` ones.
        With `seen_by`, each row's `new` says whether it changed since that person last
        opened it (two primary-key lookups per row returned).

        A row's place is its `row_key` (activity, key); an index serves each built-in view's
        order both ways, so any page costs what the first costs. Each row's `replying` names
        who has the reply editor open on it (not `viewer`), or is None.
        """
        where, params = self._where(query, now, me)
        params["limit"] = limit
        backwards = before is not None or last
        if after is not None:
            params["at"], params["key"] = after
            where += (" AND i.last_activity_at <= :at AND "
                      "(i.last_activity_at < :at OR i.key > :key)")
        elif before is not None:
            params["at"], params["key"] = before
            where += (" AND i.last_activity_at >= :at AND "
                      "(i.last_activity_at > :at OR i.key < :key)")
        source, columns = self._list_from(params, now, with_body, seen_by, viewer)
        rows = self._run(f"SELECT {columns} FROM {source} WHERE {where} "
                         f"ORDER BY {_BACKWARD if backwards else _FORWARD} LIMIT :limit", params,
                         cancelled=cancelled)
        return rows[::-1] if backwards else rows

    @staticmethod
    def _list_from(params: dict, now: datetime, with_body: bool, seen_by: str | None,
                   viewer: str | None) -> tuple[str, str]:
        """The FROM and the columns of list rows: who is replying (not `viewer`), and with
        `seen_by`, what that person has seen."""
        params.update(presence.join_params(now, viewer))
        source = f"{FROM} {presence.JOIN}"
        columns = f"{LIST_COLUMNS}, {presence.COLUMN}" + (", i.body" if with_body else "")
        if seen_by is None:
            return source, columns
        params["seen_by"] = seen_by
        return f"{source} {SEEN_JOIN}", f"{columns}, {NEW_SQL} AS new"

    def iter_items(self, query: Query | str | None, *, now: datetime, me: str | None = None,
                   limit: int | None = None, with_body: bool = False, chunk: int = 1000,
                   viewer: str | None = None) -> Iterator[dict[str, Any]]:
        """Every row `query` matches (or the first `limit`), in list order, read a page at
        a time by key: what `inbox list` prints, in bounded memory at any size."""
        parsed = query if isinstance(query, Query) else parse_query(query or "")
        after: RowKey | None = None
        left = limit
        while left is None or left > 0:
            size = chunk if left is None else min(chunk, left)
            rows = self.page(parsed, now=now, me=me, limit=size, after=after, with_body=with_body,
                             viewer=viewer)
            yield from rows
            if len(rows) < size:
                return
            after = row_key(rows[-1])
            if left is not None:
                left -= len(rows)

    def count(self, query: Query | str | None, *, now: datetime, me: str | None = None,
              cancelled: Cancelled | None = None) -> int:
        """How many items `query` matches: from the tallies where they can say, without
        reading the rows (see `inbox.store.tallies`); a sweep as the sum of its parts
        (`inbox.store.sweeps.narrowed`); else by counting rows."""
        parsed = query if isinstance(query, Query) else parse_query(query or "")
        planned = self.quick_count(parsed, now=now, me=me)
        if planned is not None:
            return planned
        parts = sweeps.narrowed(parsed, self.sweeps)
        if parts is not None:
            return sum(self.stats.count(part, now=now, me=me, cancelled=cancelled) for part in parts)
        where, params = self._where(parsed, now, me)
        return self._run(f"SELECT COUNT(*) AS n FROM {FROM} WHERE {where}", params,
                         cancelled=cancelled)[0]["n"]

    def quick_count(self, query: Query | str | None, *, now: datetime, me: str | None = None) -> int | None:
        """`count` when the tallies can give it (milliseconds at any size); else None."""
        parsed = query if isinstance(query, Query) else parse_query(query or "")
        with self._reading() as conn:
            try:
                return tallies.count(conn, parsed, now=now, me=me)
            except sqlite3.OperationalError as exc:
                raise self._explained(exc) from None

    def position(self, query: Query | str | None, key: str, *, now: datetime,
                 me: str | None = None, within: int | None = None) -> int | None:
        """Where `key` sits in list order, or None if the query leaves it out (or, with
        `within`, sits further down than that: counting deep positions reads every row
        above them).

        Lets the list keep its cursor on the same item when fresh data arrives.
        """
        where, params = self._where(query, now, me)
        params["key"] = key
        found = self._run(f"SELECT i.last_activity_at AS at FROM {FROM} WHERE {where} AND i.key = :key",
                          params)
        if not found:
            return None
        params["at"] = found[0]["at"]
        above = (f"SELECT 1 FROM {FROM} WHERE {where} AND i.last_activity_at >= :at AND "
                 "(i.last_activity_at > :at OR i.key < :key)")
        if within is not None:
            above += f" ORDER BY {_BACKWARD} LIMIT {int(within) + 1}"
        n = self._run(f"SELECT COUNT(*) AS n FROM ({above}) AS above", params)[0]["n"]
        return None if within is not None and n > within else n

    def matches(self, key: str, query: Query | str, *, now: datetime, me: str | None = None) -> bool:
        """Whether the item `key` matches `query` (a playbook's triggers)."""
        where, params = self._where(query, now, me)
        params["key"] = key
        return bool(self._run(f"SELECT 1 AS hit FROM {FROM} WHERE i.key = :key AND {where}", params))

    def item(self, key: str, *, now: datetime, viewer: str | None = None) -> dict[str, Any] | None:
        """One list row with its body (`replying`: as in `page`), the keys of the posts
        linked with it as duplicates (`duplicates`) and the link a reply points to for
        them (`duplicate_url`: the answered one's, else the oldest's)."""
        params: dict[str, Any] = {"key": key, "now": iso(now), "suggest_min": self.suggest_threshold}
        source, columns = self._list_from(params, now, True, None, viewer)
        rows = self._run(f"SELECT {columns} FROM {source} WHERE i.key = :key", params)
        if not rows:
            return None
        linked = self.duplicates.of(key, now=now)
        rows[0]["duplicates"] = sorted(row["key"] for row in linked)
        rows[0]["duplicate_url"] = next((row["url"] for row in linked if row["url"]), None)
        return rows[0]
