"""`[people.NAME]`: which logins on several channels are one person.

An identity is a login on a channel: `amy-acme` on GitHub and `amy-acme` on the forum are
two accounts that may belong to two humans, so they stay two people until `[people.NAME]`
says otherwise. Logins compare case-insensitively for ASCII letters only, as SQLite's
NOCASE does, so the people list and the query language's `author:` agree on who is who.
"""

from __future__ import annotations

import re
from typing import Any

from inbox.errors import ConfigError
from inbox.query import KINDS
from inbox.text import nearest

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
"""`str.translate` table of `fold`, for loops that fold many logins."""
_PERSON_NAME = re.compile(r"^\w[\w.-]*$")

People = dict[str, dict[str, list[str]]]
"""person -> {channel kind or source name: [logins]}."""


def fold(text: str) -> str:
    """The case-insensitive form, as SQLite's NOCASE compares (ASCII letters only)."""
    return text.translate(ASCII_LOWER)


def parse_people(section: Any, sources: dict[str, str], where: str) -> People:
    """`[people.NAME]` tables; `sources` maps each configured source's name to its kind.

    A bad shape, an unknown channel, an empty login, or a login claimed by two people is
    a ConfigError naming the entry (`people.amy.githb`).
    """
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: [people] must hold tables like [people.amy], not {section!r}")
    people: People = {}
    seen_names: dict[str, str] = {}
    claimed: dict[tuple[str, str], tuple[str, str]] = {}  # (scope, folded login) -> (person, key)
    for name, entry in section.items():
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
            if key not in KINDS and key not in sources:
                close = nearest(key, (*KINDS, *sources))
                hint = (f"did you mean {close}?" if close else f"kinds: {', '.join(KINDS)}; "
                        f"sources: {', '.join(sources) or 'none configured'}")
                raise ConfigError(f"{where}: {entry_label}: not a channel kind or a source name ({hint})")
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise ConfigError(f"{where}: {entry_label} must be a login or a list of logins, not {value!r}")
            cleaned: list[str] = []
            for login in values:
                login = login.strip()
                if not login or any(char < " " for char in login):
                    raise ConfigError(f"{where}: {entry_label}: {login!r} is not a login")
                # a kind covers every source of that kind; a source only itself
                scopes = ({f"kind:{key}"} | {f"source:{s}" for s, k in sources.items() if k == key}
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
