"""People: the config's logins per person (`person_logins`, which `author:NAME` reads), the
tags the team sets on them (`person_tags`), and who wrote what, grouped by author.

Activity is read with two aggregate queries per source (GROUP BY author), one source at a
time, so Python sees a row per author rather than per post; merging logins into people is
the caller's. SQLite still reads every post and reply to group them (seconds for a million
items with three million replies).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

AuthorRow = tuple[str, int, str | None, str | None, int, int, int]
"""(login, count, first created_at, last created_at, any staff flag, count since
`recent_from`, count since `window_from`)."""
AnswerRow = tuple[str, str, str, str | None, int, str | None]
"""(source, kind, reply author, post author, replies, the latest reply's created_at)."""

# Thread rows have no source column: the key's prefix is the source (`server:1234`), read
# as a range of the primary key, quicker than cutting every key apart. (One UNION ALL
# query per source was measured slower than these two.)
_AGGREGATES = ("COUNT(*), MIN(created_at), MAX(created_at), MAX(author_is_staff), "
               "IFNULL(SUM(created_at >= :recent), 0), {window}")
_ITEM_GROUPS = (f"SELECT author, {_AGGREGATES} FROM items "
                "WHERE source = :source AND author IS NOT NULL AND author <> ''{only} GROUP BY author")
_THREAD_GROUPS = (f"SELECT author, {_AGGREGATES} FROM thread "
                  "WHERE key >= :low AND key < :high AND author IS NOT NULL AND author <> ''{only} "
                  "GROUP BY author")
# Replies in a window on someone else's post: grouped with the post's author too, so a
# person answering their own post under another login of theirs can be left out.
_ANSWER_GROUPS = (
    "SELECT i.source, i.kind, r.author, i.author, COUNT(*), MAX(r.created_at) "
    "FROM thread r JOIN items i ON i.key = r.key "
    "WHERE r.created_at >= :since AND r.created_at <= :now AND r.author IS NOT NULL AND r.author <> '' "
    "GROUP BY i.source, i.kind, r.author, i.author"
)


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

    def activity(self, *, recent_from: datetime, window_from: datetime | None = None,
                 logins: Iterable[str] | None = None) -> Iterator[AuthorGroups]:
        """Per source with stored items, its posts and its replies grouped by author, one
        source's groups read as the caller reaches them (a big community's groups are
        never all in memory at once).

        `logins` (ASCII-lowercased) narrows it to those authors; a row's last count is 0
        without `window_from`.
        """
        params: dict[str, Any] = {"recent": iso(recent_from), "since": iso(window_from),
                                  "logins": json.dumps(sorted(logins or ()))}
        window = "IFNULL(SUM(created_at >= :since), 0)" if window_from is not None else "0"
        # lower() folds ASCII letters only, as NOCASE does
        only = " AND lower(author) IN (SELECT value FROM json_each(:logins))" if logins is not None else ""
        item_sql = _ITEM_GROUPS.format(window=window, only=only)
        thread_sql = _THREAD_GROUPS.format(window=window, only=only)
        for source, kind in self.store.stats.sources().items():
            params.update(source=source, low=f"{source}:", high=f"{source};")
            yield AuthorGroups(source, kind, False, self._read(item_sql, params))
            yield AuthorGroups(source, kind, True, self._read(thread_sql, params))

    def answers(self, *, since: datetime, now: datetime) -> list[AnswerRow]:
        """Replies created from `since` to `now` (both count), grouped by channel, reply
        author and post author."""
        return self._read(_ANSWER_GROUPS, {"since": iso(since), "now": iso(now)})

    def _read(self, sql: str, params: dict[str, Any]) -> list[Any]:
        with self.store._lock:
            return self.store.db.conn.execute(sql, params).fetchall()
