"""One sync at a time per source, across the team: who holds a source's sync, and since when.

A sync takes its source's lock before it fetches and gives it back when done; a second
sync of the same source (a teammate's, or another process's) sees who holds it and skips
it or waits. The `sync_locks` row says who (name, host, process) and since when.

On PostgreSQL the lock itself is an advisory lock held by a connection of the sync's own:
the server lets go of it when that connection ends, however the process ended (kill -9
included), and the row only names the holder. On SQLite the row is the lock: it is taken
in a write transaction, and a row whose process is gone (on this host), or that is older
than `STALE` (another host sharing the file), counts as free.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from inbox.store.dialect import upsert
from inbox.timeutil import iso

if TYPE_CHECKING:
    from inbox.store.db import Store
    from inbox.store.postgres import PostgresStore

STALE = timedelta(hours=1)
"""How long a lock taken on another host counts on SQLite (its process cannot be asked)."""


@dataclass(frozen=True)
class Holder:
    """Who syncs a source: a teammate's name, their host and process, and since when."""

    who: str
    host: str
    pid: int
    since: str

    @classmethod
    def me(cls, who: str, now: datetime) -> Holder:
        return cls(who, socket.gethostname(), os.getpid(), iso(now))

    def describe(self) -> str:
        return f"{self.who} on {self.host} has been syncing it since {self.since}"


_WRITE = upsert("sync_locks", ("source", "who", "host", "pid", "since"), ("source",))
_READ = "SELECT who, host, pid, since FROM sync_locks WHERE source = ?"


class SyncLocks:
    """Reached as `store.sync_locks` (a SQLite file's; `PostgresStore` has its own)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def take(self, source: str, me: Holder, *, now: datetime) -> Holder | None:
        """Take the source's lock: None when taken, else who holds it."""
        with self.store._transaction() as conn:
            row = conn.execute(_READ, [source]).fetchone()
            if row is not None:
                holder = Holder(*row)
                if _alive(holder, now) and (holder.host, holder.pid) != (me.host, me.pid):
                    return holder
            conn.execute(_WRITE, [source, me.who, me.host, me.pid, me.since])
        return None

    def release(self, source: str, me: Holder) -> None:
        with self.store._transaction() as conn:
            conn.execute("DELETE FROM sync_locks WHERE source = ? AND host = ? AND pid = ?",
                         [source, me.host, me.pid])


def _alive(holder: Holder, now: datetime) -> bool:
    if holder.host != socket.gethostname():
        return holder.since >= iso(now - STALE)
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process, alive
        return True
    return True


class ServerSyncLocks:
    """The same on PostgreSQL: an advisory lock on a connection of the sync's own, kept
    open while the sync runs (`store.held`, by source)."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    def take(self, source: str, me: Holder, *, now: datetime) -> Holder | None:
        conn = self.store.connect_another()
        taken = conn.execute("SELECT pg_try_advisory_lock(hashtext(?))", [f"inbox-sync:{source}"]).fetchone()[0]
        if not taken:
            row = conn.execute(_READ, [source]).fetchone()
            conn.close()
            return Holder(*row) if row else Holder("someone", "another host", 0, iso(now))
        conn.execute(_WRITE, [source, me.who, me.host, me.pid, me.since])
        self.store.held[source] = conn
        return None

    def release(self, source: str, me: Holder) -> None:
        conn = self.store.held.pop(source, None)
        if conn is None:
            return
        try:
            conn.execute("DELETE FROM sync_locks WHERE source = ? AND host = ? AND pid = ?",
                         [source, me.host, me.pid])
        finally:
            conn.close()  # the advisory lock goes with the connection
