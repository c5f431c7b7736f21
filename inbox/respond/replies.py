"""Posting a reply back to its channel, and the type tag as a channel label.

The draft is saved before anything is sent and kept until the channel took the reply,
so a refused or failed post loses nothing and can be retried. Where the channel has no
API for replies (Stack Overflow, an idea board) or the source has no token to post
with, the outcome says so and the caller hands the text to the user (clipboard, page).
The store is read and written in threads, so an event loop that also draws a screen
never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from inbox.config import Config
from inbox.errors import ConfigError, SourceError, UsageError
from inbox.models import PostType
from inbox.respond import collisions
from inbox.respond.collisions import Seen
from inbox.sources import registry
from inbox.sources.base import Source
from inbox.store import Store
from inbox.text import clean, one_line


@dataclass(frozen=True)
class Outcome:
    """What became of a reply."""

    key: str
    text: str
    posted: bool
    """The channel took it through its API (it may still be queued for review)."""
    url: str | None
    """The reply's own link when posted; else the page to paste it on."""
    message: str
    """One line for the user."""
    queued: bool = False


def source_of(config: Config, item: Mapping[str, Any], env: Mapping[str, str] | None = None) -> Source:
    """The configured adapter an item came from (ConfigError if its source is gone)."""
    return registry.build(config.source(str(item["source"])), config, env=env)


def _item(store: Store, key: str, now: datetime) -> dict[str, Any]:
    item = store.item(key, now=now)
    if item is None:
        raise UsageError(f"no item with key {key}")
    return item


async def send_reply(config: Config, store: Store, key: str, text: str, *, now: datetime,
                     template: str | None = None, env: Mapping[str, str] | None = None,
                     transport: httpx.AsyncBaseTransport | None = None,
                     demo: bool = False, seen: Seen | None = None) -> Outcome:
    """Save `text` as the item's draft, then post it where the channel allows: with `seen`
    (what the user had of the thread when they began), only once the thread read again
    from the channel has no reply since (see `inbox.respond.collisions`).

    Returns the outcome: posted (the reply is in the thread and the item no longer
    awaits us; the draft is gone) or handed over (not posted; the draft stays).

    Raises:
        UsageError: no such item, or an empty reply.
        collisions.Collision: someone replied after `seen`; nothing was sent, the draft
            is kept.
        SourceError: the channel refused or could not be reached (for the check too); the
            draft is kept with the reason, for a retry.
    """
    item = await asyncio.to_thread(_item, store, key, now)
    text = clean(text).strip()
    if not text:
        raise UsageError("the reply is empty")
    await asyncio.to_thread(store.drafts.save, key, text, template=template, now=now)
    page = str(item.get("url") or "") or None
    if demo:
        return Outcome(key, text, False, page, "This is the demo workspace: nothing is posted; "
                       "the draft is kept.")
    source = source_of(config, item, env)
    reason = source.cannot_post()
    if reason:
        return Outcome(key, text, False, page, f"Not posted ({reason}): paste it on the channel's "
                       "page yourself. The draft is kept.")
    async with source.session(transport=transport) as session:
        if seen is not None:
            try:
                await collisions.check(source, session, store, item, seen, now=now)
            except SourceError as exc:  # unknown whether someone replied: not sent
                reason = f"the thread could not be checked for new replies ({exc.reason})"
                await asyncio.to_thread(store.drafts.failed, key, reason)
                raise SourceError(exc.source, f"not posted, the draft is kept: {reason}; try again",
                                  exc.status) from None
        try:
            posted = await source.post_reply(session, item, text)
        except SourceError as exc:
            await asyncio.to_thread(store.drafts.failed, key, exc.reason)
            raise SourceError(exc.source, f"not posted, the draft is kept: {exc.reason}", exc.status) from None
    await asyncio.to_thread(_recorded, store, key, posted.reply)
    where = one_line(posted.url or page or key)
    if posted.queued:
        return Outcome(key, text, True, posted.url or page,
                       f"Sent; the channel holds it for a moderator's review before it shows: {where}",
                       queued=True)
    return Outcome(key, text, True, posted.url or page, f"Posted: {where}")


def _recorded(store: Store, key: str, reply: Any) -> None:
    """The channel took it: the reply joins the thread and the draft goes."""
    if reply is not None:
        store.record_posted(key, reply)
    store.drafts.discard(key)


def type_label(config: Config, source: Source, post_type: str | None) -> str | None:
    """The channel label the config maps this post type to on this source, if any."""
    if not post_type:
        return None
    own = source.config.get("type_labels") or {}
    return own.get(post_type) or config.type_labels.get(post_type)


async def write_type_label(config: Config, store: Store, key: str, post_type: str | None, *,
                           now: datetime, env: Mapping[str, str] | None = None,
                           transport: httpx.AsyncBaseTransport | None = None) -> str | None:
    """Add the label the config maps `post_type` to on the item's channel.

    Returns one line saying what happened, or None when there is nothing to do (no
    mapping, or the item already has the label). The local tag stands either way.

    Raises:
        SourceError: the channel refused or could not be reached.
    """
    item = await asyncio.to_thread(_item, store, key, now)
    try:
        source = source_of(config, item, env)
    except ConfigError:  # a source no longer configured (or its token unset): nothing to write to
        return None
    label = type_label(config, source, post_type)
    if not label:
        return None
    have = [str(name).lower() for name in _labels(item)]
    if label.lower() in have:
        return None
    what = PostType(post_type).label if post_type else ""
    if not source.labelable:
        return f"{what}: {source.kind} has no labels to write, so only the inbox has the tag"
    reason = source.cannot_post()
    if reason:
        return f"{what}: label {label!r} not written ({reason})"
    async with source.session(transport=transport) as session:
        labels = await source.add_labels(session, item, [label])
    await asyncio.to_thread(store.set_labels, key, [one_line(name) for name in labels])
    return f"Label {label!r} added on {one_line(item.get('url') or key)}"


def _labels(item: Mapping[str, Any]) -> list[str]:
    raw = item.get("labels")
    if isinstance(raw, list):
        return raw
    try:
        value = json.loads(raw or "[]")
    except ValueError:
        return []
    return value if isinstance(value, list) else []
