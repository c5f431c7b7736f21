"""Whether the database file can be written now, and if not, one line that says why.

A read-only file is refused before SQLite touches it. A write lock held elsewhere is waited
for briefly, then named: on Linux `/proc/locks` tells which process holds SQLite's lock
bytes, and `/proc/PID/cmdline` what that process is (often another `inbox sync`).
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from inbox.errors import DatabaseBusy, ReadOnlyDatabase, StoreError

_PENDING_BYTE = 0x40000000
"""SQLite's lock bytes in the database file (rollback journal, or WAL in exclusive mode):
pending, reserved, then the shared range. A write lock on any of them is a writer."""
_SHARED_END = _PENDING_BYTE + 2 + 510
_WAL_WRITER_BYTES = (120, 122)
"""In WAL mode the writer, checkpointer and recovery locks, in the `-shm` file."""


def check_writable(path: Path) -> None:
    """Refuse a database the inbox could not write, before opening it.

    The permission bits count even for root, who could write anyway: a file someone made
    read-only is not one the inbox should change.
    """
    if path.exists():
        if not _writable(path):
            raise ReadOnlyDatabase(f"{path} is read-only: the inbox writes to its database; "
                                   "make it writable or use another --db")
        missing = [s for s in ("-wal", "-shm") if not Path(f"{path}{s}").exists()]
        if missing and not _writable(path.parent):
            raise ReadOnlyDatabase(f"{path} is read-only: its folder {path.parent} cannot be written, "
                                   "and SQLite keeps its journal beside the database")
    elif not _writable(path.parent):
        raise ReadOnlyDatabase(f"{path} cannot be created: its folder {path.parent} is read-only")


def use_wal(conn: sqlite3.Connection, wait: float) -> None:
    """Switch the file to WAL, retrying for up to `wait` seconds.

    SQLite answers "locked" at once, without its busy handler, when two connections switch
    a new file at the same moment; the second only has to try again.
    """
    if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal":
        return  # already: switching is a write, and this needs none
    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")  # an in-memory database stays "memory"
            return
        except sqlite3.OperationalError as exc:
            if _kind(exc) != "busy" or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _writable(path: Path) -> bool:
    try:
        return os.access(path, os.W_OK) and bool(path.stat().st_mode & 0o222)
    except OSError:
        return False


def explain(where: str, exc: sqlite3.Error) -> StoreError | None:
    """The inbox's error for SQLite's "locked" and "read-only", and for a table or column of
    the inbox's that something else removed; None for anything else."""
    kind = _kind(exc)
    if kind == "busy":
        return busy(where)
    if kind == "readonly":
        return ReadOnlyDatabase(f"{where} is read-only: {exc}; make it writable or use another --db")
    if str(exc).startswith(("no such table", "no such column")):
        return StoreError(f"{where}: not a usable inbox database ({exc}): something else changed its "
                          "tables; restore it from a copy, or give the inbox a new file with --db")
    return None


def _kind(exc: sqlite3.Error) -> str | None:
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return "busy"
    if name.startswith("SQLITE_READONLY") or "readonly database" in text:
        return "readonly"
    return None


def busy(where: str) -> DatabaseBusy:
    """The database is locked: say who holds it when the system can tell."""
    holder = holder_of(Path(where)) if where != ":memory:" else None
    who = "another connection" if holder is None else holder
    return DatabaseBusy(f"{where} is busy: {who} is writing to it; try again when it has finished")


def holder_of(path: Path) -> str | None:
    """The process holding SQLite's write lock on `path`, as "pid N (command)", if knowable."""
    try:
        targets = {_lock_id(path): "db"}
        shm = Path(f"{path}-shm")
        if shm.exists():
            targets[_lock_id(shm)] = "shm"
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if "->" in fields:  # a process waiting for the lock, not holding it
            continue
        try:
            kind, pid, file_id, start, end = fields[3], int(fields[4]), fields[5], int(fields[6]), fields[7]
            last = int(end) if end != "EOF" else 1 << 62
        except (IndexError, ValueError):
            continue
        target = targets.get(file_id)
        if kind != "WRITE" or target is None or pid <= 0:
            continue
        low, high = (_WAL_WRITER_BYTES if target == "shm" else (_PENDING_BYTE, _SHARED_END))
        if start <= high and last >= low:
            if pid == os.getpid():
                return "another connection in this process"
            return f"pid {pid} ({_command(pid)})"
    return None


def _lock_id(path: Path) -> str:
    """How /proc/locks names a file: MAJOR:MINOR:INODE, the device numbers in hex."""
    stat = path.stat()
    return f"{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}"


def _command(pid: int) -> str:
    """A process's command line, short: `inbox sync` rather than the interpreter's path."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().decode("utf-8", "replace").split("\0")
    except OSError:
        return "unknown command"
    args = [arg for arg in args if arg]
    if len(args) > 1 and os.path.basename(args[0]).startswith("python"):
        args = args[1:]
    if args:
        args[0] = os.path.basename(args[0])
    command = " ".join(args) or "unknown command"
    return command if len(command) <= 60 else command[:59] + "…"
