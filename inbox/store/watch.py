"""Noticing that someone else changed the inbox: a teammate's triage, a sync in another
process, so an open inbox shows it without a key pressed.

On PostgreSQL the server says so: a write to items, threads or triage notifies the
channel `inbox_changed` once per transaction (`inbox.store.pg_schema`), and a connection
of the watch's own listens. On SQLite the store's writer reads the file's
`data_version`, which moves whenever another connection commits (a read of a few bytes,
a few times a second).

The inbox's own writes are left out: the screen already shows them, and a reload after
each would write again (an item marked seen) and reload again. On PostgreSQL a
notification names the connection that sent it; on SQLite the writer's `data_version`
never moves for its own commits.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from inbox.errors import DatabaseUnreachable

CHANNEL = "inbox_changed"
POLL = 0.25
"""Seconds between two looks at a SQLite file's `data_version`."""


class Watch(Protocol):
    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True as soon as someone else committed something
        since the last call."""

    def close(self) -> None: ...


class FileWatch:
    """A SQLite file's changes by others: the `data_version` of the store's own writer,
    which moves for every other connection's commit and never for the writer's."""

    def __init__(self, version: Callable[[], int]) -> None:
        self.version = version
        self.seen = version()

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            version = self.version()
            if version != self.seen:
                self.seen = version
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(POLL, left))

    def close(self) -> None:
        """Nothing of its own to close: it reads through the store."""


class ServerWatch:
    """A PostgreSQL database's changes, by LISTEN on a connection of its own (`raw`, a
    psycopg connection in autocommit mode)."""

    def __init__(self, raw, *, own: Callable[[], set[int]]) -> None:  # noqa: ANN001 (psycopg loads only for a server)
        self.raw = raw
        self.own = own
        """The server process ids of the store's own writers."""
        raw.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        import psycopg

        seen = False
        deadline = time.monotonic() + timeout
        try:
            while not seen and (left := deadline - time.monotonic()) > 0:
                for notice in self.raw.notifies(timeout=left, stop_after=1):
                    seen = notice.pid not in self.own()
            # several commits at once are one change
            for notice in self.raw.notifies(timeout=0.01):
                seen = seen or notice.pid not in self.own()
        except psycopg.OperationalError as exc:
            raise DatabaseUnreachable(f"the database went away ({str(exc).strip().splitlines()[0]})") from None
        return seen

    def close(self) -> None:
        self.raw.close()
