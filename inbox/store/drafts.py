"""Drafts of replies, and which completed ideas each release announced.

A draft is saved as it is typed and kept until the reply is posted or discarded, so
nothing written is lost to a failed post or a closed app. Both go through the store's
one connection and lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from inbox.store.dialect import upsert
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store


@dataclass(frozen=True)
class Draft:
    key: str
    text: str
    template: str | None = None
    updated_at: str | None = None
    error: str | None = None
    """Why the last attempt to post it failed, if it did."""


class Drafts:
    """Reached as `store.drafts`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def save(self, key: str, text: str, *, template: str | None, now: datetime) -> None:
        """Keep the text (the last failure, if any, is cleared: it is a new version)."""
        with self.store._transaction() as conn:
            conn.execute(upsert("drafts", ("key", "template", "text", "updated_at", "error"), ("key",)),
                         [key, template, text, iso(now), None])

    def failed(self, key: str, error: str) -> None:
        with self.store._transaction() as conn:
            conn.execute("UPDATE drafts SET error = ? WHERE key = ?", [error, key])

    def get(self, key: str) -> Draft | None:
        with self.store._reading() as conn:
            row = conn.execute(
                "SELECT key, text, template, updated_at, error FROM drafts WHERE key = ?", [key]).fetchone()
        return Draft(*row) if row else None

    def all(self) -> list[Draft]:
        with self.store._reading() as conn:
            rows = conn.execute(
                "SELECT key, text, template, updated_at, error FROM drafts ORDER BY updated_at DESC").fetchall()
        return [Draft(*row) for row in rows]

    def discard(self, key: str) -> None:
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM drafts WHERE key = ?", [key])


class Releases:
    """Reached as `store.releases`. An idea belongs to the first release that announced it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def announced_elsewhere(self, version: str) -> set[str]:
        """Keys of ideas an earlier (or any other) release already announced."""
        with self.store._reading() as conn:
            rows = conn.execute("SELECT key FROM releases WHERE version != ?", [version]).fetchall()
        return {row[0] for row in rows}

    def record(self, version: str, keys: list[str], *, now: datetime) -> None:
        with self.store._transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO releases (version, key, announced_at) VALUES (?, ?, ?)",
                             [(version, key, iso(now)) for key in keys])

    def dates(self, version: str) -> dict[str, str]:
        """When each idea of `version` was first announced, by key."""
        with self.store._reading() as conn:
            rows = conn.execute("SELECT key, announced_at FROM releases WHERE version = ?", [version]).fetchall()
        return dict(rows)

    def latest(self) -> str | None:
        """The version announced most recently (the default `{version}` in a reply)."""
        with self.store._reading() as conn:
            row = conn.execute(
                "SELECT version FROM releases ORDER BY announced_at DESC, rowid DESC LIMIT 1").fetchone()
        return row[0] if row else None
