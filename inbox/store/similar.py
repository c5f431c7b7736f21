"""Posts like a given one, from any channel: the same question asked twice, found by the
words it is about and ranked by the full-text index's own relevance.

The words are the post's title and the start of its body (`inbox.text.terms`), less those
too many posts share: a word in a tenth of the inbox says little about the question, and
ranking every post it is in would read that tenth. The search ORs the words left, weighs
a title match up (`TITLE_WEIGHT`) and leaves out the post itself. SQLite ranks by FTS5's
bm25 and counts each word's posts in its index (up to what matters); PostgreSQL ranks by
ts_rank, and takes each word's posts from the planner's estimate, which rests on the
statistics ANALYZE keeps of the `search` column (gathered here once if the server never
has). Neither reads a post to choose the words.

The cost is bounded at any size (`BUDGETS`). When the words' posts add up to more than a
ranking may read, the words in most posts go; past that, the rarest words become required
(`rare AND (other OR ...)`) until the posts having them all are few enough, as if words
came independently: the same question asked twice shares its rarest words. Words that come
together more than that (a subject always named in two words) could still find many posts,
so the ranking reads no more than its share of the posts found, the newest on SQLite. Word
counts are kept a few minutes (`COUNTS_KEPT`): moving from post to post, the common words
are counted once. On PostgreSQL only the words its own parser made of the post are
searched for, with the title's words it keeps whole ("rocket.chat", where SQLite reads
two words).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from inbox.store.where import DONE_SQL, SNOOZED_SQL
from inbox.text.terms import LONGEST, SHORTEST, Term, key_terms
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

CANDIDATES = 12
"""Words of a post considered (the title's first): each is counted."""
TERMS = 10
"""Words searched for at most."""
FEWEST = 3
"""Words kept, however many posts they are in, before the rarest become required."""
OPTIONAL = 4
"""Words that may add to the rank besides the required ones, when some are required."""
COMMON_SHARE = 0.1
"""A word in more than this share of the posts is left out: it says little about the question."""
COMMON_FLOOR = 50
"""...but only once it is in more than this many: in a small inbox every word is in a tenth."""
@dataclass(frozen=True)
class Budget:
    """What one similar list may cost a backend: index entries read for the words (`read`),
    and posts ranked (`rank`; times the words searched, with `per_word`)."""

    read: int
    rank: int
    per_word: bool


BUDGETS = {"fts5": Budget(read=60_000, rank=15_000, per_word=True),
           "tsvector": Budget(read=10_000, rank=1_000, per_word=False)}
"""By backend. FTS5 reads a word's index entries quickly and ranks each post found for each
word (about a microsecond each). PostgreSQL reads a word's entries into a bitmap, then
each post's row to rank it (a few microseconds, whatever the words)."""
SHORTLIST = 30
"""PostgreSQL: the best posts by ts_rank that the title's weight then ranks again (the
stored `search` vector does not say which words are the title's)."""
TITLE_WEIGHT = 3.0
"""How much more a word counts in a title than in a body."""
COUNTS_KEPT = 600.0
"""Seconds a word's count (and the number of posts) is reused before it is counted again."""

ANSWERED_SQL = ("(CASE WHEN i.last_reply_by_staff = 1 OR EXISTS (SELECT 1 FROM thread r WHERE r.key = i.key "
                "AND r.author_is_staff = 1) THEN 1 ELSE 0 END)")
"""Whether the team answered the post: a staff reply is in its thread."""
_COLUMNS = (f"i.key, i.source, i.kind, i.title, i.url, i.state, {DONE_SQL} AS done, {SNOOZED_SQL} AS snoozed, "
            f"{ANSWERED_SQL} AS answered")
"""What a similar post shows, over the items row `i`."""

_SQLITE_RANKED = (
    f"SELECT {_COLUMNS} FROM (SELECT rowid, score FROM "
    f"(SELECT rowid, bm25(items_fts, {TITLE_WEIGHT}, 1.0, 0.0) AS score FROM items_fts "
    "WHERE items_fts MATCH :match AND rowid <> :self ORDER BY rowid DESC LIMIT :read) "
    "ORDER BY score LIMIT :limit) AS m JOIN items i ON i.rowid = m.rowid ORDER BY m.score, i.key")
_POSTGRES_RANKED = (
    f"SELECT {_COLUMNS} FROM (SELECT c.key, c.score + {TITLE_WEIGHT} * "
    "ts_rank(to_tsvector('inbox_words', c.title), c.query, 1) AS score FROM "
    "(SELECT f.key, f.title, f.query, f.score FROM (SELECT s.key, s.title, q.query, "
    "ts_rank(s.search, q.query, 1) AS score FROM items s, (SELECT {query} AS query) AS q "
    "WHERE s.search @@ q.query AND s.key <> :key LIMIT :read) AS f "
    "ORDER BY f.score DESC, f.key LIMIT :shortlist) AS c ORDER BY score DESC, c.key LIMIT :limit) AS m "
    "JOIN items i ON i.key = m.key ORDER BY m.score DESC, i.key")
_POSTGRES_ESTIMATES = "SELECT word, inbox_word_posts(word) FROM inbox_json_array(:words) AS w (word)"
_POSTGRES_OWN_WORDS = ("SELECT w.word, w.word = ANY (tsvector_to_array(to_tsvector('inbox_words', i.title))) "
                       "FROM items i, unnest(tsvector_to_array(i.search)) AS w (word) WHERE i.key = :key")
"""The words PostgreSQL's parser made of a post, and whether its title has each."""
_POSTGRES_TOTAL = "EXPLAIN (FORMAT JSON) SELECT 1 FROM items"
_POSTGRES_ANALYZED = "SELECT reltuples, pg_relation_size(oid) FROM pg_class WHERE oid = 'items'::regclass"
NEVER_ANALYZED_FROM = 1 << 20
"""Bytes of posts from which a table PostgreSQL never gathered statistics of is analyzed
before its words are estimated (a server without autovacuum, just filled)."""


@dataclass
class WordCounts:
    """Counts of posts per word and of all posts, reused for `COUNTS_KEPT` seconds (one
    per store)."""

    counted: dict[str, tuple[int, float]] = field(default_factory=dict)
    total: tuple[int, float] | None = None
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

    def posts(self, count: Callable[[], int]) -> int:
        """How many posts there are, counted by `count` when not known fresh."""
        if self.total is None or time.monotonic() - self.total[1] > COUNTS_KEPT:
            self.total = (count(), time.monotonic())
        return self.total[0]

    def words(self, terms: list[Term], count: Callable[[list[str]], dict[str, int]]) -> dict[str, int]:
        """Each term's posts: fresh ones as kept, the others counted by `count`."""
        counts: dict[str, int] = {}
        missing = []
        for term in terms:
            known = self.fresh(term.word)
            if known is None:
                missing.append(term.word)
            else:
                counts[term.word] = known
        if missing:
            found = count(missing)
            fresh = {word: found.get(word, 0) for word in missing}
            self.keep(fresh)
            counts.update(fresh)
        return counts


@dataclass(frozen=True)
class Search:
    """The words searched for: posts must have every `required` one and any `optional` one."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.required or self.optional)

    @property
    def words(self) -> int:
        return len(self.required) + len(self.optional)

    def match(self) -> str:
        """For FTS5's MATCH: each word quoted (nothing in it is read as syntax), in the
        title and body only."""
        parts = [_quoted(word) for word in self.required]
        if self.optional:
            parts.append("(" + " OR ".join(_quoted(word) for word in self.optional) + ")")
        return "{title body} : (" + " AND ".join(parts) + ")"

    def tsquery(self, params: dict[str, Any]) -> str:
        """For PostgreSQL: a tsquery built of each word's own `plainto_tsquery` (a bound
        parameter, never text in the statement), their names added to `params`."""
        def word(index: int, text: str) -> str:
            params[f"w{index}"] = text
            return f"plainto_tsquery('inbox_words', :w{index})"

        parts = [word(n, text) for n, text in enumerate(self.required)]
        if self.optional:
            start = len(self.required)
            parts.append("(" + " || ".join(word(start + n, text) for n, text in enumerate(self.optional)) + ")")
        return " && ".join(parts)


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


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
        terms = key_terms(own[1], own[2], limit=CANDIDATES * (2 if postgres else 1))
        if postgres:
            terms = _parsed_alike(terms, dict(conn.execute(_POSTGRES_OWN_WORDS, {"key": key}).fetchall()))
        counts, total = (_postgres_counts if postgres else _sqlite_counts)(store, conn, terms)
        budget = BUDGETS[store.FULL_TEXT]
        search = choose(terms, counts, total, known=not postgres, budget=budget)
        if not search:
            return []
        params: dict[str, Any] = {"limit": limit, "now": iso(now)}
        if postgres:
            sql = _POSTGRES_RANKED.replace("{query}", search.tsquery(params))
            params.update(key=key, shortlist=max(SHORTLIST, limit), read=max(budget.rank, limit))
        else:
            sql = _SQLITE_RANKED
            params.update(match=search.match(), self=own[0], read=max(budget.rank // search.words, limit))
        rows = store._run(sql, params, conn)
    return [_shown(row) for row in rows]


def _parsed_alike(terms: list[Term], parsed: dict[str, bool]) -> list[Term]:
    """The post's words as PostgreSQL's parser made them: only those it made too, and the
    title's words it keeps whole where they are two here (`rocket.chat`, `top-level`)."""
    title = [term for term in terms if term.in_title and term.word in parsed]
    whole = [Term(word, True) for word, in_title in sorted(parsed.items())
             if in_title and not word.isalnum() and SHORTEST <= len(word) <= LONGEST]
    body = [term for term in terms if not term.in_title and term.word in parsed]
    return [*title, *whole, *body][:CANDIDATES]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    done, snoozed = row.pop("done"), row.pop("snoozed")
    state = "done" if done else "snoozed" if snoozed else row["state"]
    return {**row, "state": state, "answered": bool(row["answered"])}


def choose(terms: list[Term], counts: dict[str, int], total: int, *, known: bool, budget: Budget) -> Search:
    """The words to search for: not too common, at most `TERMS`, the most telling first (a
    rare word, a title's word), within the `budget`. Past what it may rank, the words in
    most posts go first (down to `FEWEST`); still past it, the rarest words are required
    until the posts having them all (as if words came independently) are few enough, and
    at most `OPTIONAL` others add to the rank. Past what it may read, the optional words in
    most posts go.

    `counts` is each word's posts. With `known` counts (counted, not estimated), a word in
    one post only (this one) finds nothing and is left out."""
    common = max(COMMON_SHARE * total, COMMON_FLOOR)
    weighed = []
    for index, term in enumerate(terms):
        count = counts.get(term.word, 0)
        if known and count <= 1:
            continue
        if count > common:
            continue
        rarity = math.log((total + 1) / (max(count, 1) + 0.5)) if total else 1.0
        weight = max(rarity, 0.01) * (TITLE_WEIGHT if term.in_title else 1.0)
        weighed.append((-weight, index, term.word, count))
    chosen = [(word, count) for _, _, word, count in sorted(weighed)[:TERMS]]
    posts = dict(chosen)

    def rank_cost(found: float, words: int) -> float:
        return found * words if budget.per_word else found

    while len(chosen) > FEWEST and rank_cost(sum(posts[word] for word, _ in chosen), len(chosen)) > budget.rank:
        chosen.remove(max(reversed(chosen), key=lambda pair: pair[1]))  # of equals, the least telling
    required: list[str] = []
    optional = [word for word, _ in chosen]
    if rank_cost(sum(posts[word] for word in optional), len(optional)) > budget.rank:
        having_all = float(max(total, 1))
        for word, count in sorted(chosen, key=lambda pair: pair[1]):
            required.append(word)
            having_all *= count / max(total, 1)
            if rank_cost(having_all, len(required) + min(OPTIONAL, len(chosen) - len(required))) <= budget.rank:
                break
        optional = [word for word in optional if word not in required][:OPTIONAL]
    read = sum(posts[word] for word in (*required, *optional))
    for word in sorted(optional, key=lambda word: -posts[word]):
        if read <= budget.read or len(optional) + len(required) == 1:
            break
        optional.remove(word)
        read -= posts[word]
    return Search(tuple(required), tuple(optional))


def _sqlite_counts(store: Store, conn: Any, terms: list[Term]) -> tuple[dict[str, int], int]:
    """Each word's posts (reused while fresh), counted in the index up to what matters:
    past the common share, or past what a ranking may read, a word is only "many"; and
    about how many posts there are (the largest rowid: exact until posts are removed)."""
    total = conn.execute("SELECT MAX(rowid) FROM items").fetchone()[0] or 0

    def count(words: list[str]) -> dict[str, int]:
        most = min(max(COMMON_SHARE * total, COMMON_FLOOR), BUDGETS["fts5"].rank)
        params: dict[str, Any] = {"cap": int(most) + 1}
        parts = []
        for n, word in enumerate(words):
            params[f"w{n}"] = _quoted(word)
            parts.append(f"SELECT {n} AS n, (SELECT COUNT(*) FROM (SELECT rowid FROM items_fts "
                         f"WHERE items_fts MATCH :w{n} LIMIT :cap) AS hits) AS posts")
        found = dict(conn.execute(" UNION ALL ".join(parts), params).fetchall())
        return {word: found.get(n, 0) for n, word in enumerate(words)}

    return _cache(store).words(terms, count), total


def _postgres_counts(store: Store, conn: Any, terms: list[Term]) -> tuple[dict[str, int], int]:
    """Each word's posts as the planner estimates them (reused while fresh): from the
    statistics' common words, and for a rarer word half the least common one's; and how
    many posts there are, the same way. A table the server never gathered statistics of
    (a server without autovacuum, just filled) is analyzed first, once: a fraction of a
    second, on a sample of the posts."""
    cache = _cache(store)

    def posts() -> int:
        analyzed, size = conn.execute(_POSTGRES_ANALYZED).fetchone()
        if analyzed is not None and analyzed < 0 and (size or 0) >= NEVER_ANALYZED_FROM:
            conn.execute("ANALYZE items (search)")
        return _planned(conn, _POSTGRES_TOTAL, {})

    total = cache.posts(posts)
    counts = cache.words(terms, lambda words: dict(conn.execute(_POSTGRES_ESTIMATES,
                                                                {"words": json.dumps(words)}).fetchall()))
    return counts, total


def _planned(conn: Any, sql: str, params: dict[str, Any]) -> int:
    """The rows the planner expects `sql` to find."""
    plan = conn.execute(sql, params).fetchone()[0]
    return int(plan[0]["Plan"]["Plan Rows"])


def _cache(store: Store) -> WordCounts:
    cache = getattr(store, "_word_counts", None)
    if cache is None:
        cache = store._word_counts = WordCounts()
    return cache
