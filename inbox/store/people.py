"""People: the config's logins per person (`person_logins`, which `author:NAME` reads), the
tags the team sets on them (`person_tags`), and who wrote what, per author.

Who wrote what is kept, not counted on each read: `author_tallies` holds one row per
(source, author) with their posts and replies, how many of those a channel flagged as
staff, their first and last times, and how many were created from `recent_from` on.
Triggers on `items` and `thread` move those figures in the same transaction as each
write, so a report reads a row per author instead of every post and reply.

Figures are exact under any write (an author, time or key that changes, a row removed
and added again). Counts move in the trigger. A first or last time that leaves (its post
removed by the channel, or moved) marks the row `edges_stale`, and the end of the sync
finds the edges of every marked row again in one pass over the posts and replies
(`People.refresh_edges`): removals are rare, and an index by author on the posts and
replies would cost every sync's inserts more than it saves.
`author_times` is a view of every post and reply by time, read through the indexes on
their `created_at`. The recent counts cannot follow the clock by themselves: they count
from the edge in `author_tally_state`, and a read that wants another edge corrects them
by the rows between the two (read by time), moving the stored edge when it is more than a
day off, so that correction stays a day's rows.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from inbox.config.people import ASCII_LOWER
from inbox.errors import DatabaseBusy, ReadOnlyDatabase
from inbox.timeutil import iso, parse_time, utcnow

if TYPE_CHECKING:
    from inbox.store.db import Store

AuthorRow = tuple[str, int, str | None, str | None, int, int, int]
"""(login, count, first created_at, last created_at, any staff flag, count since
`recent_from`, count since `window_from`). The times and the staff flag are the author's
on that source, posts and replies together."""
AnswerRow = tuple[str, str, str, str | None, int, str | None]
"""(source, kind, reply author, post author, replies, the latest reply's created_at)."""
Leader = tuple[str, str, int, int]
"""(kind, ASCII-lowercased login, level, recent weight)."""

EDGE_SLACK = timedelta(days=1)
"""How far a read's edge may be from the stored one before the read moves it: a day of
rows to correct on each read, and a write at most once a day."""
FIRST_EDGE = timedelta(days=90)
"""Where the upgrade puts the edge: the report's 90 days, so its first read has nothing
to correct. Any edge gives the same figures."""

END = "9999"
"""After any stored time: the open end of a window."""

# One (source, author) per row, for posts (items) and replies (thread) alike. Thread rows
# have no source column: the key's prefix is the source (`server:1234`; a source name
# holds no colon).
_SOURCE = {"items": "{row}.source", "thread": "substr({row}.key, 1, instr({row}.key, ':') - 1)"}
_COUNT = {"items": "posts", "thread": "replies"}
_WATCHED = {"items": "source, author, created_at, author_is_staff",
            "thread": "key, author, created_at, author_is_staff"}
_STAFF = "(COALESCE({row}.author_is_staff, 0) <> 0)"
_RECENT = "IFNULL({row}.created_at >= (SELECT recent_from FROM author_tally_state), 0)"
# A post or reply counted in: an edge only ever widens.
_ADD = (
    "INSERT INTO author_tallies (source, author, {count}, staff, first_at, last_at, recent_{count}) "
    "SELECT {source}, {row}.author, 1, {staff}, {row}.created_at, {row}.created_at, {recent} "
    "WHERE {row}.author IS NOT NULL AND {row}.author <> '' "
    "ON CONFLICT (source, author) DO UPDATE SET {count} = {count} + 1, staff = staff + excluded.staff, "
    "first_at = COALESCE(MIN(first_at, excluded.first_at), first_at, excluded.first_at), "
    "last_at = COALESCE(MAX(last_at, excluded.last_at), last_at, excluded.last_at), "
    "recent_{count} = recent_{count} + excluded.recent_{count};"
)
# ... and out: a row that held the first or last time marks its edges to be found again
# (`People.refresh_edges`); a row with no time held neither.
_REMOVE = (
    "UPDATE author_tallies SET {count} = {count} - 1, staff = staff - {staff}, "
    "recent_{count} = recent_{count} - {recent}, "
    "edges_stale = CASE WHEN {row}.created_at <= first_at OR {row}.created_at >= last_at THEN 1 "
    "ELSE edges_stale END "
    "WHERE source = {source} AND author = {row}.author; "
    "DELETE FROM author_tallies WHERE source = {source} AND author = {row}.author AND posts = 0 AND replies = 0;"
)
_RECOUNT = (
    "SELECT source, author, SUM(posts), SUM(replies), SUM(staff), MIN(first_at), MAX(last_at), "
    "SUM(recent_posts), SUM(recent_replies) FROM ("
    "SELECT source, author, COUNT(*) AS posts, 0 AS replies, SUM(COALESCE(author_is_staff, 0) <> 0) AS staff, "
    "MIN(created_at) AS first_at, MAX(created_at) AS last_at, "
    "SUM(IFNULL(created_at >= :edge, 0)) AS recent_posts, 0 AS recent_replies "
    "FROM items WHERE author IS NOT NULL AND author <> '' GROUP BY 1, 2 "
    "UNION ALL SELECT substr(key, 1, instr(key, ':') - 1), author, 0, COUNT(*), "
    "SUM(COALESCE(author_is_staff, 0) <> 0), MIN(created_at), MAX(created_at), 0, "
    "SUM(IFNULL(created_at >= :edge, 0)) "
    "FROM thread WHERE author IS NOT NULL AND author <> '' GROUP BY 1, 2) GROUP BY source, author"
)
# Every post and reply with an author and a time: a view, so that a read by time is a
# range on each table's `created_at` index (SQLite moves the WHERE into both halves; the
# unary + keeps a report's `source IN (...)` off the posts' index by source).
_TIMES_VIEW = (
    "CREATE VIEW author_times AS "
    "SELECT +source AS source, author, created_at AS at, 1 AS posts, 0 AS replies FROM items "
    "WHERE author IS NOT NULL AND author <> '' AND created_at IS NOT NULL "
    "UNION ALL SELECT substr(key, 1, instr(key, ':') - 1), author, created_at, 0, 1 FROM thread "
    "WHERE author IS NOT NULL AND author <> '' AND created_at IS NOT NULL"
)
# The marked rows' edges again, from their authors' posts and replies (none left: no time).
_REFRESH_EDGES = (
    "UPDATE author_tallies SET first_at = NULL, last_at = NULL WHERE edges_stale = 1",
    "UPDATE author_tallies SET first_at = e.first_at, last_at = e.last_at FROM ("
    "SELECT source, author, MIN(at) AS first_at, MAX(at) AS last_at FROM author_times "
    "WHERE author IN (SELECT author FROM author_tallies WHERE edges_stale = 1) GROUP BY source, author) AS e "
    "WHERE author_tallies.edges_stale = 1 AND author_tallies.source = e.source AND author_tallies.author = e.author",
    "UPDATE author_tallies SET edges_stale = 0 WHERE edges_stale = 1",
)
_TALLY_COLUMNS = ("source", "author", "posts", "replies", "staff", "first_at", "last_at", "recent_posts",
                  "recent_replies")

# Posts and replies created in [:low, :high), per author and time: what a read at another
# edge adds or takes away, and a window's counts.
_BETWEEN = "SELECT source, author, posts, replies, at FROM author_times WHERE at >= :low AND at < :high"
_TALLY_READ = ("SELECT source, author, posts, replies, staff > 0, first_at, last_at, recent_posts, recent_replies "
               "FROM author_tallies WHERE source = :source{only} ORDER BY author")
# Replies in a window on someone else's post: grouped with the post's author too, so a
# person answering their own post under another login of theirs can be left out.
_ANSWER_GROUPS = (
    "SELECT i.source, i.kind, r.author, i.author, COUNT(*), MAX(r.created_at) "
    "FROM thread r JOIN items i ON i.key = r.key "
    "WHERE r.created_at >= :since AND r.created_at <= :now AND r.author IS NOT NULL AND r.author <> '' "
    "GROUP BY i.source, i.kind, r.author, i.author"
)


def install(conn: sqlite3.Connection) -> None:
    """The tally, its triggers and indexes, and the figures of what is stored now (one
    pass over the posts and replies)."""
    conn.execute("CREATE TABLE author_tallies (source TEXT NOT NULL, author TEXT NOT NULL, "
                 "posts INTEGER NOT NULL DEFAULT 0, replies INTEGER NOT NULL DEFAULT 0, "
                 "staff INTEGER NOT NULL DEFAULT 0, first_at TEXT, last_at TEXT, "
                 "recent_posts INTEGER NOT NULL DEFAULT 0, recent_replies INTEGER NOT NULL DEFAULT 0, "
                 "edges_stale INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (source, author)) WITHOUT ROWID")
    # a person's rows across sources and spellings (logins compare as NOCASE does)
    conn.execute("CREATE INDEX author_tallies_by_login ON author_tallies (lower(author))")
    conn.execute("CREATE TABLE author_tally_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
                 "recent_from TEXT NOT NULL)")
    conn.execute("INSERT INTO author_tally_state (id, recent_from) VALUES (1, ?)", [iso(utcnow() - FIRST_EDGE)])
    _edges_and_times(conn)
    rebuild(conn)
    triggers(conn)


def upgrade_edges(conn: sqlite3.Connection) -> None:
    """A tally from before `edges_stale` kept each author's times in a table of their own,
    written by the triggers on every post and reply: it goes for the view and the mark.
    The figures are exact already; nothing is counted again. (A tally installed since has
    nothing to change.)"""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'author_times'").fetchone() is None:
        return
    for table in ("items", "thread"):
        for change in ("insert", "delete", "update"):
            conn.execute(f"DROP TRIGGER IF EXISTS {table}_author_tally_{change}")
    conn.execute("DROP TABLE author_times")
    conn.execute("ALTER TABLE author_tallies ADD COLUMN edges_stale INTEGER NOT NULL DEFAULT 0")
    _edges_and_times(conn)
    triggers(conn)


def _edges_and_times(conn: sqlite3.Connection) -> None:
    """The marked rows, found without reading the tally whole; the replies by time (the
    posts' is `items_by_created`); every post and reply by time."""
    conn.execute("CREATE INDEX author_tallies_stale ON author_tallies (author) WHERE edges_stale = 1")
    conn.execute("CREATE INDEX IF NOT EXISTS thread_by_created ON thread (created_at)")
    conn.execute(_TIMES_VIEW)


def triggers(conn: sqlite3.Connection) -> None:
    """The triggers that keep the tally: a post or reply added, removed, or changed in what
    it counts for (its source, author, time or staff flag)."""
    for table in ("items", "thread"):
        parts = {"count": _COUNT[table]}
        new = dict(parts, row="new", source=_SOURCE[table].format(row="new"), staff=_STAFF.format(row="new"),
                   recent=_RECENT.format(row="new"))
        old = dict(parts, row="old", source=_SOURCE[table].format(row="old"), staff=_STAFF.format(row="old"),
                   recent=_RECENT.format(row="old"))
        add, remove = _ADD.format(**new), _REMOVE.format(**old)
        moved = " OR ".join(f"old.{column} IS NOT new.{column}" for column in _WATCHED[table].split(", "))
        conn.execute(f"CREATE TRIGGER {table}_author_tally_insert AFTER INSERT ON {table} BEGIN {add} END")
        conn.execute(f"CREATE TRIGGER {table}_author_tally_delete AFTER DELETE ON {table} BEGIN {remove} END")
        # an upsert fires this for every row it meets again: only a change moves anything
        conn.execute(f"CREATE TRIGGER {table}_author_tally_update AFTER UPDATE OF {_WATCHED[table]} ON {table} "
                     f"WHEN {moved} BEGIN {remove} {add} END")


def rebuild(conn: sqlite3.Connection) -> None:
    """Tally everything again from the rows (after an install, or to repair)."""
    conn.execute("DELETE FROM author_tallies")
    edge = conn.execute("SELECT recent_from FROM author_tally_state").fetchone()[0]
    conn.execute(f"INSERT INTO author_tallies ({', '.join(_TALLY_COLUMNS)}) {_RECOUNT}", {"edge": edge})


def drift(conn: sqlite3.Connection) -> list[tuple]:
    """(kept, counted) for each author whose tally differs from the rows: empty unless
    something bypassed the triggers, or edges are still marked stale."""
    edge = conn.execute("SELECT recent_from FROM author_tally_state").fetchone()[0]
    kept = {row[:2]: row for row in conn.execute(f"SELECT {', '.join(_TALLY_COLUMNS)} FROM author_tallies")}
    counted = {row[:2]: row for row in conn.execute(_RECOUNT, {"edge": edge})}
    return [(kept.get(key), counted.get(key)) for key in sorted(kept.keys() | counted.keys())
            if kept.get(key) != counted.get(key)]


@dataclass(frozen=True)
class AuthorGroups:
    """One source's posts, or its replies, grouped by author."""

    source: str
    kind: str
    replies: bool
    """True for replies in threads, False for the posts that opened items."""
    rows: list[AuthorRow]


class People:
    """Reached as `store.people`. Names and logins compare as SQLite's NOCASE does."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def logins(self) -> list[tuple[str, str, str]]:
        """The stored (person, kind or source, login) rows."""
        return self._read("SELECT person, kind, login FROM person_logins", {})

    def set_logins(self, logins: Iterable[tuple[str, str, str]]) -> None:
        """The config's `[people.NAME]` as (person, kind or source, login): `author:NAME`
        then finds that person's posts on every channel."""
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM person_logins")
            conn.executemany("INSERT OR IGNORE INTO person_logins (person, kind, login) VALUES (?, ?, ?)",
                             logins)

    def add_tag(self, person: str, tag: str, *, now: datetime) -> bool:
        """False when the person (any case) has the tag already."""
        with self.store._transaction() as conn:
            if conn.execute("SELECT 1 FROM person_tags WHERE person = ? COLLATE NOCASE AND tag = ?",
                            [person, tag]).fetchone():
                return False
            conn.execute("INSERT INTO person_tags (person, tag, at) VALUES (?, ?, ?)", [person, tag, iso(now)])
        return True

    def remove_tag(self, person: str, tag: str) -> bool:
        """False when the person (any case) did not have the tag."""
        with self.store._transaction() as conn:
            removed = conn.execute("DELETE FROM person_tags WHERE person = ? COLLATE NOCASE AND tag = ?",
                                   [person, tag]).rowcount
        return removed > 0

    def tags(self) -> list[tuple[str, str]]:
        """Every (person, tag), by tag."""
        return self._read("SELECT person, tag FROM person_tags ORDER BY tag", {})

    # --- who wrote what ------------------------------------------------------------

    def activity(self, *, recent_from: datetime, window_from: datetime | None = None,
                 logins: Iterable[str] | None = None) -> Iterator[AuthorGroups]:
        """Per source with stored items, its posts and its replies grouped by author, one
        source's rows read as the caller reaches them, all from one snapshot.

        `logins` (ASCII-lowercased) narrows it to those authors; a row's last count is 0
        without `window_from`.
        """
        recent = iso(recent_from)
        self._move_edge(recent)
        wanted = set(logins) if logins is not None else None
        only = " AND lower(author) IN (SELECT value FROM json_each(:logins))" if wanted is not None else ""
        sql = _TALLY_READ.format(only=only)
        with self._snapshot() as conn:
            edge = conn.execute("SELECT recent_from FROM author_tally_state").fetchone()[0]
            # rows from the stored edge to ours are counted but not recent (or the other way)
            sign = -1 if edge < recent else 1
            moved = self._between(conn, min(edge, recent), max(edge, recent), wanted)
            window = self._between(conn, iso(window_from), END, wanted) if window_from is not None else {}
            params = {"logins": json.dumps(sorted(wanted or ()))}
            for source, kind in self.store.stats.sources().items():
                posts: list[AuthorRow] = []
                replies: list[AuthorRow] = []
                for _, author, nposts, nreplies, staff, first, last, rposts, rreplies in conn.execute(
                        sql, dict(params, source=source)):
                    shift = moved.get((source, author), (0, 0))
                    since = window.get((source, author), (0, 0))
                    if nposts:
                        posts.append((author, nposts, first, last, staff, rposts + sign * shift[0], since[0]))
                    if nreplies:
                        replies.append((author, nreplies, first, last, staff, rreplies + sign * shift[1],
                                        since[1]))
                yield AuthorGroups(source, kind, False, posts)
                yield AuthorGroups(source, kind, True, replies)

    def leaders(self, *, recent_from: datetime, active_from: datetime, weights: tuple[int, int],
                levels: tuple[int, int, int], apart: Iterable[str], limit: int) -> list[Leader] | None:
        """The `limit` most engaged people by level and recent weight, among the authors
        active since `recent_from` (one login on one channel kind each, leaving out the
        `apart` logins, which the caller merges), plus everyone tied with the last: a
        read of the tally's recent rows, not of every post. None when fewer people than
        `limit` were active: then the quiet ones rank too, and only a full read can say.

        `weights` are a post's and a reply's; `levels` the weights levels 1-3 need (level
        1 also needs activity since `active_from`).
        """
        if limit < 1:
            return None
        recent = iso(recent_from)
        self._move_edge(recent)
        post, reply = weights
        with self._snapshot() as conn:
            edge = conn.execute("SELECT recent_from FROM author_tally_state").fetchone()[0]
            kinds = self.store.stats.sources()
            if not kinds:
                return None
            sign = -1 if edge < recent else 1
            low, high = min(edge, recent), max(edge, recent)
            kind, sources, params = _kinds(kinds)
            params.update(post=post, reply=reply, sign=sign, low=low, high=high, active=iso(active_from),
                          apart=json.dumps(sorted(set(apart))), leading=levels[0], contributing=levels[1],
                          participating=levels[2])
            # the tally's recent rows, less (or plus) the rows between its edge and ours;
            # a row between the edges gives its own time as last: its author has no later one
            # when it counts, and any later one is in the tally when it does not
            rows = conn.execute(
                f"WITH parts (source, author, weight, last_at) AS ("
                f"SELECT source, author, :post * recent_posts + :reply * recent_replies, last_at "
                f"FROM author_tallies WHERE recent_posts + recent_replies > 0 "
                f"UNION ALL SELECT source, author, :sign * (:post * posts + :reply * replies), at "
                f"FROM ({_BETWEEN}) AS moved) "
                f"SELECT kind, login, CASE WHEN weight >= :leading AND COALESCE(last_at, '') >= :active THEN 1 "
                f"WHEN weight >= :contributing THEN 2 WHEN weight >= :participating THEN 3 ELSE 4 END AS level, "
                f"weight FROM (SELECT {kind} AS kind, lower(author) AS login, SUM(weight) AS weight, "
                f"MAX(last_at) AS last_at FROM parts WHERE source IN ({sources}) "
                f"AND lower(author) NOT IN (SELECT value FROM json_each(:apart)) "
                f"GROUP BY 1, 2 HAVING SUM(weight) > 0) AS people ORDER BY level, weight DESC", params)
            chosen: list[Leader] = []
            for row in rows:
                if len(chosen) >= limit and row[2:] != chosen[-1][2:]:
                    break
                chosen.append(row)
            rows.close()
        return chosen if len(chosen) >= limit else None

    def count(self, *, apart: Iterable[str]) -> int:
        """How many people wrote anything: one per login per channel kind, leaving out the
        `apart` logins. Walks the tally's login index, a row per author."""
        with self._snapshot() as conn:
            kinds = self.store.stats.sources()
            if not kinds:
                return 0
            kind, sources, params = _kinds(kinds)
            params["apart"] = json.dumps(sorted(set(apart)))
            return conn.execute(
                f"SELECT IFNULL(SUM(n), 0) FROM (SELECT COUNT(DISTINCT {kind}) AS n FROM author_tallies "
                f"INDEXED BY author_tallies_by_login WHERE source IN ({sources}) "
                f"AND lower(author) NOT IN (SELECT value FROM json_each(:apart)) GROUP BY lower(author)) AS logins",
                params).fetchone()[0]

    def answers(self, *, since: datetime, now: datetime) -> list[AnswerRow]:
        """Replies created from `since` to `now` (both count), grouped by channel, reply
        author and post author."""
        return self._read(_ANSWER_GROUPS, {"since": iso(since), "now": iso(now)})

    def recount(self) -> None:
        """Tally every author again from the rows."""
        with self.store._transaction() as conn:
            rebuild(conn)

    def drift(self) -> list[tuple]:
        """`drift` on a snapshot, once marked edges are found again: empty when the tally
        matches the rows."""
        self.refresh_edges()
        with self._snapshot() as conn:
            return drift(conn)

    def refresh_edges(self) -> None:
        """The first and last times of the rows marked `edges_stale`, found again in one
        pass over the posts and replies (seconds at a million posts, so it runs at the end
        of a sync, in the background, not when a report reads). Until then a marked row
        shows the removed post's time. Skipped when another writer holds the file, and on
        a server, which counts them when asked."""
        if not self.store.KEEPS_TALLIES:
            return
        with self._snapshot() as conn:
            if conn.execute("SELECT 1 FROM author_tallies WHERE edges_stale = 1 LIMIT 1").fetchone() is None:
                return
        try:
            with self.store._transaction() as conn:
                for statement in _REFRESH_EDGES:
                    conn.execute(statement)
        except (DatabaseBusy, ReadOnlyDatabase):
            return

    # --- the edge of the recent counts -----------------------------------------------


    def _move_edge(self, recent: str) -> None:
        """Move the stored edge to `recent` when it is more than `EDGE_SLACK` away: the
        rows between are counted in or out. Skipped when another writer holds the file
        (the read corrects by those rows instead)."""
        with self._snapshot() as conn:
            edge = conn.execute("SELECT recent_from FROM author_tally_state").fetchone()[0]
        moment = parse_time(recent)
        if iso(moment - EDGE_SLACK) <= edge <= iso(moment + EDGE_SLACK):
            return
        try:
            with self.store._transaction() as conn:
                edge = conn.execute("SELECT recent_from FROM author_tally_state").fetchone()[0]
                sign = 1 if recent < edge else -1  # earlier: the rows between become recent
                if self.store.KEEPS_TALLIES:  # a server's tally is a view of the edge
                    conn.execute(
                        f"UPDATE author_tallies SET recent_posts = recent_posts + :sign * m.posts, "
                        f"recent_replies = recent_replies + :sign * m.replies FROM ("
                        f"SELECT source, author, SUM(posts) AS posts, SUM(replies) AS replies "
                        f"FROM ({_BETWEEN}) AS moved GROUP BY source, author) AS m "
                        f"WHERE author_tallies.source = m.source AND author_tallies.author = m.author",
                        {"sign": sign, "low": min(edge, recent), "high": max(edge, recent)})
                conn.execute("UPDATE author_tally_state SET recent_from = ?", [recent])
        except (DatabaseBusy, ReadOnlyDatabase):
            return

    @staticmethod
    def _between(conn: sqlite3.Connection, low: str, high: str,
                 logins: set[str] | None) -> dict[tuple[str, str], tuple[int, int]]:
        """(posts, replies) created from `low` up to `high`, by (source, author); only
        those of `logins` (ASCII-lowercased) when given."""
        if high <= low:
            return {}
        rows = conn.execute(f"SELECT source, author, SUM(posts), SUM(replies) FROM ({_BETWEEN}) AS moved "
                            "GROUP BY source, author", {"low": low, "high": high})
        return {(source, author): (posts, replies) for source, author, posts, replies in rows
                if logins is None or author.translate(ASCII_LOWER) in logins}

    # --- reading -------------------------------------------------------------------

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A reader inside one read transaction: every statement sees the same state."""
        with self.store._reading() as conn:
            own = not conn.in_transaction
            if own:
                conn.execute("BEGIN")
            try:
                yield conn
            finally:
                if own and conn.in_transaction:
                    conn.execute("COMMIT")

    def _read(self, sql: str, params: dict[str, Any]) -> list[Any]:
        with self.store._reading() as conn:
            return conn.execute(sql, params).fetchall()


def _kinds(kinds: dict[str, str]) -> tuple[str, str, dict[str, Any]]:
    """A row's channel kind as an expression over its `source`, the sources as a list for
    `IN (...)`, and their parameters (`:sN` the sources, `:kN` their kinds)."""
    params: dict[str, Any] = {}
    for n, (source, kind) in enumerate(kinds.items()):
        params[f"s{n}"], params[f"k{n}"] = source, kind
    whens = " ".join(f"WHEN :s{n} THEN :k{n}" for n in range(len(kinds)))
    return f"CASE source {whens} END", ", ".join(f":s{n}" for n in range(len(kinds))), params
