"""Noticing that someone else changed the inbox: a teammate's triage, a sync in another
process, so an open inbox shows it without a key pressed.

On PostgreSQL the server says so: a write to items, threads or triage notifies the
channel `inbox_changed` once per transaction (`inbox.store.pg_schema`), and a connection
of the watch's own listens. On SQLite a connection of the watch's own reads the file's
`data_version`, which moves whenever another connection commits (a read of a few bytes,
a few times a second).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Protocol

from inbox.errors import DatabaseUnreachable

CHANNEL = "inbox_changed"
POLL = 0.25
"""Seconds between two looks at a SQLite file's `data_version`."""


class Watch(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True as soon as something was committed since
        the last call (by anyone: this process's own writes count too)."""

    def close(self) -> None: ...


class FileWatch:
    """A SQLite file's changes, by its `data_version`."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self.conn.execute("PRAGMA query_only = 1")
        self.version = self._version()

    def _version(self) -> int:
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            version = self._version()
            if version != self.version:
                self.version = version
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(POLL, left))

    def close(self) -> None:
        self.conn.close()


class ServerWatch:
    """A PostgreSQL database's changes, by LISTEN on a connection of its own (`raw`, a
    psycopg connection in autocommit mode)."""

    def __init__(self, raw) -> None:  # noqa: ANN001 (psycopg loads only for a server)
        self.raw = raw
        raw.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        import psycopg

        seen = False
        try:
            for _ in self.raw.notifies(timeout=timeout, stop_after=1):
                seen = True
            # several commits at once are one change
            for _ in self.raw.notifies(timeout=0.01):
                pass
        except psycopg.OperationalError as exc:
            raise DatabaseUnreachable(f"the database went away ({str(exc).strip().splitlines()[0]})") from None
        return seen

    def close(self) -> None:
        self.raw.close()
