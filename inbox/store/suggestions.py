"""Type suggestions in the database: the model the team's tags trained (`type_model`, one
row, so everyone on a shared database uses the same one) and each item's suggestion on
its own row (`items.suggested_type`, `items.suggested_confidence`).

The model is bytes to this module (`inbox.triage.suggest` makes and reads them). Each
saved model gets the next `generation`, so a process holding a loaded model knows when a
teammate's is newer. Suggestions are written for untagged items only, in small
transactions, so a sync or a triage never waits long behind them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from inbox.store.items import rows_for_keys
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store

BODY_CHARS = 700
"""The start of a body read for a suggestion (the model reads no more:
`inbox.triage.suggest.BODY_CHARS`)."""
WRITE_CHUNK = 500
"""Suggestions written per transaction."""
TAG_CHUNK = 5_000
"""Tags read at a time."""


@dataclass(frozen=True)
class StoredModel:
    """The `type_model` row."""

    model: bytes
    fingerprint: str
    """What it was trained on (the tagged keys and their types), hashed."""
    tagged: int
    trained_at: str
    generation: int


class Suggestions:
    """Reached as `store.suggestions`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # --- the model ------------------------------------------------------------------------

    def generation(self) -> int | None:
        """The stored model's generation; None when there is none (cheap: one row)."""
        with self.store._reading() as conn:
            row = conn.execute("SELECT generation FROM type_model WHERE id = 1").fetchone()
        return None if row is None else int(row[0])

    def model(self) -> StoredModel | None:
        with self.store._reading() as conn:
            row = conn.execute("SELECT model, fingerprint, tagged, trained_at, generation FROM type_model "
                               "WHERE id = 1").fetchone()
        return None if row is None else StoredModel(bytes(row[0]), row[1], int(row[2]), row[3], int(row[4]))

    def fingerprint(self) -> str | None:
        with self.store._reading() as conn:
            row = conn.execute("SELECT fingerprint FROM type_model WHERE id = 1").fetchone()
        return None if row is None else row[0]

    def save_model(self, model: bytes, *, fingerprint: str, tagged: int, now: datetime) -> int:
        """Store a newly trained model in place of the last; returns its generation."""
        with self.store._transaction() as conn:
            row = conn.execute("SELECT generation FROM type_model WHERE id = 1").fetchone()
            generation = (int(row[0]) if row else 0) + 1
            conn.execute("INSERT INTO type_model (id, model, fingerprint, tagged, trained_at, generation) "
                         "VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET model = excluded.model, "
                         "fingerprint = excluded.fingerprint, tagged = excluded.tagged, "
                         "trained_at = excluded.trained_at, generation = excluded.generation",
                         [model, fingerprint, tagged, iso(now), generation])
        return generation

    def drop_model(self) -> None:
        """No model (too few tags now): and so no suggestion anywhere."""
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM type_model")
            conn.execute("UPDATE items SET suggested_type = NULL, suggested_confidence = NULL "
                         "WHERE suggested_type IS NOT NULL")

    # --- what it learns from ----------------------------------------------------------------

    def tags(self) -> Iterator[tuple[str, str]]:
        """(key, type) of every tagged item, in no set order, streamed from the type index:
        a million posts' tags are read in a fraction of a second and never held at once."""
        with self.store._reading() as conn:
            rows = conn.execute("SELECT key, type FROM items WHERE type IS NOT NULL")
            while chunk := rows.fetchmany(TAG_CHUNK):
                yield from (tuple(row) for row in chunk)

    def tag_counts(self) -> Counter[str]:
        """Tagged items per type."""
        with self.store._reading() as conn:
            return Counter(dict(conn.execute("SELECT type, COUNT(*) FROM items WHERE type IS NOT NULL GROUP BY type")))

    def tagged_posts(self) -> list[tuple[str, str, str]]:
        """(title, start of the body, type) of every tagged item, by key."""
        with self.store._reading() as conn:
            return [tuple(row) for row in conn.execute(
                f"SELECT title, substr(COALESCE(body, ''), 1, {BODY_CHARS}), type FROM items "
                "WHERE type IS NOT NULL ORDER BY key")]

    # --- what it suggests -------------------------------------------------------------------

    def untagged(self, *, after: str | None = None, limit: int = WRITE_CHUNK
                 ) -> list[tuple[str, str, str, str | None, float | None]]:
        """The next untagged items by key: (key, title, start of the body, suggested type,
        confidence)."""
        with self.store._reading() as conn:
            return [tuple(row) for row in conn.execute(
                f"SELECT key, title, substr(COALESCE(body, ''), 1, {BODY_CHARS}), suggested_type, "
                "suggested_confidence FROM items WHERE type IS NULL AND key > ? ORDER BY key LIMIT ?",
                [after or "", limit])]

    def unsuggested(self, keys: Sequence[str]) -> list[tuple[str, str, str]]:
        """Of `keys`, the untagged items with no suggestion yet: (key, title, start of the body)."""
        with self.store._reading() as conn:
            return [tuple(row) for row in rows_for_keys(
                conn, f"SELECT key, title, substr(COALESCE(body, ''), 1, {BODY_CHARS}) FROM items "
                "WHERE key IN ({keys}) AND type IS NULL AND suggested_type IS NULL", keys)]

    def write(self, rows: Sequence[tuple[str, str | None, float | None]]) -> None:
        """(key, suggested type or None, confidence or None) for each item, in chunks."""
        for start in range(0, len(rows), WRITE_CHUNK):
            chunk = [(kind, confidence, key) for key, kind, confidence in rows[start:start + WRITE_CHUNK]]
            with self.store._transaction() as conn:
                conn.executemany("UPDATE items SET suggested_type = ?, suggested_confidence = ? WHERE key = ?",
                                 chunk)
