"""Who is who: the config's `[people.NAME]` tables, which say that logins on several
channels are one person.

An identity is a login on a channel: `amy-acme` on GitHub and `amy-acme` on the forum are
two accounts that may belong to two humans, so they stay two people until `[people.NAME]`
says otherwise:

    [people.amy]
    github = "amy-acme"          # a channel kind: that login on every GitHub source
    discourse = ["core-amy", "amy"]
    server = "amy-work"          # or a source name: that login on that source only

Logins compare case-insensitively for ASCII letters only, as SQLite's NOCASE does, so
the people list and the query language's `author:` always agree on who is who.
"""

from __future__ import annotations

import re

from inbox.config import Config
from inbox.errors import ConfigError
from inbox.query import KINDS

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
"""`str.translate` table of `fold`, for loops that fold many logins."""
_PERSON_NAME = re.compile(r"^\w[\w.-]*$")


def fold(text: str) -> str:
    """The case-insensitive form, as SQLite's NOCASE compares (ASCII letters only)."""
    return text.translate(ASCII_LOWER)


def people_config(config: Config) -> dict[str, dict[str, list[str]]]:
    """`[people.NAME]` tables: person -> {channel kind or source name: [logins]}.

    Raises:
        ConfigError: naming the file and the entry (`people.amy.githb`) for a bad shape,
            an unknown channel, an empty login, or a login claimed by two people.
    """
    where = str(config.path) if config.path else "config"
    table = config.raw.get("people", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [people] must hold tables like [people.amy], not {table!r}")
    source_kinds = {source.name: source.kind for source in config.sources}
    people: dict[str, dict[str, list[str]]] = {}
    seen_names: dict[str, str] = {}
    claimed: dict[tuple[str, str], tuple[str, str]] = {}  # (scope, folded login) -> (person, key)
    for name, entry in table.items():
        label = f"people.{name}"
        if not _PERSON_NAME.match(name):
            raise ConfigError(f"{where}: {label}: a person's name is letters, digits, '-', '_' or '.' "
                              "(it is what `author:NAME` finds)")
        if fold(name) in seen_names:
            raise ConfigError(f"{where}: {label}: the same person as people.{seen_names[fold(name)]} "
                              "(names ignore case)")
        seen_names[fold(name)] = name
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: {label} must be a table of logins like "
                              f"[people.{name}] github = \"login\", not {entry!r}")
        if not entry:
            raise ConfigError(f"{where}: {label}: give at least one login, like github = \"login\"")
        logins: dict[str, list[str]] = {}
        for key, value in entry.items():
            entry_label = f"{label}.{key}"
            if key not in KINDS and key not in source_kinds:
                raise ConfigError(
                    f"{where}: {entry_label}: not a channel kind or a source name (kinds: "
                    f"{', '.join(KINDS)}; sources: {', '.join(source_kinds) or 'none configured'})")
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise ConfigError(f"{where}: {entry_label} must be a login or a list of logins, not {value!r}")
            cleaned: list[str] = []
            for login in values:
                login = login.strip()
                if not login or any(char < " " for char in login):
                    raise ConfigError(f"{where}: {entry_label}: {login!r} is not a login")
                # a kind covers every source of that kind; a source only itself
                scopes = ({f"kind:{key}"} | {f"source:{s}" for s, k in source_kinds.items() if k == key}
                          if key in KINDS else {f"source:{key}"})
                for scope in scopes:
                    other = claimed.get((scope, fold(login)))
                    if other and other[0] != name:
                        raise ConfigError(f"{where}: {entry_label}: {login!r} is already "
                                          f"people.{other[0]}.{other[1]}: a login is one person's")
                    claimed[(scope, fold(login))] = (name, key)
                if fold(login) not in {fold(c) for c in cleaned}:
                    cleaned.append(login)
            logins[key] = cleaned
        people[name] = logins
    return people


def person_logins_rows(config: Config) -> list[tuple[str, str, str]]:
    """(person, kind or source, login) rows for `store.people.set_logins`."""
    return [(name, key, login) for name, logins in people_config(config).items()
            for key, values in logins.items() for login in values]
