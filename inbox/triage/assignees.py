"""The inbox's assignment written to the item's channel, where the channel has assignees.

GitHub and GitLab issues and Zendesk tickets have them: who the inbox assigns a post to is
assigned there too, by the person's login on that channel from `[people.NAME]` (a
Zendesk agent by their email), so the team sees one truth wherever it looks. Unassigning
takes it off there. The other channels have no assignees: the assignment stays in the
inbox, and nothing is said.

The local assignment is made first and stands whatever the channel says; a refusal is
raised as one line for the caller to show. The store is read in a thread, so an event
loop that draws a screen never waits on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime

import httpx

from inbox.config import Config
from inbox.config.people import fold
from inbox.errors import ConfigError, SourceError, UsageError
from inbox.models import PRODUCT_NAMES
from inbox.respond.replies import source_of
from inbox.sources.base import Source
from inbox.store import Store
from inbox.text import one_line


def channel_login(config: Config, source: Source, person: str) -> str | None:
    """`person`'s login on this source from `[people.NAME]` (the source's own entry first,
    then its kind's), or None when the config names none."""
    entry = next((logins for name, logins in config.people.items() if fold(name) == fold(person)), None)
    if entry is None:
        return None
    logins = entry.get(source.name) or entry.get(source.kind) or []
    return logins[0] if logins else None


async def write_assignee(config: Config, store: Store, key: str, assignee: str | None, *,
                         previous: str | None, now: datetime, env: Mapping[str, str] | None = None,
                         transport: httpx.AsyncBaseTransport | None = None) -> str | None:
    """Make the item's assignee on its channel the person the inbox assigned it to
    (`assignee`, None: nobody), in place of `previous`, the one it was assigned to before.

    Returns one line saying what was written, or None when there was nothing to write (a
    channel without assignees, a source no longer configured, nobody to take off).

    Raises:
        UsageError: no such item.
        SourceError: not written: the person has no login there, the source may not
            write (no token, `write = false`), or the channel refused or could not be
            reached. The inbox's assignment stands.
    """
    item = await asyncio.to_thread(store.item, key, now=now)
    if item is None:
        raise UsageError(f"no item with key {key}")
    try:
        source = source_of(config, item, env)
    except ConfigError:  # a source no longer configured: nothing to write to
        return None
    if not source.assignable:
        return None
    product = PRODUCT_NAMES.get(source.kind, source.kind)
    reason = source.cannot_write("assign")
    if reason:
        raise SourceError(source.name, reason)
    login = channel_login(config, source, assignee) if assignee else None
    if assignee and login is None:
        what = "email" if source.kind == "zendesk" else "login"
        raise SourceError(source.name, f"{one_line(assignee)} has no {product} {what}: add "
                                       f"{source.kind} = \"...\" under [people.{one_line(assignee)}]")
    before = channel_login(config, source, previous) if previous else None
    async with source.session(transport=transport) as session:
        wrote = await source.set_assignee(session, item, login, before)
    if not wrote:
        return None
    where = one_line(item.get("url") or key)
    if login:
        return f"Assigned to {one_line(login)} on {product}: {where}"
    return f"Unassigned on {product}: {where}"
