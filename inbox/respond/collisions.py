"""Replies that came while a reply was being written, caught before it is posted.

Just before posting, the item's thread is read again from the channel and stored. A reply
there that the user did not have when they began (not among the replies then stored, and
newer than the newest of them) stops the post: the user reads it first, then posts again.
Times compared are the channel's own, so the local clock never decides.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inbox.errors import InboxError
from inbox.models import Reply
from inbox.net.http import Session
from inbox.sources.base import Source
from inbox.store import Store
from inbox.text import one_line
from inbox.timeutil import iso


@dataclass(frozen=True)
class Seen:
    """What the user had of an item's thread when they began their reply."""

    until: str | None
    """When the newest reply they had was written (the post itself, when none)."""
    replies: frozenset[str]
    """The ids of the replies they had."""

    @classmethod
    def of(cls, item: Mapping[str, Any], thread: Sequence[Mapping[str, Any]]) -> Seen:
        """From a stored item and its stored thread. A thread stored in part (a channel
        whose sync reads no replies, or only a topic's first page) counts up to the
        activity the channel last reported."""
        until = max((r["created_at"] for r in thread if r["created_at"]), default=None)
        if len(thread) < (item.get("replies") or 0):
            until = max(until or "", item.get("last_activity_at") or "") or None
        return cls(until or item.get("created_at"), frozenset(str(r["reply_id"]) for r in thread))

    def new_in(self, thread: Sequence[Reply]) -> list[Reply]:
        """The replies of a fresh thread that came after this (a reply without a time counts)."""
        return [r for r in thread if r.external_id not in self.replies
                and (self.until is None or r.created_at is None or iso(r.created_at) > self.until)]

    def and_(self, thread: Sequence[Reply]) -> Seen:
        """This, and a fresh thread the user has now been shown."""
        times = [iso(r.created_at) for r in thread if r.created_at is not None]
        until = max([t for t in (self.until, *times) if t], default=None)
        return Seen(until, self.replies | {r.external_id for r in thread})


def seen_now(store: Store, key: str, now: datetime) -> Seen | None:
    """What the store has of the item's thread now (None: no such item)."""
    item = store.item(key, now=now)
    return None if item is None else Seen.of(item, store.thread(key))


class Collision(InboxError):
    """Someone replied while the reply was being written: nothing was sent."""

    def __init__(self, key: str, replies: list[Reply], seen: Seen) -> None:
        who = one_line(replies[0].author) + (f" and {len(replies) - 1} more" if len(replies) > 1 else "")
        super().__init__(f"not posted: {who} replied meanwhile")
        self.key = key
        self.replies = replies
        """The replies that came, oldest first."""
        self.seen = seen
        """What the user has now been shown: posting again with it sends the reply."""


async def check(source: Source, session: Session, store: Store, item: Mapping[str, Any], seen: Seen,
                *, now: datetime) -> None:
    """Read the item's thread from the channel, store it, and stop if it has news.

    Raises:
        Collision: a reply came after `seen`; the fresh thread is stored.
        SourceError: the channel could not be asked (then nobody knows: post nothing).
    """
    fresh = await source.fetch_thread(session, item)
    await asyncio.to_thread(store.save_page, source.name, [fresh], synced_at=now)
    thread = sorted(fresh.thread or [], key=lambda r: iso(r.created_at) or "")
    news = seen.new_in(thread)
    if news:
        raise Collision(str(item["key"]), news, seen.and_(thread))
