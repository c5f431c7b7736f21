"""The inbox's database: SQLite by default, or a team's PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

from inbox.store.db import Cursor, Store
from inbox.store.items import channel_wait_of, item_json
from inbox.store.lists import RowKey, row_key
from inbox.store.location import PostgresLocation, is_url, parse


def open_store(where: str | Path | PostgresLocation, *, password_env: str | None = None) -> Store:
    """The inbox at `where`: a SQLite path, or a `postgresql://` URL (its password from
    the environment, never the URL)."""
    location = where if isinstance(where, PostgresLocation) else parse(where, password_env=password_env)
    if isinstance(location, PostgresLocation):
        from inbox.store.postgres import PostgresStore  # psycopg loads only for a server

        return PostgresStore(location)
    return Store(location)


def server_unreachable(url: str, *, password_env: str | None = None) -> str | None:
    """Why the PostgreSQL database at `url` cannot be reached now, or None when it can;
    nothing is created or changed to find out."""
    from inbox.errors import InboxError
    from inbox.store.postgres import connect

    location = parse(url, password_env=password_env)
    assert isinstance(location, PostgresLocation)
    try:
        connect(location).close()
    except InboxError as exc:
        return str(exc)
    return None


__all__ = ["Cursor", "PostgresLocation", "RowKey", "Store", "channel_wait_of", "is_url", "item_json", "open_store",
           "row_key", "server_unreachable"]
