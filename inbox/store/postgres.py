"""The inbox on a PostgreSQL server: a team's shared database.

`PostgresStore` is the `Store` with PostgreSQL connections behind the same methods: the
table families' SQL runs unchanged, read through `inbox.store.dialect`. A write holds the
store's one writer connection in a transaction, as on SQLite; reads take connections of
their own from a small pool, so a read never waits behind a write.

Whatever goes wrong with the server (unreachable, restarted, a password refused) is one
line naming the database without its password; nothing already stored is lost, and the
next call connects again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg.pq import TransactionStatus
from psycopg.types.numeric import Int4Dumper

from inbox.errors import (
    DatabaseBusy,
    DatabaseUnreachable,
    ForeignDatabase,
    NewerDatabase,
    ReadOnlyDatabase,
    StoreError,
)
from inbox.store import pg_schema
from inbox.store.db import Store
from inbox.store.dialect import postgres
from inbox.store.location import PostgresLocation
from inbox.store.readers import Cancelled
from inbox.store.sync_locks import ServerSyncLocks
from inbox.store.watch import ServerWatch

CONNECT_WAIT = 10
"""Seconds to wait for the server when connecting."""
LOCK_WAIT = 5
"""Seconds a statement waits for a lock another session holds (a table someone locked, a
row in their open transaction) before the inbox says who holds it, as on SQLite."""
MIGRATION_WAIT = 120
"""Seconds a new or upgrading inbox waits for another one's upgrade step to finish."""
MAX_PARAMETERS = 32767
"""Parameters one statement may carry (PostgreSQL's wire limit is 65535)."""
_MIGRATION_LOCK = 0x1B0C5
"""The advisory lock two inboxes opening a new database at once take turns on."""


class _BoolAsInt(Int4Dumper):
    """Flags are INTEGER columns, as on SQLite: True is 1."""

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


class _NumericAsNumber(Loader):
    """Sums come back as SQLite gives them: an int when whole, else a float (not Decimal)."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return float(text) if "." in text or "e" in text.lower() or text == "NaN" else int(text)


class Connection:
    """A psycopg connection that speaks like `sqlite3.Connection` to the store's modules:
    `execute` and `executemany` take SQLite's SQL and parameters, `in_transaction` says
    whether a transaction is open. In autocommit mode: BEGIN and COMMIT are statements."""

    def __init__(self, raw: psycopg.Connection, where: str) -> None:
        self.raw = raw
        self.where = where
        raw.adapters.register_dumper(bool, _BoolAsInt)
        raw.adapters.register_loader("numeric", _NumericAsNumber)

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        try:
            return Cursor(self.raw.execute(postgres(sql), _parameters(params)))
        except psycopg.Error as exc:
            raise self.explained(exc) from None

    def executemany(self, sql: str, rows: Any) -> Cursor:
        cursor = self.raw.cursor()
        try:
            cursor.executemany(postgres(sql), [_parameters(row) for row in rows])
        except psycopg.Error as exc:
            raise self.explained(exc) from None
        return Cursor(cursor)

    def explained(self, exc: psycopg.Error) -> Exception:
        """The inbox's one line for what the server said: away, busy (naming who holds the
        lock), or not writable by this user; anything else as it is."""
        if isinstance(exc, psycopg.errors.LockNotAvailable):
            return busy(self.where, self.raw.info)
        if isinstance(exc, (psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)):
            reason = str(exc).strip().splitlines()[0]
            return ReadOnlyDatabase(f"{self.where} cannot be written by the inbox ({reason}); use a "
                                    "database, and a user, it may write to")
        if isinstance(exc, psycopg.OperationalError):
            return unreachable(self.where, exc)
        return exc

    @property
    def in_transaction(self) -> bool:
        return self.raw.info.transaction_status != TransactionStatus.IDLE

    def getlimit(self, _category: int) -> int:
        return MAX_PARAMETERS

    @property
    def broken(self) -> bool:
        return self.raw.closed or self.raw.broken

    def alive(self) -> bool:
        """Whether the server still answers on it (after a restart it does not, and psycopg
        only learns so by trying)."""
        if self.broken:
            return False
        try:
            self.raw.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    used_at = 0.0
    """When it last served (monotonic seconds): one idle longer than `Pool.CHECK_AFTER` is
    asked whether it still works before it serves again."""

    def close(self) -> None:
        self.raw.close()


class Cursor:
    """A statement's result as `sqlite3.Cursor` gives it: a write has no rows (rather
    than psycopg's error on fetching them)."""

    def __init__(self, raw: psycopg.Cursor) -> None:
        self.raw = raw
        self.description = raw.description
        self.rowcount = raw.rowcount

    def fetchone(self) -> tuple | None:
        return self.raw.fetchone() if self.description is not None else None

    def fetchall(self) -> list[tuple]:
        return self.raw.fetchall() if self.description is not None else []

    def fetchmany(self, size: int) -> list[tuple]:
        return self.raw.fetchmany(size) if self.description is not None else []

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.raw) if self.description is not None else iter(())

    def close(self) -> None:
        self.raw.close()


def _parameters(params: Any) -> Any:
    """SQLite's parameters for psycopg; a NUL character, which PostgreSQL text cannot
    hold, becomes U+FFFD (hostile text is stored, not refused)."""
    if isinstance(params, dict):
        return {name: _text(value) for name, value in params.items()}
    return [_text(value) for value in params]


def _text(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if type(value) is str and "\x00" in value else value


def unreachable(where: str, exc: BaseException) -> DatabaseUnreachable:
    """One line for a server that cannot be reached or went away (libpq's own words name
    the host and user, never a password)."""
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return DatabaseUnreachable(f"{where}: the database cannot be reached ({reason})")


def busy(where: str, info: psycopg.ConnectionInfo) -> DatabaseBusy:
    """A lock not had within LOCK_WAIT: said with the session that has held a transaction
    open longest (the likeliest holder), asked on a connection of its own."""
    who = "another session"
    try:
        with psycopg.connect(info.dsn, password=info.password or None, autocommit=True,
                             connect_timeout=CONNECT_WAIT, application_name="inbox") as conn:
            row = conn.execute(
                "SELECT pid, usename, COALESCE(NULLIF(application_name, ''), 'a client'), "
                "to_char(xact_start AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI UTC') FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> %s AND xact_start IS NOT NULL "
                "AND backend_type = 'client backend' ORDER BY xact_start LIMIT 1",
                [info.backend_pid]).fetchone()
        if row is not None:
            who = f"pid {row[0]} ({row[2]}, user {row[1]}, in a transaction since {row[3]})"
    except psycopg.Error:
        pass
    return DatabaseBusy(f"{where} is busy: {who} holds a lock the inbox waited {LOCK_WAIT}s for; "
                        "try again when it has finished")


def connect(location: PostgresLocation) -> Connection:
    """A connection in autocommit mode, or one line saying why there is none."""
    extra: dict[str, Any] = {"connect_timeout": CONNECT_WAIT, "application_name": "inbox",
                             "options": f"-c lock_timeout={LOCK_WAIT * 1000}"}
    password = location.password()
    if password is not None:
        extra["password"] = password
    try:
        raw = psycopg.connect(location.url, autocommit=True, **extra)
    except psycopg.Error as exc:
        raise unreachable(location.url, exc) from None
    return Connection(raw, location.url)


class Pool:
    """Connections for reads, taken for one read and given back; one that broke (or, idle a
    while, no longer answers: the server restarted) is dropped and replaced."""

    CHECK_AFTER = 5.0
    """Seconds idle after which a connection is tried before it serves a read."""

    def __init__(self, location: PostgresLocation) -> None:
        self.location = location
        self._idle: list[Connection] = []
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is not None and (conn.broken or (time.monotonic() - conn.used_at > self.CHECK_AFTER
                                                 and not conn.alive())):
            with self._lock:
                self._all.remove(conn)
            conn.close()
            conn = None
        if conn is None:
            conn = connect(self.location)
            with self._lock:
                self._all.append(conn)
        try:
            yield conn
        finally:
            conn.used_at = time.monotonic()
            if conn.in_transaction and not conn.broken:
                conn.raw.execute("ROLLBACK")
            with self._lock:
                if conn.broken:
                    self._all.remove(conn)
                else:
                    self._idle.append(conn)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
            self._idle.clear()


def migrate(conn: Connection, where: str) -> list[str]:
    """Build or upgrade the schema: each step in one transaction under an advisory lock
    (a step that fails leaves nothing); returns the names applied."""
    applied: list[str] = []
    for step in pg_schema.STEPS:
        conn.raw.execute("BEGIN")
        try:
            conn.raw.execute(f"SET LOCAL lock_timeout = '{MIGRATION_WAIT}s'")
            conn.raw.execute("SELECT pg_advisory_xact_lock(%s)", [_MIGRATION_LOCK])
            done = _applied(conn, where)
            if step.__name__ not in done:
                conn.raw.execute(step())
                conn.raw.execute("INSERT INTO _migrations (name, applied_at) VALUES (%s, now()::text)",
                                 [step.__name__])
                applied.append(step.__name__)
            conn.raw.execute("COMMIT")
        except psycopg.errors.LockNotAvailable:
            conn.raw.execute("ROLLBACK")
            raise busy(where, conn.raw.info) from None
        except psycopg.OperationalError as exc:
            raise unreachable(where, exc) from None
        except psycopg.Error as exc:
            conn.raw.execute("ROLLBACK")
            raise StoreError(f"{where}: cannot build the inbox's tables: {step.__name__} failed "
                             f"({str(exc).strip().splitlines()[0]}); nothing of it was kept") from None
        except BaseException:
            if conn.in_transaction:
                conn.raw.execute("ROLLBACK")
            raise
    return applied


def _applied(conn: Connection, where: str) -> set[str]:
    """The steps this database has; refuses another program's tables and a newer inbox's."""
    has = conn.raw.execute("SELECT to_regclass('_migrations') IS NOT NULL, to_regclass('items') IS NOT NULL, "
                           "(SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema())").fetchone()
    ours, items, tables = has
    if not ours:
        if items or tables:
            raise ForeignDatabase(f"{where} is not an inbox database: it has {tables} tables of another "
                                  "program's, which were left untouched; give the inbox a database of its own")
        conn.raw.execute('CREATE TABLE _migrations (name TEXT COLLATE "C" PRIMARY KEY, applied_at TEXT)')
        return set()
    names = {row[0] for row in conn.raw.execute("SELECT name FROM _migrations")}
    known = {step.__name__ for step in pg_schema.STEPS}
    if names - known:
        raise NewerDatabase(f"{where} was made by a newer version of the inbox; upgrade the inbox")
    return names


class PostgresStore(Store):
    """The inbox on PostgreSQL: every `Store` method, on the server's connections."""

    KEEPS_TALLIES = False
    FULL_TEXT = "tsvector"

    def __init__(self, location: PostgresLocation) -> None:
        self.path = None
        self.location = location
        self._lock = threading.RLock()
        conn = connect(location)
        try:
            migrate(conn, location.url)
        except BaseException:
            conn.close()
            raise
        self.db = _Writer(conn)
        self._pool = Pool(location)
        self.held: dict[str, Connection] = {}
        """Connections holding a source's sync lock, by source (`ServerSyncLocks`)."""

    def __str__(self) -> str:
        return self.location.url

    def another(self) -> PostgresStore:
        other = PostgresStore(self.location)
        other.sweeps = self.sweeps
        other.suggest_threshold = self.suggest_threshold
        return other

    @property
    def sync_locks(self) -> ServerSyncLocks:  # type: ignore[override]
        return ServerSyncLocks(self)

    def connect_another(self) -> Connection:
        """A connection of its own (a lock that lasts as long as it does)."""
        return connect(self.location)

    def watch(self) -> ServerWatch:
        return ServerWatch(connect(self.location).raw, own=lambda: {self.db.conn.raw.info.backend_pid})

    def serial_moved(self, table: str, column: str) -> None:
        with self._transaction() as conn:
            conn.raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                             f"COALESCE(MAX({column}), 0) + 1, false) FROM {table}")

    def close(self) -> None:
        with self._lock:
            for conn in self.held.values():
                conn.close()
            self.held.clear()
            self._pool.close()
            self.db.conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:  # type: ignore[override]
        """BEGIN ... COMMIT on the writer, rolled back on any error. A writer the server
        dropped (a restart) is replaced before anything is written, so the change is made
        once, on the new one; a server still away is one line (`DatabaseUnreachable`)."""
        with self._lock:
            conn = self.db.conn
            if conn.broken or (time.monotonic() - conn.used_at > Pool.CHECK_AFTER and not conn.alive()):
                conn.close()
                conn = self.db.conn = connect(self.location)
            conn.execute("BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction and not conn.broken:
                    conn.raw.execute("ROLLBACK")
                raise
            finally:
                conn.used_at = time.monotonic()
            conn.execute("COMMIT")

    @contextmanager
    def _reading(self, cancelled: Cancelled | None = None) -> Iterator[Connection]:  # type: ignore[override]
        with self._pool.reading() as conn:
            yield conn

    def _explained(self, exc: Exception) -> Exception:  # type: ignore[override]
        return exc


class _Writer:
    """Where `Store` keeps its writer (`store.db.conn`), with the two calls of sqlite-utils'
    `Database` this package and its tests make (`execute`, `table_names`)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Any = ()) -> Cursor:
        return self.conn.execute(sql, params)

    def table_names(self) -> list[str]:
        return [row[0] for row in self.conn.raw.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")]
