"""The checks every config section shares: value kinds, durations, unknown keys.

Every error is one line that names the file and the field, so a bad line costs the user
one read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlsplit

from inbox.errors import ConfigError
from inbox.models import PostType
from inbox.text import nearest
from inbox.timeutil import parse_duration

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LINE_BREAK_OR_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TYPE_NAMES = {str: "a string", list: "a list", dict: "a table", date: "a date (2026-11-02)",
               bool: "true or false", int: "a number"}


def unknown_keys(table: dict[str, Any], known: Iterable[str], where: str, section: str) -> None:
    """Raises ConfigError for the first key of `table` not in `known`, suggesting the
    nearest known one: a typo never passes silently. An empty `where` (a config built in
    code) is left out."""
    known = tuple(known)
    for key in table:
        if key not in known:
            close = nearest(key, known)
            hint = f"did you mean {close}?" if close else f"known: {', '.join(known) or 'none'}"
            raise ConfigError(f"{where + ': ' if where else ''}{section}: unknown key {key} ({hint})")


def expect(value: Any, kind: type | tuple[type, ...], where: str, name: str) -> Any:
    if not isinstance(value, kind):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        wanted = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
        raise ConfigError(f"{where}: {name} must be {wanted}, not {value!r}")
    return value


def table(value: Any, where: str, section: str) -> dict[str, Any]:
    """A section that must be a table (`[sweep]`), not a value (`sweep = "x"`)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{section}] must be a table, not {value!r}")
    return value


def string_list(value: Any, where: str, name: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ConfigError(f"{where}: {name} must be a list of strings, not {value!r}")
    return list(value)


def duration(value: Any, where: str, name: str, option: Option | None = None, *,
             positive: bool = False) -> timedelta:
    """The one reading of a duration in the config (`"2d"`, via `parse_duration`)."""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a duration like \"2d\", not {value!r}")
    try:
        span = parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {name}: {exc}") from None
    if positive and span <= timedelta(0):
        raise ConfigError(f"{where}: {name} must be longer than 0, not {value!r}")
    return span


def day(value: Any, where: str, name: str) -> date | None:
    """A TOML date (`2026-11-15`); a quoted "2026-11-15" is forgiven, a time of day is not."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    elif isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ConfigError(f"{where}: {name} must be a date like 2026-11-15, not {value!r}")


def one_of(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1] if len(choices) > 1 else choices[0]


@dataclass(frozen=True)
class Option:
    """What one key of a `[[sources]]` entry must hold.

    Each channel kind declares its keys as a table of these (`Source.options`), so a value
    of the wrong kind is refused when the config loads, naming the file, source and key,
    instead of surfacing mid-sync as an error about the channel.
    """

    type: str
    """Which shared check applies: one of `Option.TYPES`."""
    keys: tuple[str, ...] = ()
    """For a table: the only keys it may have (empty: any)."""
    values: tuple[str, ...] = ()
    """For a table: the only values its entries may have (empty: any text)."""

    TYPES: ClassVar[tuple[str, ...]] = ("text", "ascii", "id", "url", "strings", "duration",
                                        "table", "bool", "number", "env")
    TEXT: ClassVar[Option]
    """One line of text."""
    ASCII: ClassVar[Option]
    """One line of ASCII text: anything sent in an HTTP header or host name."""
    ID: ClassVar[Option]
    """A name or a number (`project = 318` or `"group/project"`)."""
    URL: ClassVar[Option]
    """An http(s) URL with a host."""
    STRINGS: ClassVar[Option]
    """One string or a list of strings."""
    DURATION: ClassVar[Option]
    """A duration such as "7d" (`inbox.timeutil.parse_duration`)."""
    TABLE: ClassVar[Option]
    """A table of string = string."""
    BOOL: ClassVar[Option]
    NUMBER: ClassVar[Option]
    """A positive number (seconds, megabytes)."""
    ENV: ClassVar[Option]
    """The name of an environment variable (where a secret is read from)."""

    def __post_init__(self) -> None:
        if self.type not in self.TYPES:
            raise ValueError(f"unknown option type {self.type!r} (known: {', '.join(self.TYPES)})")

    def check(self, value: Any, where: str, name: str) -> None:
        """Raises ConfigError (`where: name ...`) when `value` is not of this option's kind."""
        _OPTION_CHECKS[self.type](value, where, name, self)


Option.TEXT, Option.ASCII, Option.ID = Option("text"), Option("ascii"), Option("id")
Option.URL, Option.STRINGS, Option.DURATION = Option("url"), Option("strings"), Option("duration")
Option.TABLE, Option.BOOL, Option.NUMBER = Option("table"), Option("bool"), Option("number")
Option.ENV = Option("env")

COMMON_OPTIONS: dict[str, Option] = {
    "base_url": Option.URL,
    "write": Option.BOOL,
    "timeout": Option.NUMBER,
    "max_body_mb": Option.NUMBER,
    "type_labels": Option("table", keys=tuple(t.value for t in PostType)),
}
"""The keys every source takes besides `name` and `kind`; each kind adds its own."""


# --- one check per kind of option (see Option) ---------------------------------------------

def http_url(value: Any, where: str, name: str, option: Option | None = None) -> str:
    try:  # a bad port or IPv6 bracket raises here rather than at the first request
        plain = isinstance(value, str) and not _LINE_BREAK_OR_CONTROL.search(value) and " " not in value
        parts = urlsplit(value) if plain else None
        ok = bool(parts and parts.scheme in ("http", "https") and parts.hostname and parts.port != 0)
    except ValueError:
        ok = False
    if not ok:
        raise ConfigError(f"{where}: {name} must be an http(s) URL, not {value!r}")
    if parts.password is not None:  # never quoted: it would show the secret
        raise ConfigError(f"{where}: {name} holds a password (user:password@…), and secrets never go "
                          "in the config file (a token comes from the environment)")
    return value


def text(value: Any, where: str, name: str, option: Option | None = None) -> str:
    """One line: a value that ends up in a URL or a header cannot hold a line break."""
    expect(value, str, where, name)
    if _LINE_BREAK_OR_CONTROL.search(value):
        raise ConfigError(f"{where}: {name} must be one line of text, not {value!r}")
    return value


def _ascii(value: Any, where: str, name: str, option: Option | None = None) -> str:
    """HTTP headers and host names take ASCII only; anything else fails every request."""
    text(value, where, name)
    if not value.isascii():
        raise ConfigError(f"{where}: {name} must be ASCII text (it goes into HTTP headers or "
                          f"host names), not {value!r}")
    return value


def _id(value: Any, where: str, name: str, option: Option | None = None) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string or a number, not {value!r}")
    return text(value, where, name)


def _strings(value: Any, where: str, name: str, option: Option | None = None) -> str | list[str]:
    if isinstance(value, list):
        for entry in value:
            expect(entry, str, where, f"{name} entries")
            text(entry, where, f"{name} entries")
        return value
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string or a list of strings, not {value!r}")
    return text(value, where, name)


def string_table(value: Any, where: str, name: str, option: Option | None = None) -> dict[str, str]:
    """A table of string = string; `option` may limit its keys or its values."""
    expect(value, dict, where, name)
    keys, values = (option.keys, option.values) if option else ((), ())
    for key, entry in value.items():
        if keys:
            unknown_keys({key: entry}, keys, where, name)
        text(entry, where, f"{name}.{key}")
        if values and entry not in values:
            raise ConfigError(f"{where}: {name}.{key} must be one of {one_of(values)}, not {entry!r}")
    return dict(value)


def _bool(value: Any, where: str, name: str, option: Option | None = None) -> bool:
    return expect(value, bool, where, name)


def _number(value: Any, where: str, name: str, option: Option | None = None) -> float:
    """Positive and below a million, so no limit built from it is zero, negative or overflows."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 10**6:
        raise ConfigError(f"{where}: {name} must be a positive number, not {value!r}")
    return value


def env(value: Any, where: str, name: str, option: Option | None = None) -> str:
    if not (isinstance(value, str) and ENV_NAME.match(value)):
        raise ConfigError(f"{where}: {name} must name an environment variable (letters, digits "
                          f"and _), not {value!r}")
    return value


_OPTION_CHECKS = {"text": text, "ascii": _ascii, "id": _id, "url": http_url, "strings": _strings,
                  "duration": duration, "table": string_table, "bool": _bool, "number": _number,
                  "env": env}


DATABASE_SCHEMES = ("postgresql://", "postgres://")
"""How a PostgreSQL URL begins (anything else given as a database is a SQLite path)."""


def database_url_problem(url: str) -> str | None:
    """Why a PostgreSQL URL cannot be used, or None. Never quotes the URL: one written
    with its password would show the secret."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        return "cannot be read: expected postgresql://USER@HOST[:PORT]/DATABASE"
    if parts.password is not None or "password=" in parts.query.lower():
        return ("holds a password: remove it and put the password in PGPASSWORD, a .pgpass file "
                "or the variable [store] password_env names")
    return None
