"""Sources -> store: concurrent, page by page, resumable, one failure never sinks the rest.

Each page is saved with its cursor in one transaction. A source that fails is reported
with one line naming it; what the others (and its own earlier pages) brought is kept.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import httpx

from inbox.config import Config, SourceConfig
from inbox.errors import InboxError, SourceError
from inbox.models import Cursor
from inbox.sources import registry
from inbox.sources.base import Source
from inbox.store import Store
from inbox.store.sync_locks import Holder
from inbox.text.redaction import Redactor
from inbox.text.wording import plural
from inbox.timeutil import parse_time, utcnow

WARNING_LENGTH = 500
"""A warning (a skipped item, a thread that failed) is one line of at most this much."""
MAX_WARNINGS = 100
"""Warnings kept per source and sync; past them only a count. A page of millions of
malformed objects (a few kilobytes when compressed) would otherwise fill the memory."""


@dataclass
class SourceResult:
    """How one source's sync went."""

    name: str
    kind: str
    items: int = 0
    replies: int = 0
    pages: int = 0
    requests: int = 0
    not_modified: bool = False
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    more_warnings: int = 0
    """Warnings past MAX_WARNINGS: counted, not kept."""
    skipped: str | None = None
    """Why it was not synced: someone else is syncing it (not a failure)."""

    @property
    def ok(self) -> bool:
        return self.error is None and not self.warnings

    def summary(self) -> str:
        if self.error:
            return f"{self.name}: failed: {self.error}"
        if self.skipped:
            return f"{self.name}: skipped: {self.skipped}"
        text = f"{self.name}: {plural(self.items, 'item')}, {plural(self.replies, 'reply')}"
        if self.not_modified and not self.items:
            text = f"{self.name}: unchanged"
        if self.warnings:
            more = len(self.warnings) - 1 + self.more_warnings
            text += f" (incomplete: {self.warnings[0]}" + (f" and {more:,} more)" if more else ")")
        return text


class SyncProgress(Protocol):
    """What a sync tells its watcher (the CLI's progress bars, the TUI's status line)."""

    def started(self, source: str) -> None: ...
    def advanced(self, source: str, items: int, pages: int) -> None: ...
    def status(self, source: str, text: str) -> None: ...
    def finished(self, result: SourceResult) -> None: ...


class QuietProgress:
    def started(self, source: str) -> None: pass
    def advanced(self, source: str, items: int, pages: int) -> None: pass
    def status(self, source: str, text: str) -> None: pass
    def finished(self, result: SourceResult) -> None: pass


class StoreContext:
    """The read-only view of the store a source gets while fetching."""

    def __init__(self, store: Store, source: str, now: datetime, result: SourceResult) -> None:
        self.store, self.source, self.now, self.result = store, source, now, result
        self.redactor = Redactor()
        """The session's, once there is one: warnings are stored and shown, so masked."""

    def cursor(self, stream: str) -> Cursor:
        return self.store.cursor(self.source, stream)

    def etag(self, url: str) -> str | None:
        return self.store.etag(url)

    def threads_fetched_at(self, keys: list[str]) -> dict[str, str]:
        return self.store.threads_fetched_at(keys)

    def warn(self, message: str) -> None:
        if len(self.result.warnings) >= MAX_WARNINGS:
            self.result.more_warnings += 1
            return
        self.result.warnings.append(self.redactor.line(message, WARNING_LENGTH))


async def sync_source(
    source: Source,
    store: Store,
    *,
    progress: SyncProgress,
    now: datetime,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    me: Holder | None = None,
    wait: bool = False,
) -> SourceResult:
    """Fetch one source page by page into the store; never raises for channel trouble.

    With `me`, the source's sync lock is taken first: a source someone else is syncing is
    skipped (the result says who), or with `wait` waited for."""
    result = SourceResult(source.name, source.kind)
    progress.started(source.name)
    if me is None:
        return await _fetch(source, store, result, progress=progress, now=now, transport=transport, sleep=sleep)
    while True:
        try:
            holder = await asyncio.to_thread(store.sync_locks.take, source.name, me, now=now)
        except InboxError as exc:  # the database, busy or away: this source is not synced now
            result.error = str(exc)
            progress.finished(result)
            return result
        if holder is None:
            break
        if not wait:
            result.skipped = holder.describe()
            progress.finished(result)
            return result
        progress.status(source.name, f"waiting: {holder.describe()}")
        await sleep(LOCK_POLL)
    try:
        return await _fetch(source, store, result, progress=progress, now=now, transport=transport, sleep=sleep)
    finally:
        await asyncio.to_thread(store.sync_locks.release, source.name, me)


LOCK_POLL = 5.0
"""Seconds between two looks at a source's sync lock, waiting for it (`inbox sync --wait`)."""


async def _fetch(source: Source, store: Store, result: SourceResult, *, progress: SyncProgress, now: datetime,
                 transport: httpx.AsyncBaseTransport | None,
                 sleep: Callable[[float], Awaitable[None]]) -> SourceResult:
    """The source's pages into the store, and how it went recorded."""
    context = StoreContext(store, source.name, now, result)
    session = None
    try:
        session = source.session(transport=transport, sleep=sleep,
                                 notify=lambda text: progress.status(source.name, text))
        context.redactor = session.redactor
        async with session:
            async for page in source.fetch(session, context):
                if page.not_modified:
                    result.not_modified = True
                    continue
                cursor, etag = _kept(page.cursor, page.etag, session.redactor)
                await asyncio.to_thread(  # in a thread: a loop that also draws a screen never waits on SQLite
                    store.save_page, source.name, page.items, stream=page.stream, cursor=cursor,
                    etag=etag, replies=page.replies, synced_at=now, removed=page.removed)
                result.pages += 1
                result.items += len(page.items)
                result.replies += sum(len(r) for r in page.replies.values())
                result.replies += sum(len(item.thread) for item in page.items if item.thread)
                progress.advanced(source.name, result.items, result.pages)
    except InboxError as exc:
        result.error = context.redactor.line(exc.reason if isinstance(exc, SourceError) else str(exc))
    except Exception as exc:  # an unexpected payload shape must not take the other sources down
        if os.environ.get("INBOX_DEBUG"):
            raise
        result.error = context.redactor.line(
            f"unexpected data from the channel ({type(exc).__name__}: {exc})", 300)
    if session is not None:
        result.requests = session.requests
    rate = session.rate if session is not None else None
    await asyncio.to_thread(
        store.record_sync, source.name, source.kind, now=now,
        error=result.error or (result.warnings[0] if result.warnings else None),
        rate_remaining=rate.remaining if rate else None,
        rate_limit=rate.limit if rate else None,
        rate_reset_at=rate.reset_at if rate else None,
    )
    progress.finished(result)
    return result


def _kept(cursor: Cursor | None, etag: tuple[str, str | None] | None,
          redactor: Redactor) -> tuple[Cursor | None, tuple[str, str | None] | None]:
    """The page's cursor and ETag as they may be stored. A channel that echoes a secret into
    its next-page address, cursor or ETag must not put it in the database: that part is not
    kept, and the next sync reads the stream from its start (or without the ETag) instead."""
    def clean(value: str | None) -> str | None:
        return None if value is None or redactor(value) != value else value

    if cursor is not None:
        cursor = Cursor(next_url=clean(cursor.next_url), high_water=clean(cursor.high_water),
                        pending_high_water=clean(cursor.pending_high_water))
    if etag is not None and (clean(etag[0]) is None or clean(etag[1]) is None):
        etag = None
    return cursor, etag


async def sync_all(
    config: Config,
    store: Store,
    *,
    only: Sequence[str] = (),
    progress: SyncProgress | None = None,
    env: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    now: datetime | None = None,
    wait: bool = False,
) -> list[SourceResult]:
    """Sync the configured sources (or `only` those named) concurrently, each under its
    sync lock (a source a teammate is syncing is skipped, or with `wait` waited for).
    What the new data changes (the rules, then the SLA) sits above the sync:
    `Workspace.sync` chains it."""
    progress = progress or QuietProgress()
    now = now or utcnow()
    me = Holder.me(config.team.who, now)
    chosen: list[SourceConfig] = [config.source(name) for name in only] if only else list(config.sources)
    tasks = []
    results: list[SourceResult] = []
    for source_config in chosen:
        try:
            source = registry.build(source_config, config, env=env)
        except InboxError as exc:
            result = SourceResult(source_config.name, source_config.kind, error=str(exc))
            store.record_sync(source_config.name, source_config.kind, now=now, error=result.error)
            progress.finished(result)
            results.append(result)
            continue
        tasks.append(sync_source(source, store, progress=progress, now=now,
                                 transport=transport, sleep=sleep, me=me, wait=wait))
    results.extend(await asyncio.gather(*tasks))
    order = {s.name: index for index, s in enumerate(chosen)}
    return sorted(results, key=lambda r: order.get(r.name, 0))


def due_sources(config: Config, store: Store, *, now: datetime, interval: timedelta,
                only: Sequence[str] = ()) -> tuple[list[str], datetime]:
    """For a repeating sync: the sources due now, and when the next one will be.

    A source waits `interval` after its last attempt (never less than its kind's
    `min_interval`), and, when it used up its rate limit, until the limit resets.
    """
    states = {row["name"]: row for row in store.source_states()}
    due: list[str] = []
    readies: list[datetime] = []
    for source_config in config.sources:
        if only and source_config.name not in only:
            continue
        kind = registry.KINDS.get(source_config.kind)
        wait = max(interval, kind.min_interval if kind else interval)
        state = states.get(source_config.name) or {}
        ready = now
        if state.get("last_attempt_at"):
            ready = max(ready, parse_time(state["last_attempt_at"]) + wait)
        reset = parse_time(state.get("rate_reset_at"))
        if state.get("rate_remaining") == 0 and reset and reset > now:
            ready = max(ready, reset)
        if ready <= now:
            due.append(source_config.name)
            ready = now + wait
        readies.append(ready)
    return due, min(readies, default=now + interval)
