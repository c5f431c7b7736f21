"""Where the inbox is: a SQLite file, or a PostgreSQL database named by a URL.

A URL never carries its password: that comes from `PGPASSWORD`, a `.pgpass` or service
file (libpq reads both), or the variable `[store] password_env` names. A URL written
with one is refused without being echoed, so the password reaches no screen or log.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from inbox.config.checks import DATABASE_SCHEMES, database_url_problem
from inbox.errors import UsageError

def is_url(value: str | Path) -> bool:
    return isinstance(value, str) and value.lower().startswith(DATABASE_SCHEMES)


@dataclass(frozen=True)
class PostgresLocation:
    """A PostgreSQL database: its URL (without a password) and where its password is."""

    url: str
    password_env: str | None = None

    def __str__(self) -> str:
        return self.url

    def password(self) -> str | None:
        """The password from `password_env`, or None to let libpq find one (PGPASSWORD,
        .pgpass, a service file) or use none."""
        if not self.password_env:
            return None
        value = os.environ.get(self.password_env)
        if not value:
            raise UsageError(f"the database password variable {self.password_env} ([store] password_env) "
                             "is not set")
        return value


def parse(value: str | Path, *, password_env: str | None = None) -> Path | PostgresLocation:
    """A SQLite path, or a `PostgresLocation` for a `postgresql://` URL."""
    if not is_url(value):
        return Path(value).expanduser()
    if problem := database_url_problem(str(value)):
        raise UsageError(f"the database URL {problem}")
    return PostgresLocation(str(value), password_env)
