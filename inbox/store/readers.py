"""Connections of their own for reads, so no read waits behind a write, a long count or
another thread's read (WAL lets readers and a writer go at once).

Each statement reads the last committed state. A connection is taken for one read and
given back; there are as many as threads have read at once. A read may be cancellable:
SQLite asks every `CANCEL_CHECK` steps whether it is still wanted, and stops it (as
`ReadCancelled`) when not: a list read for a query typed over meanwhile.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from inbox.errors import ReadCancelled

Cancelled = Callable[[], bool]
"""Asked during a long read: True stops it (`ReadCancelled`)."""


class Readers:
    CANCEL_CHECK = 20_000
    """SQLite steps between two looks at whether a cancellable read is still wanted."""
    CACHE_KB = 4096
    """Page cache per reader: reads page through indexes and tallies, so a small cache
    serves a million items; a large one would only grow the process (at 1M posts the TUI
    opens four readers: 8 MB each peaked at 95 MB, 4 MB at 80 MB, with the same filter
    and list times)."""

    def __init__(self, path: Path, *, wait: float,
                 explain: Callable[[sqlite3.OperationalError], Exception],
                 prepare: Callable[[sqlite3.Connection], None] = lambda conn: None) -> None:
        self.path = path
        self.prepare = prepare
        """Called on each new connection (the SQL functions reads may use)."""
        self.wait = wait
        self.explain = explain
        self.connections: list[sqlite3.Connection] = []
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def reading(self, cancelled: Cancelled | None = None) -> Iterator[sqlite3.Connection]:
        try:
            conn = self._idle.pop()
        except IndexError:
            conn = self._connect()
        if cancelled is not None:
            conn.set_progress_handler(lambda: 1 if cancelled() else 0, self.CANCEL_CHECK)
        try:
            yield conn
        except sqlite3.OperationalError as exc:
            if cancelled is not None and "interrupted" in str(exc):
                raise ReadCancelled("the read was cancelled") from None
            raise
        finally:
            if cancelled is not None:
                conn.set_progress_handler(None, 0)
            self._idle.append(conn)

    def open(self) -> sqlite3.Connection:
        """One more connection, ready for the next read."""
        conn = self._connect()
        self._idle.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self.connections:
                conn.close()
            self.connections.clear()
            self._idle.clear()

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None,
                                   timeout=self.wait)
            conn.execute("PRAGMA query_only = 1")
            conn.execute(f"PRAGMA cache_size = -{self.CACHE_KB}")
            self.prepare(conn)
        except sqlite3.OperationalError as exc:
            raise self.explain(exc) from None
        with self._lock:
            self.connections.append(conn)
        return conn
