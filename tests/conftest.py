"""Shared by every test: the loopback servers tests start are reached directly, and the
store tests run on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
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
def nobody_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Who uses the inbox comes from the config a test writes, not from whoever runs the
    tests (`$INBOX_ME` overrides `[team] me`)."""
    monkeypatch.delenv("INBOX_ME", raising=False)


# --- the two backends -----------------------------------------------------------------------

POSTGRES_ENV = "INBOX_TEST_POSTGRES"


def _integrity_errors() -> tuple[type[Exception], ...]:
    import sqlite3

    import psycopg

    return sqlite3.IntegrityError, psycopg.IntegrityError


INTEGRITY_ERRORS = _integrity_errors()
"""A row the schema refuses, as either database says it."""


@contextmanager
def postgres_database() -> Iterator[str]:
    """A database of its own on the test server (`$INBOX_TEST_POSTGRES`, e.g.
    postgresql://postgres@127.0.0.1:5432/postgres), dropped afterwards. Without a server the
    test is skipped, except under CI=true, where a missing server fails the run."""
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{POSTGRES_ENV} is not set: CI runs every store test on PostgreSQL too")
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_ENV} to run this on PostgreSQL")
    import psycopg

    name = f"inbox_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(admin_url)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """Where a store test's inbox is: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "inbox.db"
    return request.getfixturevalue("postgres_url")
