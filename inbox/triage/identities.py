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

from inbox.config import Config, People
from inbox.config.people import ASCII_LOWER, fold

__all__ = ["ASCII_LOWER", "fold", "people_config", "person_logins_rows"]


def people_config(config: Config) -> People:
    """`[people.NAME]` as the config read them: person -> {channel kind or source name: [logins]}."""
    return config.people


def person_logins_rows(config: Config) -> list[tuple[str, str, str]]:
    """(person, kind or source, login) rows for `store.people.set_logins`."""
    return [(name, key, login) for name, logins in people_config(config).items()
            for key, values in logins.items() for login in values]
