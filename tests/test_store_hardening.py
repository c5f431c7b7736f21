"""The database file under stress: concurrent first opens, a migration that fails halfway,
databases from an older release, another program or a newer inbox, read-only and locked
files, and an undo that meets someone else's change."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils

from inbox.errors import (
    DatabaseBusy,
    ForeignDatabase,
    NewerDatabase,
    ReadOnlyDatabase,
    StoreError,
)
from inbox.models import Item
from inbox.store import Store, migrations
from tests.cli_helpers import run

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


def make_item(n: str = "1") -> Item:
    return Item(source="server", kind="github", external_id=n, url=f"https://github.com/a/b/issues/{n}",
                title=f"Issue {n}", body="body", author="ana", author_is_staff=False,
                created_at=NOW - timedelta(days=1), last_activity_at=NOW - timedelta(hours=1))


def tables(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def pragma(path: Path, name: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]



@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[team]\nme = "ana"\n')
    return path


# --- two first opens at once -------------------------------------------------------

def _open_at(args: tuple[str, float]) -> str:
    path, start = args
    while time.time() < start:  # both processes open the new file at the same moment
        pass
    try:
        Store(path).close()
    except Exception as exc:  # reported to the test, not raised in the pool
        return f"{type(exc).__name__}: {exc}"
    return "ok"


def test_first_opens_of_a_new_database_at_the_same_moment_all_succeed(tmp_path: Path) -> None:
    pairs = 10
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = []
        for n in range(pairs):
            start = time.time() + 0.03
            results += pool.map(_open_at, [(str(tmp_path / f"{n}.db"), start)] * 2)
    assert results == ["ok"] * 2 * pairs
    expected = [m.__name__ for m in migrations.MIGRATIONS]
    for n in range(pairs):
        with sqlite3.connect(tmp_path / f"{n}.db") as conn:
            assert sorted(r[0] for r in conn.execute("SELECT name FROM _migrations")) == sorted(expected)


# --- a migration that fails halfway --------------------------------------------------

def test_a_migration_that_fails_halfway_leaves_nothing_and_stays_pending(tmp_path, monkeypatch) -> None:
    path = tmp_path / "inbox.db"
    Store(path).close()
    known = len(migrations.MIGRATIONS)

    def m999_half_done(db: sqlite_utils.Database) -> None:
        db["half"].create({"id": int}, pk="id")
        db["items"].add_column("half_column", str)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_half_done])
    with pytest.raises(StoreError, match="m999_half_done failed .*disk on fire"):
        Store(path)
    assert "half" not in tables(path)
    with sqlite3.connect(path) as conn:
        assert "half_column" not in [row[1] for row in conn.execute("PRAGMA table_info(items)")]
        assert "m999_half_done" not in [row[0] for row in conn.execute("SELECT name FROM _migrations")]
    assert pragma(path, "user_version") == known

    def m999_half_done(db: sqlite_utils.Database) -> None:
        db["half"].create({"id": int}, pk="id")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS[:known], m999_half_done])
    Store(path).close()  # still pending: the fixed version applies
    assert "half" in tables(path)
    assert pragma(path, "user_version") == known + 1


def test_migrations_before_the_failing_one_are_kept(tmp_path, monkeypatch) -> None:
    def m999_fails(db: sqlite_utils.Database) -> None:
        db.execute("CREATE TABLE nope (id INTEGER)")
        raise sqlite3.OperationalError("simulated")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_fails])
    path = tmp_path / "new.db"
    with pytest.raises(StoreError, match="m999_fails"):
        Store(path)
    assert "items" in tables(path) and "nope" not in tables(path)
    assert pragma(path, "application_id") == migrations.APPLICATION_ID


def test_sqlite_utils_helpers_stay_inside_the_migrations_transaction(tmp_path, monkeypatch) -> None:
    """transform() and enable_fts() (its executescript) neither commit nor escape the rollback."""
    path = tmp_path / "inbox.db"
    Store(path).close()

    def m007_reshape(db: sqlite_utils.Database) -> None:
        db["sources"].transform(rename={"last_error": "error"})
        db["items"].enable_fts(["title"], replace=True, create_triggers=True)
        raise RuntimeError("after the reshaping")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m007_reshape])
    with pytest.raises(StoreError, match="m007_reshape"):
        Store(path)
    with sqlite3.connect(path) as conn:
        assert "last_error" in [row[1] for row in conn.execute("PRAGMA table_info(sources)")]
        assert '"body"' in conn.execute("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").fetchone()[0]


# --- a database made by an earlier release ---------------------------------------------

def _release_before_the_mark(path: Path, upto: int) -> None:
    """A database as the release before the inbox's mark left it: migrations recorded in
    `_migrations`, no application_id, no user_version."""
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for function in migrations.MIGRATIONS[:upto]:
        function(db)
        db.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", [function.__name__])
    db["items"].insert({"key": "server:1", "source": "server", "kind": "github", "external_id": "1",
                        "title": "Old issue", "body": "b", "created_at": "2026-11-01T00:00:00Z",
                        "last_activity_at": "2026-11-01T00:00:00Z"})
    db["triage"].insert({"key": "server:1", "type": "bug", "note": "kept"})
    db.conn.commit()
    db.close()
    assert pragma(path, "application_id") == 0 and pragma(path, "user_version") == 0


@pytest.mark.parametrize("upto", [6, 2])
def test_a_database_from_the_release_before_the_mark_opens_upgrades_and_is_marked(tmp_path, upto) -> None:
    path = tmp_path / "old.db"
    _release_before_the_mark(path, upto)
    store = Store(path)
    assert store.triage_rows(["server:1"])["server:1"]["note"] == "kept"
    assert store.count("type:bug", now=NOW) == 1
    store.set_triage(["server:1"], {"jira_key": "SUP-1"}, now=NOW, by="test")  # a column from m005
    store.close()
    assert pragma(path, "application_id") == migrations.APPLICATION_ID
    assert pragma(path, "user_version") == len(migrations.MIGRATIONS)


def test_a_new_database_carries_the_mark_and_its_version(tmp_path) -> None:
    path = tmp_path / "new.db"
    Store(path).close()
    assert pragma(path, "application_id") == migrations.APPLICATION_ID
    assert pragma(path, "user_version") == len(migrations.MIGRATIONS)


# --- another program's database --------------------------------------------------------

def _places(path: Path) -> None:
    """Shaped like Firefox's places.sqlite: WAL, its own tables, rows."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT, title TEXT)")
        conn.execute("CREATE TABLE moz_bookmarks (id INTEGER PRIMARY KEY, fk INTEGER)")
        conn.execute("INSERT INTO moz_places (url, title) VALUES ('https://example.org', 'Example')")
    conn.close()


def test_another_programs_database_is_refused_and_left_untouched(tmp_path, capsys, config) -> None:
    path = tmp_path / "places.sqlite"
    _places(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    with pytest.raises(ForeignDatabase, match="not an inbox database.*moz_bookmarks, moz_places"):
        Store(path)
    code, out, err = run(capsys, "--config", config, "--db", path, "sync")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not an inbox database" in err and "unexpected" not in err

    assert tables(path) == ["moz_bookmarks", "moz_places"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert pragma(path, "application_id") == 0


def test_an_empty_file_marked_by_another_program_is_refused(tmp_path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 1234")
    with pytest.raises(ForeignDatabase):
        Store(path)
    assert tables(path) == []


def test_a_migrations_table_of_another_program_is_not_ours(tmp_path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO _migrations VALUES ('0001_initial', 'x')")
    with pytest.raises(ForeignDatabase):
        Store(path)
    assert tables(path) == ["_migrations", "items"]


@pytest.mark.parametrize("damage", ["DROP TABLE drafts", "ALTER TABLE drafts RENAME COLUMN key TO draft_key"])
def test_an_inbox_database_missing_a_table_is_one_line_not_unexpected(tmp_path, capsys, config, damage) -> None:
    """Marked as the inbox's, every migration recorded, and a table (or a column) dropped
    by hand since: whatever needs it says the database is not usable, in one line."""
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [make_item("1")])
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute(damage)
    code, out, err = run(capsys, "--config", config, "--db", path, "reply", "server:1", "--discard")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "unexpected" not in err
    assert f"{path}: not a usable inbox database (no such" in err


# --- a newer inbox's database ----------------------------------------------------------

def test_a_newer_schema_is_refused_naming_both_versions(tmp_path, capsys, config) -> None:
    path = tmp_path / "inbox.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    supported = len(migrations.MIGRATIONS)
    with pytest.raises(NewerDatabase, match=f"schema version 999, this version supports up to {supported}"):
        Store(path)
    code, _, err = run(capsys, "--config", config, "--db", path, "list")
    assert code == 2 and err.count("\n") == 1 and "999" in err and str(supported) in err
    assert pragma(path, "user_version") == 999  # not written


def test_a_migration_this_version_does_not_know_means_newer(tmp_path) -> None:
    path = tmp_path / "inbox.db"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', datetime('now'))")
    known = len(migrations.MIGRATIONS)
    with pytest.raises(NewerDatabase, match=f"schema version {known + 1}, this version supports up to {known}"):
        Store(path)


def test_a_newer_database_from_before_the_mark_is_newer_not_foreign(tmp_path) -> None:
    path = tmp_path / "old.db"
    _release_before_the_mark(path, 6)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 999")
    with pytest.raises(NewerDatabase, match="999"):
        Store(path)
    assert pragma(path, "application_id") == 0


# --- read-only ------------------------------------------------------------------------

def test_a_read_only_database_is_one_clear_line(tmp_path, capsys, config) -> None:
    path = tmp_path / "inbox.db"
    Store(path).close()
    path.chmod(0o444)
    try:
        with pytest.raises(ReadOnlyDatabase, match="is read-only"):
            Store(path)
        for command in (["list"], ["sync"], []):
            code, _, err = run(capsys, "--config", config, "--db", path, *command)
            assert code == 2 and err.count("\n") == 1
            assert "is read-only" in err and "unexpected" not in err
    finally:
        path.chmod(0o644)


def test_a_database_in_a_read_only_folder_is_one_clear_line(tmp_path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    Store(folder / "inbox.db").close()
    folder.chmod(0o555)
    try:
        with pytest.raises(ReadOnlyDatabase, match="is read-only: its folder"):
            Store(folder / "inbox.db")
        with pytest.raises(ReadOnlyDatabase, match="cannot be created"):
            Store(folder / "new.db")
    finally:
        folder.chmod(0o755)


# --- locked ---------------------------------------------------------------------------

_HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE IF NOT EXISTS held (id INTEGER)")
print("held", flush=True)
sys.stdin.read()
"""


def _hold(path: Path) -> subprocess.Popen:
    """Another process holding the file's write lock until its stdin closes."""
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def _release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=5)


@pytest.fixture
def held_for_upgrade(tmp_path):
    """A database the release before the mark made, locked by another process: opening it
    must upgrade it, which needs the lock."""
    path = tmp_path / "inbox.db"
    _release_before_the_mark(path, 6)
    holder = _hold(path)
    yield path, holder
    _release(holder)


@pytest.fixture
def held(tmp_path):
    """An up-to-date inbox database whose write lock another process holds."""
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [make_item()])
    store.close()
    holder = _hold(path)
    yield path, holder
    _release(holder)


def test_a_locked_database_says_busy_and_who_holds_it_within_seconds(held_for_upgrade, capsys, config) -> None:
    path, holder = held_for_upgrade
    started = time.monotonic()
    code, _, err = run(capsys, "--config", config, "--db", path, "list")
    waited = time.monotonic() - started
    assert code == 1 and err.count("\n") == 1
    assert "is busy" in err and f"pid {holder.pid}" in err and "try again" in err
    assert "usable" not in err and "unexpected" not in err
    assert waited < Store.OPEN_WAIT + 1.5


def test_a_locked_database_is_one_line_for_sync_and_the_tui(held_for_upgrade, capsys, config, monkeypatch) -> None:
    monkeypatch.setattr(Store, "OPEN_WAIT", 0.3)
    path, _ = held_for_upgrade
    for command in (["sync"], []):
        code, out, err = run(capsys, "--config", config, "--db", path, *command)
        assert code == 1 and out == "" and err.count("\n") == 1 and "is busy" in err


def test_reading_goes_on_while_another_process_writes(held, capsys, config) -> None:
    path, _ = held
    started = time.monotonic()
    code, out, _ = run(capsys, "--config", config, "--db", path, "list", "--json")
    assert code == 0 and "server:1" in out
    assert time.monotonic() - started < 1


def test_a_write_to_a_locked_database_is_busy_with_its_holder(held, capsys, config, monkeypatch) -> None:
    monkeypatch.setattr(Store, "WRITE_WAIT", 0.3)
    path, holder = held
    code, _, err = run(capsys, "--config", config, "--db", path, "triage", "server:1", "--type", "bug")
    assert code == 1 and err.count("\n") == 1
    assert "is busy" in err and f"pid {holder.pid}" in err and "unexpected" not in err
    _release(holder)
    store = Store(path)
    assert store.triage_rows(["server:1"])["server:1"] is None  # nothing half-written
    store.close()


def test_a_write_that_waits_too_long_for_the_lock_is_busy_not_unexpected(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(Store, "WRITE_WAIT", 0.3)
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [make_item()])
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy, match="another connection in this process"):
            store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")
    finally:
        other.execute("ROLLBACK")
        other.close()
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")  # free again: it works
    store.close()


def test_a_database_locked_exclusively_is_busy_too(tmp_path, monkeypatch) -> None:
    """In exclusive locking mode even reading waits: the open says busy."""
    monkeypatch.setattr(Store, "OPEN_WAIT", 0.3)
    path = tmp_path / "inbox.db"
    Store(path).close()
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    other.execute("INSERT INTO sources (name, kind) VALUES ('held', 'github')")
    try:
        with pytest.raises(DatabaseBusy):
            Store(path)
    finally:
        other.close()


# --- undo meets someone else's change -------------------------------------------------

@pytest.fixture
def two(tmp_path):
    """The TUI's store and another process's (the CLI's) on the same file."""
    path = tmp_path / "inbox.db"
    mine, theirs = Store(path), Store(path)
    mine.save_page("server", [make_item("1"), make_item("2")])
    yield mine, theirs
    mine.close()
    theirs.close()


def test_set_triage_says_what_it_changed(two) -> None:
    mine, _ = two
    change = mine.set_triage(["server:1"], {"type": "bug", "assignee": "maya"}, now=NOW, by="test")
    assert change.changed == {"server:1": {"type": (None, "bug"), "assignee": (None, "maya"),
                                           "assigned_at": (None, "2026-11-18T12:00:00Z")}}
    again = mine.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")
    assert again.changed == {}


def test_undo_keeps_an_assignee_and_a_note_set_meanwhile(two) -> None:
    mine, theirs = two
    tagged = mine.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")
    theirs.set_triage(["server:1"], {"assignee": "lee", "note": "called them"}, now=NOW + timedelta(minutes=1), by="test")

    undone = mine.restore_triage(tagged, now=NOW, by="test")
    row = theirs.triage_rows(["server:1"])["server:1"]
    assert row["type"] is None
    assert row["assignee"] == "lee" and row["note"] == "called them" and row["assigned_at"]
    assert undone.restored == {"server:1": ["type"]} and undone.left == {}


def test_undo_leaves_a_field_changed_meanwhile_and_says_so(two) -> None:
    mine, theirs = two
    action = mine.set_triage(["server:1"], {"type": "bug", "note": "mine"}, now=NOW, by="test")
    theirs.set_triage(["server:1"], {"type": "feature"}, now=NOW + timedelta(minutes=1), by="test")

    undone = mine.restore_triage(action, now=NOW, by="test")
    row = mine.triage_rows(["server:1"])["server:1"]
    assert row["type"] == "feature" and row["note"] is None
    assert undone.left == {"server:1": {"type": "feature"}}
    assert undone.restored == {"server:1": ["note"]}


def test_undo_of_done_leaves_it_when_marked_done_again_meanwhile(two) -> None:
    mine, theirs = two
    done = mine.set_triage(["server:1"], {"done": True}, now=NOW, by="test")
    theirs.save_page("server", [Item(**{**make_item("1").__dict__, "last_activity_at": NOW})])
    theirs.set_triage(["server:1"], {"done": True}, now=NOW + timedelta(minutes=1), by="test")  # at the newer activity

    undone = mine.restore_triage(done, now=NOW, by="test")
    assert mine.count("is:done", now=NOW + timedelta(minutes=2)) == 1
    assert set(undone.left["server:1"]) == {"done"}


def test_undo_after_someone_else_undid_it_is_quiet(two) -> None:
    mine, theirs = two
    action = mine.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")
    theirs.set_triage(["server:1"], {"type": None}, now=NOW + timedelta(minutes=1), by="test")
    undone = mine.restore_triage(action, now=NOW, by="test")
    assert undone.left == {} and undone.restored == {}
    assert mine.triage_rows(["server:1"])["server:1"] is None  # nothing decided, as before


def test_undo_of_a_first_decision_removes_the_row_only_if_nothing_else_was_decided(two) -> None:
    mine, theirs = two
    first = mine.set_triage(["server:1", "server:2"], {"type": "bug"}, now=NOW, by="test")
    theirs.set_triage(["server:2"], {"note": "theirs"}, now=NOW + timedelta(minutes=1), by="test")
    mine.restore_triage(first, now=NOW, by="test")
    rows = mine.triage_rows(["server:1", "server:2"])
    assert rows["server:1"] is None
    assert rows["server:2"]["note"] == "theirs" and rows["server:2"]["type"] is None


def test_an_undo_that_waits_too_long_is_busy_and_changes_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(Store, "WRITE_WAIT", 0.2)
    path = tmp_path / "inbox.db"
    store = Store(path)
    store.save_page("server", [make_item()])
    action = store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="test")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy):
            store.restore_triage(action, now=NOW, by="test")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.triage_rows(["server:1"])["server:1"]["type"] == "bug"
    store.restore_triage(action, now=NOW, by="test")  # free again: the same undo still works
    assert store.triage_rows(["server:1"])["server:1"] is None
    store.close()
