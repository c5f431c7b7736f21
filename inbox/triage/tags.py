"""The team's tags on people (`champion`, `contributor`, any word of its own): checked,
kept lowercased, and written through the store under the person's name, so they survive
syncs and config edits. A `staff` the channel or `[team] staff` gives is not a tag and
cannot be taken off."""

from __future__ import annotations

import re
from datetime import datetime

from inbox.errors import UsageError
from inbox.store import Store

SUGGESTED_TAGS = ("champion", "contributor", "staff")
"""Offered when tagging; any tag of letters, digits and '-' works."""
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def tag_problem(tag: str) -> str | None:
    """Why `tag` cannot be a tag, or None (for a prompt's check)."""
    if not _TAG.match(tag.strip().lower()):
        return f"a tag is letters, digits and '-' (up to 40), like champion, not {tag.strip()!r}"
    return None


def normalize_tag(tag: str) -> str:
    """The stored form of a tag: lowercased. Raises UsageError for anything else."""
    problem = tag_problem(tag)
    if problem:
        raise UsageError(problem)
    return tag.strip().lower()


def set_tag(store: Store, person: str, tag: str, *, now: datetime) -> bool:
    """Tag a person (by name: an unmapped login's name is the login). Returns False when
    they already had it. Tags belong to a name, so they survive syncs and config edits."""
    tag = normalize_tag(tag)
    person = person.strip()
    if not person:
        raise UsageError("which person? give a name")
    return store.people.add_tag(person, tag, now=now)


def remove_tag(store: Store, person: str, tag: str, *, now: datetime) -> bool:
    """Take a tag off a person. Returns False when they did not have it (an automatic
    `staff` comes from the channel or [team] staff, not from a tag, and stays)."""
    return store.people.remove_tag(person.strip(), normalize_tag(tag))
