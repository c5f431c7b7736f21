"""What the inbox does, whichever front end asks: the CLI and the TUI both call this, so
a sync, a triage, a reply, a bug or a sweep means the same thing in each.

Work that reaches a channel is async (`async def`): the CLI awaits it under its own
`asyncio.run`, the TUI in an async worker on its loop. Where such work also reads or
writes the store it does so in a thread (`asyncio.to_thread`), so a loop that draws a
screen never waits on SQLite. Work that only touches the store is plain and synchronous:
the TUI runs it in thread workers. No front-end library is imported here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx

from inbox import sync as syncing
from inbox.config import Config
from inbox.errors import UsageError
from inbox.reports import sla
from inbox.reports import sweep as sweeps
from inbox.respond import bugs, collisions, replies
from inbox.respond.collisions import Seen
from inbox.store import Store
from inbox.store.sweeps import define as define_sweeps
from inbox.store.triage import TriageChange, Undone
from inbox.timeutil import utcnow
from inbox.triage import assignees, rules, suggestions

if TYPE_CHECKING:
    from inbox.reports.sweep import Sweep
    from inbox.respond.bugs import Filed
    from inbox.respond.replies import Outcome
    from inbox.sync import SourceResult, SyncProgress
    from inbox.triage.rules import RuleAction


@dataclass
class SyncReport:
    """What one sync brought, and what the rules did with it."""

    results: list[SourceResult]
    actions: list[RuleAction] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceResult]:
        return [result for result in self.results if not result.ok]

    @property
    def items(self) -> int:
        return sum(result.items for result in self.results)


class Workspace:
    """The config, the store and the clock: everything an action needs to be done."""

    def __init__(self, config: Config, store: Store, *, now: Callable[[], datetime] = utcnow,
                 demo: bool = False, env: Mapping[str, str] | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self.store = store
        store.sweeps = define_sweeps(config)  # what `sweep:daily` and the sweep views take
        store.suggest_threshold = config.suggest.threshold  # what counts as a type suggestion
        self.now = now
        self.demo = demo
        """The demo workspace: made-up channels, so nothing is ever sent."""
        self.env = env
        """The environment tokens are read from (None: the process's)."""
        self.transport = transport
        """Where HTTP goes (None: the network; tests pass a loopback)."""

    # --- sync, then rules, then SLA --------------------------------------------------

    async def sync(self, only: Sequence[str] = (), *, progress: SyncProgress | None = None,
                   now: datetime | None = None, store: Store | None = None,
                   sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                   on_rules: Callable[[list[RuleAction]], None] | None = None,
                   wait: bool = False) -> SyncReport:
        """Pull what is new from the sources (`only` those named, or all), then let the
        rules act on it, then recompute who awaits us and by when. A source a teammate is
        syncing is skipped (or with `wait`, waited for).

        `store` is another connection to the same database to sync into (the TUI keeps
        its own connection free for the screen's reads)."""
        store = store or self.store
        now = now or self.now()
        results = await syncing.sync_all(self.config, store, only=only, progress=progress, env=self.env,
                                             transport=self.transport, sleep=sleep, now=now, wait=wait)
        actions = await self.after_sync(now, store=store)
        if on_rules is not None and actions:
            on_rules(actions)
        return SyncReport(results, actions)

    async def after_sync(self, now: datetime, *, store: Store | None = None) -> list[RuleAction]:
        """Type suggestions for what a sync stamped `now` (or a retrain, if the tags changed),
        then the rules on it, then the SLA, then the first and last times of people whose
        post a channel removed; returns what the rules did."""
        store = store or self.store
        await asyncio.to_thread(suggestions.after_sync, self.config, store, since=now, now=now)
        actions = await rules.rules_after_sync_async(self.config, store, since=now, now=now,
                                                     env=self.env, transport=self.transport)
        await asyncio.to_thread(sla.refresh_sla, self.config, store, now=now)
        await asyncio.to_thread(store.people.refresh_edges)
        return actions

    def due_sources(self, interval: timedelta, *, only: Sequence[str] = (),
                    now: datetime | None = None) -> tuple[list[str], datetime]:
        """The sources due for a repeating sync, and when the next one will be."""
        return syncing.due_sources(self.config, self.store, now=now or self.now(), interval=interval,
                                   only=only)

    def refresh_sla(self, *, store: Store | None = None) -> int:
        """Due times from the current `[sla]` (it may have changed since the last sync):
        only what changed since the last refresh, unless the `[sla]` did.

        `store` is another connection to the same database (the TUI keeps its own free for
        the screen's reads)."""
        return sla.refresh_sla(self.config, store or self.store, now=self.now())

    # --- triage -----------------------------------------------------------------------

    @property
    def who(self) -> str:
        """The person using the inbox (see `Team.who`): the triage history's "who"."""
        return self.config.team.who

    def triage(self, keys: Sequence[str], changes: Mapping[str, Any]) -> TriageChange:
        """Set triage fields on items; returns what they were, for undo."""
        return self.store.set_triage(list(keys), dict(changes), now=self.now(), by=self.who)

    def undo(self, change: TriageChange) -> Undone:
        """Put back what a triage action changed and nobody has changed since."""
        return self.store.restore_triage(change, now=self.now(), by=self.who)

    def retrain_suggestions(self, *, stop: Callable[[], bool] = lambda: False) -> suggestions.Retrained:
        """Train the type model again if the tags changed, and suggest again for untagged
        posts (in a thread: it reads every tagged post)."""
        return suggestions.retrain(self.config, self.store, now=self.now(), stop=stop)

    def link_duplicates(self, keys: Sequence[str], of_key: str) -> list[str]:
        """Link posts as duplicates of `of_key` (the pair shows on both, and in both
        histories); returns those newly linked. Raises UsageError for an unknown key."""
        return self.store.duplicates.link(list(keys), of_key, by=self.who, now=self.now())

    def unlink_duplicates(self, keys: Sequence[str], other: str) -> list[str]:
        """Undo the duplicate link between each post and `other`; returns those that were linked."""
        return self.store.duplicates.unlink(list(keys), other, by=self.who, now=self.now())

    def seen(self, key: str) -> None:
        """The user opened the item: it is no longer new to them until it changes again."""
        self.store.history.seen(self.who, [key], now=self.now())

    async def write_type_label(self, key: str, post_type: str | None) -> str | None:
        """After tagging: the channel label the config maps the type to, added on the
        item's channel. One line saying what happened, or None (nothing to do; always
        None in the demo). The local tag stands either way.

        Raises:
            SourceError: the channel refused or could not be reached.
        """
        if self.demo or not post_type:
            return None
        return await replies.write_type_label(self.config, self.store, key, post_type, now=self.now(),
                                              env=self.env, transport=self.transport)

    async def write_assignee(self, key: str, assignee: str | None, *, previous: str | None) -> str | None:
        """After assigning: the same assignee on the item's channel, where it has assignees
        (GitHub, GitLab, Zendesk), in place of `previous`. One line saying what was written,
        or None (nothing to write; always None in the demo). The local assignment stands
        either way.

        Raises:
            SourceError: not written there: no login for the person, no token, or the
                channel refused or could not be reached.
        """
        if self.demo:
            return None
        return await assignees.write_assignee(self.config, self.store, key, assignee, previous=previous,
                                              now=self.now(), env=self.env, transport=self.transport)

    # --- responding -------------------------------------------------------------------

    async def reply(self, key: str, text: str, *, template: str | None = None,
                    seen: Seen | None = None) -> Outcome:
        """Save the text as the item's draft, then post it where the channel allows
        (see `send_reply`); in the demo nothing is sent.

        Never over a reply the user has not had: the thread is read from the channel first,
        and a reply that came after `seen` (what the user had when they began; by default
        what the store has now) stops the post with a `Collision`."""
        now = self.now()
        if seen is None:
            seen = await asyncio.to_thread(collisions.seen_now, self.store, key, now)
        return await replies.send_reply(self.config, self.store, key, text, now=now,
                                        template=template, env=self.env, transport=self.transport,
                                        demo=self.demo, seen=seen)

    # --- presence ---------------------------------------------------------------------

    def mark_replying(self, key: str) -> list[str]:
        """Mark the user as replying to `key` now (opening the editor, or its heartbeat);
        returns who else is."""
        now, me = self.now(), self.config.team.who
        self.store.presence.mark(key, me, now=now)
        return self.store.presence.on(key, now=now, besides=me)

    def done_replying(self, *keys: str) -> None:
        """The user closed the editor on these items."""
        for key in keys:
            self.store.presence.leave(key, self.config.team.who)

    async def file_bug(self, key: str) -> Filed:
        """File the item in Jira once, and remember the ticket on it."""
        if self.demo:
            raise UsageError("this is the demo workspace: nothing is filed")
        return await bugs.file_bug(self.config, self.store, key, now=self.now(), env=self.env,
                                   transport=self.transport)

    # --- the sweep --------------------------------------------------------------------

    def sweep(self, *, weekly: bool = False) -> tuple[Sweep, str]:
        """The Help Wanted sweep (or the weekly list) and its Slack mrkdwn."""
        now = self.now()
        built = sweeps.build_sweep(self.config, self.store, now=now, weekly=weekly)
        return built, sweeps.render(built, "mrkdwn", now)

    async def post_sweep(self, text: str) -> None:
        """Post the sweep's text to Slack through the `[slack]` webhook, once."""
        if self.demo:
            raise UsageError("this is the demo workspace: nothing is posted")
        await sweeps.post_to_webhook(sweeps.sweep_settings(self.config), text, env=self.env,
                                     transport=self.transport)
