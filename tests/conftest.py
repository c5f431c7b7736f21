"""Shared by every test: the loopback servers tests start are reached directly, and the
store tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; the loopback server must be reached directly."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(autouse=True)
def local_time_is_utc() -> Iterator[None]:
    """Times on screen are in the configured zone, else local time: the tests read them the
    same on every machine, wherever it is."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture(autouse=True)
def suggestions_checked_at_mount(monkeypatch: pytest.MonkeyPatch) -> None:
    """The TUI checks the type model a moment after it opens (so that its read does not add
    to the first screen's); a test's screen, a few posts, checks at once."""
    monkeypatch.setattr("inbox.tui.suggesting.START_DELAY", 0.0)


@pytest.fixture(autouse=True)
def nobody_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who uses the inbox comes from the config a test writes, not from whoever runs the
    tests (`$INBOX_ME` overrides `[team] me`)."""
    monkeypatch.delenv("INBOX_ME", raising=False)


# --- how many test processes ---------------------------------------------------------------

def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two test processes per core. About half of a TUI test's time is Pilot
    waiting for the app to go idle after each key, so a second process per core fills it
    (on 2 cores: 2.6 minutes instead of 3.7)."""
    return 2 * (os.cpu_count() or 1)


# --- the two backends -----------------------------------------------------------------------

POSTGRES_ENV = "INBOX_TEST_POSTGRES"


def _integrity_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    import psycopg

    return sqlite3.IntegrityError, psycopg.IntegrityError


INTEGRITY_ERRORS = _integrity_errors()
"""A row the schema refuses, as either database says it."""


def _admin_url() -> str:
    """The test server's URL, or the test is skipped (failed under CI=true)."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set: CI runs every store test on PostgreSQL too")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} to run this on PostgreSQL")
    return admin_url


_dropping = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drop-test-databases")
"""Dropping a database waits for the server's checkpoint (a third of a second): it is done
behind the tests, and the run waits for the last drop at exit."""


def _drop(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_database(template: str | None = None) -> Iterator[str]:
    """A database of its own on the test server (`$INBOX_TEST_POSTGRES`, e.g.
    postgresql://postgres@127.0.0.1:5432/postgres), empty or a copy of `template`, dropped
    afterwards. Without a server the test is skipped, except under CI=true, where a
    missing server fails the run."""
    admin_url = _admin_url()
    import psycopg

    name = f"inbox_test_{uuid.uuid4().hex[:16]}"
    copied = f' TEMPLATE "{template}"' if template else ""
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"{copied}')
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        _dropping.submit(_drop, admin_url, name)


@pytest.fixture(scope="session")
def migrated_postgres_template() -> Iterator[str]:
    """One inbox database built once per test process, copied for each store test: building
    the schema takes the server almost half a second, copying it a twentieth."""
    from inbox.store import open_store

    with postgres_database() as url:
        open_store(url).close()
        yield urlsplit(url).path[1:]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """An empty database, for tests of what happens to a new one."""
    with postgres_database() as url:
        yield url


@pytest.fixture
def migrated_postgres_url(migrated_postgres_template: str) -> Iterator[str]:
    """A database that already holds an empty inbox."""
    with postgres_database(template=migrated_postgres_template) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a store test's inbox is: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "inbox.db"
    return request.getfixturevalue("migrated_postgres_url")
