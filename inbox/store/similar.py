"""Posts like a given one, from any channel: the same question asked twice, found by the
words it is about and ranked by the full-text index's own relevance.

The words are the post's title and the start of its body (`inbox.text.terms`), less those
too many posts share: a word in a tenth of the inbox says little about the question, and
ranking every post it is in would read that tenth. The search ORs the words left, weighs
a title match up (`TITLE_WEIGHT`) and leaves out the post itself. SQLite ranks by FTS5's
bm25 and counts each word's posts in its index (up to what matters); PostgreSQL
ranks by ts_rank, and knows its common words from the statistics ANALYZE keeps of the
`search` column (`pg_stats`; gathered here once if the server never has), so neither reads
a post to choose the words.

The cost is bounded at any size (`WORK`): when the words' posts add up to more than a
ranking may read, the rarest words become required (`rare AND (other OR ...)`) until the
posts having them all are few enough: the same question asked twice shares its rarest
words. Word counts are kept a few minutes (`COUNTS_KEPT`): moving from post to post,
the common words are counted once.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.query import DONE_SQL, SNOOZED_SQL
from inbox.text.terms import Term, key_terms
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

CANDIDATES = 12
"""Words of a post considered (the title's first): each is counted in the index."""
TERMS = 10
"""Words searched for at most."""
OPTIONAL = 4
"""Words that may add to the rank besides the required ones, when some are required."""
COMMON_SHARE = 0.1
"""A word in more than this share of the posts is left out: it says little about the question."""
COMMON_FLOOR = 50
"""...but only once it is in more than this many: in a small inbox every word is in a tenth."""
WORK = {"fts5": 15_000, "tsvector": 4_000}
"""What a ranking may do, by backend. FTS5 ranks each post found for each word searched
(about a microsecond each): posts times words. PostgreSQL reads each post's row (a few
microseconds), whatever the words: posts."""
SHORTLIST = 30
"""PostgreSQL: the best posts by ts_rank that the title's weight then ranks again (the
stored `search` vector does not say which words are the title's)."""
TITLE_WEIGHT = 3.0
"""How much more a word counts in a title than in a body."""
COUNTS_KEPT = 600.0
"""Seconds a word's count is reused before it is counted again."""

ANSWERED_SQL = ("(CASE WHEN i.last_reply_by_staff = 1 OR EXISTS (SELECT 1 FROM thread r WHERE r.key = i.key "
                "AND r.author_is_staff = 1) THEN 1 ELSE 0 END)")
"""Whether the team answered the post: a staff reply is in its thread."""
_COLUMNS = (f"i.key, i.source, i.kind, i.title, i.url, i.state, {DONE_SQL} AS done, {SNOOZED_SQL} AS snoozed, "
            f"{ANSWERED_SQL} AS answered")
"""What a similar post shows, over the items row `i`."""

_SQLITE_RANKED = (
    f"SELECT {_COLUMNS} FROM (SELECT rowid, bm25(items_fts, {TITLE_WEIGHT}, 1.0, 0.0) AS score "
    "FROM items_fts WHERE items_fts MATCH :match AND rowid <> :self ORDER BY score LIMIT :limit) AS m "
    "JOIN items i ON i.rowid = m.rowid ORDER BY m.score, i.key")
_POSTGRES_RANKED = (
    f"SELECT {_COLUMNS} FROM (SELECT c.key, c.score + {TITLE_WEIGHT} * "
    "ts_rank(to_tsvector('inbox_words', c.title), c.query, 1) AS score FROM "
    "(SELECT s.key, s.title, q.query, ts_rank(s.search, q.query, 1) AS score "
    "FROM items s, (SELECT {query} AS query) AS q WHERE s.search @@ q.query AND s.key <> :key "
    "ORDER BY score DESC, s.key LIMIT :shortlist) AS c ORDER BY score DESC, c.key LIMIT :limit) AS m "
    "JOIN items i ON i.key = m.key ORDER BY m.score DESC, i.key")
_POSTGRES_COMMON = (
    "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
    "WHERE schemaname = current_schema() AND tablename = 'items' AND attname = 'search'")
_POSTGRES_SIZE = (
    # as the planner estimates a table's rows: the density ANALYZE saw, times the pages now
    "SELECT reltuples, CASE WHEN relpages > 0 AND reltuples >= 0 THEN reltuples / relpages * "
    "(pg_relation_size(oid) / current_setting('block_size')::int) END FROM pg_class WHERE oid = 'items'::regclass")


@dataclass
class WordCounts:
    """Counts of posts per word, reused for `COUNTS_KEPT` seconds (one per store)."""

    counted: dict[str, tuple[int, float]] = field(default_factory=dict)
    common: tuple[dict[str, float], float, float, float] | None = None
    """PostgreSQL: its statistics' common words with their share of the posts, the
    smallest share listed, about how many posts there are, and when they were read."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fresh(self, word: str) -> int | None:
        found = self.counted.get(word)
        if found is None or time.monotonic() - found[1] > COUNTS_KEPT:
            return None
        return found[0]

    def keep(self, counts: dict[str, int]) -> None:
        at = time.monotonic()
        with self.lock:
            if len(self.counted) > 50_000:  # bounded: a long session reads many posts
                self.counted.clear()
            self.counted.update({word: (count, at) for word, count in counts.items()})


@dataclass(frozen=True)
class Search:
    """The words searched for: posts must have every `required` one and any `optional` one."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.required or self.optional)

    def match(self) -> str:
        """For FTS5's MATCH: each word quoted (nothing in it is read as syntax), in the
        title and body only."""
        def quoted(word: str) -> str:
            return '"' + word.replace('"', '""') + '"'

        parts = [quoted(word) for word in self.required]
        if self.optional:
            parts.append("(" + " OR ".join(quoted(word) for word in self.optional) + ")")
        return "{title body} : (" + " AND ".join(parts) + ")"

    def tsquery(self, params: dict[str, Any]) -> str:
        """For PostgreSQL: a tsquery built of each word's own `plainto_tsquery` (a bound
        parameter, never text in the statement), their names added to `params`."""
        def word(index: int, text: str) -> str:
            params[f"w{index}"] = text
            return f"plainto_tsquery('inbox_words', :w{index})"

        words = [*self.required, *self.optional]
        parts = [word(n, text) for n, text in enumerate(self.required)]
        if self.optional:
            start = len(self.required)
            parts.append("(" + " || ".join(word(start + n, text) for n, text in enumerate(self.optional)) + ")")
        assert len(params) >= len(words)
        return " && ".join(parts)


def find(store: Store, key: str, *, now: datetime, limit: int = 3) -> list[dict[str, Any]] | None:
    """Up to `limit` posts most like `key`'s, best first: key, source, kind, title, url,
    `state` (done, snoozed, else the channel's open or closed) and `answered` (a staff
    reply exists). None when there is no post `key`; empty when nothing is alike."""
    postgres = store.FULL_TEXT == "tsvector"
    with store._reading() as conn:
        own = conn.execute("SELECT rowid, title, body FROM items WHERE key = :key", {"key": key}).fetchone()
        if own is None:
            return None
        if limit <= 0:
            return []
        terms = key_terms(own[1], own[2], limit=CANDIDATES)
        counts, total = (_postgres_counts if postgres else _sqlite_counts)(store, conn, terms)
        search = choose(terms, counts, total, known=not postgres, work=WORK[store.FULL_TEXT], per_word=not postgres)
        if not search:
            return []
        params: dict[str, Any] = {"limit": limit, "now": iso(now)}
        if postgres:
            sql = _POSTGRES_RANKED.replace("{query}", search.tsquery(params))
            params.update(key=key, shortlist=max(SHORTLIST, limit))
        else:
            sql = _SQLITE_RANKED
            params.update(match=search.match(), self=own[0])
        rows = store._run(sql, params, conn)
    return [_shown(row) for row in rows]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    done, snoozed = row.pop("done"), row.pop("snoozed")
    state = "done" if done else "snoozed" if snoozed else row["state"]
    return {**row, "state": state, "answered": bool(row["answered"])}


def choose(terms: list[Term], counts: dict[str, int | None], total: int, *, known: bool,
           work: int, per_word: bool) -> Search:
    """The words to search for: not too common, at most `TERMS`, the most telling first (a
    rare word, a title's word), within `work`: the posts the words are in (times the words,
    with `per_word`). Past it, the rarest words are required until the posts having them all
    (as if words came independently) are few enough, and at most `OPTIONAL` others add to
    the rank.

    `counts` is each word's posts (None: not known, taken as rare). With `known` counts, a
    word in one post only (this one) finds nothing and is left out."""
    common = max(COMMON_SHARE * total, COMMON_FLOOR)
    weighed = []
    for index, term in enumerate(terms):
        count = counts.get(term.word)
        if known and (count is None or count <= 1):
            continue
        if count is not None and count > common:
            continue
        rarity = math.log((total + 1) / ((count or 1) + 0.5)) if total else 1.0
        weight = max(rarity, 0.01) * (TITLE_WEIGHT if term.in_title else 1.0)
        weighed.append((-weight, index, term.word, count or 0))
    chosen = [(word, count) for _, _, word, count in sorted(weighed)[:TERMS]]

    def cost(posts: float, words: int) -> float:
        return posts * words if per_word else posts

    if cost(sum(count for _, count in chosen), len(chosen)) <= work:
        return Search((), tuple(word for word, _ in chosen))
    required: list[str] = []
    having_all = float(max(total, 1))
    for word, count in sorted(chosen, key=lambda pair: pair[1]):
        required.append(word)
        having_all *= count / max(total, 1)
        if cost(having_all, len(required) + min(OPTIONAL, len(chosen) - len(required))) <= work:
            break
    optional = [word for word, _ in chosen if word not in required][:OPTIONAL]
    return Search(tuple(required), tuple(optional))


def _sqlite_counts(store: Store, conn: Any, terms: list[Term]) -> tuple[dict[str, int | None], int]:
    """Each word's posts (reused while fresh), counted in the index up to what matters:
    past the common share, or past what a ranking may read, a word is only "many"; and
    about how many posts there are (the largest rowid: exact until posts are removed)."""
    cache = _cache(store)
    total = conn.execute("SELECT MAX(rowid) FROM items").fetchone()[0] or 0
    counts: dict[str, int | None] = {}
    missing = []
    for term in terms:
        count = cache.fresh(term.word)
        if count is None:
            missing.append(term.word)
        else:
            counts[term.word] = count
    if missing:
        cap = int(min(max(COMMON_SHARE * total, COMMON_FLOOR), WORK["fts5"])) + 1
        params: dict[str, Any] = {"cap": cap}
        parts = []
        for n, word in enumerate(missing):
            params[f"w{n}"] = '"' + word.replace('"', '""') + '"'
            parts.append(f"SELECT {n} AS n, (SELECT COUNT(*) FROM (SELECT rowid FROM items_fts "
                         f"WHERE items_fts MATCH :w{n} LIMIT :cap) AS hits) AS posts")
        found = dict(conn.execute(" UNION ALL ".join(parts), params).fetchall())
        fresh = {word: found.get(n, 0) for n, word in enumerate(missing)}
        cache.keep(fresh)
        counts.update(fresh)
    return counts, total


def _postgres_counts(store: Store, conn: Any, terms: list[Term]) -> tuple[dict[str, int | None], int]:
    """The common words' posts, from the server's statistics; a word not among them is in
    fewer posts than the least common one listed, and is counted as half as many. A server
    that never gathered the statistics (or did when the inbox was far smaller) is asked
    to now: once, a fraction of a second, on a sample of the posts."""
    cache = _cache(store)
    if cache.common is None or time.monotonic() - cache.common[3] > COUNTS_KEPT:
        cache.common = _postgres_statistics(conn)
    common, least, total, _ = cache.common
    counts: dict[str, int | None] = {}
    for term in terms:
        share = common.get(term.word)
        if share is not None:
            counts[term.word] = max(1, round(share * total))
        else:
            counts[term.word] = max(1, round(least * total / 2)) if common else None
    return counts, round(total)


def _postgres_statistics(conn: Any) -> tuple[dict[str, float], float, float, float]:
    analyzed, total = conn.execute(_POSTGRES_SIZE).fetchone()
    row = conn.execute(_POSTGRES_COMMON).fetchone()
    if row is None or analyzed is None or analyzed < 0 or (total or 0) > 2 * analyzed + 1000:
        conn.execute("ANALYZE items (search)")  # a server without autovacuum, or a table grown since
        analyzed, total = conn.execute(_POSTGRES_SIZE).fetchone()
        row = conn.execute(_POSTGRES_COMMON).fetchone()
    words, shares = (row[0] or [], row[1] or []) if row else ([], [])
    least = shares[len(words)] if len(shares) > len(words) else 0.0
    return dict(zip(words, shares)), least, float(max(total or analyzed or 0, 0)), time.monotonic()


def _cache(store: Store) -> WordCounts:
    cache = getattr(store, "_word_counts", None)
    if cache is None:
        cache = store._word_counts = WordCounts()
    return cache
