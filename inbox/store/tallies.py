"""Counts that cost the same at any size: items tallied per bucket, kept by triggers.

A bucket is one combination of the columns most filters test: source, kind, state,
done, awaiting, type, staff and whether a due moment is set. Triggers on `items` move an
item between buckets in the same transaction as the write that moved it, so a count of
"open, not done, awaiting" is a sum over a few dozen rows instead of a scan.

Filters that depend on the clock or on a rare attribute are counted from the other side:
`-is:snoozed`, `age:>=2d` or `is:overdue` hold for most of a bucket, while their
complement (snoozed, newer than two days, due later) is small and indexed. The count is
the bucket's tally minus what the complements take away (inclusion-exclusion over at most
`MAX_COMPLEMENTS` of them). A query with a term neither side can serve (full text,
labels, replies, ...) is not planned here and the caller counts rows.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from itertools import combinations

from inbox.query import Query, Term
from inbox.store.where import compile_terms

COLUMNS = ("source", "kind", "state", "is_done", "awaiting", "type", "author_is_staff", "has_due")
MAX_COMPLEMENTS = 3
"""Complement terms counted by inclusion-exclusion (2**n small queries): views use two."""

_BUCKET_IS = ("open", "closed", "done", "awaiting")
_SMALL_IS = ("snoozed", "assigned", "leak")
_OLDER_OPS = (">=", ">", "=")
_OPPOSITE = {">=": "<", ">": "<=", "=": "<", "<": ">=", "<=": ">"}


def _bucket(row: str) -> str:
    return "json_array(" + ", ".join(f"{row}.{c}" for c in COLUMNS) + ")"


def install(conn: sqlite3.Connection) -> None:
    """The table, its triggers, and the tallies of what is stored now (one pass)."""
    conn.execute(f"CREATE TABLE item_tallies (bucket TEXT PRIMARY KEY, {', '.join(COLUMNS)}, "
                 "n INTEGER NOT NULL) WITHOUT ROWID")
    add = (f"INSERT INTO item_tallies (bucket, {', '.join(COLUMNS)}, n) VALUES "
           f"({_bucket('new')}, {', '.join('new.' + c for c in COLUMNS)}, 1) "
           "ON CONFLICT (bucket) DO UPDATE SET n = n + 1;")
    remove = f"UPDATE item_tallies SET n = n - 1 WHERE bucket = {_bucket('old')};"
    moved = ", ".join(("source", "kind", "state", "last_activity_at", "replies", "last_reply_by_staff",
                       "type", "author_is_staff", "done_mark", "due_at"))
    conn.execute(f"CREATE TRIGGER items_tally_insert AFTER INSERT ON items BEGIN {add} END")
    conn.execute(f"CREATE TRIGGER items_tally_delete AFTER DELETE ON items BEGIN {remove} END")
    conn.execute(f"CREATE TRIGGER items_tally_update AFTER UPDATE OF {moved} ON items "
                 f"WHEN {_bucket('old')} IS NOT {_bucket('new')} BEGIN {remove} {add} END")
    rebuild(conn)


def rebuild(conn: sqlite3.Connection) -> None:
    """Tally everything again from the rows (after an install, or to repair)."""
    conn.execute("DELETE FROM item_tallies")
    conn.execute(f"INSERT INTO item_tallies (bucket, {', '.join(COLUMNS)}, n) "
                 f"SELECT {_bucket('i')}, {', '.join('i.' + c for c in COLUMNS)}, COUNT(*) "
                 "FROM items i GROUP BY 1")


def drift(conn: sqlite3.Connection) -> list[tuple]:
    """Buckets whose tally differs from the rows: empty unless something bypassed the triggers."""
    return conn.execute(
        f"SELECT bucket, SUM(kept), SUM(counted) FROM ("
        f"SELECT bucket, n AS kept, 0 AS counted FROM item_tallies UNION ALL "
        f"SELECT {_bucket('i')}, 0, 1 FROM items i) GROUP BY bucket HAVING SUM(kept) != SUM(counted)"
    ).fetchall()


def count(conn: sqlite3.Connection, query: Query, *, now: datetime, me: str | None) -> int | None:
    """The number of items `query` matches, without scanning; None when it cannot say."""
    plan = _plan(query.terms)
    if plan is None:
        return None
    bucket, small, complements = plan
    if small:  # a small indexed set: count its rows, whatever else the query says
        unwanted = [Term(c.field, c.value, True, c.op) for c in complements]
        clauses, params = compile_terms(bucket + small + unwanted, now=now, me=me)
        return _count_rows(conn, clauses, params, small[0])
    clauses, params = compile_terms(bucket + complements, now=now, me=me)
    where = clauses[: len(bucket)]
    total = 0
    extra = list(zip(complements, clauses[len(bucket):]))
    for size in range(len(extra) + 1):
        for chosen in combinations(extra, size):
            sign = -1 if size % 2 else 1
            if not chosen:
                sql = f"SELECT COALESCE(SUM(n), 0) FROM item_tallies i WHERE {' AND '.join(where) or '1 = 1'}"
                total += sign * conn.execute(sql, params).fetchone()[0]
            else:
                total += sign * _count_rows(conn, [*where, *(sql for _, sql in chosen)], params, chosen[0][0])
    return total


def _count_rows(conn: sqlite3.Connection, clauses: list[str], params: dict, by: Term) -> int:
    """Rows matching every clause, walked through the index of `by`, the small side (left
    to itself SQLite may prefer a bucket's index, which holds most of the table)."""
    return conn.execute(f"SELECT COUNT(*) FROM items i INDEXED BY {_index_of(by)} "
                        f"WHERE {' AND '.join(clauses) or '1 = 1'}", params).fetchone()[0]


def _index_of(term: Term) -> str:
    if term.field in ("age", "idle"):
        return "items_by_created" if term.field == "age" else "items_by_recency"
    if term.field in ("assignee", "assigned") or term.value == "assigned":
        return "items_by_assignee"
    return {"snoozed": "items_by_snooze", "leak": "items_with_leaks", "due_later": "items_by_due"}[term.value]


def _plan(terms: tuple[Term, ...]) -> tuple[list[Term], list[Term], list[Term]] | None:
    """Split terms into bucket terms, small positive sets, and complements to subtract."""
    bucket: list[Term] = []
    small: list[Term] = []
    complements: list[Term] = []
    for term in terms:
        field, value = term.field, term.value
        if field in ("kind", "source", "staff", "type") or (field == "is" and value in _BUCKET_IS):
            bucket.append(term)
        elif field == "is" and value == "overdue" and not term.negated:
            # awaiting with a due moment, less those due later than now
            bucket += [Term("is", "awaiting"), Term("is", "due")]
            complements.append(Term("is", "due_later"))
        elif (field == "is" and value in _SMALL_IS) or field in ("assignee", "assigned"):
            if field == "assignee" and value.lower() == "none":  # the large side: flip it
                term = Term("is", "assigned", not term.negated)
            (complements if term.negated else small).append(
                Term(term.field, term.value, False, term.op) if term.negated else term)
        elif field in ("age", "idle"):
            older = (term.op in _OLDER_OPS) != term.negated
            # the same condition without negation, so the index of the newer side serves it
            plain = Term(field, value, False, _OPPOSITE[term.op]) if term.negated else term
            if older:
                complements.append(Term(field, value, False, _OPPOSITE[plain.op]))
            else:
                small.append(plain)
        else:
            return None
    if len(complements) > MAX_COMPLEMENTS:
        return None
    return bucket, small, complements
