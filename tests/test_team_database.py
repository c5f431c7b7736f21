"""A team's shared database: a PostgreSQL URL wherever a SQLite path goes, its password
never written anywhere, the schema built once and atomically, and `inbox db copy` moving
an inbox between the two backends with nothing lost and nothing changed the second time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from inbox.cli import main
from inbox.errors import DatabaseBusy, ForeignDatabase, ReadOnlyDatabase, StoreError, UsageError
from inbox.models import Item, Reply
from inbox.store import open_store, pg_schema
from inbox.store.copy import TABLES, summed
from inbox.store.location import PostgresLocation, parse
from inbox.timeutil import iso

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
SECRET = "hunter2-very-secret"


def make_item(number: int, **changes) -> Item:
    item = Item(source="server", kind="github", external_id=str(number),
                url=f"https://github.com/acme/chat/issues/{number}", title=f"Upgrade fails ({number}) café",
                body="Migration 112 fails on upgrade.", author="rhys", author_is_staff=False,
                created_at=NOW - timedelta(days=3), last_activity_at=NOW - timedelta(hours=number),
                replies=1, labels=["bug"],
                thread=[Reply(external_id=f"c{number}", author="devin", author_is_staff=True,
                              created_at=NOW - timedelta(hours=number), body="Which version?")])
    for name, value in changes.items():
        setattr(item, name, value)
    return item


# --- where the inbox is -------------------------------------------------------------------------

def test_a_url_is_a_server_and_a_path_is_a_file() -> None:
    assert parse("postgresql://inbox@db.example.org/inbox?sslmode=require") == \
        PostgresLocation("postgresql://inbox@db.example.org/inbox?sslmode=require")
    assert parse("postgres://inbox@db/inbox") == PostgresLocation("postgres://inbox@db/inbox")
    assert parse("team/inbox.db") == Path("team/inbox.db")


@pytest.mark.parametrize("url", [f"postgresql://inbox:{SECRET}@db.example.org/inbox",
                                 f"postgresql://inbox@db.example.org/inbox?password={SECRET}"])
def test_a_url_with_its_password_is_refused_without_echoing_it(
        url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError) as raised:
        parse(url)
    assert SECRET not in str(raised.value)
    monkeypatch.chdir(tmp_path)
    assert main(["--db", url, "list"]) == 2
    out, err = capsys.readouterr()
    assert SECRET not in out + err and "password" in err and err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []  # no stray SQLite file named like the URL


def test_a_config_url_with_a_password_is_refused_without_echoing_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "postgresql://inbox:{SECRET}@db.example.org/inbox"\n')
    assert main(["--config", str(config), "list"]) == 2
    out, err = capsys.readouterr()
    assert SECRET not in out + err and "store.url" in err


def test_an_unreachable_server_is_one_line_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    # nothing listens on port 1: refused at once
    assert main(["--db", "postgresql://inbox@127.0.0.1:1/inbox", "list"]) == 1
    out, err = capsys.readouterr()
    assert "cannot be reached" in err and err.count("\n") == 1 and "Traceback" not in err


def test_the_password_variable_is_named_when_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INBOX_DB_PASSWORD", raising=False)
    with pytest.raises(UsageError, match="INBOX_DB_PASSWORD"):
        open_store("postgresql://inbox@127.0.0.1:1/inbox", password_env="INBOX_DB_PASSWORD")


def test_the_store_url_comes_from_inbox_db_or_the_config(
        postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(postgres_url)
    store.save_page("server", [make_item(1)])
    store.close()
    config = tmp_path / "config.toml"
    config.write_text(f'[store]\nurl = "{postgres_url}"\n')
    assert main(["--config", str(config), "list", "--json"]) == 0
    assert '"server:1"' in capsys.readouterr().out
    monkeypatch.setenv("INBOX_DB", postgres_url)
    monkeypatch.delenv("INBOX_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing"))
    assert main(["triage", "server:1", "--type", "bug"]) == 0
    store = open_store(postgres_url)
    assert store.triage_rows(["server:1"])["server:1"]["type"] == "bug"
    store.close()


# --- the schema on the server --------------------------------------------------------------------

def test_two_inboxes_opening_a_new_database_at_once_build_it_once(postgres_url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_store(postgres_url).close()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(pg_schema.STEPS)


def test_a_step_that_fails_leaves_nothing(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def p002_broken() -> str:
        return "CREATE TABLE half_built (x INTEGER); SELECT no_such_function();"

    monkeypatch.setattr(pg_schema, "STEPS", [*pg_schema.STEPS, p002_broken])
    with pytest.raises(Exception, match="p002_broken failed"):
        open_store(postgres_url)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('half_built')").fetchone()[0] is None
        assert [r[0] for r in conn.execute("SELECT name FROM _migrations")] == [step.__name__ for step in pg_schema.STEPS[:-1]]


def test_a_step_that_fails_halfway_on_an_inbox_in_use_leaves_it_as_it_was(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An upgrade that breaks off: the tables, columns and posts are as before, the step is
    still to do, and the next start (with the step mended) upgrades and opens."""
    store = open_store(postgres_url)
    store.save_page("server", [make_item(1)])
    store.close()

    def columns() -> list[tuple]:
        with psycopg.connect(postgres_url) as conn:
            return conn.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                                "WHERE table_schema = current_schema() ORDER BY 1, 2").fetchall()

    before = columns()

    def p999_half() -> str:
        return "CREATE TABLE half_built (x INTEGER); ALTER TABLE items ADD COLUMN half TEXT; SELECT 1 / 0;"

    monkeypatch.setattr(pg_schema, "STEPS", [*pg_schema.STEPS, p999_half])
    with pytest.raises(StoreError, match="p999_half failed .*nothing of it was kept"):
        open_store(postgres_url)
    assert columns() == before
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT COUNT(*) FROM _migrations WHERE name = 'p999_half'").fetchone()[0] == 0

    def p999_half() -> str:  # mended
        return "CREATE TABLE half_built (x INTEGER);"

    monkeypatch.setattr(pg_schema, "STEPS", [*pg_schema.STEPS[:-1], p999_half])
    store = open_store(postgres_url)
    assert store.item_count() == 1
    store.close()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('half_built') IS NOT NULL").fetchone()[0] is True
        assert conn.execute("SELECT COUNT(*) FROM _migrations WHERE name = 'p999_half'").fetchone()[0] == 1


def test_another_programs_database_is_left_alone(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(ForeignDatabase):
        open_store(postgres_url)


def test_a_lock_someone_holds_is_waited_for_briefly_then_named(postgres_url: str) -> None:
    """A teammate's session holding a table (or a row) in an open transaction: the inbox
    waits a few seconds, then says who holds it, where it used to wait for ever."""
    store = open_store(postgres_url)
    store.save_page("server", [make_item(1)])
    holder = psycopg.connect(postgres_url, application_name="psql")
    holder.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
    pid = holder.info.backend_pid
    outcome: list[BaseException | None] = []

    def triage() -> None:
        try:
            store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="amy")
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 (what it raised is the test)
            outcome.append(exc)

    waiting = threading.Thread(target=triage, daemon=True)
    try:
        waiting.start()
        waiting.join(timeout=20)
        assert outcome, "still waiting for the lock after 20s"
    finally:
        holder.rollback()
        holder.close()
        waiting.join(timeout=20)
    [error] = outcome
    assert isinstance(error, DatabaseBusy), error
    assert f"pid {pid} (psql, user" in str(error) and "try again" in str(error)
    assert "\n" not in str(error)
    store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="amy")  # free again: it works
    store.close()


def test_a_database_the_user_may_not_write_is_one_line(postgres_url: str) -> None:
    store = open_store(postgres_url)
    store.save_page("server", [make_item(1)])
    store.close()
    name = urlsplit(postgres_url).path.lstrip("/")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    store = open_store(postgres_url)
    assert store.item_count() == 1  # reading still works
    with pytest.raises(ReadOnlyDatabase, match="cannot be written by the inbox .*read-only transaction"):
        store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="amy")
    store.close()


# --- moving an inbox ------------------------------------------------------------------------------

def _filled(location) -> None:
    store = open_store(location)
    store.save_page("server", [make_item(n) for n in range(1, 40)], etag=("https://api/x", 'W/"1"'))
    store.set_triage(["server:1", "server:2"], {"type": "bug", "assignee": "carol"}, now=NOW, by="amy")
    store.set_triage(["server:3"], {"done": True, "note": "NUL-free ünïcode"}, now=NOW, by="amy")
    store.drafts.save("server:4", "Which version?", template="ask-version", now=NOW)
    run = store.runs.start("office-hours", NOW.date(), now=NOW)
    store.runs.tick(run.id, "invite", "Send the invite", ticked=True, now=NOW)
    store.replace_sla_due([("server:5", iso(NOW), iso(NOW - timedelta(days=1)))])
    store.close()


def test_copy_to_postgres_and_back_loses_nothing_and_a_second_copy_changes_nothing(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "mine.db"
    _filled(source)
    assert main(["--db", str(source), "db", "copy", "--to", postgres_url]) == 0
    first = capsys.readouterr().out
    assert "Every table is the same on both sides" in first
    assert main(["--db", str(source), "db", "copy", "--to", postgres_url]) == 0
    assert "(0 rows written)" in capsys.readouterr().out
    back = tmp_path / "back.db"
    assert main(["--db", postgres_url, "db", "copy", "--to", str(back)]) == 0
    capsys.readouterr()
    stores = [open_store(where) for where in (source, postgres_url, back)]
    try:
        for table, _, _ in TABLES:
            sums = {summed(store, table) for store in stores}
            assert len(sums) == 1, table
        views = [store.page("type:bug", now=NOW, limit=10) for store in stores]
        assert views[0] == views[1] == views[2] and len(views[0]) == 2
        # the next sync is still incremental: the ETag came along
        assert stores[2].etag("https://api/x") == 'W/"1"'
    finally:
        for store in stores:
            store.close()


def test_copy_onto_itself_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "mine.db"
    _filled(source)
    assert main(["--db", str(source), "db", "copy", "--to", str(source)]) == 2
    assert "another database" in capsys.readouterr().err


def _clock_stopped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command reads the same moment as now, whichever second it runs in."""
    import importlib
    import sys

    from inbox import timeutil

    for name in ("inbox.cli.sweep", "inbox.cli.stats", "inbox.cli.people", "inbox.cli.items"):
        importlib.import_module(name)
    moment = timeutil.utcnow()
    for module in [m for name, m in sys.modules.items() if name.startswith("inbox") and m is not None]:
        if getattr(module, "utcnow", None) is timeutil.utcnow:
            monkeypatch.setattr(module, "utcnow", lambda: moment)


def test_reports_on_the_server_say_what_they_say_on_a_file(
        postgres_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo in a file and copied to the server: sweep, stats, people and list print the
    same (the SQL is written once, for both)."""
    from inbox.demo import CONFIG_PATH, load_demo
    from inbox.timeutil import utcnow

    source = tmp_path / "demo.db"
    store = open_store(source)
    load_demo(store, now=utcnow())
    store.close()
    assert main(["--db", str(source), "db", "copy", "--to", postgres_url]) == 0
    capsys.readouterr()
    _clock_stopped(monkeypatch)  # the sweep says when it was made: both runs at one moment
    for command in (["sweep", "--format", "json"], ["stats", "--json"], ["people"], ["list", "--json"],
                    ["list", "is:overdue"], ["list", "webhook"]):
        printed = []
        for where in (str(source), postgres_url):
            assert main(["--config", str(CONFIG_PATH), "--db", where, *command]) == 0, command
            printed.append(capsys.readouterr().out)
        assert printed[0] == printed[1], command


# --- the server restarted mid-session ---------------------------------------------------------

def _drop_connections(url: str) -> None:
    """What a restart does to the inbox: every connection to its database ends."""
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = %s AND pid <> pg_backend_pid()", [name])


def test_after_a_restart_reads_and_writes_carry_on_and_a_change_is_made_once(
        postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from inbox.store.postgres import Pool

    monkeypatch.setattr(Pool, "CHECK_AFTER", 0.0)  # every connection is tried before it serves
    store = open_store(postgres_url)
    try:
        store.save_page("server", [make_item(1)])
        assert store.item_count() == 1
        _drop_connections(postgres_url)
        assert store.item_count() == 1  # a read on a new connection
        store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="amy")  # a write on a new writer
        assert store.triage_rows(["server:1"])["server:1"]["type"] == "bug"
        assert [(c.field, c.new) for c in store.history.of("server:1")] == [("type", "bug")]
    finally:
        store.close()


def test_a_server_still_away_is_one_line(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from inbox.errors import DatabaseUnreachable
    from inbox.store.postgres import Pool

    monkeypatch.setattr(Pool, "CHECK_AFTER", 0.0)
    store = open_store(postgres_url)
    try:
        _drop_connections(postgres_url)
        store.location = PostgresLocation("postgresql://inbox@127.0.0.1:1/inbox")  # and it does not come back
        with pytest.raises(DatabaseUnreachable, match="cannot be reached"):
            store.set_triage(["server:1"], {"type": "bug"}, now=NOW, by="amy")
    finally:
        store.close()
